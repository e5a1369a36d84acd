import io
import json
import subprocess
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yewu.audit.models import AuditEntry
from yewu.catalog import services as cat
from yewu.common.errors import Conflict, PermissionDenied, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.customers.models import Customer
from yewu.sales import services
from yewu.sales.models import Quote, QuoteLine
from yewu.sales.selectors import overdue_quote_requests, quotes_visible_to


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def mk_customer(company, owner, name, invoice="vat_special"):
    return Customer.objects.create(name=name, name_key=f"k-{name}", city="广州", source="direct", collected_on=date.today(),
                                   entry_due_at=timezone.now(), owner=owner, created_by=owner, invoice_choice=invoice)


@pytest.fixture
def setup(company):
    p = cat.create_product(company.finance, {"code": "P1", "name": "接触器", "specification": "CJX2-1810", "unit": "个",
                                             "guide_price": "1000.00"})
    c1 = mk_customer(company, company.sales1, "广州甲公司")
    c3 = mk_customer(company, company.sales3, "佛山乙公司")
    return p, c1, c3


# --- pricing check API ------------------------------------------------------------------------------

TABLE = [  # SPEC §3.2 (G = 1,000.00)
    ("vat_special", "1000.00", "0", "allowed", "0.000"),
    ("vat_special", "955.00", "0", "needs_approval", "-0.450"),
    ("vat_special", "900.00", "0", "needs_approval", "-1.000"),
    ("vat_special", "899.99", "0", "refused", None),
    ("general", "940.00", "0", "allowed", "0.000"),
    ("none", "920.00", "0", "needs_approval", "-0.200"),
    ("vat_special", "1052.63", "5", "needs_approval", "0.000"),
    ("vat_special", "1111.11", "10", "needs_approval", "0.000"),
    ("vat_special", "1050.00", "5", "needs_approval", "-0.025"),
    ("vat_special", "947.37", "5", "needs_approval", "-1.000"),
]


@pytest.mark.parametrize("inv,p,x,outcome,delta", TABLE)
def test_check_api_spec_rows(api_client, company, setup, inv, p, x, outcome, delta):
    prod = setup[0]
    r = post(api_client(company.sales1), "/api/v1/pricing/check",
             {"product_id": prod.pk, "quantity": "2", "unit_price": p, "vat_invoice": inv, "fee_rate": x})
    assert r.status_code == 200, r.content
    j = r.json()
    assert j["outcome"] == outcome and j["commission_delta"] == delta
    assert all("rule" in x and "message" in x for x in j["reasons"])
    if outcome == "refused":
        assert j["reasons"][0]["rule"] == "price.special_floor" and j["min_price"] in ("900.00", "947.37")


def test_check_api_guide_price_and_bool_invoice(api_client, company):
    r = post(api_client(company.sales1), "/api/v1/pricing/check",
             {"guide_price": "1000.00", "quantity": "1", "unit_price": "940.00", "vat_invoice": False, "fee_rate": "0"})
    j = r.json()
    assert j["outcome"] == "allowed" and j["min_price"] == "900.00" and j["baseline"] == "940.00"
    r = post(api_client(company.sales1), "/api/v1/pricing/check?lang=en",
             {"guide_price": "1000.00", "unit_price": "955.00", "vat_invoice": True})
    assert "Special price" in r.json()["reasons"][0]["message"]


@pytest.mark.parametrize("body,field", [
    ({"quantity": "0", "unit_price": "10"}, "quantity"),
    ({"quantity": "-3", "unit_price": "10"}, "quantity"),
    ({"quantity": "1", "unit_price": "10.001"}, "unit_price"),
    ({"quantity": "1", "unit_price": "10", "fee_rate": "100"}, "fee_rate"),
    ({"quantity": "1", "unit_price": "10", "fee_rate": "30.01"}, "fee_rate"),
    ({"quantity": "1", "unit_price": "10", "vat_invoice": "maybe"}, "vat_invoice"),
])
def test_check_api_bad_input(api_client, company, body, field):
    r = post(api_client(company.sales1), "/api/v1/pricing/check", {"guide_price": "1000.00", **body})
    assert r.status_code == 400, r.content
    j = r.json()
    assert j["error"] == "invalid" and field in j["fields"] and j["message"]
    if field == "fee_rate":
        assert j["rule"] == "price.fee_grossup"


