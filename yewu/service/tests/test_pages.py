"""The service pages as a user sees them: quick entry (search, unknown caller), the ticket page with its deadline
and rule, the complaint page with each step's due time and holder, the analysis as screen, Excel and PDF."""

from django.test import Client

from yewu.service.models import Complaint, Ticket


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_quick_entry_search_and_create(svc):
    c = login(svc.co.cs)
    page = c.get("/service/tickets/new/?q=gzdl").content.decode()
    assert "广州电缆贸易有限公司" in page and "ticket.first_response_1wd" in page
    r = c.post(f"/service/tickets/new/?customer_id={svc.cust.pk}", {
        "customer_id": svc.cust.pk, "type": "tracking", "channel": "phone", "content": "查货"})
    assert r.status_code == 302
    t = Ticket.objects.get()
    page = c.get(r.url).content.decode()
    assert t.number in page and "ticket.first_response_1wd" in page and "在途订单" in page
    # unknown caller without region: refused with the field named, nothing saved
    page = c.post("/service/tickets/new/", {"type": "inquiry", "channel": "phone", "content": "x"}, follow=True)
    assert "地区" in page.content.decode() and Ticket.objects.count() == 1


def test_sp_cannot_open_quick_entry_and_menu_shows_service_for_cs(svc):
    assert login(svc.co.sales1).get("/service/tickets/new/").status_code == 403
    assert 'href="/service/"' in login(svc.co.cs).get("/").content.decode()
    assert 'href="/service/"' not in login(svc.co.sales1).get("/").content.decode()


def test_complaint_page_shows_steps_due_times_and_holder(svc):
    cs = login(svc.co.cs)
    cs.post("/service/tickets/new/", {"customer_id": svc.cust.pk, "type": "complaint", "channel": "phone",
                                      "content": "绝缘层开裂", "category": "quality"})
    comp = Complaint.objects.get()
    cs.post(f"/service/complaints/{comp.pk}/judge/", {"valid": "1", "finding": "属实", "department_id": svc.qa.pk})
    page = login(svc.qa_lead).get(f"/service/complaints/{comp.pk}/").content.decode()
    for text in ("complaint.solution_3wd", "complaint.reply_5wd", "质检部 质检部长", "提出解决方案"):
        assert text in page, text
    r = login(svc.qa_lead).post(f"/service/complaints/{comp.pk}/propose/", {"solutions": "更换\n退货"}, follow=True)
    assert "已保存" in r.content.decode() and Complaint.objects.get().step == "selecting"
    r = cs.post(f"/service/complaints/{comp.pk}/select/", {"solution_id": comp.solutions.first().pk}, follow=True)
    assert "complaint.solution_review" in r.content.decode() and Complaint.objects.get().step == "selecting"


def test_desk_and_analysis_downloads(svc):
    from datetime import date

    cm = login(svc.co.csmanager)
    assert cm.get("/service/").status_code == 200
    today = date.today()
    page = cm.get(f"/service/complaints/analysis/?month={today:%Y-%m}").content.decode()
    assert "complaint.monthly_analysis" in page
    x = cm.get(f"/service/complaints/analysis/?month={today:%Y-%m}&format=xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    p = cm.get(f"/service/complaints/analysis/?month={today:%Y-%m}&format=pdf")
    assert p.status_code == 200 and p.content[:4] == b"%PDF"
    assert login(svc.co.cs).get("/service/complaints/analysis/").status_code == 403


def test_complaint_that_is_a_service_request_links_a_job_and_survey_from_the_page(svc):
    from yewu.service.models import ServiceJob

    cs = login(svc.co.cs)
    cs.post("/service/tickets/new/", {"customer_id": svc.cust.pk, "type": "complaint", "channel": "phone",
                                      "content": "设备不工作", "category": "service"})
    comp = Complaint.objects.get()
    assert "转报修服务单" in cs.get(f"/service/complaints/{comp.pk}/").content.decode()
    r = cs.post("/service/jobs/new/", {"category": "C", "district": "天河", "problem": "设备不工作",
                                       "customer_id": svc.cust.pk, "complaint_id": comp.pk})
    j = ServiceJob.objects.get()
    assert r.status_code == 302 and j.complaint_id == comp.pk
    cs.post(f"/service/jobs/{j.pk}/survey/", {"attitude": "4", "skill": "3", "arrival": "4", "follow_through": "4"})
    j.survey.refresh_from_db()
    assert j.survey.ratings == {"attitude": 4, "skill": 3, "arrival": 4, "follow_through": 4}
