"""`approval.overdue`: past its limit a step reminds its approver; 1 WD later it escalates to the superior
(SM → GM, CS → CSM), who may then decide it. Parallel stages (contract review)."""

from datetime import datetime, timedelta

import pytest

from yewu.approvals import services
from yewu.approvals.models import ApprovalStep
from yewu.audit.models import AuditEntry
from yewu.common import jobs
from yewu.common.errors import RuleRefused
from yewu.common.models import Notification
from yewu.policy.approvals import superior_role
from yewu.policy.calendar import TZ

DUE = datetime(2025, 9, 30, 23, 59, 59, tzinfo=TZ)  # Tue before National Day
ESCALATE = datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)  # 1 WD later: Thu 10-09 (10-01…10-08 holidays)


def start(company, roles=("SM",), steps=None, submitter=None):
    req = services.start(doc_type="demo_doc", doc_id="X-1", submitter=submitter or company.sales1, roles=list(roles),
                         steps=steps, label="订单 X-1", link="/orders/1/", team=company.team1)
    req.steps.filter(state="pending").update(due_at=DUE)
    return req


def test_superiors_documented():
    assert superior_role("SM") == "GM" and superior_role("CS") == "CSM" and superior_role("FIN") == "FD"
    assert superior_role("GM") is None


def test_reminder_then_escalation_at_the_boundaries(company):
    req = start(company)
    assert services.scan_overdue(DUE) == {"reminded": 0, "escalated": 0}
    assert services.scan_overdue(DUE + timedelta(seconds=1)) == {"reminded": 1, "escalated": 0}
    n = Notification.objects.get(user=company.manager, rule="approval.overdue")
    assert "逾期" in n.message and "2025-09-30 23:59" in n.message
    assert services.scan_overdue(ESCALATE) == {"reminded": 0, "escalated": 0}  # reminded once, not yet escalated
    assert services.inbox(company.gm) == []
    with pytest.raises(RuleRefused):
        services.decide(company.gm, req.pk, True)
    assert services.scan_overdue(ESCALATE + timedelta(seconds=1)) == {"reminded": 0, "escalated": 1}
    assert services.scan_overdue(ESCALATE + timedelta(days=3)) == {"reminded": 0, "escalated": 0}
    step = req.steps.get()
    assert step.escalated_to == "GM"
    assert Notification.objects.filter(user=company.gm, rule="approval.overdue", key__startswith="approval-escalated").exists()
    assert AuditEntry.objects.filter(action="escalate", rule="approval.overdue", object_id=str(req.pk)).exists()
    # the superior now has it and may decide; the SM still may too
    assert [s.request_id for s in services.inbox(company.gm)] == [req.pk]
    assert [s.request_id for s in services.inbox(company.manager)] == [req.pk]
    services.decide(company.gm, req.pk, True, "经理逾期，总经理代批")
    req.refresh_from_db()
    assert req.state == "approved"


def test_gm_step_is_only_reminded(company):
    req = start(company, roles=("GM",))
    services.scan_overdue(ESCALATE + timedelta(days=10))
    assert req.steps.get().escalated_to == "" and Notification.objects.filter(user=company.gm, rule="approval.overdue").count() == 1


def test_parallel_stage_and_cs_escalates_to_csm(company):
    steps = [{"role": "CS", "limit_wd": 1, "stage": 0}, {"role": "FIN", "limit_wd": 1, "stage": 0},
             {"role": "GM", "limit_wd": 1, "stage": 1}]
    req = start(company, steps=steps)
    assert sorted(s.role for s in req.steps.filter(state="pending")) == ["CS", "FIN"]
    services.decide(company.finance, req.pk, True)
    assert req.steps.get(role="GM").state == "waiting"  # CS still open
    services.scan_overdue(ESCALATE + timedelta(seconds=1))
    cs_step = req.steps.get(role="CS")
    assert cs_step.escalated_to == "CSM"
    assert Notification.objects.filter(user=company.csmanager, key__startswith="approval-escalated").exists()
    services.decide(company.csmanager, req.pk, True)
    assert req.steps.get(role="GM").state == "pending"
    services.decide(company.gm, req.pk, True)
    req.refresh_from_db()
    assert req.state == "approved" and ApprovalStep.objects.filter(request=req, state="approved").count() == 3