def test_check_api_no_guide_price(api_client, company):
    p = cat.create_product(company.finance, {"code": "NP", "name": "无价", "kind": "standard"})
    r = post(api_client(company.sales1), "/api/v1/pricing/check", {"product_id": p.pk, "unit_price": "10"})
    assert r.status_code == 422 and r.json()["rule"] == "price.guide"
    c = cat.create_product(company.finance, {"code": "CU", "name": "定制", "kind": "custom"})
    r = post(api_client(company.sales1), "/api/v1/pricing/check", {"product_id": c.pk, "unit_price": "10"})
    assert r.status_code == 422 and r.json()["rule"] == "price.finance_guide"
    r = post(api_client(company.sales1), "/api/v1/pricing/check", {"product_id": 99999, "unit_price": "10"})
    assert r.status_code == 404
    r = post(api_client(company.sales1), "/api/v1/pricing/check", {"unit_price": "10"})
    assert r.status_code == 400 and "product_id" in r.json()["fields"]


def test_check_requires_auth(client):
    r = client.post("/api/v1/pricing/check", data="{}", content_type="application/json")
    assert r.status_code == 401


# --- quotes ---------------------------------------------------------------------------------------


def test_create_quote_numbering_and_stored_figures(api_client, company, setup):
    p, c1, _ = setup
    c = api_client(company.sales1)
    r = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "3", "unit_price": "955.00"}]})
    assert r.status_code == 201, r.content
    j = r.json()
    today = timezone.localdate()
    assert j["number"] == f"YWBJ-{today:%Y%m%d}-01" and j["state"] == "draft" and j["total"] == "2865.00"
    assert j["valid_until"] == (today + timedelta(days=30)).isoformat()
    ln = j["lines"][0]
    assert (ln["guide_price"], ln["net_price"], ln["discount_pct"], ln["outcome"], ln["commission_delta"]) == \
        ("1000.00", "955.00", "4.50", "needs_approval", "-0.450")
    r2 = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "lines": []})
    assert r2.json()["number"] == f"YWBJ-{today:%Y%m%d}-02"
    assert AuditEntry.objects.filter(object_type="sales.quote", action="create").count() == 2


