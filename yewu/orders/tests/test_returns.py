"""`return.flow` (SPEC §4.6): quantity ≤ shipped − returned, SM → QC → SM (→ GM after 30 days) → WH red-ink
receipt → FIN credit note; custom products only for quality defects; exchange = return + new shipment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.finance import order_payments
from yewu.orders.models import Order, OrderLine
from yewu.orders.ordering import services
from yewu.orders.returns import services as returns
from yewu.orders.shipping import services as ship_svc

from .test_delivery import ops  # noqa: F401  (fixture)
from .test_documents import pdf_text, save
from .test_orders_api import make_existing


@pytest.fixture
def delivered(shop, ops):  # noqa: F811
    """A COD order of 10 cables + 2 custom items, shipped: 8 cables and the 2 custom items, delivered today."""
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00"),
                                        services.LineIn(shop.custom.pk, "2", "1000.00")])
    shop.signed_contract(o)
    services.submit_order(shop.company.sales1, o.pk)
    order_payments.record_payment(shop.company.finance, o.pk, "600.00")
    std, cus = o.lines.order_by("id")
    s = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "8"), ship_svc.ShipLineIn(cus.pk, "2")])
    ship_svc.confirm_delivery(ops.wh, s.pk, delivered_on=timezone.localdate(), e_signature=True)
    return Order.objects.get(pk=o.pk), std, cus


def post(c, url, body=None):
    return c.post(url, body or {}, content_type="application/json")


def test_full_return_flow_with_red_note_and_credit_hook(shop, ops, delivered, api_client):  # noqa: F811
    o, std, cus = delivered
    co = shop.company
    sp, sm, qc, wh, fin = (api_client(u) for u in (co.sales1, co.manager, ops.qc, ops.wh, co.finance))
    body = {"order_id": o.pk, "line_id": std.pk, "quantity": "8.001", "reason": "客户多订"}
    r = post(sp, "/api/v1/returns", body)
    assert r.status_code == 422 and r.json()["rule"] == "return.flow" and "8" in r.json()["message"]  # > shipped 8
    body["quantity"] = "3"
    r = post(sp, "/api/v1/returns", body)
    assert r.status_code == 201 and r.json()["amount"] == "300.00" and r.json()["needs_gm"] is False
    rid = r.json()["id"]
    assert r.json()["number"].startswith("YWTH-")
    # order of steps is enforced
    assert post(qc, f"/api/v1/returns/{rid}/inspect", {"is_ours": True, "condition": "完好"}).status_code == 409
    assert post(api_client(co.manager2), f"/api/v1/returns/{rid}/confirm").status_code == 404  # other team: invisible
    assert post(sp, f"/api/v1/returns/{rid}/confirm").status_code == 403
    assert post(sm, f"/api/v1/returns/{rid}/confirm").json()["status"] == "confirmed"
    assert post(sm, f"/api/v1/returns/{rid}/inspect", {"is_ours": True, "condition": "完好"}).status_code == 403
    assert post(qc, f"/api/v1/returns/{rid}/inspect", {"is_ours": True, "condition": "包装完好"}).json()["status"] == "inspected"
    assert post(wh, f"/api/v1/returns/{rid}/receive").status_code == 409
    assert post(sm, f"/api/v1/returns/{rid}/approve").json()["status"] == "approved"
    # finance's hook runs when the goods come back
    seen = []
    returns.register_credit_note_handler(lambda ret: seen.append(returns.credit_note_due(ret)))
    try:
        r = post(wh, f"/api/v1/returns/{rid}/receive")
    finally:
        returns._credit_handlers.pop()
    assert r.status_code == 200 and r.json()["status"] == "received" and r.json()["red_note_number"].startswith("YWCK-")
    assert r.json()["line_returned_qty"] == "3.000"
    assert seen and seen[0]["amount"] == 300 and seen[0]["rule"] == "return.flow"
    assert OrderLine.objects.get(pk=std.pk).returned_qty == 3
    # a second return is limited to shipped − returned = 5
    body["quantity"] = "5.001"
    assert post(sp, "/api/v1/returns", body).status_code == 422
    assert post(sp, f"/api/v1/returns/{rid}/credit-note", {"reference": "红字-001"}).status_code == 403
    r = post(fin, f"/api/v1/returns/{rid}/credit-note", {"reference": "红字发票 No.0012345"})
    assert r.json()["status"] == "credited"
    assert AuditEntry.objects.filter(rule="return.flow", object_id=str(rid)).count() >= 6
    r = sp.get(f"/api/v1/returns/{rid}/note.pdf")
    assert r.status_code == 200
    save("return_note.pdf", r.content)
    text = pdf_text(r.content)
    assert "退货单" in text and "红字" in text and "-300.00" in text and "叁佰元整" in text


def test_custom_products_only_for_quality_defects(shop, delivered, api_client):
    o, std, cus = delivered
    sp = api_client(shop.company.sales1)
    body = {"order_id": o.pk, "line_id": cus.pk, "quantity": "1", "reason": "不想要了"}
    r = post(sp, "/api/v1/returns", body)
    assert r.status_code == 422 and r.json()["rule"] == "return.flow" and "质量" in r.json()["message"]
    r = post(sp, "/api/v1/returns", {**body, "reason": "绝缘层开裂", "quality_defect": True})
    assert r.status_code == 201


@pytest.mark.parametrize("days,gm", [(30, False), (31, True)])
def test_more_than_30_days_after_delivery_needs_gm(shop, ops, delivered, api_client, days, gm):  # noqa: F811
    o, std, cus = delivered
    Order.objects.filter(pk=o.pk).update(delivered_on=timezone.localdate() - timedelta(days=days))
    co = shop.company
    ret = returns.apply(co.sales1, order_id=o.pk, line_id=std.pk, quantity="1", reason="质量问题", quality_defect=True)
    assert ret.needs_gm is gm and ret.days_after_delivery == days
    returns.confirm(co.manager, ret.pk)
    returns.inspect(ops.qc, ret.pk, is_ours=True, condition="绝缘破损")
    ret = returns.approve(co.manager, ret.pk)
    assert ret.status == ("awaiting_gm" if gm else "approved")
    if gm:
        r = post(api_client(co.manager), f"/api/v1/returns/{ret.pk}/approve")
        assert r.status_code == 403 and r.json()["rule"] == "return.flow"
        assert returns.approve(co.gm, ret.pk).status == "approved"


def test_not_ours_ends_the_request(shop, ops, delivered):  # noqa: F811
    o, std, cus = delivered
    co = shop.company
    ret = returns.apply(co.sales1, order_id=o.pk, line_id=std.pk, quantity="1", reason="坏了")
    returns.confirm(co.manager, ret.pk)
    ret = returns.inspect(ops.qc, ret.pk, is_ours=False, condition="非本公司批号")
    assert ret.status == "rejected"
    # the quantity is free again
    assert returns.apply(co.sales1, order_id=o.pk, line_id=std.pk, quantity="8", reason="坏了").quantity == 8


def test_exchange_is_a_return_plus_a_new_shipment(shop, ops, delivered):  # noqa: F811
    o, std, cus = delivered
    co = shop.company
    ret = returns.apply(co.sales1, order_id=o.pk, line_id=cus.pk, quantity="1", reason="尺寸不符", quality_defect=True,
                        exchange=True)
    returns.confirm(co.manager, ret.pk)
    returns.inspect(ops.qc, ret.pk, is_ours=True, condition="尺寸偏差")
    returns.approve(co.manager, ret.pk)
    returns.receive(ops.wh, ret.pk)
    line = OrderLine.objects.get(pk=cus.pk)
    assert (line.returned_qty, line.open_qty) == (1, 1)
    assert Order.objects.get(pk=o.pk).status == "partly_shipped"
    ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(cus.pk, "1"), ship_svc.ShipLineIn(std.pk, "2")])
    line = OrderLine.objects.get(pk=cus.pk)
    assert line.open_qty == 0 and line.returnable_qty == 2 and Order.objects.get(pk=o.pk).status == "shipped"
    with pytest.raises(Exception) as e:
        returns.record_credit_note(co.finance, ret.pk, "x")
    assert getattr(e.value, "rule", "") == "return.flow"
