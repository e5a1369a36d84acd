"""The service paper forms from live data (issue 12 "Forms", SPEC §9.1): each complaint form, the return-visit
record, the campaign summary report, the satisfaction survey, the service voucher and the technician table, as PDF
(CJK text, money in 人民币大写) and as Excel; reachable from the pages and only inside the reader's scope."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from yewu.service.complaints import services as complaints
from yewu.service.jobs import services as jobs
from yewu.service.revisits import services as revisits
from yewu.service.tickets.services import TicketIn, create_ticket

from .test_jobs_public import SIG


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def xlsx_text(data: bytes) -> str:
    ws = load_workbook(io.BytesIO(data)).active
    return "\n".join(" ".join(str(c) for c in row if c is not None) for row in ws.iter_rows(values_only=True))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _complaint_through_consult(svc):
    co = svc.co
    t = create_ticket(co.cs, TicketIn(type="claim", channel="phone", content="电缆绝缘层破损，要求赔偿", customer_id=svc.cust.pk,
                                      category="quality", claim_amount="12000", claim_materials="照片 3 张"))
    c = t.complaint
    complaints.judge(co.cs, c.pk, valid=True, finding="抽检属实，批次 2509", department_id=svc.qa.pk)
    complaints.propose(svc.qa_lead, c.pk, [{"text": "换货并补偿运费", "cost": "1052.63", "responsible": "李质检"}])
    return c


def test_every_complaint_form_as_pdf_and_excel_from_live_data(svc):
    c = _complaint_through_consult(svc)
    web = _client(svc.co.cs)
    page = web.get(f"/service/complaints/{c.pk}/").content.decode()
    expect = {"record": ("客户投诉记录表", "壹万贰仟元整"), "investigation": ("投诉调查表", "抽检属实"),
              "transfer": ("投诉传递单", "质检部长"), "opinion": ("客户意见表", "尚未征求客户意见"),
              "handling": ("客户投诉处理表", "壹仟零伍拾贰元陆角叁分")}
    for kind, (title, figure) in expect.items():
        for fmt in ("pdf", "xlsx"):
            url = f"/service/complaints/{c.pk}/documents/{kind}.{fmt}"
            assert url in page
            r = web.get(url)
            assert r.status_code == 200, url
            text = pdf_text(r.content) if fmt == "pdf" else xlsx_text(r.content)
            flat = text.replace("\n", "").replace(" ", "")
            assert title.replace(" ", "") in flat and figure.replace(" ", "") in flat, (kind, fmt)
    assert web.get(f"/service/complaints/{c.pk}/documents/nothing.pdf").status_code == 404
    assert _client(svc.co.sales3).get(f"/service/complaints/{c.pk}/documents/record.pdf").status_code == 404


def test_visit_record_campaign_report_survey_voucher_and_technician_table(svc):
    co = svc.co
    svc.cust.key_customer = True
    svc.cust.save(update_fields=["key_customer"])
    camp = revisits.create_campaign(co.csmanager, "2025年第四季度重点客户回访", date(2025, 10, 1), date(2025, 12, 31))
    v, _ = revisits.record_visit(co.cs, revisits.VisitIn(
        channel="phone", contact="王经理", visited_at="2025-10-09 10:00", satisfaction="dissatisfied",
        opinion="送货太慢", customer_id=svc.cust.pk, campaign_id=camp.pk, improvement_department_id=svc.qa.pk))
    j = jobs.register_job(co.cs, jobs.JobIn(category="A", district="天河", problem="接头发热", customer_id=svc.cust.pk))
    jobs.dispatch(co.cs, j.pk, co.cs.pk)
    jobs.arrive(co.cs, j.pk)
    j = jobs.close_job(co.cs, j.pk, work_done="更换接头", signer_name="王工", signature=SIG, amount="350")
    jobs.rate(co.cs, j.pk, {"attitude": 4, "skill": 3, "arrival": 4, "follow_through": 2})
    web = _client(co.csmanager)
    today = timezone.localtime(j.closed_at)
    month = f"{today.year}-{today.month:02d}"
    cases = [
        (f"/service/visits/{v.pk}/record", "回访记录表", "送货太慢"),
        (f"/service/campaigns/{camp.pk}/report", "回访总结报告", "质检部"),
        (f"/service/jobs/{j.pk}/documents/survey", "客户满意度调查表", "技术水平"),
        (f"/service/jobs/{j.pk}/documents/voucher", "服务凭证", "叁佰伍拾元整"),
    ]
    for base, title, figure in cases:
        for fmt in ("pdf", "xlsx"):
            r = web.get(f"{base}.{fmt}")
            assert r.status_code == 200, base
            text = (pdf_text(r.content) if fmt == "pdf" else xlsx_text(r.content)).replace("\n", "").replace(" ", "")
            assert title in text and figure in text, (base, fmt)
    report = pdf_text(web.get(f"/service/campaigns/{camp.pk}/report.pdf").content).replace("\n", "")
    assert "100.0%" in report and "不满意1" in report.replace(" ", "")  # coverage KPI and the satisfaction spread
    page = web.get(f"/service/jobs/technicians/?month={month}").content.decode()
    assert co.cs.name in page and "3.25" in page  # (4 + 3 + 4 + 2) / 4
    x = xlsx_text(web.get(f"/service/jobs/technicians/?month={month}&format=xlsx").content)
    assert co.cs.name in x and "3.25" in x
    assert _client(co.sales3).get(f"/service/jobs/{j.pk}/documents/voucher.pdf").status_code == 404
    assert _client(co.sales1).get(f"/service/jobs/technicians/?month={month}").status_code == 403


def test_forms_also_under_the_api_as_pdf_in_scope(svc, api_client):
    c = _complaint_through_consult(svc)
    cs, sp3 = api_client(svc.co.cs), api_client(svc.co.sales3)
    r = cs.get(f"/api/v1/complaints/{c.pk}/documents/transfer")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and "投诉传递单" in pdf_text(r.content)
    bad = cs.get(f"/api/v1/complaints/{c.pk}/documents/nothing")
    assert bad.status_code == 404 and "kind" in bad.json()["fields"]
    assert sp3.get(f"/api/v1/complaints/{c.pk}/documents/record").status_code == 404  # not their customer
    j = jobs.register_job(svc.co.cs, jobs.JobIn(category="C", district="天河", problem="x", customer_id=svc.cust.pk))
    for url in (f"/api/v1/service-jobs/{j.pk}/voucher", f"/api/v1/service-jobs/{j.pk}/survey-form"):
        r = cs.get(url)
        assert r.status_code == 200 and r.content[:4] == b"%PDF", url
