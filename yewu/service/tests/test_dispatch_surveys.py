"""`service.dispatch` (undispatched calls first the next working day, a late repair to the service supervisor at
once, an unsolved on-site problem SP → SM → GM) and `service.survey_100pct` (every caller surveyed the next working
day; the monthly technician table)."""

from datetime import datetime

from django.test import Client

from yewu.common.models import Notification
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules
from yewu.policy.calendar import TZ
from yewu.service.jobs import selectors
from yewu.service.jobs import services as jobs
from yewu.service.models import ServiceJob

TUE = datetime(2025, 9, 16, 9, 0, tzinfo=TZ)


def test_unsolved_escalation_levels_in_working_hours(svc):
    cal, cfg = get_calendar(), get_policy()
    at = lambda *a: datetime(*a, tzinfo=TZ)  # noqa: E731
    assert rules.unsolved_escalation(TUE, TUE, cal, cfg).data["level"] == 1
    # 4 working hours after 09:00: 3 h in the morning, 1 h after the lunch break → 14:00 the SM
    d = rules.unsolved_escalation(TUE, at(2025, 9, 16, 13, 59), cal, cfg)
    assert d.data["level"] == 1 and d.data["next_at"] == at(2025, 9, 16, 14, 0)
    assert rules.unsolved_escalation(TUE, at(2025, 9, 16, 14, 0), cal, cfg).data["level"] == 2
    # 4 more: 14:00–17:30 is 3.5 h, the rest the next morning → Wed 09:00 the GM, and no further level
    d = rules.unsolved_escalation(TUE, at(2025, 9, 17, 9, 0), cal, cfg)
    assert d.data["level"] == 3 and d.data["role"] == "GM" and d.data["next_at"] is None and d.rule == "service.dispatch"


def _on_site(svc, category="C"):
    co = svc.co
    j = jobs.register_job(co.cs, jobs.JobIn(category=category, district="天河", problem="配电柜跳闸",
                                            customer_id=svc.cust.pk, registered_at=datetime(2025, 9, 15, 10, 0, tzinfo=TZ)))
    jobs.dispatch(co.cs, j.pk, co.cs.pk, now=datetime(2025, 9, 15, 10, 30, tzinfo=TZ))
    jobs.arrive(co.cs, j.pk, arrived_at=datetime(2025, 9, 15, 14, 0, tzinfo=TZ))
    return j


def _told(user, level, j) -> bool:
    return Notification.objects.filter(user=user, key=f"job-unsolved:{j.pk}:{level}", rule="service.dispatch").exists()


def test_unsolved_on_site_goes_sp_then_sm_then_gm_and_stops_when_closed(svc):
    co = svc.co  # svc.cust belongs to sales1 (team 一组, SM 李经理)
    j = _on_site(svc)
    jobs.report_unsolved(co.cs, j.pk, "需更换进口断路器，现场无备件", now=TUE)
    assert _told(co.sales1, 1, j) and _told(co.csmanager, 1, j) and not _told(co.manager, 2, j)
    assert jobs.escalate_unsolved(datetime(2025, 9, 16, 13, 59, tzinfo=TZ))["unsolved_escalated"] == 0
    assert jobs.escalate_unsolved(datetime(2025, 9, 16, 14, 0, tzinfo=TZ))["unsolved_escalated"] == 1
    assert _told(co.manager, 2, j) and not _told(co.manager2, 2, j) and not _told(co.gm, 3, j)
    assert jobs.escalate_unsolved(datetime(2025, 9, 17, 9, 0, tzinfo=TZ))["unsolved_escalated"] == 1
    assert _told(co.gm, 3, j) and ServiceJob.objects.get(pk=j.pk).unsolved_level == 3
    assert jobs.escalate_unsolved(datetime(2025, 9, 30, 9, 0, tzinfo=TZ))["unsolved_escalated"] == 0  # once each
    # a second report is refused naming the rule; the job page shows the chain reached
    c = Client()
    c.force_login(co.cs)
    r = c.post(f"/api/v1/service-jobs/{j.pk}/unsolved", {"note": "again"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["rule"] == "service.dispatch"
    assert "→ 总经理" in c.get(f"/service/jobs/{j.pk}/").content.decode()


def test_unsolved_report_needs_a_note_and_an_arrived_job(svc):
    co = svc.co
    j = jobs.register_job(co.cs, jobs.JobIn(category="D", district="番禺", problem="x"))
    c = Client()
    c.force_login(co.cs)
    r = c.post(f"/api/v1/service-jobs/{j.pk}/unsolved", {"note": "x"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["rule"] == "service.dispatch"  # not on site yet
    j2 = _on_site(svc)
    r = c.post(f"/api/v1/service-jobs/{j2.pk}/unsolved", {"note": "  "}, content_type="application/json")
    assert r.status_code == 400 and "note" in r.json()["fields"]
    assert ServiceJob.objects.get(pk=j2.pk).unsolved_at is None


def test_undispatched_calls_first_next_working_day(svc):
    co = svc.co
    old = jobs.register_job(co.cs, jobs.JobIn(category="C", district="天河", problem="昨天的报修",
                                              registered_at=datetime(2025, 9, 15, 16, 0, tzinfo=TZ)))
    new = jobs.register_job(co.cs, jobs.JobIn(category="C", district="天河", problem="今天的报修",
                                              registered_at=datetime(2025, 9, 16, 8, 40, tzinfo=TZ)))
    # the new one is due earlier?  no matter: yesterday's undispatched call goes first
    queue = selectors.job_queue(co.cs, now=datetime(2025, 9, 16, 9, 0, tzinfo=TZ))
    assert [j.pk for j in queue[:2]] == [old.pk, new.pk] and queue[0].first and not queue[1].first
    out = jobs.nightly(datetime(2025, 9, 16, 1, 0, tzinfo=TZ))
    assert out["undispatched"] == 1
    assert Notification.objects.filter(user=co.cs, rule="service.dispatch", key="jobs-first:2025-09-16").exists()
    # Saturday 2025-09-20 is not a working day: the reminder waits for Monday
    jobs.nightly(datetime(2025, 9, 20, 1, 0, tzinfo=TZ))
    assert not Notification.objects.filter(key="jobs-first:2025-09-20").exists()


def test_every_caller_of_a_day_gets_a_survey_reminder_the_next_working_day(svc):
    co = svc.co
    fri = datetime(2025, 9, 19, 10, 0, tzinfo=TZ)
    made = [jobs.register_job(co.cs, jobs.JobIn(category="C", district="天河", problem=f"报修 {i}", registered_at=fri))
            for i in range(3)]
    assert {j.survey.due_on.isoformat() for j in made} == {"2025-09-22"}  # Friday's callers → Monday
    assert jobs.survey_reminders(datetime(2025, 9, 19, 23, 0, tzinfo=TZ)) == 0
    assert jobs.nightly(datetime(2025, 9, 22, 1, 0, tzinfo=TZ))["surveys_due"] == 3
    n = Notification.objects.get(user=co.cs, key="surveys:2025-09-22")
    assert n.rule == "service.survey_100pct" and "3" in n.message
    c = Client()
    c.force_login(co.cs)
    page = c.get("/service/jobs/surveys/").content.decode()
    assert all(j.number in page for j in made) and "service.survey_100pct" in page
