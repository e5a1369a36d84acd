"""§2.6 `visit.plan_approval` (客户走访单) and `visit.minutes_2wd` (会谈纪要)."""

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yewu.approvals.services import decide
from yewu.common.errors import PermissionDenied, ValidationError, YewuError
from yewu.customers.models import Minutes, Visit, VisitPlan
from yewu.customers.services import VisitIn, log_visit
from yewu.customers.tasks import run_scan_deadlines
from yewu.customers.visits import services as visit_plans
from yewu.org.models import User
from yewu.policy.calendar import TZ


def login(user):
    c = Client()
    c.force_login(user)
    return c


def plan(user, customers, start_in=timedelta(hours=1)):
    s = timezone.now() + start_in
    return visit_plans.create_plan(user, [c.pk for c in customers], s, s + timedelta(hours=3), "介绍新品")


def test_approved_plan_makes_visit_planned(company, make_customer):
    c = make_customer(company.sales1)
    p = plan(company.sales1, [c])
    with pytest.raises(YewuError) as e:  # another team's SM
        decide(company.manager2, p.approval_id, True)
    assert e.value.status == 403
    decide(company.manager, p.approval_id, True, "同意")
    p.refresh_from_db()
    assert p.state == "approved" and not p.approved_late
    # the plan's day is the visit's day (shift it so the test does not depend on the clock near midnight)
    now = timezone.now()
    VisitPlan.objects.filter(pk=p.pk).update(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1))
    v = log_visit(company.sales1, c.pk, VisitIn(channel="visit", purpose="拜访"))
    assert v.plan_id == p.pk and v.unplanned is False


def test_visit_without_plan_or_other_customer_is_unplanned(company, make_customer):
    c1, c2 = make_customer(company.sales1), make_customer(company.sales1)
    p = plan(company.sales1, [c1])
    decide(company.manager, p.approval_id, True)
    now = timezone.now()
    VisitPlan.objects.filter(pk=p.pk).update(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1))
    assert log_visit(company.sales1, c2.pk, VisitIn(channel="visit", purpose="拜访")).unplanned is True
    assert log_visit(company.sales1, c1.pk, VisitIn(channel="phone", purpose="电话")).unplanned is False  # not outgoing


def test_plan_approved_after_start_leaves_visits_unplanned(company, make_customer):
    c = make_customer(company.sales1)
    p = plan(company.sales1, [c])
    now = timezone.now()
    VisitPlan.objects.filter(pk=p.pk).update(starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1))
    decide(company.manager, p.approval_id, True)
    p.refresh_from_db()
    assert p.state == "approved" and p.approved_late
    assert log_visit(company.sales1, c.pk, VisitIn(channel="visit", purpose="拜访")).unplanned is True


def test_plan_rules(company, make_customer):
    mine, other = make_customer(company.sales1), make_customer(company.sales3)
    with pytest.raises(ValidationError) as e:
        plan(company.sales1, [mine], start_in=timedelta(minutes=-1))
    assert e.value.rule == "visit.plan_approval"
    with pytest.raises(PermissionDenied):
        plan(company.sales1, [other])
    assert not VisitPlan.objects.exists()


def test_adm_sees_approved_plans_only(company, make_customer):
    adm = User.objects.create_user(username="adm", password="x", roles=["ADM"], display_name="行政")
    c = make_customer(company.sales1)
    p1, p2 = plan(company.sales1, [c]), plan(company.sales1, [c], start_in=timedelta(days=1))
    decide(company.manager, p1.approval_id, True)
    assert list(visit_plans.plans_visible_to(adm)) == [p1]
    assert set(visit_plans.plans_visible_to(company.manager)) == {p1, p2}
    assert list(visit_plans.plans_visible_to(company.sales3)) == []


