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
    assert "[1/5]" in out.getvalue() and "[5/5]" in out.getvalue()  # progress, one line per phase
    counts = (Customer.objects.count(), Visit.objects.count(), AuditEntry.objects.count(), User.objects.count())
    # 200 archive customers, plus the new intentional customers the sales-management demo files (SPEC §7)
    assert 190 <= counts[0] <= 330 and counts[1] > 300
    from datetime import timedelta

    from django.utils import timezone

    from yewu.salesmgmt.leaderboard.selectors import board
    from yewu.salesmgmt.models import CoachingNote, DepartmentTable, MonthlyTarget, RouteVisit

    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    assert MonthlyTarget.objects.filter(month=this_month).count() == 7
    assert MonthlyTarget.objects.filter(month=last_month, late=False).count() == 7
    assert DepartmentTable.objects.filter(state="submitted", late=True).count() == 1
    assert DepartmentTable.objects.filter(state="submitted", late=False).count() >= 10
    assert CoachingNote.objects.exclude(note="").exists()
    # 线路拜访表: two completed visits two weeks apart (8 steps, counted lines, the next visit agreed); the second's
    # count gives a suggested order (route.safety_stock_1_5) confirmed into a real draft order
    first, rv = RouteVisit.objects.order_by("day")
    assert len(rv.steps) == 8 and rv.next_visit_on > rv.day and first.next_visit_on == rv.day
    assert (first.lines[0]["on_hand"], rv.lines[0]["on_hand"]) == (40, 3)
    assert rv.lines[0]["suggested"] == 20 and rv.lines[0]["qty"] == 20  # W = 37 × 7 / 28 = 9.25; 1.5 × W − 3 → 20
    assert rv.order is not None and rv.order.customer_id == rv.customer_id
    assert [ln.quantity for ln in rv.order.lines.all()] == [20]
    b = board(User.objects.get(username="gm"))
    assert len(b["rows"]) == 7 and sum(1 for r in b["rows"] if r["amount"] != "0.00") >= 2

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
