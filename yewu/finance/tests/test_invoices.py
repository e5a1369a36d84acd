"""Invoices: `invoice.vat_min_5000` (SPEC's 2,000 + 2,500 wait, + 800 → one 5,300 special invoice; boundary
4,999.99 / 5,000.00), `invoice.flow` (SP request → SM review → FIN issues; red-letter only; VAT 13%),
invoices never above what was delivered, and the register export."""

import io
from datetime import date

import openpyxl

from yewu.approvals.models import ApprovalRequest
from yewu.approvals.services import decide
from yewu.finance.models import Invoice, InvoiceRequest, RequestState

J = "application/json"


def post(client, url, body):
    return client.post(url, body, content_type=J)


def shipped(books, amount, on=date(2026, 1, 5), customer=None):
    return books.order(customer or books.gz, [("1", amount, None)], shipped_on=on)


def sm_approves(books, req_id):
    ap = ApprovalRequest.objects.get(doc_type="invoice_request", doc_id=str(req_id))
    decide(books.co.manager, ap.pk, True)


def test_spec_example_accumulates_to_one_special_invoice(books, api_client):
    sp, fin = api_client(books.co.sales1), api_client(books.co.finance)
    o1 = shipped(books, "2000.00")
    r1 = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"}).json()
    assert (r1["state"], r1["amount"], r1["rule"]) == ("waiting", "2000.00", "invoice.vat_min_5000")
    o2 = shipped(books, "2500.00")
    r2 = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special",
                                       "lines": [{"order_id": o2.pk, "amount": "2500.00"}]}).json()
    assert r2["state"] == "waiting" and "累计未开票 4,500.00" in r2["message"] and "还差 500.00" in r2["message"]
    acc = {x["customer"]: x for x in sp.get("/api/v1/invoices/uninvoiced").json()}["广州老客户"]
    assert (acc["delivered"], acc["uninvoiced"], acc["waiting"], acc["in_flow"]) == ("4500.00", "4500.00", "4500.00", "0.00")
    # FIN cannot issue a waiting request; the refusal names the rule
    x = post(fin, f"/api/v1/invoices/{r2['id']}/issue", {"tax_number": "No.1"})
    assert x.status_code == 409 and x.json()["rule"] == "invoice.vat_min_5000"
    o3 = shipped(books, "800.00")
    r3 = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special",
                                       "lines": [{"order_id": o3.pk, "amount": "800.00"}]}).json()
    assert (r3["state"], r3["amount"]) == ("pending_review", "5300.00")
    assert sorted(r3["merged"]) == sorted([r1["number"], r2["number"]])
    assert sorted((ln["order_id"], ln["amount"]) for ln in r3["lines"]) == sorted(
        [(o1.pk, "2000.00"), (o2.pk, "2500.00"), (o3.pk, "800.00")])
    assert InvoiceRequest.objects.get(pk=r1["id"]).state == RequestState.MERGED
    # SP cannot issue; FIN cannot before SM review
    assert post(sp, f"/api/v1/invoices/{r3['id']}/issue", {"tax_number": "x"}).status_code == 403
    assert post(fin, f"/api/v1/invoices/{r3['id']}/issue", {"tax_number": "x"}).status_code == 409
    sm_approves(books, r3["id"])
    x = post(fin, f"/api/v1/invoices/{r3['id']}/issue", {"tax_number": "", "issued_on": "2026-02-01"})
    assert x.status_code == 400  # the tax-system number is required
    x = post(fin, f"/api/v1/invoices/{r3['id']}/issue", {"tax_number": "44001234", "issued_on": "2026-02-01"}).json()
    inv = x["invoices"][0]
    # VAT 13%: 5,300.00 / 1.13 = 4,690.27 + 609.73
    assert (inv["amount"], inv["net_amount"], inv["tax_amount"]) == ("5300.00", "4690.27", "609.73")
    assert Invoice.objects.count() == 1
    # the customer signs for it (SP records); twice is a conflict
    x = post(sp, f"/api/v1/invoices/issued/{inv['id']}/signed", {"signed_on": "2026-02-03"})
    assert x.status_code == 200 and x.json()["signed_on"] == "2026-02-03"
    assert post(sp, f"/api/v1/invoices/issued/{inv['id']}/signed", {}).status_code == 409


def test_threshold_boundary_4999_99_waits_5000_00_goes(books, api_client):
    sp = api_client(books.co.sales1)
    shipped(books, "4999.99")
    r = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"}).json()
    assert r["state"] == "waiting" and "还差 0.01" in r["message"]
    c = books.shop.customer("另一家", owner=books.co.sales1)
    shipped(books, "5000.00", customer=c)
    r = post(sp, "/api/v1/invoices", {"customer_id": c.pk, "kind": "vat_special"}).json()
    assert r["state"] == "pending_review" and r["amount"] == "5000.00"


