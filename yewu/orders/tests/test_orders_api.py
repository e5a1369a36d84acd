"""Orders through the API: settlement rules, credit approvals routed to SM/GM, deposit, release and shipping."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.services import LineIn, create_order


def make_existing(shop, customer):
    """Give the customer a closed (delivered, fully paid) order so it counts as existing."""
    o, _ = create_order(shop.company.sales1, customer_id=customer.pk, settlement="PREPAY",
                        lines=[LineIn(shop.cable.pk, "1", "100.00")])
    Order.objects.filter(pk=o.pk).update(status=OrderStatus.CLOSED, paid_amount=o.total)


def post_order(client, customer, qty, price="100.00", settlement="CREDIT", product=None, **kw):
    body = {"customer_id": customer.pk, "settlement": settlement,
            "lines": [{"product_id": (product or customer._shop_product).pk, "quantity": str(qty), "unit_price": price}], **kw}
    return client.post("/api/v1/orders", body, content_type="application/json", **kw.pop("headers", {}))


@pytest.fixture
def sp(shop, api_client):
    shop.gz._shop_product = shop.cable
    return api_client(shop.company.sales1)


@pytest.mark.parametrize("total_qty,approvers", [("200", []), ("200.0001", None), ("500.01", ["SM", "GM"])])
def test_existing_customer_credit_routing(shop, sp, total_qty, approvers):
    make_existing(shop, shop.gz)
    # 100.00 × qty: 200 → 20,000.00 exactly (no approval); 500.01 → 50,001.00 (SM + GM)
    r = post_order(sp, shop.gz, total_qty)
    if approvers is None:  # 4 decimals in quantity
        assert r.status_code == 400 and "3 位小数" in r.json()["message"]
        return
    assert r.status_code == 201, r.json()
    o = r.json()
    r = sp.post(f"/api/v1/orders/{o['id']}/submit")
    assert r.status_code == 200
    o = r.json()
    assert [a["role"] for a in o["approvals"]] == approvers
    if approvers:
        assert o["status"] == "pending_approval"
        assert o["approvals"][0]["rule"] == "approve.credit_over_50k_gm"
    else:
        assert o["status"] == "ready" and o["promised_date"]


def test_new_customer_credit_20k_needs_both_then_ready(shop, sp, api_client):
    r = post_order(sp, shop.gz, "200")  # 20,000.00, new customer
    assert r.status_code == 201
    o = sp.post(f"/api/v1/orders/{r.json()['id']}/submit").json()
    assert [a["role"] for a in o["approvals"]] == ["SM", "GM"]
    assert o["approvals"][0]["rule"] == "approve.new_credit_20k_both"
    mgr, gm = api_client(shop.company.manager), api_client(shop.company.gm)
    assert mgr.get("/api/v1/approvals/inbox").json()[0]["id"] == o["approval_id"]
    assert gm.post(f"/api/v1/approvals/{o['approval_id']}/approve", content_type="application/json").status_code == 403
    assert mgr.post(f"/api/v1/approvals/{o['approval_id']}/approve", content_type="application/json").status_code == 200
    assert gm.post(f"/api/v1/approvals/{o['approval_id']}/approve", content_type="application/json").status_code == 200
    o = sp.get(f"/api/v1/orders/{o['id']}").json()
    assert o["status"] == "ready" and [a["state"] for a in o["approvals"]] == ["approved", "approved"]


def test_new_customer_gz_cod_boundary_and_foshan(shop, sp):
    r = post_order(sp, shop.gz, "14.9999", settlement="COD", price="100.00")
    assert r.status_code == 400  # quantity precision
    r = post_order(sp, shop.gz, "1", settlement="COD", price="1499.99", product=shop.product("DL-9", "1499.99"))
    assert r.status_code == 422 and r.json()["rule"] == "settle.gz_cod_1500"
    assert "现款现货" in r.json()["message"]
    r = post_order(sp, shop.gz, "1", settlement="COD", price="1500.00", product=shop.product("DL-8", "1500.00"))
    assert r.status_code == 201
    fs = shop.customer("佛山新客户", addr="佛山市南海区桂城1号", city="佛山")
    r = post_order(sp, fs, "100", settlement="CASH", product=shop.cable)
    assert r.status_code == 422 and r.json()["rule"] == "settle.outside_gz_prepay"
    assert post_order(sp, fs, "100", settlement="PREPAY", product=shop.cable).status_code == 201


def test_grade_d_refused_credit(shop, sp):
    d = shop.customer("D级客户", grade="D")
    r = post_order(sp, d, "1", product=shop.cable)
    assert r.status_code == 422 and r.json()["rule"] == "credit.grade_policy"


def test_custom_deposit_blocks_shipping_until_paid(shop, sp, api_client):
    make_existing(shop, shop.gz)
    r = post_order(sp, shop.gz, "10", settlement="COD", product=shop.custom, price="1000.00")
    o = r.json()
    assert o["deposit_required"] == "3000.00"
    o = sp.post(f"/api/v1/orders/{o['id']}/submit").json()
    assert o["status"] == "awaiting_payment"
    wh = api_client(shop.company.manager)
    line = o["lines"][0]["id"]
    r = wh.post(f"/api/v1/orders/{o['id']}/shipments", {"lines": [{"line_id": line, "quantity": "1"}]},
                content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "ship.release_check" and "3,000.00" in r.json()["message"]
    # the salesperson cannot record money (sod.receipt_recorder)
    r = sp.post(f"/api/v1/orders/{o['id']}/payments", {"amount": "3000.00"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["rule"] == "sod.receipt_recorder"
    fin = api_client(shop.company.finance)
    assert fin.post(f"/api/v1/orders/{o['id']}/payments", {"amount": "2999.99"}, content_type="application/json").json()["status"] == "awaiting_payment"
    assert fin.post(f"/api/v1/orders/{o['id']}/payments", {"amount": "0.01"}, content_type="application/json").json()["status"] == "ready"
    # custom lines also need the signed sales contract before release (SPEC §4.4)
    r = wh.post(f"/api/v1/orders/{o['id']}/shipments", {"lines": [{"line_id": line, "quantity": "4"}]}, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "contract.required"
    shop.signed_contract(Order.objects.get(pk=o["id"]))
    # partial shipment, then more than ordered is refused, then the rest
    r = wh.post(f"/api/v1/orders/{o['id']}/shipments", {"lines": [{"line_id": line, "quantity": "4"}]}, content_type="application/json")
    assert r.status_code == 201 and r.json()["order"]["status"] == "partly_shipped" and r.json()["number"].startswith("YWCK-")
    r = wh.post(f"/api/v1/orders/{o['id']}/shipments", {"lines": [{"line_id": line, "quantity": "6.001"}]}, content_type="application/json")
    assert r.status_code == 422 and "6.000" in r.json()["message"]
    r = wh.post(f"/api/v1/orders/{o['id']}/shipments", {"lines": [{"line_id": line, "quantity": "6"}]}, content_type="application/json")
    assert r.json()["order"]["status"] == "shipped"


def test_supply_suspended_blocks_release(shop, sp, api_client):
    make_existing(shop, shop.gz)
    o = post_order(sp, shop.gz, "1", settlement="COD").json()
    sp.post(f"/api/v1/orders/{o['id']}/submit")
    type(shop.gz).objects.filter(pk=shop.gz.pk).update(supply_suspended=True)
    r = api_client(shop.company.manager).post(f"/api/v1/orders/{o['id']}/shipments",
                                              {"lines": [{"line_id": o["lines"][0]["id"], "quantity": "1"}]},
                                              content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "credit.supply_suspended"


def test_bad_input_and_access(shop, sp, api_client):
    other = shop.customer("王五的客户", owner=shop.company.sales3)
    r = post_order(sp, other, "1", product=shop.cable)
    assert r.status_code == 404
    n = Order.objects.count()
    for qty in ("0", "-1", "abc"):
        assert post_order(sp, shop.gz, qty).status_code == 400
    assert post_order(sp, shop.gz, "1", price="100.001").status_code == 400
    r = post_order(sp, shop.gz, "1", price="89.99")
    assert r.status_code == 422 and r.json()["rule"] == "price.special_floor"
    assert Order.objects.count() == n
    o = post_order(sp, shop.gz, "300").json()
    assert sp.post(f"/api/v1/orders/{o['id']}/submit").status_code == 200
    r = sp.post(f"/api/v1/orders/{o['id']}/submit")
    assert r.status_code == 409 and r.json()["rule"] == "approval.inbox"
    assert api_client(shop.company.sales3).get(f"/api/v1/orders/{o['id']}").status_code == 404


def test_idempotency_key_creates_one_order(shop, sp):
    body = {"customer_id": shop.gz.pk, "settlement": "PREPAY",
            "lines": [{"product_id": shop.cable.pk, "quantity": "1", "unit_price": "100.00"}]}
    r1 = sp.post("/api/v1/orders", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    r2 = sp.post("/api/v1/orders", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["id"] == r2.json()["id"] and Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_idempotent_posts_create_one_order(shop):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is not shared between threads; runs on PostgreSQL and file SQLite")
    barrier, ids = threading.Barrier(4), []

    def go():
        try:
            barrier.wait()
            o, _ = create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="PREPAY",
                                lines=[LineIn(shop.cable.pk, "1", "100.00")], idempotency_key="same")
            ids.append(o.pk)
        finally:
            connection.close()

    ts = [threading.Thread(target=go) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert len(set(ids)) == 1 and Order.objects.filter(idempotency_key="same").count() == 1
    assert Decimal(Order.objects.get().total) == Decimal("100.00")
