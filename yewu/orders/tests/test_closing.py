"""Orders close when delivered and fully paid net of returns (SPEC §4.1), which makes the customer existing
(SPEC §0); a receipt reversal or a return reversal that opens the balance again reopens the order. Everything goes
through the real services: receipts and reversals in finance, shipments, signed copies and returns in orders."""

from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.finance import order_payments
from yewu.finance import services as fin
from yewu.finance.models import Allocation
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import services
from yewu.orders.returns import services as returns
from yewu.orders.shipping import services as ship_svc
from yewu.org.models import User

D = Decimal


@pytest.fixture
def ops(company):
    def mk(username, roles, name):
        return User.objects.create_user(username=username, password="x", roles=roles, display_name=name)

    class Ops:
        wh = mk("wh", ["WH"], "孙库管")
        qc = mk("qc", ["QC"], "周质检")

    return Ops


def ship_and_sign(ops, order):
    """The warehouse ships every open line; the customer signs (e-signature) today."""
    lines = [ship_svc.ShipLineIn(ln.pk, ln.open_qty) for ln in order.lines.all() if ln.open_qty > 0]
    s = ship_svc.create_shipment(ops.wh, order.pk, lines)
    ship_svc.confirm_delivery(ops.wh, s.pk, delivered_on=timezone.localdate(), e_signature=True, signed_by_name="刘收货")
    return Order.objects.get(pk=order.pk)


def cash_order_paid_and_delivered(shop, ops, qty="10"):
    """A first cooperation: CASH (the new customer's default), paid in full, shipped and signed for."""
    co = shop.company
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="CASH",
                                 lines=[services.LineIn(shop.cable.pk, qty, "100.00")])
    o = services.submit_order(co.sales1, o.pk)
    assert o.status == OrderStatus.AWAITING_PAYMENT
    order_payments.record_payment(co.finance, o.pk, str(o.total))
    return ship_and_sign(ops, Order.objects.get(pk=o.pk))


def credit_routing(shop, sp, amount: str):
    """Submit a CREDIT order of exactly ``amount`` (one line at its guide price) through the API."""
    p = shop.product(f"P{amount}", amount)
    r = sp.post("/api/v1/orders", {"customer_id": shop.gz.pk, "settlement": "CREDIT",
                                   "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": amount}]},
                content_type="application/json")
    assert r.status_code == 201, r.json()
    o = sp.post(f"/api/v1/orders/{r.json()['id']}/submit").json()
    return o


@pytest.mark.parametrize("amount,approvers,rule", [
    ("20000.00", [], None),
    ("20000.01", ["SM"], "approve.credit_over_20k_manager"),
    ("50000.00", ["SM"], "approve.credit_over_20k_manager"),
    ("50000.01", ["SM", "GM"], "approve.credit_over_50k_gm"),
])
def test_existing_customer_credit_thresholds_after_a_real_first_order(shop, ops, api_client, amount, approvers, rule):
    first = cash_order_paid_and_delivered(shop, ops)
    assert first.status == OrderStatus.CLOSED and first.unpaid == 0
    assert not services.is_new_customer(shop.gz)
    o = credit_routing(shop, api_client(shop.company.sales1), amount)
    assert [a["role"] for a in o["approvals"]] == approvers
    if approvers:
        assert o["status"] == "pending_approval" and o["approvals"][0]["rule"] == rule
        assert "approve.new_credit_20k_both" not in {x["rule"] for x in o["approvals"]}
    else:
        assert o["status"] == "ready"


def test_delivered_but_unpaid_is_not_closed_and_paying_later_closes_it(shop, ops, api_client):
    co = shop.company
    first = cash_order_paid_and_delivered(shop, ops)  # makes the customer existing: COD is then open to it
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "20", "100.00")])
    services.submit_order(co.sales1, o.pk)
    o = ship_and_sign(ops, o)
    assert o.status == OrderStatus.DELIVERED and o.unpaid == D("2000.00")
    fin.create_receipt(co.finance, customer_id=shop.gz.pk, amount="1999.99", allocations=[(o.pk, "1999.99")])
    assert Order.objects.get(pk=o.pk).status == OrderStatus.DELIVERED
    fin.create_receipt(co.finance, customer_id=shop.gz.pk, amount="0.01", allocations=[(o.pk, "0.01")])
    o.refresh_from_db()
    assert o.status == OrderStatus.CLOSED
    e = AuditEntry.objects.filter(action="close", object_id=str(o.pk), object_type="orders.order").get()
    assert e.rule == "settle.new_customer_cash" and e.after["paid_amount"] == "2000.00"
    assert Order.objects.get(pk=first.pk).status == OrderStatus.CLOSED


