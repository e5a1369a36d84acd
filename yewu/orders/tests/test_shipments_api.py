"""GET /api/v1/shipments (issue 10 §12): an API client lists the shipments it may see, then records delivery by
id; scoped like orders; quantities only, no prices (`acl.ops_scope`)."""

import json

import pytest
from django.utils import timezone

from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import services
from yewu.orders.shipping import services as ship_svc
from yewu.org.models import User

PRICE_WORDS = ("price", "total", "amount", "paid", "unpaid", "line_total")


@pytest.fixture
def shipped(shop):
    co = shop.company
    wh = User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="孙库管")
    other = shop.customer("王五的客户", owner=co.sales3, addr="广州市白云区1号")

    def cod(customer, sp, qty):  # a new customer in 广州 may take COD from 1,500.00 (settle.gz_cod_1500)
        o, _ = services.create_order(sp, customer_id=customer.pk, settlement="COD",
                                     lines=[services.LineIn(shop.cable.pk, qty, "100.00")])
        return services.submit_order(sp, o.pk)

    mine, theirs = cod(shop.gz, co.sales1, "20"), cod(other, co.sales3, "30")
    ln = mine.lines.get()
    s1 = ship_svc.create_shipment(wh, mine.pk, [ship_svc.ShipLineIn(ln.pk, "5")])
    s2 = ship_svc.create_shipment(wh, mine.pk, [ship_svc.ShipLineIn(ln.pk, "15")])
    s3 = ship_svc.create_shipment(wh, theirs.pk, [ship_svc.ShipLineIn(theirs.lines.get().pk, "30")])

    class S:
        pass

    s = S()
    s.wh, s.mine, s.theirs, s.s1, s.s2, s.s3 = wh, mine, theirs, s1, s2, s3
    return s


def numbers(r):
    assert r.status_code == 200, r.json()
    return {x["number"] for x in r.json()["items"]}


def test_list_is_scoped_like_orders(shop, shipped, api_client):
    co, s = shop.company, shipped
    mine, all3 = {s.s1.number, s.s2.number}, {s.s1.number, s.s2.number, s.s3.number}
    assert numbers(api_client(co.sales1).get("/api/v1/shipments")) == mine
    assert numbers(api_client(co.sales2).get("/api/v1/shipments")) == set()
    assert numbers(api_client(co.sales3).get("/api/v1/shipments")) == {s.s3.number}
    assert numbers(api_client(co.manager).get("/api/v1/shipments")) == mine
    assert numbers(api_client(co.gm).get("/api/v1/shipments")) == all3
    assert numbers(api_client(s.wh).get("/api/v1/shipments")) == all3
    # another SP's shipment is not readable by id either
    assert api_client(co.sales1).get(f"/api/v1/shipments/{s.s3.pk}").status_code == 404


def test_warehouse_reads_them_without_prices(shop, shipped, api_client):
    r = api_client(shipped.wh).get("/api/v1/shipments")
    text = json.dumps(r.json())
    assert not any(f'"{w}' in text or f'_{w}"' in text for w in PRICE_WORDS)
    item = next(x for x in r.json()["items"] if x["number"] == shipped.s3.number)
    assert item["customer"] == "王五的客户" and item["delivery_address"] == "广州市白云区1号"
    assert item["lines"] == [{"line_id": shipped.theirs.lines.get().pk, "product": str(shop.cable), "quantity": "30.000"}]


def test_filters_bounds_and_recording_delivery_by_the_listed_id(shop, shipped, api_client):
    s = shipped
    wh = api_client(s.wh)
    assert numbers(wh.get(f"/api/v1/shipments?order_id={s.mine.pk}")) == {s.s1.number, s.s2.number}
    r = wh.get(f"/api/v1/shipments?order_id={s.mine.pk}&limit=1")
    assert r.json()["count"] == 2 and [x["number"] for x in r.json()["items"]] == [s.s2.number]  # newest first
    for bad in ("offset=-1", "limit=0", "limit=201", f"order_id={10**20}", "delivered=maybe"):
        r = wh.get(f"/api/v1/shipments?{bad}")
        assert r.status_code in (400, 422) and r.json()["fields"], bad  # 400 from the central paging bound
    today = timezone.localdate().isoformat()
    for x in wh.get(f"/api/v1/shipments?order_id={s.mine.pk}&delivered=false").json()["items"]:
        r = wh.post(f"/api/v1/shipments/{x['id']}/delivered", {"delivered_on": today, "e_signature": "true"})
        assert r.status_code == 200, r.json()
    assert Order.objects.get(pk=s.mine.pk).status == OrderStatus.DELIVERED
    assert numbers(wh.get("/api/v1/shipments?delivered=false")) == {s.s3.number}
    assert numbers(wh.get("/api/v1/shipments?delivered=true")) == {s.s1.number, s.s2.number}


def test_creating_a_shipment_answers_its_id(shop, api_client):
    co = shop.company
    wh = User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="孙库管")
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "20", "100.00")])
    services.submit_order(co.sales1, o.pk)
    r = api_client(wh).post(f"/api/v1/orders/{o.pk}/shipments",
                            {"lines": [{"line_id": o.lines.get().pk, "quantity": "20"}]}, content_type="application/json")
    assert r.status_code == 201
    got = api_client(wh).get(f"/api/v1/shipments/{r.json()['id']}")
    assert got.status_code == 200 and got.json()["number"] == r.json()["number"]
