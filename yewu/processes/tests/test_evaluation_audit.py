"""process.evaluation_audit: review periods and due dates, findings (10 WD, owner ≠ verifier, overdue), suggestions
(accepted → draft version + reward flag), access, pages and API."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.errors import PermissionDenied, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.org.selectors import get_calendar
from yewu.policy.calendar import WorkCalendar
from yewu.policy.config import PolicyConfig
from yewu.policy.processes import due_review, last_ended_period, period_containing, rectification_due
from yewu.processes import selectors, services
from yewu.processes.models import Finding, ProcessDefinition, ProcessReview, Suggestion
from yewu.processes.tasks import run_nightly

CAL = WorkCalendar()
RULE = "process.evaluation_audit"


# --- pure core ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("today,kind,label,end,due", [
    (date(2025, 10, 1), "evaluation", "2025-Q3", date(2025, 9, 30), date(2025, 10, 21)),  # 10 WD over National Day
    (date(2025, 9, 30), "evaluation", "2025-Q2", date(2025, 6, 30), date(2025, 7, 14)),   # last day of Q3: not ended yet
    (date(2026, 1, 1), "evaluation", "2025-Q4", date(2025, 12, 31), date(2026, 1, 15)),  # year boundary, 01-01 holiday
    (date(2025, 10, 1), "audit", "2025-H1", date(2025, 6, 30), date(2025, 7, 14)),
    (date(2026, 1, 1), "audit", "2025-H2", date(2025, 12, 31), date(2026, 1, 15)),
    (date(2026, 7, 1), "audit", "2026-H1", date(2026, 6, 30), date(2026, 7, 14)),
])
def test_review_period_and_due_at_period_boundaries(today, kind, label, end, due):
    p, d = due_review(kind, today, CAL)
    assert (p.label, p.end, d) == (label, end, due)


def test_cadence_is_a_setting():
    cfg = PolicyConfig.from_overrides({"process.evaluation_audit.evaluation_cadence": "monthly"})
    p, _ = due_review("evaluation", date(2025, 10, 1), CAL, cfg)
    assert (p.label, p.start, p.end) == ("2025-09", date(2025, 9, 1), date(2025, 9, 30))
    assert last_ended_period(date(2026, 3, 31), 3).label == "2025-Q4"
    assert period_containing(date(2026, 4, 1), 3).label == "2026-Q2"


def test_rectification_due_10_wd_crosses_national_day():
    # 2025-09-30 → 10-09 (1), 10-10, Sat 10-11 (调休上班), 10-13 … 10-21 (10)
    assert rectification_due(date(2025, 9, 30), CAL) == date(2025, 10, 21)
    assert rectification_due(date(2025, 9, 26), CAL) == date(2025, 10, 16)  # Sun 09-28 is a working day
    cfg = PolicyConfig.from_overrides({"process.evaluation_audit.rectify_wd": 5})
    assert rectification_due(date(2025, 9, 30), CAL, cfg) == date(2025, 10, 14)


# --- job ------------------------------------------------------------------------------------------------

@pytest.fixture
def p04_admin(builtin, admin_user):
    d = ProcessDefinition.objects.get(code="P04", status="published")
    d.administrator = admin_user
    d.save(update_fields=["administrator"])
    return d


def test_nightly_creates_each_due_review_once_and_notifies(company, builtin, p04_admin, admin_user):
    ProcessDefinition.objects.filter(status="published").update(effective_date=date(2025, 1, 1))
    out = run_nightly(date(2025, 10, 1))
    assert out["reviews"] == 24  # 12 processes × (Q3 evaluation + H1 audit)
    assert run_nightly(date(2025, 10, 2))["reviews"] == 0  # idempotent
    r = ProcessReview.objects.get(code="P04", kind="evaluation")
    assert (r.period, r.due_date, r.definition_id) == ("2025-Q3", date(2025, 10, 21), p04_admin.pk)
    assert Notification.objects.filter(user=admin_user, key=f"process-review:{r.pk}").exists()
    p01 = ProcessReview.objects.get(code="P01", kind="audit")  # no administrator → the GM
    assert Notification.objects.filter(user=company.gm, key=f"process-review:{p01.pk}").exists()
    assert not Notification.objects.filter(user=admin_user, key=f"process-review:{p01.pk}").exists()
    # not completed by its due date (2025-10-21 for Q3) → reminded once, the day after
    assert run_nightly(date(2025, 10, 21))["overdue_reviews"] == 0
    assert run_nightly(date(2025, 10, 22))["overdue_reviews"] == 12  # the Q3 evaluations (H1 audits were due in July)
    assert Notification.objects.filter(user=admin_user, key=f"process-review-overdue:{r.pk}").exists()
    assert run_nightly(date(2025, 10, 23))["overdue_reviews"] == 0
    # a process published after the period ended gets no review for it
    ProcessDefinition.objects.filter(code="P12").update(effective_date=date(2026, 1, 5))
    run_nightly(date(2026, 1, 5))
    assert not ProcessReview.objects.filter(code="P12", period="2025-Q4").exists()
    assert ProcessReview.objects.filter(code="P11", period="2025-Q4").exists()


# --- findings -------------------------------------------------------------------------------------------

@pytest.fixture
def review(company, p04_admin):
    return ProcessReview.objects.create(kind="audit", code="P04", definition=p04_admin, period="2025-H2",
                                        period_start=date(2025, 7, 1), period_end=date(2025, 12, 31),
                                        due_date=date(2026, 1, 15))


def test_finding_due_in_10_wd_owner_rectifies_owner_cannot_verify(company, review, admin_user):
    f = services.add_finding(admin_user, review.pk, "发货审批超时未升级", company.manager.pk)
    assert f.due_date == rectification_due(timezone.localdate(), get_calendar())
    assert Notification.objects.filter(user=company.manager, key=f"process-finding:{f.pk}").exists()
    with pytest.raises(PermissionDenied):  # only the owner rectifies
        services.rectify(company.gm, f.pk, "已处理")
    services.rectify(company.manager, f.pk, "增加每日逾期检查")
    f.refresh_from_db()
    assert f.state == "rectified"
    # the owner holds no GM/administrator role here; but even the GM may not verify a finding they own
    with pytest.raises(RuleRefused) as e:
        services.verify(company.manager, f.pk, True)
    assert e.value.rule == RULE and e.value.status == 403
    gm_owned = services.add_finding(admin_user, review.pk, "总经理审批口径不一", company.gm.pk)
    services.rectify(company.gm, gm_owned.pk, "统一口径")
    with pytest.raises(RuleRefused, match="不能验证自己"):
        services.verify(company.gm, gm_owned.pk, True)
    with pytest.raises(RuleRefused):  # a salesperson is neither GM nor administrator
        services.verify(company.sales1, f.pk, True)
    with pytest.raises(ValidationError):  # reopening needs a comment
        services.verify(admin_user, f.pk, False)
    services.verify(admin_user, f.pk, False, "未覆盖周末")
    f.refresh_from_db()
    assert f.state == "reopened"
    services.rectify(company.manager, f.pk, "周末也检查")
    services.verify(admin_user, f.pk, True, "已核实")
    f.refresh_from_db()
    assert (f.state, f.verified_by_id) == ("verified", admin_user.pk)
    actions = list(AuditEntry.objects.filter(object_type="processes.finding", object_id=str(f.pk))
                   .values_list("action", flat=True))
    assert actions.count("rectify") == 2 and "reopen" in actions and "verify" in actions


def test_overdue_findings_flagged_first_and_notified(company, review, admin_user):
    today = timezone.localdate()
    late = services.add_finding(admin_user, review.pk, "逾期问题", company.sales1.pk)
    fresh = services.add_finding(admin_user, review.pk, "未到期问题", company.sales1.pk, today + timedelta(days=30))
    Finding.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=1))
    Finding.objects.filter(pk=fresh.pk).update(due_date=today + timedelta(days=1))
    rows = selectors.findings(company.sales1)
    assert [f.pk for f in rows] == [late.pk, fresh.pk] and rows[0].overdue and not rows[1].overdue
    assert run_nightly(today)["overdue_notices"] == 2  # owner + process administrator
    assert Notification.objects.filter(user=company.sales1, key__startswith=f"process-finding-overdue:{late.pk}:").exists()
    assert run_nightly(today)["overdue_notices"] == 0
    with pytest.raises(ValidationError):
        services.add_finding(admin_user, review.pk, "x", company.sales1.pk, today - timedelta(days=1))


def test_finding_access(company, review, admin_user):
    with pytest.raises(PermissionDenied):  # only GM / 行政 / the process administrator record findings
        services.add_finding(company.sales1, review.pk, "问题", company.sales2.pk)
    f = services.add_finding(company.gm, review.pk, "问题", company.sales1.pk)
    assert [x.pk for x in selectors.findings(company.sales1)] == [f.pk]
    assert selectors.findings(company.sales2) == []
    assert [x.pk for x in selectors.findings(admin_user)] == [f.pk]


# --- suggestions ----------------------------------------------------------------------------------------

def test_suggestion_accepted_starts_a_draft_version_and_flags_reward(company, p04_admin, admin_user):
    s = services.submit_suggestion(company.sales1, "P04", "发货前增加电话确认收货地址")
    assert Notification.objects.filter(user=admin_user, key=f"process-suggestion:{s.pk}").exists()
    with pytest.raises(PermissionDenied):  # a colleague cannot decide
        services.decide_suggestion(company.sales2, s.pk, True)
    with pytest.raises(PermissionDenied):  # a manager who is not the administrator cannot decide
        services.decide_suggestion(company.manager, s.pk, True)
    s = services.decide_suggestion(admin_user, s.pk, True, "有效", start_version=True)
    assert (s.state, s.reward_flag) == ("accepted", True)
    d = s.new_version
    assert (d.code, d.version, d.status, d.based_on_id) == ("P04", 2, "draft", p04_admin.pk)
    assert "改进建议#" in d.change_note and d.steps.count() == p04_admin.steps.count()
    assert Notification.objects.filter(user=company.sales1, key=f"process-suggestion-decided:{s.pk}").exists()
    assert AuditEntry.objects.filter(object_type="processes.suggestion", object_id=str(s.pk), action="accept").exists()
    # rejection needs a comment, no reward; nobody decides their own suggestion
    r = services.submit_suggestion(company.sales2, "P04", "取消定金要求吧")
    with pytest.raises(ValidationError):
        services.decide_suggestion(company.gm, r.pk, False)
    r = services.decide_suggestion(company.gm, r.pk, False, "违反定金规则")
    assert (r.state, r.reward_flag, r.new_version_id) == ("rejected", False, None)
    own = services.submit_suggestion(company.gm, "P04", "总经理自己的建议")
    with pytest.raises(PermissionDenied):
        services.decide_suggestion(company.gm, own.pk, True)


def test_suggestion_visibility(company, builtin):
    a = services.submit_suggestion(company.sales1, "P01", "线索交接时间改为17:30")
    services.submit_suggestion(company.sales2, "P01", "线索应按区域分配")
    assert [s.pk for s in selectors.suggestions(company.sales1)] == [a.pk]
    assert len(selectors.suggestions(company.gm)) == 2
    with pytest.raises(ValidationError):
        services.submit_suggestion(company.sales1, "P01", "好")


# --- pages and API --------------------------------------------------------------------------------------

def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_pages(company, review, admin_user):
    f = services.add_finding(admin_user, review.pk, "发货审批超时未升级", company.sales1.pk)
    sp = login(company.sales1)
    detail = sp.get("/processes/P04/").content.decode()
    assert "评审与审计" in detail and "流程审计 2025-H2" in detail and "改进建议" in detail
    assert "完成流程审计" not in detail and "登记问题" not in detail  # a salesperson cannot complete or add findings
    r = sp.post("/processes/P04/suggest/", {"text": "增加发货短信通知客户", "next": "/processes/P04/"}, follow=True)
    assert "改进建议已提交" in r.content.decode()
    page = sp.get("/processes/improvement/").content.decode()
    assert "发货审批超时未升级" in page and "登记整改" in page and "增加发货短信通知客户" in page
    assert "奖励标记" not in page
    adm = login(admin_user)
    d = adm.get("/processes/P04/").content.decode()
    assert "完成流程审计" in d and "本期监控" in d
    r = adm.post(f"/processes/reviews/{review.pk}/complete/", {"summary": "整体按时", "next": "/processes/P04/"}, follow=True)
    assert "评估/审计已完成" in r.content.decode()
    review.refresh_from_db()
    assert review.done_by_id == admin_user.pk and "instances" in review.figures
    sp.post(f"/processes/findings/{f.pk}/rectify/", {"rectification": "已加提醒"})
    r = sp.post(f"/processes/findings/{f.pk}/verify/", {"action": "verify"}, follow=True)
    assert "不能验证自己" in r.content.decode() or "只有总经理" in r.content.decode()
    r = login(company.gm).post(f"/processes/findings/{f.pk}/verify/", {"action": "verify"}, follow=True)
    assert "整改已验证关闭" in r.content.decode()
    gm_page = login(company.gm).get("/processes/improvement/").content.decode()
    assert "奖励标记" in gm_page


def test_api(company, review, admin_user, api_client):
    gm = api_client(company.gm)
    r = gm.post("/api/v1/processes/findings", {"review_id": review.pk, "description": "审批链口径", "owner_id": company.sales1.pk},
                content_type="application/json")
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    assert r.json()["due_date"] == rectification_due(timezone.localdate(), get_calendar()).isoformat()
    sp = api_client(company.sales1)
    assert [x["id"] for x in sp.get("/api/v1/processes/findings").json()] == [fid]
    assert api_client(company.sales2).get("/api/v1/processes/findings").json() == []
    r = sp.post("/api/v1/processes/findings", {"review_id": review.pk, "description": "x", "owner_id": company.sales1.pk},
                content_type="application/json")
    assert r.status_code == 403 and r.json()["rule"] == RULE
    assert sp.post(f"/api/v1/processes/findings/{fid}/rectify", {"rectification": "已改"},
                   content_type="application/json").json()["state"] == "rectified"
    r = sp.post(f"/api/v1/processes/findings/{fid}/verify", {"approve": True}, content_type="application/json")
    assert r.status_code == 403 and r.json()["rule"] == RULE
    r = sp.post("/api/v1/processes/suggestions", {"code": "P04", "text": "审批结果短信通知"}, content_type="application/json")
    assert r.status_code == 201
    sid = r.json()["id"]
    r = gm.post(f"/api/v1/processes/suggestions/{sid}/decide", {"accept": True, "start_version": True},
                content_type="application/json")
    assert r.json()["reward_flag"] is True and r.json()["new_version"] == 2
    assert Suggestion.objects.get(pk=sid).new_version.status == "draft"
    assert len(gm.get("/api/v1/processes/reviews?code=P04").json()) == 1


def test_overdue_jobs_look_up_each_process_once_not_per_row(company, review, admin_user):
    """The nightly reminders read the process (and who answers for it) once per process, however many overdue
    findings/reviews it has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()

    def definition_queries(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn(today)
        return sum("processes_processdefinition" in q["sql"] for q in ctx.captured_queries)

    for i in range(3):
        f = services.add_finding(admin_user, review.pk, f"逾期问题{i}", company.sales1.pk)
        Finding.objects.filter(pk=f.pk).update(due_date=today - timedelta(days=1))
    ProcessReview.objects.create(kind="evaluation", code="P04", definition=review.definition, period="2025-Q4",
                                 period_start=date(2025, 10, 1), period_end=date(2025, 12, 31),
                                 due_date=date(2026, 1, 15))
    ProcessReview.objects.create(kind="audit", code="P04", definition=review.definition, period="2025-H1",
                                 period_start=date(2025, 1, 1), period_end=date(2025, 6, 30),
                                 due_date=date(2025, 7, 14))
    assert definition_queries(services.flag_overdue_findings) <= 2
    assert definition_queries(services.flag_overdue_reviews) <= 2


def test_finding_with_a_malformed_due_date_is_refused_naming_the_rule(company, review, admin_user):
    c = Client()
    c.force_login(admin_user)
    r = c.post(f"/processes/reviews/{review.pk}/findings/", {"description": "发货超时", "owner_id": company.sales1.pk,
                                                              "due_date": "2026-13-40"}, follow=True)
    page = r.content.decode()
    assert "整改期限不是有效日期（YYYY-MM-DD）" in page and f"（{RULE}）" in page
    assert not Finding.objects.filter(review=review).exists()