def test_receipt_reversal_reopens_the_order_and_the_customer_is_new_again(shop, ops, api_client):
    co = shop.company
    o = cash_order_paid_and_delivered(shop, ops)
    assert o.status == OrderStatus.CLOSED
    receipt = Allocation.objects.get(order=o).receipt
    fin.reverse_receipt(co.finance, receipt.pk, "银行退票")
    o.refresh_from_db()
    assert o.status == OrderStatus.DELIVERED and o.unpaid == D("1000.00")
    assert AuditEntry.objects.filter(action="reopen", object_id=str(o.pk), object_type="orders.order").exists()
    assert services.is_new_customer(shop.gz)
    sp = api_client(co.sales1)
    got = credit_routing(shop, sp, "20000.00")  # new again: new-customer chain (SM and GM at 20,000.00)
    assert [a["role"] for a in got["approvals"]] == ["SM", "GM"]
    assert got["approvals"][0]["rule"] == "approve.new_credit_20k_both"
    # the money comes in again: closed, existing
    fin.create_receipt(co.finance, customer_id=shop.gz.pk, amount="1000.00", allocations=[(o.pk, "1000.00")])
    assert Order.objects.get(pk=o.pk).status == OrderStatus.CLOSED and not services.is_new_customer(shop.gz)


def _return(shop, ops, order, qty, exchange=False):
    co = shop.company
    ret = returns.apply(co.sales1, order_id=order.pk, line_id=order.lines.get().pk, quantity=qty, reason="破损",
                        quality_defect=True, exchange=exchange)
    returns.confirm(co.manager, ret.pk)
    returns.inspect(ops.qc, ret.pk, is_ours=True, condition="外皮破损")
    ret = returns.approve(co.manager, ret.pk)
    return returns.receive(ops.wh, ret.pk)


def test_a_return_that_settles_the_balance_closes_and_its_reversal_reopens(shop, ops):
    co = shop.company
    cash_order_paid_and_delivered(shop, ops)
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "20", "100.00")])
    services.submit_order(co.sales1, o.pk)
    o = ship_and_sign(ops, o)
    fin.create_receipt(co.finance, customer_id=shop.gz.pk, amount="1600.00", allocations=[(o.pk, "1600.00")])
    assert Order.objects.get(pk=o.pk).status == OrderStatus.DELIVERED  # 400.00 still owed
    ret = _return(shop, ops, o, "4")  # 4 × 100.00 back: the rest is paid
    o.refresh_from_db()
    assert (o.status, o.returned_amount, o.unpaid) == (OrderStatus.CLOSED, D("400.00"), D("0.00"))
    returns.reverse_receive(ops.wh, ret.pk, "误收")  # the goods were not ours after all: 400.00 owed again
    o.refresh_from_db()
    assert (o.status, o.unpaid) == (OrderStatus.DELIVERED, D("400.00"))
    assert AuditEntry.objects.filter(action="reopen", object_id=str(o.pk), object_type="orders.order").exists()


def test_an_exchange_on_a_closed_order_ships_again_then_closes(shop, ops):
    o = cash_order_paid_and_delivered(shop, ops)
    assert o.status == OrderStatus.CLOSED
    _return(shop, ops, o, "2", exchange=True)
    o.refresh_from_db()
    assert o.status == OrderStatus.PARTLY_SHIPPED  # the exchanged goods go out again
    assert services.is_new_customer(shop.gz)
    o = ship_and_sign(ops, o)
    assert o.status == OrderStatus.CLOSED and not services.is_new_customer(shop.gz)


def test_an_order_whose_goods_all_came_back_unpaid_does_not_make_the_customer_existing(shop, ops):
    co = shop.company
    make = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="PREPAY",
                                 lines=[services.LineIn(shop.cable.pk, "2", "100.00")])[0]
    Order.objects.filter(pk=make.pk).update(status=OrderStatus.CLOSED, returned_amount=make.total)
    assert services.is_new_customer(shop.gz)


def test_a_draft_made_while_new_is_submitted_as_existing_once_the_first_order_closed(shop, ops, api_client):
    co = shop.company
    p = shop.product("P20000.01", "20000.01")
    draft, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                     lines=[services.LineIn(p.pk, "1", "20000.01")])
    assert draft.is_new_customer
    cash_order_paid_and_delivered(shop, ops)
    o = api_client(co.sales1).post(f"/api/v1/orders/{draft.pk}/submit").json()
    assert o["is_new_customer"] is False and [a["role"] for a in o["approvals"]] == ["SM"]
    assert o["approvals"][0]["rule"] == "approve.credit_over_20k_manager"


def test_a_plain_return_on_a_closed_order_keeps_it_closed_and_its_reversal_too(shop, ops):
    o = cash_order_paid_and_delivered(shop, ops)
    ret = _return(shop, ops, o, "2")  # 200.00 back: the excess paid goes to the customer's balance
    o.refresh_from_db()
    assert (o.status, o.paid_amount, o.unpaid) == (OrderStatus.CLOSED, D("800.00"), D("0.00"))
    returns.reverse_receive(ops.wh, ret.pk, "误收")  # the balance is put back on the order: still fully paid
    o.refresh_from_db()
    assert (o.status, o.paid_amount, o.returned_amount) == (OrderStatus.CLOSED, D("1000.00"), D("0.00"))
    assert not AuditEntry.objects.filter(action="reopen", object_id=str(o.pk), object_type="orders.order").exists()
