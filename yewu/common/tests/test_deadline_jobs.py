"""The deadline timers and the nightly job (yewu/customers/tasks.py): each notifies once, however often it runs."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.customers import services as s
from yewu.customers.models import Customer
from yewu.customers.tasks import lead_allocation_deadline, run_nightly, run_scan_deadlines
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy.calendar import TZ


def _file(actor, name, mobile, *, owner=None, now=None, lead=False):
    data = s.CustomerIn(name=name, city="广州", source="direct",
                        contacts=[s.ContactIn(name="陈生", mobile=mobile)])
    if lead:
        return s.enter_lead(actor, data, now=now)[0]
    return s.file_customer(actor, data, owner=owner, now=now)[0]


def test_first_contact_overdue_notifies_the_owners_manager_once(company):
    now = timezone.now()
    c = _file(company.manager, "广州市宏达电缆有限公司", "13800138000", owner=company.sales1,
              now=now - timedelta(days=10))
    fresh = _file(company.sales2, "广州市永兴五金有限公司", "13800138001", now=now - timedelta(days=2))
    contacted = _file(company.sales1, "广州市金盛照明有限公司", "13800138002", now=now - timedelta(days=10))
    s.log_visit(company.sales1, contacted.pk, s.VisitIn(channel="phone", purpose="初次沟通",
                                                        at=now - timedelta(days=9)))

    assert run_scan_deadlines(now)["first_contact"] == 1
    n = Notification.objects.get(rule="cust.first_contact_1w")
    assert n.user == company.manager  # the owner's SM, not the other team's
    assert n.key == f"first_contact:{c.pk}:{c.assigned_at.isoformat()}"
    assert "宏达" in n.message and "逾期" in n.message
    # runs every 5 minutes: still one notification
    assert run_scan_deadlines(now + timedelta(minutes=5))["first_contact"] == 0
    assert Notification.objects.filter(rule="cust.first_contact_1w").count() == 1
    # the key ends with a timestamp, so match the prefix: ":11:" is also a minute of the hour
    assert not Notification.objects.filter(key__startswith=f"first_contact:{fresh.pk}:").exists()


def test_lead_awaiting_allocation_past_one_working_day_notifies_every_sm_once(company):
    # received Tue 2025-09-30 10:00 -> handed over 18:00 that day -> due by end of the next working day,
    # Thu 10-09 (10-01..10-08 are the National Day holidays)
    received = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    due = lead_allocation_deadline(received, get_calendar(), get_policy())
    assert due == datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)
    # after 18:00 the hand-over is the next day
    assert lead_allocation_deadline(datetime(2025, 9, 29, 18, 30, tzinfo=TZ), get_calendar(), get_policy()) == due

    lead = _file(company.leads, "广州市华通机电有限公司", "13900139000", now=received, lead=True)
    assert run_scan_deadlines(due)["lead_allocation"] == 0  # not past due yet
    assert run_scan_deadlines(due + timedelta(seconds=1))["lead_allocation"] == 2  # manager and manager2
    assert run_scan_deadlines(due + timedelta(hours=1))["lead_allocation"] == 0
    assert set(Notification.objects.filter(key=f"lead_allocation:{lead.pk}").values_list("user__username", flat=True)) \
        == {"manager", "manager2"}


def test_nightly_drops_expired_confidentiality_once_and_audits_it(company):
    c = _file(company.sales1, "广州市恒昌建材有限公司", "13700137000")
    s.update_customer(company.manager, c.pk, {"confidentiality": "confidential"})
    Customer.objects.filter(pk=c.pk).update(confidentiality_expires_on=date(2025, 1, 1))
    still = _file(company.sales1, "广州市鑫源电器有限公司", "13700137001")
    s.update_customer(company.manager, still.pk, {"confidentiality": "confidential"})

    at = datetime(2025, 1, 2, 1, 0, tzinfo=TZ)
    assert run_nightly(at)["confidentiality_expired"] == 1
    c.refresh_from_db()
    still.refresh_from_db()
    assert c.confidentiality == "internal" and still.confidentiality == "confidential"
    entry = AuditEntry.objects.get(object_id=str(c.pk), rule="cust.confidentiality", actor__isnull=True)
    assert entry.before["confidentiality"] == "confidential" and entry.after["confidentiality"] == "internal"
    assert run_nightly(at + timedelta(days=1))["confidentiality_expired"] == 0


def test_nightly_suggests_grade_a_customers_as_key_customers_once(company):
    c = _file(company.sales3, "佛山市粤通线束有限公司", "13600136000")
    s.update_customer(company.manager2, c.pk, {"demand_grade": "A"})
    assert run_nightly()["key_customer_suggested"] == 1
    n = Notification.objects.get(rule="cust.key_customer")
    assert n.user == company.manager2 and n.key == f"key_customer:{c.pk}"
    assert run_nightly()["key_customer_suggested"] == 0
