"""Orders run the same line price check as quotes (SPEC §3.2: the product kind, so `price.gb_discretion`; the
quote's invoice choice and G) and honour the accepted quote they are made from (SPEC §3.3 `quote.approval`
covers them; `quote.deviation_reapproval`: a lower price needs SM re-approval, else the order is refused)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.orders.models import Order
from yewu.orders.ordering.services import LineIn, create_order, submit_order
from yewu.org.models import PolicyVersion
from yewu.sales import services as qs


def company_setting(**values):
    PolicyVersion.objects.create(values=values, effective_at=timezone.now() - timedelta(seconds=1))


def accepted_quote(company, customer, lines, **kw):
    """A quote through its real flow: created, submitted, approved by the SM when needed, sent, accepted."""
    q = qs.create_quote(company.sales1, {"customer_id": customer.pk, "lines": [
        {"product_id": p.pk, "quantity": str(qty), "unit_price": price} for p, qty, price in lines], **kw})
    q = qs.submit_quote(company.sales1, q)
    if q.state == "submitted":
        q = qs.approve_quote(company.manager, q)
    assert q.state == "approved", q.state
    q = qs.send_quote(company.sales1, q)
    return qs.close_quote(company.sales1, q, "accepted")


def post(client, customer, lines, settlement="CASH", **kw):
    return client.post("/api/v1/orders", {"customer_id": customer.pk, "settlement": settlement, "lines": [
        {"product_id": p.pk, "quantity": str(qty), "unit_price": price} for p, qty, price in lines], **kw},
        content_type="application/json")


@pytest.fixture
def gb(shop):
    return shop.product("GB-1", "1000.00", kind="gb")


# --- price.gb_discretion on orders --------------------------------------------------------------------------


def test_gb_line_below_baseline_is_a_gb_special_price_on_the_order(shop, gb, api_client):
    sp = api_client(shop.company.sales1)
    r = post(sp, shop.gz, [(gb, 1, "980.00")])
    assert r.status_code == 201, r.json()
    o = r.json()
    assert o["lines"][0]["price_outcome"] == "needs_approval"
    assert "price.gb_discretion" in [x["rule"] for x in o["reasons"]]
    o = sp.post(f"/api/v1/orders/{o['id']}/submit").json()
    assert o["status"] == "pending_approval" and [a["role"] for a in o["approvals"]] == ["SM"]
    assert "price.gb_discretion" in [x["rule"] for x in Order.objects.get(pk=o["id"]).decision["approvals"]["reasons"]]


@pytest.mark.parametrize("price,outcome,delta", [
    ("980.00", "allowed", Decimal("0.000")),    # d = 2.00, within the 2% allowance (以内, inclusive)
    ("979.96", "allowed", Decimal("0.000")),    # d = 2.004 → 2.00
    ("979.95", "needs_approval", Decimal("-0.201")),  # d = 2.005 → 2.01: a special price, commission cut
])
def test_gb_allowance_setting_applies_to_orders_at_its_boundary(shop, gb, api_client, price, outcome, delta):
    company_setting(**{"price.gb_discretion.max_pct": "2"})
    sp = api_client(shop.company.sales1)
    r = post(sp, shop.gz, [(gb, 1, price)])
    assert r.status_code == 201, r.json()
    ln = Order.objects.get(pk=r.json()["id"]).lines.get()
    assert (ln.price_outcome, ln.commission_delta) == (outcome, delta)
    o = sp.post(f"/api/v1/orders/{r.json()['id']}/submit").json()
    assert (o["status"] == "pending_approval") == (outcome == "needs_approval")
    # the same line on a quote gets the same outcome
    q = qs.create_quote(shop.company.sales1, {"customer_id": shop.gz.pk, "lines": [
        {"product_id": gb.pk, "quantity": "1", "unit_price": price}]})
    assert q.lines.get().outcome == outcome


def test_gb_allowance_does_not_apply_to_a_standard_product(shop, api_client):
    company_setting(**{"price.gb_discretion.max_pct": "2"})
    std = shop.product("S-9", "1000.00")
    o, _ = create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CASH", lines=[LineIn(std.pk, "1", "980.00")])
    assert o.lines.get().price_outcome == "needs_approval"


def test_order_form_applies_the_gb_rule(shop, gb, client):
    company_setting(**{"price.gb_discretion.max_pct": "2"})
    client.force_login(shop.company.sales1)
    r = client.post("/orders/new/", {"customer_id": shop.gz.pk, "settlement": "CASH", "product_id": [gb.pk],
                                     "quantity": ["1"], "unit_price": ["980.00"], "idem": "f1"})
    assert r.status_code == 302
    assert Order.objects.get(idempotency_key="f1").lines.get().price_outcome == "allowed"


# --- quote.approval covers the order; quote.deviation_reapproval ------------------------------------------------


@pytest.fixture
def quote(shop):
    # 97.00 is a special price (d = 3.00): the SM approved it on the quote
    return accepted_quote(shop.company, shop.gz, [(shop.cable, 10, "97.00")])


def test_order_at_the_quoted_special_price_needs_no_second_approval(shop, quote, api_client):
    sp = api_client(shop.company.sales1)
    r = post(sp, shop.gz, [(shop.cable, 12, "97.00")], quote_id=quote.pk)
    assert r.status_code == 201, r.json()
    assert r.json()["quote_id"] == quote.pk
    o = sp.post(f"/api/v1/orders/{r.json()['id']}/submit").json()
    assert o["status"] == "awaiting_payment" and o["approvals"] == []
    rules = [x["rule"] for x in Order.objects.get(pk=o["id"]).decision["approvals"]["reasons"]]
    assert "quote.approval" in rules and "price.special_commission" not in rules


def test_a_higher_price_than_the_quote_is_fine(shop, quote, api_client):
    r = post(api_client(shop.company.sales1), shop.gz, [(shop.cable, 10, "97.01")], quote_id=quote.pk)
    assert r.status_code == 201


def test_a_lower_price_than_the_quote_is_refused_naming_the_rule_and_nothing_changes(shop, quote, api_client):
    sp = api_client(shop.company.sales1)
    before = Order.objects.count()
    r = post(sp, shop.gz, [(shop.cable, 10, "96.99")], quote_id=quote.pk)
    assert r.status_code == 422
    j = r.json()
    assert j["rule"] == "quote.deviation_reapproval" and "97.00" in j["message"] and "96.99" in j["message"]
    assert "lines.0.unit_price" in j["fields"]
    assert Order.objects.count() == before


def test_a_lower_price_with_reapproval_goes_to_the_sm(shop, quote, api_client):
    sp = api_client(shop.company.sales1)
    r = post(sp, shop.gz, [(shop.cable, 10, "96.99")], quote_id=quote.pk, reapproval=True)
    assert r.status_code == 201, r.json()
    o = sp.post(f"/api/v1/orders/{r.json()['id']}/submit").json()
    assert o["status"] == "pending_approval" and [a["role"] for a in o["approvals"]] == ["SM"]
    assert o["approvals"][0]["rule"] == "quote.deviation_reapproval"


def test_lowering_the_price_of_an_order_from_a_quote_is_refused_too(shop, quote, api_client):
    sp = api_client(shop.company.sales1)
    oid = post(sp, shop.gz, [(shop.cable, 10, "97.00")], quote_id=quote.pk).json()["id"]
    r = sp.put(f"/api/v1/orders/{oid}/lines", {"lines": [{"product_id": shop.cable.pk, "quantity": "10",
                                                           "unit_price": "96.00"}]}, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "quote.deviation_reapproval"
    assert Order.objects.get(pk=oid).lines.get().unit_price == Decimal("97.00")


def test_order_form_refuses_a_lower_price_then_accepts_it_with_reapproval(shop, quote, client):
    client.force_login(shop.company.sales1)
    form = {"customer_id": shop.gz.pk, "settlement": "CASH", "quote_id": quote.pk, "product_id": [shop.cable.pk],
            "quantity": ["10"], "unit_price": ["96.00"], "idem": "q1"}
    r = client.post("/orders/new/", form)
    assert r.status_code == 200 and not Order.objects.filter(quote_id=quote.pk).exists()
    page = r.content.decode()
    assert "quote.deviation_reapproval" in page and "申请业务经理重新审批" in page
    r = client.post("/orders/new/", {**form, "reapproval": "1"})
    assert r.status_code == 302
    o = Order.objects.get(quote_id=quote.pk)
    assert submit_order(shop.company.sales1, o.pk).status == "pending_approval"


def test_quote_past_validity_or_of_another_customer_cannot_be_the_basis(shop, quote, api_client):
    sp = api_client(shop.company.sales1)
    other = shop.customer("广州另一家")
    r = post(sp, other, [(shop.cable, 10, "97.00")], quote_id=quote.pk)
    assert r.status_code == 422 and r.json()["rule"] == "quote.approval"
    type(quote).objects.filter(pk=quote.pk).update(valid_until=timezone.localdate())  # valid today (inclusive)
    assert post(sp, shop.gz, [(shop.cable, 10, "97.00")], quote_id=quote.pk).status_code == 201
    # a second order from the same quote is refused
    r = post(sp, shop.gz, [(shop.cable, 10, "97.00")], quote_id=quote.pk)
    assert r.status_code == 409 and r.json()["rule"] == "quote.approval"


def test_expired_quote_is_refused(shop, quote, api_client):
    type(quote).objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    r = post(api_client(shop.company.sales1), shop.gz, [(shop.cable, 10, "97.00")], quote_id=quote.pk)
    assert r.status_code == 422 and r.json()["rule"] == "quote.approval" and "有效期" in r.json()["message"]


def test_order_uses_the_quotes_invoice_choice_and_guide_price(shop, api_client):
    # the quote was priced without a VAT special invoice: 94.00 is within the 6% VAT-free discount
    q = accepted_quote(shop.company, shop.gz, [(shop.cable, 10, "94.00")], vat_invoice="none")
    from yewu.catalog.models import GuidePrice

    GuidePrice.objects.create(product=shop.cable, price=Decimal("120.00"), effective_from=timezone.localdate())
    sp = api_client(shop.company.sales1)
    r = post(sp, shop.gz, [(shop.cable, 10, "94.00")], quote_id=q.pk)
    assert r.status_code == 201, r.json()
    o = Order.objects.get(pk=r.json()["id"])
    ln = o.lines.get()
    assert o.invoice_choice == "none" and ln.guide_price == Decimal("100.00") and ln.price_outcome == "allowed"
    # without the quote the customer's VAT special invoice and today's G (120.00) apply: 94.00 is below the floor
    r = post(sp, shop.gz, [(shop.cable, 10, "94.00")])
    assert r.status_code == 422 and r.json()["rule"] == "price.special_floor"
