"""SPEC §6.2 complaints through /api/v1/complaints: the 5-step workflow with its clocks and holders, who may
decide, one winner per step, claims reviewed by the SM, escalation, close only when satisfied."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.service.complaints import services
from yewu.service.models import Complaint, Ticket


def _complaint(svc, category="quality", type="complaint", **extra):
    code, t = svc.post(svc.co.cs, "/api/v1/tickets", {"type": type, "channel": "phone", "content": "电缆绝缘层开裂",
                                                      "customer_id": svc.cust.pk, "category": category, **extra})
    assert code == 201, t
    return t["complaint_id"]


def _visit(svc, cid, sat, **kw):
    return svc.post(svc.co.cs, "/api/v1/return-visits", {
        "complaint_id": cid, "channel": "phone", "contact": "王工", "satisfaction": sat, "opinion": "无",
        "visited_at": timezone.now().isoformat(), **kw})


def test_full_workflow_with_every_clock_and_holder(svc):
    co = svc.co
    cid = _complaint(svc)
    code, c = svc.get(co.cs, f"/api/v1/complaints/{cid}")
    assert c["step"] == "intake" and c["holder"].startswith("客服")
    assert c["steps"][0]["rule"] == "complaint.intake" and c["steps"][0]["due_at"] == c["reply_due_at"]
    # judged valid and dispatched to the quality department's leader, 3-WD clock
    code, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实",
                                                                  "department_id": svc.qa.pk})
    assert code == 200 and c["step"] == "proposing" and c["holder"] == "质检部 质检部长"
    assert c["step_rule"] == "complaint.solution_3wd" and c["step_due_at"]
    assert Notification.objects.filter(user=svc.qa_lead, rule="complaint.solution_3wd").exists()
    assert Ticket.objects.get(complaint__pk=cid).state == "transferred"  # ticket.first_response_1wd: transferred
    # the leader sees it (department scope) and proposes two solutions
    assert [x["id"] for x in svc.get(svc.qa_lead, "/api/v1/complaints")[1]] == [cid]
    code, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions",
                       {"solutions": [{"text": "上门更换"}, {"text": "退货", "cost": "500"}]})
    assert code == 200 and c["step"] == "selecting" and len(c["solutions"]) == 2
    # a CS agent may not select; the leader does
    code, err = svc.post(co.cs, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert code == 403 and err["rule"] == "complaint.solution_review"
    code, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert c["step"] == "consulting"
    # a second decision on the closed step: 409, nothing changes
    code, err = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][1]["id"]})
    assert code == 409 and Complaint.objects.get(pk=cid).selected_solution_id == c["solutions"][0]["id"]
    code, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/consult", {"agrees": True, "opinion": "同意更换"})
    assert c["step"] == "implementing"
    code, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/implement", {"note": "已更换"})
    assert c["step"] == "followup" and c["step_rule"] == "complaint.followup_5wd"
    # quality complaints need 2 return visits: close refused after one
    assert _visit(svc, cid, "satisfied")[0] == 201
    code, err = svc.post(co.cs, f"/api/v1/complaints/{cid}/close")
    assert code == 422 and err["rule"] == "complaint.followups_by_type"
    assert Complaint.objects.get(pk=cid).step == "followup"
    _visit(svc, cid, "very_satisfied")
    code, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/close")
    assert code == 200 and c["step"] == "closed" and c["outcome"] == "resolved"
    assert all(s["state"] in ("done", "late") for s in c["steps"])
    actions = list(AuditEntry.objects.filter(object_type="service.complaint", object_id=str(cid)).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["create", "dispatch", "propose", "select", "consult", "implement", "close"]


def test_unfounded_closes_with_reply(svc):
    cid = _complaint(svc, category="other")
    code, c = svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": False, "finding": "客户误用"})
    assert c["step"] == "closed" and c["outcome"] == "unfounded"
    assert Complaint.objects.get(pk=cid).replied_at is not None


def test_unknown_department_or_leaderless_refused_and_nothing_changes(svc):
    cid = _complaint(svc)
    code, err = svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "x", "department_id": 9999})
    assert code == 400 and err["rule"] == "complaint.dispatch_same_day" and "department_id" in err["fields"]
    code, err = svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "x",
                                                                        "department_id": svc.wh_dept.pk})
    assert code == 422 and "department_id" in err["fields"]
    assert Complaint.objects.get(pk=cid).step == "intake"


def _to_consulting(svc, cid):
    svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    _, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "方案"}]})
    _, c = svc.post(svc.qa_lead if not c["major"] else svc.co.gm, f"/api/v1/complaints/{cid}/select",
                    {"solution_id": c["solutions"][-1]["id"]})
    return c


def test_disagree_new_3wd_clock_second_rejection_to_gm(svc):
    co = svc.co
    cid = _complaint(svc, category="service")
    _to_consulting(svc, cid)
    _, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/consult", {"agrees": False, "opinion": "不接受"})
    assert c["step"] == "proposing" and c["step_rule"] == "complaint.solution_3wd" and c["rejections"] == 1
    _, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "方案二"}]})
    _, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][-1]["id"]})
    _, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/consult", {"agrees": False, "opinion": "还是不接受"})
    assert c["step"] == "gm_review" and c["holder"].startswith("总经理")
    code, err = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert code == 403
    code, c = svc.post(co.gm, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert code == 200 and c["step"] == "implementing"


def test_major_selected_by_gm_only_and_gm_notified(svc):
    co = svc.co
    cid = _complaint(svc)
    code, c = svc.post(co.cs, f"/api/v1/complaints/{cid}/major", {"major": True})
    assert c["major"] and Notification.objects.filter(user=co.gm, rule="complaint.major_to_gm").exists()
    assert svc.post(co.sales1, f"/api/v1/complaints/{cid}/major", {"major": False})[0] in (403, 404)
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    _, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "方案"}]})
    assert c["holder"].startswith("总经理")
    code, err = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert code == 403 and err["rule"] == "complaint.solution_review"
    assert svc.post(co.gm, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})[0] == 200


def test_claim_reviewed_by_sm_before_selection(svc):
    co = svc.co
    cid = _complaint(svc, type="claim", claim_amount="12000", claim_materials="照片、检测报告")
    c = Complaint.objects.get(pk=cid)
    assert c.is_claim and c.claim_state == "pending" and c.claim_approval.steps.get().role == "SM"
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    _, body = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "赔偿"}]})
    code, err = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": body["solutions"][0]["id"]})
    assert code == 422 and err["rule"] == "claim.manager_review"
    approvals.decide(co.manager, c.claim_approval_id, True, "材料齐全")
    assert Complaint.objects.get(pk=cid).claim_state == "approved"
    assert svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/select", {"solution_id": body["solutions"][0]["id"]})[0] == 200


def test_claim_missing_amount_refused(svc):
    code, err = svc.post(svc.co.cs, "/api/v1/tickets", {"type": "claim", "channel": "phone", "content": "索赔",
                                                        "customer_id": svc.cust.pk})
    assert code == 400 and "claim_amount" in err["fields"]
    assert Complaint.objects.count() == 0


def test_dissatisfied_visit_reopens_at_investigation(svc):
    cid = _complaint(svc, category="delivery")
    _to_consulting(svc, cid)
    svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/consult", {"agrees": True, "opinion": "同意"})
    svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/implement", {})
    _visit(svc, cid, "dissatisfied")
    c = Complaint.objects.get(pk=cid)
    assert c.step == "proposing" and c.reopens == 1 and c.step_rule == "complaint.solution_3wd"


def test_visit_record_incomplete_refused(svc):
    cid = _complaint(svc)
    code, err = _visit(svc, cid, "satisfied", contact="")
    assert code == 422 and err["rule"] == "revisit.record_complete" and "contact" in err["fields"]
    code, err = _visit(svc, cid, "", opinion="")
    assert code == 422 and set(err["fields"]) == {"satisfaction", "opinion"}


def test_escalate_overdue_csm_then_gm(svc):
    co = svc.co
    cid = _complaint(svc)
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    c = Complaint.objects.get(pk=cid)
    out = services.escalate_overdue(c.step_due_at + timedelta(minutes=1))
    assert out["csm"] == 1 and out["gm"] == 0
    assert Notification.objects.filter(user=co.csmanager, rule="complaint.escalate_overdue").exists()
    assert services.escalate_overdue(c.step_due_at + timedelta(minutes=2))["csm"] == 0  # once
    out = services.escalate_overdue(c.step_due_at + timedelta(days=20))
    assert out["gm"] == 1 and Notification.objects.filter(user=co.gm, rule="complaint.escalate_overdue").exists()


def test_other_department_leader_and_sp_of_other_customer_cannot_see(svc):
    from yewu.org.models import Department, User

    other_lead = User.objects.create_user(username="ol", password="x", roles=["WH"], display_name="另一部长")
    Department.objects.create(name="生产部", manager=other_lead)
    cid = _complaint(svc)
    svc.post(svc.co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    assert svc.get(other_lead, f"/api/v1/complaints/{cid}")[0] == 404
    assert svc.get(svc.co.sales3, f"/api/v1/complaints/{cid}")[0] == 404
    assert svc.get(svc.co.sales1, f"/api/v1/complaints/{cid}")[0] == 200
    assert svc.post(other_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "x"}]})[0] == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_selection_has_exactly_one_winner(company, make_customer, api_client):
    """Two threads select different solutions of one step at once: exactly one wins, the other gets 409."""
    from yewu.common.errors import Conflict
    from yewu.org.models import Department, User
    from yewu.service.tickets.services import TicketIn, create_ticket

    lead = User.objects.create_user(username="lead", password="x", roles=["QC"], display_name="部长")
    dept = Department.objects.create(name="质检部", manager=lead)
    cust = make_customer(company.sales1, name="并发测试客户")
    t = create_ticket(company.cs, TicketIn(type="complaint", channel="phone", content="x", customer_id=cust.pk,
                                           category="quality"))
    cid = t.complaint.pk
    services.judge(company.cs, cid, valid=True, finding="x", department_id=dept.pk)
    services.propose(lead, cid, [{"text": "A"}, {"text": "B"}])
    sols = list(Complaint.objects.get(pk=cid).solutions.values_list("pk", flat=True))
    results, barrier = [], threading.Barrier(2)

    def run(actor, sid):
        try:
            barrier.wait()
            services.select(actor, cid, sid)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as e:  # SQLite may report a lock instead; that is also "not a second winner"
            results.append(type(e).__name__)
        finally:
            connection.close()

    ts = [threading.Thread(target=run, args=(lead, sols[0])), threading.Thread(target=run, args=(company.gm, sols[1]))]
    for x in ts:
        x.start()
    for x in ts:
        x.join()
    assert results.count("ok") == 1, results
    c = Complaint.objects.get(pk=cid)
    assert c.step == "consulting" and c.selected_solution_id in sols
    assert AuditEntry.objects.filter(object_type="service.complaint", object_id=str(cid), action="select").count() == 1


def test_major_suggestion_recorded_for_claim_over_10000(svc):
    cid = _complaint(svc, type="claim", claim_amount="10000.00")
    e = AuditEntry.objects.get(object_type="service.complaint", object_id=str(cid), action="create")
    assert e.decision["rule"] == "complaint.major_to_gm" and e.decision["suggest_major"] is True
    assert Decimal(Complaint.objects.get(pk=cid).claim_amount) == Decimal("10000.00")


def test_monthly_analysis_counts_and_handling_rate(svc):
    from django.utils import timezone as tz

    from yewu.service.complaints.selectors import monthly_analysis

    a = _complaint(svc, category="quality")
    _complaint(svc, category="delivery")
    svc.post(svc.co.cs, f"/api/v1/complaints/{a}/judge", {"valid": False, "finding": "误用"})
    today = tz.localdate()
    d = monthly_analysis(today.year, today.month)
    assert d["received"] == 2 and d["closed"] == 1 and d["handling_rate"] == 50.0
    assert d["by_category"] == {"产品/工程质量": 1, "交货": 1}
    code, body = svc.get(svc.co.csmanager, f"/api/v1/complaints/analysis?year={today.year}&month=13")
    assert code == 400 and body["rule"] == "complaint.monthly_analysis"