def test_job_is_scheduled_every_five_minutes():
    assert jobs.JOBS["approvals_overdue"].every_seconds == 300
    assert jobs.JOBS["orders_timers"].every_seconds == 300
    assert jobs.JOBS["orders_nightly"].daily_at.hour == 1
    from django.utils.module_loading import import_string

    for name in ("approvals_overdue", "orders_timers", "orders_nightly"):
        assert hasattr(import_string(jobs.JOBS[name].task), "enqueue")


def test_one_person_never_fills_both_parallel_steps(company):
    from yewu.org.models import User

    dual = User.objects.create_user(username="dual", password="x", roles=["CS", "FIN"], display_name="兼岗")
    steps = [{"role": "CS", "limit_wd": 1, "stage": 0}, {"role": "FIN", "limit_wd": 1, "stage": 0}]
    req = start(company, steps=steps)
    services.decide(dual, req.pk, True)
    with pytest.raises(RuleRefused) as e:
        services.decide(dual, req.pk, True)
    assert e.value.rule == "sod.no_self_approval"
    services.decide(company.finance, req.pk, True)
    req.refresh_from_db()
    assert req.state == "approved"


def test_dated_delegation(company, api_client):
    from datetime import date

    from django.utils import timezone

    today = timezone.localdate()
    req = start(company)
    mgr = api_client(company.manager)
    # only one's own role; not to oneself; not ending in the past
    r = mgr.post("/api/v1/approvals/delegations", {"delegate_id": company.sales2.pk, "role": "GM", "starts_on": str(today),
                                                   "ends_on": str(today)}, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "approval.overdue"
    r = mgr.post("/api/v1/approvals/delegations", {"delegate_id": company.sales2.pk, "role": "SM",
                                                   "starts_on": "2020-01-01", "ends_on": "2020-01-02"},
                 content_type="application/json")
    assert r.status_code == 400
    assert services.inbox(company.sales2) == []
    r = mgr.post("/api/v1/approvals/delegations", {"delegate_id": company.sales2.pk, "role": "SM", "starts_on": str(today),
                                                   "ends_on": str(today), "reason": "出差"}, content_type="application/json")
    assert r.status_code == 201
    dg_id = r.json()["id"]
    assert AuditEntry.objects.filter(action="delegate", rule="approval.overdue").exists()
    assert [s.request_id for s in services.inbox(company.sales2)] == [req.pk]
    # the delegate never decides own documents
    own = services.start(doc_type="demo_doc", doc_id="X-2", submitter=company.sales2, roles=["SM"], team=company.team1)
    with pytest.raises(RuleRefused):
        services.decide(company.sales2, own.pk, True)
    # revoked: gone; the delegator must still hold the role
    mgr.post(f"/api/v1/approvals/delegations/{dg_id}/revoke")
    assert services.inbox(company.sales2) == []
    services.delegate(company.manager, delegate_id=company.sales2.pk, role="SM", starts_on=today, ends_on=date(2099, 1, 1))
    company.manager.roles = ["SP"]
    company.manager.save()
    with pytest.raises(RuleRefused):
        services.decide(company.sales2, req.pk, True)
    company.manager.roles = ["SM"]
    company.manager.save()
    services.decide(company.sales2, req.pk, True, "代批")
    req.refresh_from_db()
    assert req.state == "approved"
    e = AuditEntry.objects.filter(action="approve", object_id=str(req.pk)).latest("id")
    assert e.after["on_behalf_of"] == company.manager.pk
