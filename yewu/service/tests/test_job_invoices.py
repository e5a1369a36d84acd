"""`service.close_signature`: a paid job (A paid, B maintenance contract) becomes one invoice request in finance's
invoice flow on its completion day; C/D jobs none. Finance reads the paid jobs it invoices; the department manager
asked to improve reads that return visit; the complaint page writes the claim amount with separators."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.errors import Conflict
from yewu.customers.models import InvoiceChoice
from yewu.finance.models import InvoiceRequest, RequestState
from yewu.org.models import User
from yewu.service.jobs import services as jobs
from yewu.service.models import ReturnVisit

from .test_jobs_public import SIG


def _closed(svc, category, amount="300", customer=None):
    co = svc.co
    if category == "B":
        today = timezone.localdate()
        jobs.create_contract(co.cs, (customer or svc.cust).pk, today - timedelta(days=30), today + timedelta(days=300),
                             amount="8000")
    j = jobs.register_job(co.cs, jobs.JobIn(category=category, district="海珠", problem="维修",
                                            customer_id=(customer or svc.cust).pk))
    jobs.dispatch(co.cs, j.pk, co.sales2.pk)
    jobs.arrive(co.sales2, j.pk)
    return jobs.close_job(co.sales2, j.pk, work_done="已修好", signer_name="王工", signature=SIG, amount=amount)


def _web(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("category", ["A", "B"])
def test_paid_job_completion_asks_finance_for_one_invoice_of_its_fee(svc, category):
    svc.cust.invoice_choice = InvoiceChoice.GENERAL
    svc.cust.save()
    j = _closed(svc, category, amount="1234.50")
    reqs = list(InvoiceRequest.objects.all())
    assert len(reqs) == 1
    r = reqs[0]
    assert (r.customer_id, r.amount, r.kind, r.source) == (svc.cust.pk, Decimal("1234.50"), "general", f"service_job:{j.pk}")
    # the technician (an SP of another customer) closed it: the system asked, under the service rule, into SM review
    assert r.requested_by == svc.co.sales2 and r.state == RequestState.PENDING_REVIEW
    assert AuditEntry.objects.filter(object_id=str(r.pk), action="create", rule="service.close_signature").exists()
    # closing again is refused and asks nothing more
    with pytest.raises(Conflict):
        jobs.close_job(svc.co.sales2, j.pk, work_done="x", signer_name="王工", signature=SIG)
    assert InvoiceRequest.objects.count() == 1
    # shown on the job page and in finance's invoice list
    page = _web(svc.co.cs).get(f"/service/jobs/{j.pk}/").content.decode()
    assert r.number in page and "1,234.50" in page
    inv = _web(svc.co.finance).get("/finance/invoices/").content.decode()
    assert r.number in inv and f"/service/jobs/{j.pk}/" in inv and j.number in inv


@pytest.mark.parametrize("category", ["C", "D"])
def test_free_jobs_ask_no_invoice(svc, category):
    _closed(svc, category, amount=None)
    assert InvoiceRequest.objects.count() == 0


def test_vat_special_charge_below_threshold_waits_and_accumulates(svc):
    svc.cust.invoice_choice = InvoiceChoice.VAT_SPECIAL
    svc.cust.save()
    _closed(svc, "A", amount="3000")
    first = InvoiceRequest.objects.get()
    assert first.state == RequestState.WAITING
    j2 = _closed(svc, "A", amount="2500")
    second = InvoiceRequest.objects.get(source=f"service_job:{j2.pk}")
    first.refresh_from_db()
    assert second.amount == Decimal("5500.00") and second.state == RequestState.PENDING_REVIEW
    assert first.state == RequestState.MERGED and first.merged_into == second
    # the first job's API and page follow its charge into the merged request
    code, out = svc.get(svc.co.cs, f"/api/v1/service-jobs/{first.source.split(':')[1]}")
    inv = out["invoice"]
    assert (inv["request_number"], inv["merged_into"], inv["charge"], inv["request_amount"]) == (
        first.number, second.number, "3000.00", "5500.00")
    assert f"已并入 {second.number}（合计 ¥5,500.00）" in inv["text"]


def test_charge_request_is_bounded_and_idempotent_per_source(svc):
    from yewu.common.errors import ValidationError
    from yewu.finance.services import request_invoice_for_charge

    with pytest.raises(ValidationError):
        request_invoice_for_charge(svc.co.cs, customer_id=svc.cust.pk, kind="general", amount="1e20", source="x:1")
    a = request_invoice_for_charge(svc.co.cs, customer_id=svc.cust.pk, kind="general", amount="10", source="x:1")
    b = request_invoice_for_charge(svc.co.cs, customer_id=svc.cust.pk, kind="general", amount="10", source="x:1")
    assert a.pk == b.pk and InvoiceRequest.objects.count() == 1


def test_finance_opens_the_paid_job_it_is_linked_to_but_not_free_ones(svc):
    paid = _closed(svc, "A")
    free = _closed(svc, "C", amount=None)
    fin = _web(svc.co.finance)
    assert fin.get(f"/service/jobs/{paid.pk}/").status_code == 200
    assert fin.get(f"/service/jobs/{free.pk}/").status_code == 404
    # issue 15, no dead ends: the cashier reads the invoice list but not service jobs, so it gets no 服务单 link
    ca = _web(svc.co.cashier)
    inv = ca.get("/finance/invoices/").content.decode()
    assert paid.number in inv and f"/service/jobs/{paid.pk}/" not in inv
    assert ca.get(f"/service/jobs/{paid.pk}/").status_code == 404


def test_department_manager_opens_the_visit_asking_them_to_improve(svc):
    from yewu.service.revisits import services as revisits

    wh = User.objects.create_user(username="whlead", password="x", roles=["WH"], display_name="仓库主管")
    svc.wh_dept.manager = wh
    svc.wh_dept.save()
    v, _ = revisits.record_visit(svc.co.cs, revisits.VisitIn(
        channel="phone", contact="王经理", visited_at="2025-10-09 10:00", satisfaction="dissatisfied",
        opinion="送货太慢", customer_id=svc.cust.pk, improvement_department_id=svc.wh_dept.pk))
    c = _web(wh)
    page = c.get(f"/service/visits/{v.pk}/").content.decode()
    assert "送货太慢" in page
    # issue 15, no dead ends: the visit names its campaign and complaint; the links only for who may open them
    camp = revisits.create_campaign(svc.co.csmanager, "第四季度重点客户回访", timezone.localdate(), timezone.localdate())
    ReturnVisit.objects.filter(pk=v.pk).update(campaign=camp)
    page = c.get(f"/service/visits/{v.pk}/").content.decode()
    assert camp.name in page and f"/service/campaigns/{camp.pk}/" not in page
    assert c.get(f"/service/campaigns/{camp.pk}/").status_code == 403
    assert f"/service/campaigns/{camp.pk}/" in _web(svc.co.cs).get(f"/service/visits/{v.pk}/").content.decode()
    code, t = svc.post(svc.co.cs, "/api/v1/tickets", {"type": "complaint", "channel": "phone", "content": "送货太慢",
                                                      "customer_id": svc.cust.pk, "category": "delivery"})
    assert code == 201, t
    ReturnVisit.objects.filter(pk=v.pk).update(complaint_id=t["complaint_id"])
    page = c.get(f"/service/visits/{v.pk}/").content.decode()
    assert f"/service/complaints/{t['complaint_id']}/" not in page
    assert c.get(f"/service/complaints/{t['complaint_id']}/").status_code == 404
    assert f"/service/complaints/{t['complaint_id']}/" in _web(svc.co.cs).get(f"/service/visits/{v.pk}/").content.decode()
    other = User.objects.create_user(username="wh2", password="x", roles=["WH"], display_name="仓管")
    assert _web(other).get(f"/service/visits/{v.pk}/").status_code == 404


def test_complaint_page_writes_the_claim_amount_with_separators(svc):
    code, t = svc.post(svc.co.cs, "/api/v1/tickets", {"type": "claim", "channel": "phone", "content": "电缆绝缘层开裂",
                                                      "customer_id": svc.cust.pk, "category": "quality",
                                                      "claim_amount": "12000", "claim_materials": "照片"})
    assert code == 201, t
    page = _web(svc.co.cs).get(f"/service/complaints/{t['complaint_id']}/").content.decode()
    assert "¥12,000.00" in page and "12000.00" not in page


def _api_job(svc, user, pk):
    code, out = svc.get(user, f"/api/v1/service-jobs/{pk}")
    assert code == 200, out
    return out


def _page_invoice(user, pk) -> str:
    import re

    page = _web(user).get(f"/service/jobs/{pk}/").content.decode()
    m = re.search(r'<dd id="job-invoice">(.*?)</dd>', page, re.S)
    return m.group(1) if m else ""


def test_paid_job_api_and_page_say_when_finance_was_told_and_the_invoice_once_issued(svc):
    """`service.close_signature`: the job's invoice as the user needs it, one selector for the API and the page —
    told on the completion day (date and time), the request and its state, then the invoice number and amount."""
    from yewu.approvals import services as approvals
    from yewu.finance.services import issue_invoice

    svc.cust.invoice_choice = InvoiceChoice.GENERAL
    svc.cust.save()
    j = _closed(svc, "A", amount="1234.50")
    r = InvoiceRequest.objects.get(source=f"service_job:{j.pk}")
    told = timezone.localtime(j.closed_at).strftime("%Y-%m-%d %H:%M")
    inv = _api_job(svc, svc.co.cs, j.pk)["invoice"]
    assert inv["rule"] == "service.close_signature" and inv["requested_at"] is not None
    assert (inv["state"], inv["state_label"], inv["request_number"]) == ("pending_review", "待经理审核", r.number)
    assert (inv["charge"], inv["invoice_number"], inv["invoice_amount"], inv["issued_on"]) == ("1234.50", "", None, None)
    assert inv["text"].startswith(f"完工当日 {told} 已通知财务开票：开票申请 {r.number}（普通发票 ¥1,234.50）")
    assert inv["text"] in _page_invoice(svc.co.cs, j.pk)
    # the SM reviews it, finance issues it: the number and amount show on both
    ap = approvals.inbox(svc.co.manager)[0].request
    approvals.decide(svc.co.manager, ap.pk, True, "")
    assert _api_job(svc, svc.co.cs, j.pk)["invoice"]["state_label"] == "待财务开票"
    issue_invoice(svc.co.finance, r.pk, "04400123", issued_on=timezone.localdate())
    inv = _api_job(svc, svc.co.cs, j.pk)["invoice"]
    assert (inv["state"], inv["invoice_number"], inv["invoice_amount"]) == ("issued", "04400123", "1234.50")
    assert inv["issued_on"] == timezone.localdate().isoformat()
    assert "财务已开票：发票号码 04400123" in inv["text"] and "价税合计 ¥1,234.50" in inv["text"]
    assert inv["text"] in _page_invoice(svc.co.cs, j.pk)
    # the list answers the same
    code, rows = svc.get(svc.co.cs, "/api/v1/service-jobs")
    assert next(x for x in rows if x["id"] == j.pk)["invoice"] == inv


def test_job_invoice_for_free_jobs_notice_only_jobs_and_price_blind_technicians(svc):
    free = _closed(svc, "C", amount=None)
    assert _api_job(svc, svc.co.cs, free.pk)["invoice"] is None and _page_invoice(svc.co.cs, free.pk) == ""
    # a paid job without a customer: finance was told to look at the job, no request
    j = jobs.register_job(svc.co.cs, jobs.JobIn(category="A", district="海珠", problem="维修"))
    jobs.dispatch(svc.co.cs, j.pk, svc.co.sales2.pk)
    jobs.arrive(svc.co.sales2, j.pk)
    j = jobs.close_job(svc.co.sales2, j.pk, work_done="已修好", signer_name="王工", signature=SIG, amount="200")
    inv = _api_job(svc, svc.co.cs, j.pk)["invoice"]
    assert (inv["state"], inv["request_number"], inv["charge"]) == ("notified", "", "200.00")
    assert "未生成开票申请" in inv["text"] and inv["text"] in _page_invoice(svc.co.cs, j.pk)
    # a technician who may not see amounts (acl.ops_scope) gets the facts without the money
    qc = User.objects.create_user(username="qctech", password="x", roles=["QC"], display_name="质检技术员")
    paid = jobs.register_job(svc.co.cs, jobs.JobIn(category="A", district="海珠", problem="维修", customer_id=svc.cust.pk))
    jobs.dispatch(svc.co.cs, paid.pk, qc.pk)
    jobs.arrive(qc, paid.pk)
    jobs.close_job(qc, paid.pk, work_done="已修好", signer_name="王工", signature=SIG, amount="1234.50")
    inv = _api_job(svc, qc, paid.pk)["invoice"]
    assert inv["request_number"] and (inv["charge"], inv["request_amount"]) == (None, None)
    assert "1,234.50" not in inv["text"] and "1,234.50" not in _page_invoice(qc, paid.pk)
