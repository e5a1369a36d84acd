"""Shipments (出仓单, `ship.release_check`) and the customer-signed delivery (`ship.goods_issue_note`).
One transaction each; every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.org.models import User
from yewu.org.permissions import can

from .. import closing
from ..attachments import FileIn, save_attachment
from ..inputs import decimal_in
from ..models import Order, OrderStatus, Shipment, ShipmentLine
from .check import ship_blocker


@dataclass
class ShipLineIn:
    line_id: int
    quantity: Decimal | str


@transaction.atomic
def create_shipment(actor: User, order_id: int, lines: list[ShipLineIn], note: str = "") -> Shipment:
    """`ship.release_check`: only ready orders of non-suspended customers; partial shipments allowed."""
    if not can(actor, "ships_orders"):
        raise PermissionDenied("发货由仓库（库管）办理", rule="ship.release_check")
    order = Order.objects.select_for_update().select_related("customer").filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    if order.customer.supply_suspended:
        raise RuleRefused(f"客户「{order.customer.name}」已暂停供货，不能发货", rule="credit.supply_suspended")
    if order.status not in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED):
        why = {
            OrderStatus.PENDING_APPROVAL: "订单尚在审批中",
            OrderStatus.AWAITING_PAYMENT: f"结算方式「{order.get_settlement_display()}」要求的款项/定金尚未到账"
                                          f"（需 {order.payment_needed_before_release:,.2f}，已收 {order.paid_amount:,.2f}）",
        }.get(order.status, f"订单状态为「{order.get_status_display()}」")
        raise RuleRefused(f"不能发货：{why}", rule="ship.release_check")
    blocker = ship_blocker(order)  # contract, litigation, and the money due before release (e.g. a reversed deposit)
    if blocker is not None:
        raise RuleRefused(f"不能发货：{blocker.message}", rule=blocker.rule)
    if not lines:
        raise ValidationError("请填写发货数量", fields={"lines": "至少一行"})
    by_id = {ln.id: ln for ln in order.lines.select_for_update()}
    ship = Shipment(number=next_number("CK"), order=order, shipped_by=actor,
                    note=clean_text(note, field="note", label="备注", max_len=200))
    ship.save()
    for i, sl in enumerate(lines):
        ln = by_id.get(sl.line_id)
        if ln is None:
            raise ValidationError(f"第 {i + 1} 行：订单行不存在", fields={f"lines.{i}.line_id": "不属于该订单"})
        qty = decimal_in(sl.quantity, f"lines.{i}.quantity", "发货数量", 3)
        if qty > ln.open_qty:
            raise RuleRefused(f"{ln.product.code} 发货 {qty} 超过未发数量 {ln.open_qty}", rule="ship.release_check",
                              fields={f"lines.{i}.quantity": f"最多 {ln.open_qty}"})
        ShipmentLine.objects.create(shipment=ship, order_line=ln, quantity=qty)
        ln.shipped_qty += qty
        ln.save(update_fields=["shipped_qty"])
    before = snapshot(order, ["status"])
    order.status = OrderStatus.SHIPPED if all(ln.open_qty <= 0 for ln in by_id.values()) else OrderStatus.PARTLY_SHIPPED
    order.save(update_fields=["status"])
    record(actor=actor, action="ship", obj=order, before=before,
           after={**snapshot(order, ["status"]), "shipment": ship.number,
                  "lines": [{"line": sl.line_id, "qty": str(sl.quantity)} for sl in lines]}, rule="ship.release_check")
    return ship


@transaction.atomic
def confirm_delivery(actor: User, shipment_id: int, *, delivered_on: date, signed_by_name: str = "",
                     e_signature: bool = False, signed_copy: FileIn | None = None) -> Shipment:
    """`ship.goods_issue_note`: the customer-signed copy (a photo/scan, or an e-signature) sets the shipment's
    delivery date; when every shipment of a fully shipped order is signed for, the order is delivered (and a
    CREDIT order's due date runs from then)."""
    if not can(actor, "records_deliveries"):
        raise PermissionDenied("签收回单由仓库、业务员或客服登记", rule="ship.goods_issue_note")
    ship = Shipment.objects.select_for_update().select_related("order").filter(pk=shipment_id).first()
    if ship is None:
        raise NotFound("出仓单不存在")
    if ship.delivered_on is not None:
        raise Conflict(f"出仓单 {ship.number} 已于 {ship.delivered_on} 签收", rule="ship.goods_issue_note", code="already_delivered")
    if signed_copy is None and not e_signature:
        raise RuleRefused("须上传客户签收联（照片/扫描件）或确认电子签名", rule="ship.goods_issue_note",
                          fields={"signed_copy": "签收联或电子签名"})
    shipped_on = timezone.localtime(ship.shipped_at).date()
    today = timezone.localdate()
    if delivered_on < shipped_on or delivered_on > today:
        raise ValidationError(f"签收日期须在出仓日 {shipped_on} 与今天 {today} 之间", fields={"delivered_on": "日期不对"})
    order = Order.objects.select_for_update().get(pk=ship.order_id)
    before = snapshot(order, ["status", "delivered_on"])
    if signed_copy is not None:
        ship.signed_copy = save_attachment(actor, signed_copy, "signed_copy")
    ship.delivered_on, ship.e_signature = delivered_on, bool(e_signature)
    ship.signed_by_name = clean_text(signed_by_name, field="signed_by_name", label="签收人", max_len=50)
    ship.delivery_recorded_by, ship.delivery_recorded_at = actor, timezone.now()
    ship.save()
    if order.status == OrderStatus.SHIPPED and not order.shipments.filter(delivered_on__isnull=True).exists():
        order.status = OrderStatus.DELIVERED
        order.delivered_on = max(order.shipments.values_list("delivered_on", flat=True))
        order.save(update_fields=["status", "delivered_on"])
    record(actor=actor, action="deliver", obj=order, before=before,
           after={**snapshot(order, ["status", "delivered_on"]), "shipment": ship.number, "delivered_on": delivered_on,
                  "e_signature": ship.e_signature, "signed_copy": ship.signed_copy_id}, rule="ship.goods_issue_note")
    closing.sync_closed(actor, order, ref=ship.number)  # delivered and already paid: closed
    return ship
