"""SPEC §6.3 return visits and campaigns, and the service timers on the worker schedule."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from yewu.common import jobs as schedule
from yewu.common.models import Notification
from yewu.policy.calendar import TZ
from yewu.service import tasks
from yewu.service.jobs import services as jobs
from yewu.service.models import MaintenanceContract, ReturnVisit, VisitTask


def test_quiet_hours_warns_but_saves(svc):
    sunday_evening = datetime(2025, 10, 5, 21, 30, tzinfo=TZ)  # National Day holiday, 21:30
    code, v = svc.post(svc.co.cs, "/api/v1/return-visits", {
        "customer_id": svc.cust.pk, "channel": "phone", "contact": "王工", "satisfaction": "satisfied", "opinion": "无",
        "visited_at": sunday_evening.isoformat()})
    assert code == 201 and v["warnings"][0]["rule"] == "revisit.quiet_hours"
    assert ReturnVisit.objects.count() == 1


def test_future_visit_and_unknown_department_refused(svc):
    base = {"customer_id": svc.cust.pk, "channel": "phone", "contact": "王工", "satisfaction": "satisfied", "opinion": "无"}
    code, err = svc.post(svc.co.cs, "/api/v1/return-visits", {**base, "visited_at": (timezone.now() + timedelta(days=1)).isoformat()})
    assert code == 400 and "visited_at" in err["fields"]
    code, err = svc.post(svc.co.cs, "/api/v1/return-visits", {**base, "visited_at": timezone.now().isoformat(),
                                                               "improvement_department_id": 9999})
    assert code == 400 and "improvement_department_id" in err["fields"]
    assert svc.post(svc.co.sales1, "/api/v1/return-visits", {**base, "visited_at": timezone.now().isoformat()})[0] == 403
    assert ReturnVisit.objects.count() == 0


def test_campaign_includes_every_key_customer_and_closes_only_at_100pct(svc):
    co = svc.co
    for c in (svc.cust, svc.other):
        c.key_customer = True
        c.save()
    code, camp = svc.post(co.csmanager, "/api/v1/return-visits/campaigns",
                          {"name": "四季度重点客户回访", "starts_on": "2025-10-01", "ends_on": "2025-12-31"})
    assert code == 201 and camp["key_customers"] == 2
    svc.post(co.cs, "/api/v1/return-visits", {"customer_id": svc.cust.pk, "campaign_id": camp["id"], "channel": "phone",
                                              "contact": "王工", "satisfaction": "dissatisfied", "opinion": "交货慢",
                                              "visited_at": timezone.now().isoformat(),
                                              "improvement_department_id": svc.qa.pk})
    assert Notification.objects.filter(user=svc.qa_lead, rule="revisit.key_customers_100pct").exists()
    code, err = svc.post(co.csmanager, f"/api/v1/return-visits/campaigns/{camp['id']}/close", {"summary": "x"})
    assert code == 422 and err["rule"] == "revisit.key_customers_100pct"
    for n in range(2):
        svc.post(co.cs, f"/api/v1/return-visits/campaigns/{camp['id']}/failed-attempts",
                 {"customer_id": svc.other.pk, "note": f"第{n + 1}次无人接听"})
    code, err = svc.post(co.csmanager, f"/api/v1/return-visits/campaigns/{camp['id']}/sign-off", {"customer_id": svc.other.pk})
    assert code == 422 and "failed_attempts" in err["fields"]
    svc.post(co.cs, f"/api/v1/return-visits/campaigns/{camp['id']}/failed-attempts", {"customer_id": svc.other.pk, "note": "第3次"})
    assert svc.post(co.cs, f"/api/v1/return-visits/campaigns/{camp['id']}/sign-off", {"customer_id": svc.other.pk})[0] == 403
    assert svc.post(co.csmanager, f"/api/v1/return-visits/campaigns/{camp['id']}/sign-off", {"customer_id": svc.other.pk})[0] == 200
    code, out = svc.post(co.csmanager, f"/api/v1/return-visits/campaigns/{camp['id']}/close", {"summary": "完成"})
    assert code == 200 and out["closed"] and out["kpi"] == "50.0"


def test_timers_registered_on_the_worker_schedule_and_run(svc):
    assert schedule.JOBS["service_timers"].every_seconds == 300
    assert schedule.JOBS["service_nightly"].daily_at.hour == 1
    out = tasks.run_timers()
    assert {"tickets_overdue", "csm", "gm", "jobs_escalated"} <= set(out)


def test_maintenance_renewal_notice_one_month_before(svc):
    today = timezone.localdate()
    mc = jobs.create_contract(svc.co.csmanager, svc.cust.pk, today - timedelta(days=300), today + timedelta(days=25))
    far = jobs.create_contract(svc.co.csmanager, svc.other.pk, today, today + timedelta(days=200))
    out = tasks.run_nightly()
    assert out["renewal_notices"] == 1 and tasks.run_nightly()["renewal_notices"] == 0
    assert MaintenanceContract.objects.get(pk=mc.pk).renewal_notice_at and not MaintenanceContract.objects.get(pk=far.pk).renewal_notice_at
    assert Notification.objects.filter(user=svc.co.csmanager, rule="service.maintenance_renewal_1m").exists()


def test_first_delivery_visit_task_within_3_days(svc):
    from yewu.orders.models import Order

    Order.objects.create(number="YWXS-T-9", customer=svc.cust, salesperson=svc.co.sales1, settlement="cash",
                         delivery_address="x", status="delivered", delivered_on=date(2025, 9, 30), is_new_customer=True,
                         created_by=svc.co.sales1)
    assert tasks.run_nightly()["first_delivery_tasks"] == 1 and tasks.run_nightly()["first_delivery_tasks"] == 0
    t = VisitTask.objects.get()
    assert t.rule == "revisit.after_first_delivery_3d" and t.due_at.astimezone(TZ).date() == date(2025, 10, 3)
