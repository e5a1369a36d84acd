"""The dispatched department's leader (and the GM for major complaints) finds the complaint's task in the approvals
inbox; and the issue's bad-input list, each case answered 4xx naming its rule and field with nothing changed."""

from django.test import Client

from yewu.audit.models import AuditEntry
from yewu.service.jobs import services as jobs
from yewu.service.models import Complaint, ServiceJob, Ticket

from .test_complaints import _complaint


def _inbox(user) -> str:
    c = Client()
    c.force_login(user)
    r = c.get("/approvals/")
    assert r.status_code == 200
    return r.content.decode()


def test_department_leader_gets_the_complaint_task_in_the_approvals_inbox(svc):
    co = svc.co
    cid = _complaint(svc)
    number = Complaint.objects.get(pk=cid).number
    assert number not in _inbox(svc.qa_lead)  # not yet dispatched
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    page = _inbox(svc.qa_lead)
    assert number in page and "请提出解决方案" in page and "complaint.solution_3wd" in page
    assert f"/service/complaints/{cid}/" in page
    assert number not in _inbox(co.manager) and number not in _inbox(co.cs)  # nobody else's task
    code, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "上门更换"}]})
    assert "请选定解决方案" in _inbox(svc.qa_lead)
    # flagged major: the selection moves to the GM's inbox
    svc.post(co.cs, f"/api/v1/complaints/{cid}/major", {"major": True})
    assert number in _inbox(co.gm) and "请选定解决方案" not in _inbox(svc.qa_lead)
    svc.post(co.gm, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
    assert number not in _inbox(co.gm) and number not in _inbox(svc.qa_lead)  # now CS consults the customer
    # the approval cards still work as before (the page answers, no task → no tasks heading)
    assert "其他待办" not in _inbox(co.sales1)


def test_bad_input_each_4xx_naming_rule_and_field_and_nothing_changes(svc):
    co = svc.co
    cid = _complaint(svc)
    before = (Ticket.objects.count(), AuditEntry.objects.count())
    cases = [
        # (user, url, body, status, rule, field)
        (co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "  ", "customer_id": svc.cust.pk},
         400, "ticket.first_response_1wd", "content"),
        (co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "长" * 2001,
                                    "customer_id": svc.cust.pk}, 422, "input.bounds", "content"),  # too long: refused with the limit
        (co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "x", "customer_id": svc.cust.pk,
                                    "received_at": "2099-01-01T10:00:00+08:00"}, 422, "ticket.first_response_1wd",
         "received_at"),
        (co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "", "department_id": svc.qa.pk},
         400, "complaint.reply_5wd", "finding"),
        (co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": 987654},
         400, "complaint.dispatch_same_day", "department_id"),
        (co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.wh_dept.pk},
         422, "complaint.dispatch_same_day", "department_id"),
        (co.cs, "/api/v1/return-visits", {"customer_id": svc.cust.pk, "channel": "phone", "contact": "",
                                          "satisfaction": "satisfied", "opinion": "无",
                                          "visited_at": "2025-09-30T10:00:00+08:00"}, 422, "revisit.record_complete",
         "contact"),
        (co.cs, f"/api/v1/complaints/{cid}/close", {}, 409, "complaint.close_satisfied", "step"),
    ]
    for user, url, body, status, rule, field in cases:
        code, err = svc.post(user, url, body)
        if len(str(body.get("content", ""))) > 2000:  # over-long text: the project-wide bound may answer instead
            assert code in (400, 422) and err.get("rule") in (rule, "input.bounds") and field in err["fields"]
            continue
        assert (code, err.get("rule")) == (status, rule) and field in err["fields"], (url, body, code, err)
    assert (Ticket.objects.count(), AuditEntry.objects.count()) == before
    assert Complaint.objects.get(pk=cid).step == "intake"
    # a solution chosen by someone who may not choose it
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": svc.qa.pk})
    code, c = svc.post(svc.qa_lead, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "上门更换"}]})
    for who in (co.cs, co.manager, co.sales1):
        code, err = svc.post(who, f"/api/v1/complaints/{cid}/select", {"solution_id": c["solutions"][0]["id"]})
        assert code in (403, 404) and (code == 404 or (err["rule"] == "complaint.solution_review"
                                                       and "solution_id" in err["fields"])), (who, code, err)
    assert Complaint.objects.get(pk=cid).selected_solution_id is None
    # a close without the required signature
    j = jobs.register_job(co.cs, jobs.JobIn(category="C", district="天河", problem="x"))
    jobs.dispatch(co.cs, j.pk, co.cs.pk)
    jobs.arrive(co.cs, j.pk)
    code, err = svc.post(co.cs, f"/api/v1/service-jobs/{j.pk}/close", {"work_done": "修好", "signer_name": "王工"})
    assert code == 422 and err["rule"] == "service.close_signature" and "signature" in err["fields"]
    assert ServiceJob.objects.get(pk=j.pk).state == "arrived"


def test_complaint_tasks_are_listed_by_the_api_like_the_inbox_page(svc):
    """`approval.inbox` over the API: GET /api/v1/approvals/tasks lists the complaint steps waiting on the user,
    with the rule id, the due time and the link — the same tasks the inbox page shows under 其他待办."""
    from yewu.org.models import Department

    co = svc.co
    cs_dept = Department.objects.create(name="客服部", manager=co.csmanager)
    cid = _complaint(svc, category="service")
    number = Complaint.objects.get(pk=cid).number
    assert svc.get(co.csmanager, "/api/v1/approvals/tasks") == (200, [])
    svc.post(co.cs, f"/api/v1/complaints/{cid}/judge", {"valid": True, "finding": "属实", "department_id": cs_dept.pk})
    code, c = svc.post(co.csmanager, f"/api/v1/complaints/{cid}/solutions", {"solutions": [{"text": "重新培训上门人员"}]})
    assert code == 200 and c["step"] == "selecting"
    code, tasks = svc.get(co.csmanager, "/api/v1/approvals/tasks")
    assert code == 200 and len(tasks) == 1
    t = tasks[0]
    assert number in t["label"] and "请选定解决方案" in t["label"]
    assert (t["source"], t["rule"], t["link"]) == ("complaint", "complaint.solution_review", f"/service/complaints/{cid}/")
    assert t["rule_name"] and t["step"] and t["overdue"] is False
    assert t["due_at"] == c["step_due_at"]
    page = _inbox(co.csmanager)
    assert number in page and "complaint.solution_review" in page  # the page lists the same task
    # the approvals list itself is unchanged: a complaint step is not an approval request
    assert svc.get(co.csmanager, "/api/v1/approvals/inbox") == (200, [])
    # a salesperson (even the customer's owner) has nothing to do here
    assert svc.get(co.sales1, "/api/v1/approvals/tasks") == (200, [])
    # flagged major: the selection waits on the GM instead (complaint.major_to_gm)
    svc.post(co.cs, f"/api/v1/complaints/{cid}/major", {"major": True})
    assert svc.get(co.csmanager, "/api/v1/approvals/tasks") == (200, [])
    code, gm_tasks = svc.get(co.gm, "/api/v1/approvals/tasks")
    assert [(x["rule"], x["link"]) for x in gm_tasks] == [("complaint.solution_review", f"/service/complaints/{cid}/")]