def test_guide_price_change_never_rewrites_quote(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    cat.set_guide_price(company.finance, p, "1200.00", timezone.localdate())  # same-day change
    services.update_quote(company.sales1, q, {"notes": "改备注"})
    ln = QuoteLine.objects.get(quote=q)
    assert ln.guide_price == D("1000.00") and ln.outcome == "allowed"
    services.update_quote(company.sales1, q, {"lines": [{"product_id": p.pk, "quantity": "2", "unit_price": "1000.00"}]})
    assert QuoteLine.objects.get(quote=q).guide_price == D("1000.00")
    # a new quote uses the new price
    q2 = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1100.00"}]})
    assert q2.lines.get().guide_price == D("1200.00") and q2.lines.get().outcome == "needs_approval"


@pytest.mark.parametrize("line,field,status", [
    ({"quantity": "0", "unit_price": "1000"}, "lines.0.quantity", 400),
    ({"quantity": "-1", "unit_price": "1000"}, "lines.0.quantity", 400),
    ({"quantity": "1", "unit_price": "999.999"}, "lines.0.unit_price", 400),
    ({"quantity": "1", "unit_price": "899.99"}, "lines.0.unit_price", 422),
])
def test_quote_bad_lines_nothing_saved(api_client, company, setup, line, field, status):
    p, c1, _ = setup
    r = post(api_client(company.sales1), "/api/v1/quotes", {"customer_id": c1.pk, "lines": [{"product_id": p.pk, **line}]})
    assert r.status_code == status, r.content
    assert field in r.json()["fields"]
    assert Quote.objects.count() == 0 and QuoteLine.objects.count() == 0
    if status == 422:
        assert r.json()["rule"] == "price.special_floor"


def test_quote_bad_header(api_client, company, setup):
    p, c1, c3 = setup
    c = api_client(company.sales1)
    r = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "fee_rate": "100"})
    assert r.status_code == 400 and r.json()["rule"] == "price.fee_grossup"
    r = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "fee_rate": "31"})
    assert r.status_code == 400
    r = post(c, "/api/v1/quotes", {"customer_id": c3.pk})  # another SP's customer
    assert r.status_code == 400 and "customer_id" in r.json()["fields"]
    r = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "valid_until": "2000-01-01"})
    assert r.status_code == 400
    nop = cat.create_product(company.finance, {"code": "NOP", "name": "无价"})
    r = post(c, "/api/v1/quotes", {"customer_id": c1.pk, "lines": [{"product_id": nop.pk, "quantity": "1", "unit_price": "5"}]})
    assert r.status_code == 422 and r.json()["rule"] == "price.guide"
    assert Quote.objects.count() == 0


def test_submit_without_special_is_approved(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    q = services.submit_quote(company.sales1, q)
    assert q.state == "approved"
    q = services.send_quote(company.sales1, q)
    assert q.state == "sent"
    q = services.close_quote(company.sales1, q, "accepted")
    assert q.state == "accepted"


def test_special_price_needs_team_sm_not_self_not_other_team(api_client, company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "955.00"}]})
    r = post(api_client(company.sales1), f"/api/v1/quotes/{q.pk}/submit")
    assert r.json()["state"] == "submitted" and r.json()["current_step"] == "SM"
    # the SM is told through the shared approval inbox (approval.inbox), linking to the approval on one page (issue 15)
    from yewu.approvals.models import ApprovalRequest

    req = ApprovalRequest.objects.get(doc_type="quote", doc_id=q.pk)
    assert Notification.objects.filter(user=company.manager, link=f"/approvals/{req.pk}/").exists()
    assert post(api_client(company.sales1), f"/api/v1/quotes/{q.pk}/approve").status_code == 403
    assert post(api_client(company.manager2), f"/api/v1/quotes/{q.pk}/approve").status_code == 404  # not visible
    assert post(api_client(company.sales2), f"/api/v1/quotes/{q.pk}/approve").status_code == 404
    r = post(api_client(company.manager), f"/api/v1/quotes/{q.pk}/approve", {"comment": "同意"})
    assert r.status_code == 200 and r.json()["state"] == "approved" and r.json()["sm_approved_by"] == "李经理"
    assert post(api_client(company.manager), f"/api/v1/quotes/{q.pk}/approve").status_code == 409


def test_major_quote_needs_sm_then_gm_two_people(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "100", "unit_price": "950.00"}]})
    assert q.total == D("95000.00") and not q.needs_gm
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "106", "unit_price": "950.00"}]})
    assert q.total == D("100700.00")
    q = services.submit_quote(company.sales1, q)
    assert q.needs_sm and q.needs_gm and services.current_step(q) == "SM"
    with pytest.raises(PermissionDenied):
        services.approve_quote(company.gm, q)  # the SM step belongs to the team manager
    q = services.approve_quote(company.manager, q)
    assert q.state == "submitted" and services.current_step(q) == "GM"
    with pytest.raises(PermissionDenied):
        services.approve_quote(company.manager, q)
    q = services.approve_quote(company.gm, q)
    assert q.state == "approved"


