"""Issue 15, one truth per page: an order shows 可发货 only when the shipping check (`ship.release_check`: contract,
deposit, supply suspension, litigation) passes; otherwise the order list and the order page name the blocking
reason, and the warehouse's shipment is refused for the same reason."""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.release import apply_money_change
from yewu.orders.ordering.services import LineIn, create_order
from yewu.org.models import User


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def status_cell(html: str, number: str) -> str:
    """The text of the order list's status cell in the row of order ``number``."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if number in r)
    cell = re.search(r'<td data-label="状态">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"<[^>]+>", " ", cell).split()


def custom_order(shop, settlement="CREDIT", qty="1", **state) -> Order:
    """An order with a custom line (30 % deposit, `settle.custom_deposit_30`; a contract is required for it)."""
    o, _ = create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement=settlement,
                        lines=[LineIn(shop.custom.pk, qty, "1000.00")])
    if state:
        Order.objects.filter(pk=o.pk).update(**state)  # test setup shortcut past approval
    o.refresh_from_db()
    return o


@pytest.fixture
def wh(company):
    return User.objects.create_user(username="wh", password="demo1234", roles=["WH"], display_name="钱库管")


def test_deposit_not_in_is_not_shown_ready_in_the_list_and_the_order_page_says_why(shop):
    co = shop.company
    waiting = custom_order(shop, status=OrderStatus.AWAITING_PAYMENT)
    shop.signed_contract(waiting)
    assert waiting.deposit_required == Decimal("300.00") and waiting.paid_amount == 0
    paid = custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
    shop.signed_contract(paid)

    c = login(co.manager)
    html = c.get("/orders/").content.decode()
    assert status_cell(html, waiting.number) == ["待付定金"]
    assert status_cell(html, paid.number) == ["可发货"]  # every check passes: contract signed, deposit in

    page = c.get(f"/orders/{waiting.pk}/").content.decode()
    status = re.search(r'id="status"[^>]*>([^<]*)<', page).group(1)
    assert status == "待付定金"
    reason = re.search(r'id="ship-reason">(.*?)</p>', page, re.S).group(1)
    assert "定金尚未到账" in reason and "300.00" in reason and "ship.release_check" in reason
    assert 'id="ship-reason"' not in c.get(f"/orders/{paid.pk}/").content.decode()


def test_deposit_reversed_after_a_partial_shipment_holds_the_rest(shop, wh):
    co = shop.company
    o = custom_order(shop, qty="2", status=OrderStatus.READY, paid_amount=Decimal("600.00"))
    shop.signed_contract(o)
    line = o.lines.get()
    w = login(wh)
    w.post(f"/orders/{o.pk}/shipments/", {f"ship-{line.pk}": "1"})
    o.refresh_from_db()
    assert o.status == OrderStatus.PARTLY_SHIPPED
    with transaction.atomic():  # finance reverses the deposit receipt (the order row locked, as finance does)
        apply_money_change(None, Order.objects.select_for_update().get(pk=o.pk), Decimal("-600.00"), ref="红冲")

    assert status_cell(login(co.manager).get("/orders/").content.decode(), o.number) == ["部分发货", "待付定金"]
    page = w.get(f"/orders/{o.pk}/").content.decode()
    assert "定金尚未到账" in page and 'id="ship-form"' not in page
    assert "600.00" not in page  # acl.ops_scope: the warehouse reads the reason without amounts
    w.post(f"/orders/{o.pk}/shipments/", {f"ship-{line.pk}": "1"})
    line.refresh_from_db()
    assert line.shipped_qty == 1  # the shipment is refused for the reason the pages show


def test_unsigned_contract_and_suspended_supply_are_named_in_the_list(shop):
    co = shop.company
    no_contract = custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
    html = login(co.manager).get("/orders/").content.decode()
    assert status_cell(html, no_contract.number) == ["待签合同"]
    page = login(co.manager).get(f"/orders/{no_contract.pk}/").content.decode()
    assert "尚未起草合同" in re.search(r'id="ship-reason">(.*?)</p>', page, re.S).group(1)

    shop.signed_contract(no_contract)
    shop.gz.supply_suspended = True
    shop.gz.save(update_fields=["supply_suspended"])
    html = login(co.manager).get("/orders/").content.decode()
    assert status_cell(html, no_contract.number) == ["已暂停供货"]


def test_the_list_checks_every_row_in_a_constant_number_of_queries(shop):
    co = shop.company
    c = login(co.manager)

    def queries():
        c.get("/orders/")  # warm: session, policy
        with CaptureQueriesContext(connection) as ctx:
            html = c.get("/orders/").content.decode()
        return len(ctx.captured_queries), html

    custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
    few, _ = queries()
    for i in range(6):
        o = custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
        if i % 2:
            shop.signed_contract(o)
    many, html = queries()
    assert many == few
    assert html.count(">待签合同<") == 4 and html.count(">可发货<") >= 3


def test_the_api_says_the_same_as_the_list(shop, api_client):
    """The API's status_label is the list's word: an order whose deposit is not in is never 可发货 there either,
    and ``ship_hold`` names the hold (empty when the order may ship)."""
    co = shop.company
    no_contract = custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
    ready = custom_order(shop, status=OrderStatus.READY, paid_amount=Decimal("300.00"))
    shop.signed_contract(ready)
    c = api_client(co.manager)
    items = {i["number"]: i for i in c.get("/api/v1/orders").json()["items"]}
    assert (items[no_contract.number]["status_label"], items[no_contract.number]["ship_hold"]) == ("待签合同", "待签合同")
    assert (items[ready.number]["status_label"], items[ready.number]["ship_hold"]) == ("可发货", "")
    one = c.get(f"/api/v1/orders/{no_contract.pk}").json()
    assert one["ship_hold"] == "待签合同"
