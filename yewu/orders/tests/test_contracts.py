"""Contracts (SPEC §4.4): when required, parallel review with checklist, GM for major, no signing before all
pass, number at signing, filing within 1 WD, release waits for the signed contract; ledger and review form."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from yewu.common.models import Notification
from yewu.orders import tasks
from yewu.orders.contracts import services as contracts
from yewu.orders.models import Contract
from yewu.orders.ordering import services
from yewu.policy import orders as rules

from .test_delivery import ops  # noqa: F401  (fixture)
from .test_documents import pdf_text
from .test_orders_api import make_existing

CHECK = {"economics": "利润合理", "feasibility": "可按期交货", "legality": "条款合法", "price": "不低于底价"}
DD = {"licence": "有效至2030年", "reputation": "良好", "performance": "近一年无违约", "qualifications": "齐全"}


@pytest.mark.parametrize("settlement,total,custom,required", [
    ("CREDIT", "19999.99", "0", False), ("CREDIT", "20000.00", "0", True), ("PREPAY", "500000.00", "0", False),
    ("CASH", "100.00", "100.00", True),
])
def test_contract_required_boundaries(settlement, total, custom, required):
    from decimal import Decimal

    r = rules.contract_required(settlement, Decimal(total), Decimal(custom))
    assert (r is not None) == required
    if r:
        assert r.rule == "contract.required"


@pytest.mark.parametrize("amount,gm", [("99999.99", False), ("100000.00", True)])
def test_review_steps_major_at_100k(amount, gm):
    from decimal import Decimal

    steps, d = rules.contract_review_steps(Decimal(amount))
    assert [(s["role"], s["stage"]) for s in steps] == [("CS", 0), ("FIN", 0)] + ([("GM", 1)] if gm else [])


def credit_order(shop, qty="200"):
    """Existing customer, CREDIT 20,000.00: no approval needed, but a contract is (CREDIT ≥ 20,000.00)."""
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, qty, "100.00")])
    return services.submit_order(shop.company.sales1, o.pk)


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_contract_flow_parallel_review_sign_number_release(shop, ops, api_client):  # noqa: F811
    co = shop.company
    o = credit_order(shop)
    assert o.status == "ready"
    sp, cs, fin, wh = api_client(co.sales1), api_client(co.cs), api_client(co.finance), api_client(ops.wh)
    line = o.lines.get().pk
    ship = {"lines": [{"line_id": line, "quantity": "1"}]}
    r = post(wh, f"/api/v1/orders/{o.pk}/shipments", ship)
    assert r.status_code == 422 and r.json()["rule"] == "contract.required" and "20,000.00" in r.json()["message"]
    r = post(sp, "/api/v1/contracts", {"order_id": o.pk, "terms": "送货上门，月结30天"})
    assert r.status_code == 201
    cid = r.json()["id"]
    assert r.json()["number"] is None
    # no signing before review
    r = post(sp, f"/api/v1/contracts/{cid}/sign")
    assert r.status_code == 422 and r.json()["rule"] == "contract.review_1wd"
    r = post(sp, f"/api/v1/contracts/{cid}/submit")
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    assert [(x["role"], x["state"]) for x in r.json()["reviews"]] == [("CS", "pending"), ("FIN", "pending")]
    # both reviewers have it at once (parallel), each due within 1 WD
    assert [i["doc_type"] for i in cs.get("/api/v1/approvals/inbox").json()] == ["contract"]
    assert [i["doc_type"] for i in fin.get("/api/v1/approvals/inbox").json()] == ["contract"]
    due = timezone.localtime(timezone.now()).date()
    from yewu.org.selectors import get_calendar

    assert r.json()["reviews"][0]["due_at"].startswith(get_calendar().add_working_days(due, 1).isoformat())
    # the checklist and the credit opinion are required, also through the generic approval endpoint
    r = post(cs, f"/api/v1/approvals/{r.json()['approval_id']}/approve")
    assert r.status_code == 400 and r.json()["rule"] == "contract.review_1wd"
    r = post(cs, f"/api/v1/contracts/{cid}/review", {"approve": True, "checklist": {**CHECK, "legality": ""}})
    assert r.status_code == 400 and r.json()["rule"] == "contract.review_1wd"
    assert set(r.json()["fields"]) == {"checklist.legality", "credit_opinion"}
    # a salesperson cannot review
    assert post(sp, f"/api/v1/contracts/{cid}/review", {"approve": True, "checklist": CHECK,
                                                        "credit_opinion": "x"}).status_code == 403
    r = post(fin, f"/api/v1/contracts/{cid}/review", {"approve": True, "checklist": CHECK, "credit_opinion": "额度内，同意"})
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    assert post(sp, f"/api/v1/contracts/{cid}/sign").status_code == 422  # CS has not passed yet
    r = post(cs, f"/api/v1/contracts/{cid}/review", {"approve": True, "checklist": CHECK, "credit_opinion": "信用良好"})
    assert r.json()["status"] == "approved"
    assert {x["role"]: x["credit_opinion"] for x in r.json()["reviews"]} == {"CS": "信用良好", "FIN": "额度内，同意"}
    # signing assigns YWXS-YYYYMMDD-NN of the signing date
    r = post(sp, f"/api/v1/contracts/{cid}/sign", {"signed_on": (due + timedelta(days=1)).isoformat()})
    assert r.status_code == 400
    r = post(sp, f"/api/v1/contracts/{cid}/sign")
    assert r.status_code == 200 and r.json()["number"] == f"YWXS-{due:%Y%m%d}-01" and r.json()["status"] == "signed"
    assert post(sp, f"/api/v1/contracts/{cid}/sign").status_code == 409
    # release now allowed
    assert post(wh, f"/api/v1/orders/{o.pk}/shipments", ship).status_code == 201
    # filing: CS only, with the scan
    scan = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    assert sp.post(f"/api/v1/contracts/{cid}/file", {"scan": scan}).status_code == 403
    scan.seek(0)
    r = cs.post(f"/api/v1/contracts/{cid}/file", {"scan": scan})
    assert r.status_code == 200 and r.json()["status"] == "filed"


def _approved_contract(shop, qty="200"):
    co = shop.company
    o = credit_order(shop, qty)
    c = contracts.create_contract(co.sales1, o.pk)
    contracts.submit_review(co.sales1, c.pk)
    contracts.review(co.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
    contracts.review(co.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
    return Contract.objects.get(pk=c.pk)


def test_numbers_per_day_never_reused(shop):
    c1 = _approved_contract(shop)
    o2, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                  lines=[services.LineIn(shop.cable.pk, "250", "100.00")])
    c2 = contracts.create_contract(shop.company.sales1, o2.pk)
    contracts.submit_review(shop.company.sales1, c2.pk)
    contracts.review(shop.company.cs, c2.pk, True, checklist=CHECK, credit_opinion="同意")
    contracts.review(shop.company.finance, c2.pk, True, checklist=CHECK, credit_opinion="同意")
    today = timezone.localdate()
    n1 = contracts.sign(shop.company.sales1, c1.pk).number
    n2 = contracts.sign(shop.company.sales1, c2.pk).number
    assert (n1, n2) == (f"YWXS-{today:%Y%m%d}-01", f"YWXS-{today:%Y%m%d}-02")


def test_major_contract_needs_gm_after_both_reviews(shop, api_client):
    co = shop.company
    make_existing(shop, shop.gz)
    from yewu.customers.models import Customer

    Customer.objects.filter(pk=shop.gz.pk).update(credit_limit="500000.00")
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "1000", "100.00")])  # 100,000.00
    c = contracts.create_contract(co.sales1, o.pk)
    c = contracts.submit_review(co.sales1, c.pk)
    assert c.is_major
    contracts.review(co.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
    gm = api_client(co.gm)
    assert gm.get("/api/v1/approvals/inbox").json() == []  # GM waits for both reviews
    c = contracts.review(co.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
    assert c.status == "in_review"
    assert [i["doc_type"] for i in gm.get("/api/v1/approvals/inbox").json()] == ["contract"]
    c = contracts.review(co.gm, c.pk, True, comment="同意签订")
    assert c.status == "approved"


def test_rejection_returns_and_resubmission_restarts(shop):
    co = shop.company
    o = credit_order(shop)
    c = contracts.create_contract(co.sales1, o.pk)
    contracts.submit_review(co.sales1, c.pk)
    c = contracts.review(co.finance, c.pk, False, checklist=CHECK, credit_opinion="超额度", comment="额度不足")
    assert c.status == "rejected"
    c = contracts.submit_review(co.sales1, c.pk)
    assert c.status == "in_review" and c.approval.steps.filter(state="pending").count() == 2


def test_new_customer_needs_due_diligence_first(shop, api_client):
    co = shop.company
    new = shop.customer("新签客户")
    o, _ = services.create_order(co.sales1, customer_id=new.pk, settlement="CASH",
                                 lines=[services.LineIn(shop.custom.pk, "1", "1000.00")])
    sp = api_client(co.sales1)
    cid = post(sp, "/api/v1/contracts", {"order_id": o.pk}).json()["id"]
    r = post(sp, f"/api/v1/contracts/{cid}/submit")
    assert r.status_code == 422 and r.json()["rule"] == "contract.review_1wd" and "due_diligence.licence" in r.json()["fields"]
    r = post(sp, f"/api/v1/contracts/{cid}/submit", {"due_diligence": DD})
    assert r.status_code == 200 and r.json()["status"] == "in_review"


def test_filing_deadline_flag(shop):
    c = _approved_contract(shop)
    c = contracts.sign(shop.company.sales1, c.pk, signed_on=None)
    Contract.objects.filter(pk=c.pk).update(signed_on=date(2025, 9, 30))
    from yewu.org.selectors import get_calendar

    due = rules.contract_filing_due(date(2025, 9, 30), get_calendar())
    assert due.isoformat() == "2025-10-09T23:59:59+08:00"
    Contract.objects.filter(pk=c.pk).update(filing_due_at=due)
    assert tasks.flag_unfiled_contracts(due) == 0
    assert tasks.flag_unfiled_contracts(due + timedelta(seconds=1)) == 1
    assert tasks.flag_unfiled_contracts(due + timedelta(days=1)) == 0
    assert Notification.objects.filter(user=shop.company.csmanager, rule="contract.filing_1wd").count() == 1


def test_ledger_and_review_form(shop, api_client):
    c = _approved_contract(shop)
    c = contracts.sign(shop.company.sales1, c.pk)
    cs = api_client(shop.company.csmanager)
    r = cs.get("/api/v1/contracts/ledger.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[v for v in row] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert rows[0][1] == c.number and rows[0][3] == "广州老客户" and rows[0][6] == 20000
    month = timezone.localdate().strftime("%Y-%m")
    assert cs.get(f"/api/v1/contracts/ledger.xlsx?month={month}").status_code == 200
    assert cs.get("/api/v1/contracts/ledger.xlsx?month=bad").status_code == 400
    r = cs.get(f"/api/v1/contracts/{c.pk}/review.pdf")
    assert r.status_code == 200
    from .test_documents import save

    save("contract_review.pdf", r.content)
    text = pdf_text(r.content)
    assert "合同评审单" in text and c.number in text and "利润合理" in text and "贰万元整" in text