def test_general_invoice_any_amount_and_sm_review_off(books, api_client, settings):
    sp = api_client(books.co.sales1)
    shipped(books, "0.01")
    r = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general"}).json()
    assert r["state"] == "pending_review" and r["amount"] == "0.01"
    settings.YEWU_POLICY = {"invoice.flow.sm_review": False}
    shipped(books, "10.00")
    r = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general"}).json()
    assert r["state"] == "approved" and r["amount"] == "10.00"


def test_invoice_beyond_delivered_is_refused_and_nothing_changes(books, api_client):
    sp = api_client(books.co.sales1)
    o = books.order(books.gz, [("10", "100.00", None)])
    books.ship(o, date(2026, 1, 5), fraction="0.4")  # 400.00 delivered of 1,000.00
    n = (InvoiceRequest.objects.count(), Invoice.objects.count())
    x = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general",
                                      "lines": [{"order_id": o.pk, "amount": "400.01"}]})
    assert x.status_code == 422 and x.json()["rule"] == "invoice.flow" and "400.00" in x.json()["message"]
    # two lines on one order add up
    x = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general",
                                      "lines": [{"order_id": o.pk, "amount": "300.00"}, {"order_id": o.pk, "amount": "100.01"}]})
    assert x.status_code == 422 and x.json()["rule"] == "invoice.flow"
    assert (InvoiceRequest.objects.count(), Invoice.objects.count()) == n
    assert post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general",
                                         "lines": [{"order_id": o.pk, "amount": "400.00"}]}).status_code == 201
    # all of it is now claimed
    x = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general",
                                      "lines": [{"order_id": o.pk, "amount": "0.01"}]})
    assert x.status_code == 422 and x.json()["rule"] == "invoice.flow"
    # other salespeople's customers are invisible
    assert post(api_client(books.co.sales3), "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "general"}).status_code == 404


def test_rejected_request_frees_amount_and_red_letter_reversal(books, api_client):
    sp, fin = api_client(books.co.sales1), api_client(books.co.finance)
    shipped(books, "6000.00")
    r = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"}).json()
    ap = ApprovalRequest.objects.get(doc_type="invoice_request", doc_id=str(r["id"]))
    decide(books.co.manager, ap.pk, False, "客户抬头有误")
    assert InvoiceRequest.objects.get(pk=r["id"]).state == RequestState.REJECTED
    r = post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"}).json()
    assert r["amount"] == "6000.00"
    sm_approves(books, r["id"])
    inv = post(fin, f"/api/v1/invoices/{r['id']}/issue", {"tax_number": "44009999"}).json()["invoices"][0]
    x = post(fin, f"/api/v1/invoices/issued/{inv['id']}/red", {"reason": ""})
    assert x.status_code == 400
    x = post(sp, f"/api/v1/invoices/issued/{inv['id']}/red", {"reason": "金额有误"})
    assert x.status_code == 403
    x = post(fin, f"/api/v1/invoices/issued/{inv['id']}/red", {"reason": "金额有误"}).json()
    assert (x["amount"], x["net_amount"], x["tax_amount"], x["red_of"]) == ("-6000.00", "-5309.73", "-690.27", inv["id"])
    x = post(fin, f"/api/v1/invoices/issued/{inv['id']}/red", {"reason": "再冲"})
    assert x.status_code == 409 and x.json()["rule"] == "invoice.flow"
    # the amount may be invoiced again
    assert post(sp, "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"}).json()["amount"] == "6000.00"
    # register: both lines, opened with openpyxl
    x = fin.get("/api/v1/invoices/register.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    vals = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [(v[1], v[5], v[9]) for v in vals] == [("44009999", 6000, "已红冲"), ("红字-44009999", -6000, "红字发票")]


def test_vat_free_priced_lines_cannot_take_a_special_invoice(books, api_client):
    o = books.order(books.gz, [("1", "94.00", None)], shipped_on=date(2026, 1, 5))
    type(o).objects.filter(pk=o.pk).update(invoice_choice="general")
    x = post(api_client(books.co.sales1), "/api/v1/invoices", {"customer_id": books.gz.pk, "kind": "vat_special"})
    assert x.status_code == 422 and x.json()["rule"] == "price.invoice_lock"


def test_uninvoiced_page_shows_accumulation_and_why_it_waits(books, client):
    shipped(books, "2000.00")
    shipped(books, "2500.00")
    client.force_login(books.co.sales1)
    r = client.post("/finance/invoices/", {"customer_id": books.gz.pk, "kind": "vat_special"}, follow=True)
    html = r.content.decode()
    assert "累计中" in html and "还差 500.00" in html and "invoice.vat_min_5000" in html
    assert "4,500.00" in html