def test_plan_api_and_page(company, make_customer, api_client):
    c = make_customer(company.sales1)
    s = timezone.localtime() + timedelta(days=1)
    r = api_client(company.sales1).post("/api/v1/customers/visit-plans", data=json.dumps({
        "customer_ids": [c.pk], "starts_at": s.isoformat(), "ends_at": (s + timedelta(hours=2)).isoformat(),
        "objectives": "回访"}), content_type="application/json")
    assert r.status_code == 201 and r.json()["state"] == "pending"
    p = VisitPlan.objects.get()
    body = login(company.manager).get("/visit-plans/").content.decode()
    assert "批准" in body and c.name in body
    r = login(company.manager).post(f"/customer-approvals/{p.approval_id}/decide/", {"decision": "approve", "next": "/visit-plans/"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.state == "approved"
    r = login(company.sales1).get(f"/visit-plans/{p.pk}.pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"


# --- minutes ------------------------------------------------------------------------------------------------


def meeting(company, c, at):
    return log_visit(company.sales1, c.pk, VisitIn(channel="visit", purpose="会谈", at=at, meeting=True, note_taker="张三"))


def test_minutes_due_2_working_days_boundary(company, make_customer):
    c = make_customer(company.sales1)
    at = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)  # Tue before National Day → due Fri 2025-10-10 23:59:59
    v1, v2 = meeting(company, c, at), meeting(company, c, at)
    due = datetime(2025, 10, 10, 23, 59, 59, tzinfo=TZ)
    m1 = visit_plans.write_minutes(company.sales1, v1.pk, note_taker="张三", content="谈价格", now=due)
    m2 = visit_plans.write_minutes(company.sales1, v2.pk, note_taker="张三", content="谈价格", now=due + timedelta(seconds=1))
    assert m1.due_at == due and m1.late is False and m2.late is True


def test_minutes_only_by_the_sp_who_met_and_once(company, make_customer):
    c = make_customer(company.sales1)
    v = meeting(company, c, timezone.now())
    with pytest.raises(PermissionDenied):
        visit_plans.write_minutes(company.manager, v.pk, note_taker="李经理", content="x")
    visit_plans.write_minutes(company.sales1, v.pk, note_taker="张三", content="x")
    with pytest.raises(visit_plans.Conflict):
        visit_plans.write_minutes(company.sales1, v.pk, note_taker="张三", content="y")
    phone = log_visit(company.sales1, c.pk, VisitIn(channel="phone", purpose="电话"))
    with pytest.raises(ValidationError):
        visit_plans.write_minutes(company.sales1, phone.pk, note_taker="张三", content="x")
    with pytest.raises(ValidationError):  # a meeting is face to face
        log_visit(company.sales1, c.pk, VisitIn(channel="phone", purpose="电话", meeting=True))


def test_minutes_review_send_confirm(company, make_customer):
    c = make_customer(company.sales1)
    m = visit_plans.write_minutes(company.sales1, meeting(company, c, timezone.now()).pk, note_taker="张三", content="x")
    with pytest.raises(PermissionDenied):
        visit_plans.review_minutes(company.manager2, m.pk, True)
    with pytest.raises(ValidationError):  # returning needs a note
        visit_plans.review_minutes(company.manager, m.pk, False)
    visit_plans.review_minutes(company.manager, m.pk, False, "补充报价")
    visit_plans.resubmit_minutes(company.sales1, m.pk, "x，已补充报价")
    visit_plans.review_minutes(company.manager, m.pk, True)
    visit_plans.advance_minutes(company.sales1, m.pk, "sent")
    m = visit_plans.advance_minutes(company.sales1, m.pk, "confirmed")
    assert m.state == Minutes.State.CONFIRMED and m.sent_at and m.confirmed_at
    r = login(company.sales1).get(f"/minutes/{m.pk}.pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    assert login(company.sales3).get(f"/minutes/{m.pk}.pdf").status_code == 404


def test_overdue_minutes_notify_sp_and_sm_once(company, make_customer):
    c = make_customer(company.sales1)
    v = meeting(company, c, datetime(2025, 9, 30, 10, 0, tzinfo=TZ))
    before = run_scan_deadlines(datetime(2025, 10, 10, 23, 59, 59, tzinfo=TZ))
    assert before["minutes"] == 0
    after = run_scan_deadlines(datetime(2025, 10, 11, 0, 0, 0, tzinfo=TZ))
    assert after["minutes"] == 2
    assert company.sales1.notifications.filter(rule="visit.minutes_2wd").exists()
    assert company.manager.notifications.filter(rule="visit.minutes_2wd").exists()
    assert run_scan_deadlines(datetime(2025, 10, 12, tzinfo=TZ))["minutes"] == 0
    visit_plans.write_minutes(company.sales1, v.pk, note_taker="张三", content="迟交")
    assert visit_plans.minutes_overdue() == []


def test_visit_form_meeting_then_minutes_from_page(company, make_customer):
    c = make_customer(company.sales1)
    sp = login(company.sales1)
    r = sp.post(f"/customers/{c.pk}/visits/new/", {"channel": "visit", "purpose": "商务会谈", "meeting": "on",
                                                   "note_taker": "张三"})
    assert r.status_code == 302
    v = Visit.objects.get(customer=c)
    assert v.meeting and v.unplanned
    body = sp.get(f"/customers/{c.pk}/").content.decode()
    assert "待写" in body and "无走访单" in body
    r = sp.post(f"/visits/{v.pk}/minutes/", {"note_taker": "张三", "content": "确认下单意向"})
    assert r.status_code == 302 and Minutes.objects.filter(visit=v).exists()
