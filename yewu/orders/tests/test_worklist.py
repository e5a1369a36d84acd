"""The SM work list (SPEC §9.1) shows the team's late orders (`delivery.standard_3_4d`,
`delivery.custom_production`), receivables more than 30 days past due (`ar.collection_task`) and pending approvals,
each with its count, link and rule id; the GM sees all teams."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yewu.orders.models import OrderLine, Shipment
from yewu.orders.ordering.services import LineIn, create_order, submit_order
from yewu.orders.shipping.services import ShipLineIn, create_shipment


@pytest.fixture
def two_teams(shop):
    """A COD order for team 1 (sales1) and team 2 (sales3), both ready."""
    co = shop.company
    c3 = shop.customer("广州二组客户", owner=co.sales3)
    out = []
    for sp, c in ((co.sales1, shop.gz), (co.sales3, c3)):
        o, _ = create_order(sp, customer_id=c.pk, settlement="COD", lines=[LineIn(shop.cable.pk, "20", "100.00")])
        o = submit_order(sp, o.pk)
        assert o.status == "ready"
        out.append(o)
    return out


def late_by(order, days):
    today = timezone.localdate()
    OrderLine.objects.filter(order=order).update(promised_ship_on=today - timedelta(days=days))


def shipped_days_ago(shop, order, days):
    line = order.lines.get()
    ship = create_shipment(shop.company.gm, order.pk, [ShipLineIn(line.pk, line.quantity)])
    Shipment.objects.filter(pk=ship.pk).update(shipped_at=timezone.now() - timedelta(days=days))


def test_late_orders_of_the_team_on_the_sm_list_gm_sees_all(shop, two_teams, client, api_client):
    o1, o3 = two_teams
    late_by(o1, 2)
    late_by(o3, 0)  # the promised day itself is on time
    co = shop.company
    client.force_login(co.manager)
    page = client.get("/worklist/").content.decode()
    assert "延期订单 1" in page and o1.number in page and "delivery.standard_3_4d" in page and "?late=1" in page
    assert f"/orders/{o1.pk}/" in page and "逾期 2 天" in page
    client.force_login(co.manager2)
    page = client.get("/worklist/").content.decode()
    assert "延期订单 0" in page and o3.number not in page
    late_by(o3, 1)
    assert "延期订单 1" in client.get("/worklist/").content.decode()
    j = api_client(co.gm).get("/api/v1/worklist").json()
    assert {x["number"] for x in j["late_orders"]} == {o1.number, o3.number}
    assert all(x["rules"] == ["delivery.standard_3_4d"] and x["link"] for x in j["late_orders"])
    j = api_client(co.manager2).get("/api/v1/worklist").json()
    assert [x["number"] for x in j["late_orders"]] == [o3.number]


def test_custom_line_late_after_prods_date(shop, client):
    co = shop.company
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="PREPAY", lines=[LineIn(shop.custom.pk, "2", "1000.00")])
    from yewu.orders.models import Order

    Order.objects.filter(pk=o.pk).update(status="ready")
    late_by(o, 3)
    client.force_login(co.manager)
    page = client.get("/worklist/").content.decode()
    assert o.number in page and "delivery.custom_production" in page


@pytest.mark.parametrize("days,listed", [(30, False), (31, True)])
def test_receivables_more_than_30_days_past_due_on_the_sm_list(shop, two_teams, client, api_client, days, listed):
    o1, o3 = two_teams
    shipped_days_ago(shop, o1, days)  # COD: due on the delivery (goods-issue) date
    shipped_days_ago(shop, o3, 45)
    co = shop.company
    client.force_login(co.manager)
    page = client.get("/worklist/").content.decode()
    assert "ar.collection_task" in page and "/finance/ar/" in page
    assert (f"逾期超30天应收 {1 if listed else 0}" in page) and (o1.number in page) == listed
    assert o3.number not in page  # team 2's
    j = api_client(co.manager).get("/api/v1/worklist").json()
    assert [x["number"] for x in j["overdue_receivables"]] == ([o1.number] if listed else [])
    if listed:
        x = j["overdue_receivables"][0]
        assert x["days_past_due"] == 31 and x["open"] == "2000.00" and x["rule"] == "ar.collection_task"
    j = api_client(co.gm).get("/api/v1/worklist").json()
    assert {x["number"] for x in j["overdue_receivables"]} == ({o1.number, o3.number} if listed else {o3.number})


def test_pending_approvals_on_the_sm_list(shop, client):
    co = shop.company
    std = shop.product("S-5", "1000.00")
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="CASH", lines=[LineIn(std.pk, "1", "950.00")])
    submit_order(co.sales1, o.pk)
    client.force_login(co.manager)
    page = client.get("/worklist/").content.decode()
    assert "待我审批 1" in page and "approval.inbox" in page and f"/orders/{o.pk}/" in page and o.number in page
    client.force_login(co.manager2)
    assert "待我审批 0" in client.get("/worklist/").content.decode()


def test_sp_has_no_work_list(shop, client):
    client.force_login(shop.company.sales1)
    assert client.get("/worklist/").status_code == 403
