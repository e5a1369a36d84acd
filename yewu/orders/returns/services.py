"""Returns and exchanges (退货/换货, `return.flow`, SPEC §4.6).

apply (SP) → SM confirms → QC inspects (ours? condition) → SM approves (then the GM when the request comes
more than 30 days after delivery) → WH receives on a red-ink note (stock back; ``returned_qty`` on the line)
→ FIN credit note / red-letter invoice. Custom products return only for quality defects. An exchange is a
return whose quantity is shipped again: receiving it reopens that quantity on the order line.

Finance hook: :func:`register_credit_note_handler` lets the finance app create the credit note (and reverse
commission) when goods come back; :func:`credit_note_due` says what is owed; :func:`record_credit_note`
marks it done. One transaction per write; every step audited and kept in ``history``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.customers.selectors import customer_for
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids, users_with_ability
from yewu.policy import orders as rules

from .. import closing
from ..contracts.records import litigation_reason
from ..inputs import CENT, decimal_in
from ..models import Order, OrderLine, OrderStatus, ReturnRequest, ReturnStatus

RETURNABLE_STATES = (OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED)

_credit_handlers: list[Callable[[ReturnRequest], None]] = []
_reversal_handlers: list[Callable[[ReturnRequest], None]] = []


def register_credit_note_handler(fn: Callable[[ReturnRequest], None]) -> Callable[[ReturnRequest], None]:
    """Finance registers a function called (same transaction) when returned goods are received."""
    _credit_handlers.append(fn)
    return fn


def register_reversal_handler(fn: Callable[[ReturnRequest], None]) -> Callable[[ReturnRequest], None]:
    """Finance registers a function called (same transaction) when a received return is reversed (撤销收货)."""
    _reversal_handlers.append(fn)
    return fn


def credit_note_due(ret: ReturnRequest) -> dict:
    """What finance owes the customer for a received return (none for an exchange)."""
    return {"return": ret.number, "order": ret.order.number, "customer_id": ret.order.customer_id,
            "amount": Decimal("0.00") if ret.exchange else ret.amount, "quantity": ret.quantity,
            "product": ret.line.product.code, "salesperson_id": ret.order.salesperson_id, "rule": "return.flow"}


def _log(ret: ReturnRequest, actor: User, role: str, action: str, comment: str = "") -> None:
    ret.history = [*ret.history, {"at": timezone.localtime().isoformat(), "by": actor.name, "role": role,
                                  "action": action, "comment": comment}]


def _delivered_on(order: Order, line: OrderLine) -> date | None:
    if order.delivered_on:
        return order.delivered_on
    days = [d for d in line.shipment_lines.values_list("shipment__delivered_on", flat=True) if d]
    return max(days) if days else None


@transaction.atomic
def apply(actor: User, *, order_id: int, line_id: int, quantity, reason: str, quality_defect: bool = False,
          exchange: bool = False) -> ReturnRequest:
    order = Order.objects.select_for_update().select_related("customer", "salesperson").filter(pk=order_id).first()
    if order is None or customer_for(actor, order.customer_id) is None:
        raise NotFound("订单不存在或无权查看")
    if not can(actor, "applies_returns") or (
            order.salesperson_id != actor.id and not can(actor, "handles_team_orders")):
        raise PermissionDenied("退货申请由该订单的业务员提出", rule="return.flow")
    if order.status not in RETURNABLE_STATES:
        raise Conflict(f"订单状态为「{order.get_status_display()}」，尚未发货，不能退货", rule="return.flow", code="bad_state")
    blocked = litigation_reason(order)  # contract.dispute: litigation/arbitration leaves the normal flow
    if blocked is not None:
        raise Conflict(f"{blocked.message}；退货须按诉讼/仲裁结果处理", rule=blocked.rule, code="in_litigation")
    line = order.lines.select_for_update().select_related("product").filter(pk=line_id).first()
    if line is None:
        raise ValidationError("订单行不存在", fields={"line_id": "不属于该订单"})
    qty = decimal_in(quantity, "quantity", "退货数量", 3)
    reason = clean_text(reason, field="reason", label="退货原因", max_len=300, required=True)
    # quantities in applications not yet received count against what may still be returned
    pending = sum((r.quantity for r in line.returns.exclude(status__in=[ReturnStatus.REJECTED, ReturnStatus.RECEIVED,
                                                                         ReturnStatus.CREDITED, ReturnStatus.REVERSED])),
                  Decimal("0"))
    delivered_on = _delivered_on(order, line)
    today = timezone.localdate()
    d = rules.return_check(quantity=qty, shipped=line.shipped_qty, returned=line.returned_qty + pending,
                           delivered_on=delivered_on, today=today, custom=line.is_custom,
                           quality_defect=bool(quality_defect), cfg=get_policy())
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"quantity" if "数量" in d.message() else "quality_defect": d.message()}
        raise err
    ret = ReturnRequest(number=next_number("TH"), order=order, line=line, quantity=qty,
                        amount=(qty * line.unit_price).quantize(CENT), reason=reason, quality_defect=bool(quality_defect),
                        exchange=bool(exchange), needs_gm="GM" in d.approvers,
                        days_after_delivery=(today - delivered_on).days if delivered_on else None,
                        decision=d.as_dict(), created_by=actor)
    _log(ret, actor, "SP", "提交退货申请" if not exchange else "提交换货申请", reason)
    ret.save()
    for m in _team_managers(order):
        notify(m, f"return:{ret.pk}:confirm", f"退货申请 {ret.number}（{order.customer.name}）待您确认", rule="return.flow",
               link=f"/orders/{order.pk}/")
    record(actor=actor, action="create", obj=ret, after=snapshot(ret), decision=d, rule="return.flow")
    return ret


def _team_managers(order: Order) -> list[User]:
    team = order.salesperson.team
    if team is not None and team.manager_id:
        return [team.manager]
    return list(users_with_ability("stands_in_for_team_manager"))


def _get(return_id: int) -> ReturnRequest:
    ret = ReturnRequest.objects.select_for_update().select_related("order", "order__salesperson", "line").filter(
        pk=return_id).first()
    if ret is None:
        raise NotFound("退货单不存在")
    return ret


def _expect(ret: ReturnRequest, *states: str) -> None:
    if ret.status not in states:
        raise Conflict(f"退货单状态为「{ret.get_status_display()}」，不能执行此步骤", rule="return.flow", code="bad_state")


def _require_sm(actor: User, ret: ReturnRequest) -> None:
    team_id = ret.order.salesperson.team_id
    if not can(actor, "confirms_returns") or (team_id and team_id not in managed_team_ids(actor)):
        raise PermissionDenied("此步骤由该业务员所在团队的业务经理办理", rule="return.flow")
    if actor.id == ret.created_by_id:
        raise PermissionDenied("不能确认或批准自己提交的退货申请", rule="sod.no_self_approval")


def _save(ret: ReturnRequest, actor: User, before: dict, action: str) -> ReturnRequest:
    ret.save()
    record(actor=actor, action=action, obj=ret, before=before, after=snapshot(ret, ["status", "qc_is_ours", "qc_condition",
                                                                                    "red_note_number", "credit_reference"]),
           rule="return.flow")
    return ret


@transaction.atomic
def confirm(actor: User, return_id: int, comment: str = "") -> ReturnRequest:
    ret = _get(return_id)
    _expect(ret, ReturnStatus.APPLIED)
    _require_sm(actor, ret)
    before = snapshot(ret, ["status"])
    ret.status = ReturnStatus.CONFIRMED
    _log(ret, actor, "SM", "确认退货申请", clean_text(comment, field="comment", label="意见", max_len=300))
    for u in users_with_ability("inspects_returns"):
        notify(u, f"return:{ret.pk}:inspect", f"退货 {ret.number} 待质检", rule="return.flow", link=f"/orders/{ret.order_id}/")
    return _save(ret, actor, before, "confirm")


@transaction.atomic
def inspect(actor: User, return_id: int, *, is_ours: bool, condition: str) -> ReturnRequest:
    """QC: are the goods ours, and in what condition. Goods that are not ours end the request."""
    if not can(actor, "inspects_returns"):
        raise PermissionDenied("退货检验由质检办理", rule="return.flow")
    ret = _get(return_id)
    _expect(ret, ReturnStatus.CONFIRMED)
    before = snapshot(ret, ["status"])
    ret.qc_is_ours = bool(is_ours)
    ret.qc_condition = clean_text(condition, field="condition", label="货品状况", max_len=300, required=True)
    ret.status = ReturnStatus.INSPECTED if is_ours else ReturnStatus.REJECTED
    _log(ret, actor, "QC", "质检：本公司产品" if is_ours else "质检：非本公司产品，退货驳回", ret.qc_condition)
    return _save(ret, actor, before, "inspect")


@transaction.atomic
def approve(actor: User, return_id: int, comment: str = "") -> ReturnRequest:
    """SM approves; a request more than 30 days after delivery then needs the GM (a different person)."""
    ret = _get(return_id)
    _expect(ret, ReturnStatus.INSPECTED, ReturnStatus.AWAITING_GM)
    before = snapshot(ret, ["status"])
    comment = clean_text(comment, field="comment", label="意见", max_len=300)
    if ret.status == ReturnStatus.INSPECTED:
        _require_sm(actor, ret)
        ret.status = ReturnStatus.AWAITING_GM if ret.needs_gm else ReturnStatus.APPROVED
        _log(ret, actor, "SM", "业务经理批准", comment)
        if ret.needs_gm:
            for u in users_with_ability("approves_late_returns"):
                notify(u, f"return:{ret.pk}:gm", f"退货 {ret.number} 送达超过 {get_policy()['return.flow.gm_after_days']} 天，"
                       "待总经理批准", rule="return.flow", link=f"/orders/{ret.order_id}/")
    else:
        if not can(actor, "approves_late_returns"):
            raise PermissionDenied(f"送达 {ret.days_after_delivery} 天后的退货须总经理批准", rule="return.flow")
        if any(h.get("by") == actor.name and h.get("role") == "SM" for h in ret.history) or actor.id == ret.created_by_id:
            raise PermissionDenied("同一人不能在同一审批链中审批两步", rule="sod.no_self_approval")
        ret.status = ReturnStatus.APPROVED
        _log(ret, actor, "GM", "总经理批准", comment)
    if ret.status == ReturnStatus.APPROVED:
        for u in users_with_ability("receives_returns"):
            notify(u, f"return:{ret.pk}:receive", f"退货 {ret.number} 已批准，待仓库收货", rule="return.flow",
                   link=f"/orders/{ret.order_id}/")
    return _save(ret, actor, before, "approve")


@transaction.atomic
def reject(actor: User, return_id: int, comment: str) -> ReturnRequest:
    ret = _get(return_id)
    _expect(ret, ReturnStatus.APPLIED, ReturnStatus.INSPECTED, ReturnStatus.AWAITING_GM)
    if ret.status == ReturnStatus.AWAITING_GM:
        if not can(actor, "approves_late_returns"):
            raise PermissionDenied("此步骤由总经理办理", rule="return.flow")
    else:
        _require_sm(actor, ret)
    before = snapshot(ret, ["status"])
    ret.status = ReturnStatus.REJECTED
    _log(ret, actor, "GM" if before["status"] == ReturnStatus.AWAITING_GM else "SM", "驳回",
         clean_text(comment, field="comment", label="驳回理由", max_len=300, required=True))
    notify(ret.created_by, f"return:{ret.pk}:result", f"退货申请 {ret.number} 被驳回：{comment}", rule="return.flow",
           link=f"/orders/{ret.order_id}/")
    return _save(ret, actor, before, "reject")


@transaction.atomic
def receive(actor: User, return_id: int) -> ReturnRequest:
    """WH receives the goods on a red-ink goods-issue note (红字出库单, numbered in the CK sequence): stock back,
    ``returned_qty`` on the line; an exchange reopens the quantity for a new shipment. Finance's credit-note
    handlers run for a plain return."""
    if not can(actor, "receives_returns"):
        raise PermissionDenied("退货由仓库收货入库", rule="return.flow")
    ret = _get(return_id)
    _expect(ret, ReturnStatus.APPROVED)
    line = OrderLine.objects.select_for_update().get(pk=ret.line_id)
    order = Order.objects.select_for_update().get(pk=ret.order_id)
    if ret.quantity > line.returnable_qty:
        raise RuleRefused(f"退货数量 {ret.quantity} 超过可退数量 {line.returnable_qty}", rule="return.flow")
    before = {**snapshot(ret, ["status"]), "line_returned_qty": line.returned_qty, "order_status": order.status}
    line.returned_qty += ret.quantity
    if ret.exchange:
        line.exchange_qty += ret.quantity
        if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED):  # to be shipped again
            order.status = OrderStatus.PARTLY_SHIPPED
            order.save(update_fields=["status"])
    line.save(update_fields=["returned_qty", "exchange_qty"])
    if not ret.exchange:  # the customer no longer owes for these goods: Order.unpaid is net of it
        order.returned_amount += ret.amount
        order.save(update_fields=["returned_amount"])
    ret.red_note_number = next_number("CK")
    ret.status, ret.received_at = ReturnStatus.RECEIVED, timezone.now()
    _log(ret, actor, "WH", f"红字出库单 {ret.red_note_number} 收货入库" + ("，待补发换货" if ret.exchange else ""))
    ret.save()
    record(actor=actor, action="receive", obj=ret, before=before,
           after={"status": ret.status, "red_note_number": ret.red_note_number, "line_returned_qty": line.returned_qty,
                  "exchange_qty": line.exchange_qty, "order_status": order.status}, rule="return.flow")
    if not ret.exchange:
        ret._actor = actor  # handlers record who did it
        for fn in _credit_handlers:
            fn(ret)
        closing.sync_closed_by_id(actor, ret.order_id, ref=ret.number)  # paid in full net of the return: closed
        for u in users_with_ability("credits_returns"):
            notify(u, f"return:{ret.pk}:credit", f"退货 {ret.number} 已入库，请开具红字发票/贷项 ¥{ret.amount:,.2f}",
                   rule="return.flow", link=f"/orders/{ret.order_id}/")
    return ret


@transaction.atomic
def reverse_receive(actor: User, return_id: int, reason: str) -> ReturnRequest:
    """Undo a plain return received by mistake (撤销收货), before FIN issued its credit note: the line's returned
    quantity and the order's returned amount go back, and finance's reversal handlers undo the money exactly
    (commission taken back, excess moved to the customer's balance)."""
    if not can(actor, "reverses_return_receipts"):
        raise PermissionDenied("撤销退货收货由仓库或财务办理", rule="return.flow")
    if not (reason or "").strip():
        raise ValidationError("撤销收货必须填写原因", fields={"reason": "必填"}, rule="return.flow")
    reason = clean_text(reason, field="reason", label="撤销原因", max_len=300, required=True)
    ret = _get(return_id)
    if ret.status == ReturnStatus.CREDITED:
        raise Conflict("已开具红字发票/贷项，须先由财务冲回后才能撤销收货", rule="return.flow", code="bad_state")
    _expect(ret, ReturnStatus.RECEIVED)
    if ret.exchange:
        raise Conflict("换货收货不能撤销（补发另行处理）", rule="return.flow", code="bad_state")
    line = OrderLine.objects.select_for_update().get(pk=ret.line_id)
    order = Order.objects.select_for_update().get(pk=ret.order_id)
    before = {**snapshot(ret, ["status"]), "line_returned_qty": line.returned_qty, "order_returned_amount": order.returned_amount}
    line.returned_qty -= ret.quantity
    line.save(update_fields=["returned_qty"])
    order.returned_amount -= ret.amount
    order.save(update_fields=["returned_amount"])
    ret.status, ret.reversed_at, ret.reversal_reason = ReturnStatus.REVERSED, timezone.now(), reason
    _log(ret, actor, "WH" if can(actor, "receives_returns") else "FIN", f"撤销收货（红字出库单 {ret.red_note_number} 作废）", reason)
    ret.save()
    ret._actor = actor
    for fn in _reversal_handlers:
        fn(ret)
    closing.sync_closed_by_id(actor, ret.order_id, ref=ret.number)  # the goods are owed again: reopened if unpaid
    record(actor=actor, action="reverse", obj=ret, before=before, reason=reason, rule="return.flow",
           after={"status": ret.status, "line_returned_qty": line.returned_qty, "order_returned_amount": order.returned_amount})
    return ret


@transaction.atomic
def record_credit_note(actor: User, return_id: int, reference: str) -> ReturnRequest:
    """FIN records the credit note / red-letter invoice issued for a received return."""
    if not can(actor, "credits_returns"):
        raise PermissionDenied("红字发票/贷项由财务开具", rule="return.flow")
    ret = _get(return_id)
    _expect(ret, ReturnStatus.RECEIVED)
    if ret.exchange:
        raise Conflict("换货不开红字发票（货品已补发）", rule="return.flow", code="bad_state")
    before = snapshot(ret, ["status"])
    ret.credit_reference = clean_text(reference, field="reference", label="红字发票号/贷项单号", max_len=100, required=True)
    ret.status, ret.credited_at = ReturnStatus.CREDITED, timezone.now()
    _log(ret, actor, "FIN", f"红字发票/贷项 {ret.credit_reference}")
    return _save(ret, actor, before, "credit")