def test_major_quote_without_special_needs_gm_only(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "100", "unit_price": "1000.00"}]})
    assert q.total == D("100000.00")  # exactly 100,000 is major (≥)
    q = services.submit_quote(company.sales1, q)
    assert services.current_step(q) == "GM"
    assert services.approve_quote(company.gm, q).state == "approved"


def test_sm_own_quote_goes_to_gm(company, setup):
    p, c1, _ = setup
    c_m = mk_customer(company, company.manager, "经理自己的客户")
    q = services.create_quote(company.manager, {"customer_id": c_m.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "955.00"}]})
    q = services.submit_quote(company.manager, q)
    with pytest.raises(PermissionDenied) as e:
        services.approve_quote(company.manager, q)
    assert e.value.rule == "sod.no_self_approval"
    assert services.approve_quote(company.gm, q).state == "approved"


def test_reject_returns_to_draft_and_resubmit(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "955.00"}]})
    q = services.submit_quote(company.sales1, q)
    with pytest.raises(ValidationError):
        services.reject_quote(company.manager, q, "")
    q = services.reject_quote(company.manager, q, "价格太低")
    assert q.state == "draft" and q.reject_comment == "价格太低"
    q = services.update_quote(company.sales1, q, {"lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    assert services.submit_quote(company.sales1, q).state == "approved"


def test_fee_rate_quote(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "fee_rate": "5",
                                               "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1052.63"}]})
    ln = q.lines.get()
    assert ln.net_price == D("1000.00") and ln.fee == D("52.63") and ln.outcome == "needs_approval"
    assert q.needs_sm
    # VAT choice change re-prices the draft (same stored G)
    q = services.update_quote(company.sales1, q, {"fee_rate": "0", "vat_invoice": "none",
                                                  "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "940.00"}]})
    assert q.lines.get().outcome == "allowed" and not q.needs_sm


def test_edit_only_draft_and_only_owner(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    with pytest.raises(PermissionDenied):
        services.update_quote(company.sales2, q, {"notes": "x"})
    services.submit_quote(company.sales1, q)
    with pytest.raises(Conflict):
        services.update_quote(company.sales1, q, {"notes": "x"})
    with pytest.raises(Conflict):
        services.submit_quote(company.sales1, q)


def test_lost_needs_reason(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    with pytest.raises(ValidationError):
        services.close_quote(company.sales1, q, "lost", "")
    assert services.close_quote(company.sales1, q, "lost", "价格高于竞争对手").state == "lost"


def test_row_level_scope(api_client, company, setup):
    p, c1, c3 = setup
    q1 = services.create_quote(company.sales1, {"customer_id": c1.pk})
    q3 = services.create_quote(company.sales3, {"customer_id": c3.pk})
    ids = lambda u: set(quotes_visible_to(u).values_list("id", flat=True))  # noqa: E731
    assert ids(company.sales1) == {q1.pk}
    assert ids(company.sales2) == set()
    assert ids(company.manager) == {q1.pk} and ids(company.manager2) == {q3.pk}
    assert ids(company.gm) == ids(company.finance) == {q1.pk, q3.pk}
    assert ids(company.cs) == set()
    assert api_client(company.sales3).get(f"/api/v1/quotes/{q1.pk}").status_code == 404
    assert api_client(company.sales3).get(f"/api/v1/quotes/{q1.pk}/pdf").status_code == 404
    assert api_client(company.sales1).get("/api/v1/quotes").json()["count"] == 1


def test_finance_price_line_via_request(company, setup):
    _, c1, _ = setup
    h = cat.create_product(company.sales1, {"code": "H1", "name": "线束 A", "kind": "harness"})
    with pytest.raises(RuleRefused) as e:
        services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": h.pk, "quantity": "1", "unit_price": "10"}]})
    assert e.value.rule == "price.finance_guide"
    req = cat.request_price(company.sales1, h, customer=c1)
    cat.answer_price_request(company.finance, req, price="80.00", scope="request")
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": h.pk, "quantity": "10", "unit_price": "80.00"}]})
    ln = q.lines.get()
    assert ln.guide_price == D("80.00") and ln.guide_source == "finance" and ln.price_request_id == req.pk
    assert q.response_due_at == q.received_at + timedelta(hours=24)


# --- 24 h ------------------------------------------------------------------------------------------


def test_nonstandard_24h_selector_and_scan(company, setup):
    _, c1, _ = setup
    ns = cat.create_product(company.finance, {"code": "NS", "name": "非标件", "kind": "nonstandard", "on_guide_list": False,
                                              "guide_price": "50.00"})
    received = timezone.now() - timedelta(hours=21)
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "received_at": received.isoformat(),
                                               "lines": [{"product_id": ns.pk, "quantity": "1", "unit_price": "50.00"}]})
    assert q.response_due_at == received + timedelta(hours=24)
    items = overdue_quote_requests([company.team1.pk])
    assert [(i["kind"], i["state"]) for i in items] == [("quote", "warning")]
    assert overdue_quote_requests([company.team2.pk]) == []
    assert overdue_quote_requests([company.team1.pk], include_warning=False) == []
    c = services.scan_quote_deadlines()
    assert c["warning"] == 1 and Notification.objects.filter(user=company.sales1, key=f"quote:{q.pk}:24h:warning").exists()
    assert services.scan_quote_deadlines()["warning"] == 0  # idempotent
    later = timezone.now() + timedelta(hours=4)
    items = overdue_quote_requests([company.team1.pk], now=later)
    assert items[0]["state"] == "overdue"
    c = services.scan_quote_deadlines(now=later)
    assert c["overdue"] == 2  # owner and SM
    assert Notification.objects.filter(user=company.manager, rule="quote.nonstandard_24h").exists()
    # answered (sent) → off the list
    services.submit_quote(company.sales1, q)
    services.send_quote(company.sales1, q)
    assert overdue_quote_requests([company.team1.pk], now=later) == []


def test_standard_quote_has_no_24h(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000"}]})
    assert q.response_due_at is None


def test_pending_price_request_on_manager_list(company, setup):
    h = cat.create_product(company.sales1, {"code": "H2", "name": "线束 B", "kind": "harness"})
    req = cat.request_price(company.sales1, h, received_at=timezone.now() - timedelta(hours=25))
    items = overdue_quote_requests([company.team1.pk])
    assert items[0]["kind"] == "price_request" and items[0]["state"] == "overdue" and items[0]["id"] == req.pk
    assert services.scan_quote_deadlines()["price_requests"] == 1


def test_expiry(company, setup):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "1000"}]})
    q = services.submit_quote(company.sales1, q)
    Quote.objects.filter(pk=q.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    assert services.scan_quote_deadlines()["expired"] == 1
    q.refresh_from_db()
    assert q.state == "expired"


# --- documents -------------------------------------------------------------------------------------


def test_pdf_and_xlsx(api_client, company, setup, tmp_path):
    p, c1, _ = setup
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [
        {"product_id": p.pk, "quantity": "1", "unit_price": "1052.63"},
        {"product_id": p.pk, "quantity": "2.5", "unit_price": "1000.00"}]})
    r = api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content[:4] == b"%PDF"
    f = tmp_path / "q.pdf"
    f.write_bytes(r.content)
    try:
        text = subprocess.run(["pdftotext", str(f), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:  # pragma: no cover
        text = None
    if text is not None:
        assert "产" in text and q.number in text and "3,552.63" in text
    from yewu.sales.documents import rmb_upper

    assert rmb_upper(D("3552.63")) == "叁仟伍佰伍拾贰元陆角叁分"
    r = api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}/xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["B3"].value == q.number
    assert any(row[0] == "人民币大写" and row[1] == "叁仟伍佰伍拾贰元陆角叁分" for row in ws.iter_rows(values_only=True))
