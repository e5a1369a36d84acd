"""`yewu loaddemo`: the demo company loads through the real services and a second run changes nothing."""

from io import StringIO

from django.core.management import call_command

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer, Visit
from yewu.customers.selectors import manager_worklist
from yewu.org.models import User
from yewu.policy.customers import name_key


def test_loaddemo_is_complete_and_idempotent(db):
    out = StringIO()
    call_command("loaddemo", stdout=out)
    assert "demo1234" in out.getvalue() and "csmanager" in out.getvalue()
    counts = (Customer.objects.count(), Visit.objects.count(), AuditEntry.objects.count(), User.objects.count())
    assert 190 <= counts[0] <= 210 and counts[1] > 300

    for username in ["gm", "manager", "manager2", "sales1", "sales2", "sales3", "leads", "finance", "cashier", "cs",
                     "csmanager", "admin"]:
        assert User.objects.get(username=username).check_password("demo1234"), username
    assert User.objects.get(username="admin").is_superuser
    assert Customer.objects.filter(city="广州").count() > counts[0] / 2
    assert Customer.objects.filter(confidentiality="confidential").exists()
    assert Customer.objects.filter(owner__isnull=True, is_web_lead=True).count() >= 3
    for c in Customer.objects.all()[:50]:
        assert c.name_key == name_key(c.name) and c.search_initials and c.contacts.exists()
    work = manager_worklist(User.objects.get(username="manager"))
    assert work["first_contact_overdue"] and work["pending_review"] and work["pool"]

    out = StringIO()
    call_command("loaddemo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Customer.objects.count(), Visit.objects.count(), AuditEntry.objects.count(), User.objects.count()) == counts
