"""Receipt writes (SPEC §5.1), one transaction each, every change audited.

Receipts: recorded by FIN or CA only (`sod.receipt_recorder`), allocated oldest due first or by hand
(`receipt.allocation`), reversed (红冲) with a reason — undoing allocations, order balances and commission
exactly. The receipt row is locked (select_for_update) for every allocation, so two cashiers allocating one
receipt at once are serialised and the second sees what the first took. Money reaches the order through its one
entry point, :func:`yewu.orders.ordering.release.apply_money_change`; orders never imports finance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.customers.models import Customer
from yewu.finance.base import ZERO, parse_money, refuse
from yewu.finance.receivables.balances import (
    PAYABLE_STATES,
    delivery_dates,
    net_unpaid,
    open_orders,
    order_due_on,
    returned_credit,
)
from yewu.finance.receivables.services import sync_recovery
from yewu.orders.models import Order
from yewu.orders.ordering import release as orders
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.performance import services as commission
from yewu.policy import receivables as rules

from ..models import Allocation, Receipt, ReceiptStatus


def _check_recorder(actor: User) -> None:
    if not can(actor, "records_receipts"):
        raise PermissionDenied("回款只能由财务或出纳登记", rule="sod.receipt_recorder")


@transaction.atomic
def create_receipt(actor: User, *, customer_id: int, amount, arrived_on: date | None = None, method: str = "transfer",
                   reference: str = "", payer: str = "", note: str = "", for_order_id: int | None = None,
                   allocations: list[tuple[int, object]] | None = None, auto: bool = True) -> Receipt:
    """Record money arrived. ``allocations`` given → FIN/CA allocates by hand; else, with ``auto``, oldest due
    first (a receipt for a named order — its deposit — goes to that order first). The rest is credit balance."""
    _check_recorder(actor)
    amt = parse_money(amount)
    d = rules.check_receipt_amount(amt)
    if d.refused:
        raise refuse(d, "amount")
    if method not in rules.RECEIPT_METHODS:
        raise ValidationError(f"收款方式无效：{method}", fields={"method": "、".join(rules.RECEIPT_METHODS)})
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("客户不存在")
    arrived_on = arrived_on or timezone.localdate()
    if arrived_on > timezone.localdate():
        raise ValidationError("到账日不能晚于今天", fields={"arrived_on": "不能是将来日期"})
    for_order = None
    if for_order_id:
        for_order = Order.objects.filter(pk=for_order_id, customer=customer).first()
        if for_order is None:
            raise ValidationError("指定订单不属于该客户", fields={"for_order_id": "不属于该客户"})
    r = Receipt(number=next_number("SK"), customer=customer, amount=amt, arrived_on=arrived_on, method=method,
                reference=clean_text(reference, field="reference", label="银行流水号", max_len=100),
                payer=clean_text(payer, field="payer", label="付款人", max_len=100),
                note=clean_text(note, field="note", label="备注", max_len=200), for_order=for_order, recorded_by=actor)
    r.save()
    record(actor=actor, action="create", obj=r, after=snapshot(r), rule="receipt.allocation")
    if allocations is not None:
        _allocate(actor, r, allocations, Allocation.Kind.MANUAL)
    elif auto:
        _allocate(actor, r, None, Allocation.Kind.AUTO)
    return r


def _auto_plan(r: Receipt) -> list[tuple[int, Decimal]]:
    opens = open_orders(r.customer_id)
    dd = delivery_dates([o.pk for o in opens])
    credited = returned_credit([o.pk for o in opens])
    plan = [rules.OpenOrder(o.pk, net_unpaid(o, credited), order_due_on(o, dd.get(o.pk)),
                            o.created_at.date()) for o in opens]
    return rules.auto_allocate(r.unallocated, plan, r.for_order_id)


def _allocate(actor: User, r: Receipt, pairs, kind: str) -> list[Allocation]:
    """Apply parts of a (locked) receipt to orders; all or nothing."""
    if r.status != ReceiptStatus.POSTED:
        raise Conflict(f"回款 {r.number} 已红冲，不能分配", rule="receipt.allocation", code="reversed")
    if pairs is None:
        pairs = _auto_plan(r)
    else:
        pairs = [(int(oid), parse_money(a, f"allocations.{i}.amount", "分配金额")) for i, (oid, a) in enumerate(pairs)]
        if not pairs:
            raise ValidationError("请填写分配的订单和金额", fields={"allocations": "至少一行"}, rule="receipt.allocation")
    ids = sorted({oid for oid, _ in pairs})
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    left = r.unallocated
    made = []
    for i, (oid, amt) in enumerate(pairs):
        o = locked.get(oid)
        if o is None or o.customer_id != r.customer_id:
            raise ValidationError(f"第 {i + 1} 行：订单不存在或不属于客户「{r.customer.name}」", rule="receipt.allocation",
                                  fields={f"allocations.{i}.order_id": "不属于该客户"})
        if o.status not in PAYABLE_STATES:
            raise Conflict(f"订单 {o.number} 状态为「{o.get_status_display()}」，不能分配回款", rule="receipt.allocation",
                           code="bad_state")
        if o.salesperson_id == actor.id:
            raise PermissionDenied(f"您是订单 {o.number} 的提成业务员，不能为其登记回款", rule="sod.receipt_recorder")
        d = rules.check_allocation(amt, left, net_unpaid(o), o.number)  # net of received returns
        if d.refused:
            raise refuse(d, f"allocations.{i}.amount")
        a = Allocation.objects.create(receipt=r, order=o, amount=amt, kind=kind, created_by=actor)
        orders.apply_money_change(actor, o, amt, ref=r.number, arrived_on=r.arrived_on)
        commission.credit_allocation(a, o, r)
        left -= amt
        made.append(a)
    if made:
        before = snapshot(r, ["allocated"])
        r.allocated += sum((a.amount for a in made), ZERO)
        r.save(update_fields=["allocated"])
        record(actor=actor, action="allocate", obj=r, before=before,
               after={"allocated": r.allocated, "kind": kind,
                      "allocations": [{"order": a.order.number, "amount": a.amount} for a in made]},
               rule="receipt.allocation")
        sync_recovery(actor, {a.order_id for a in made}, ref=r.number)
    return made


@transaction.atomic
def allocate(actor: User, receipt_id: int, pairs: list[tuple[int, object]] | None = None) -> Receipt:
    """FIN allocates by hand (``pairs``) or lets the rest go oldest due first (``pairs`` None)."""
    if pairs is not None and not can(actor, "allocates_receipts_by_hand"):
        raise PermissionDenied("手工分配回款由财务办理", rule="receipt.allocation")
    _check_recorder(actor)
    r = Receipt.objects.select_for_update().select_related("customer").filter(pk=receipt_id).first()
    if r is None:
        raise NotFound("回款不存在")
    if pairs is None and not _auto_plan(r):
        raise Conflict("没有可分配的未收订单或回款已全部分配", rule="receipt.allocation", code="nothing_to_allocate")
    _allocate(actor, r, pairs, Allocation.Kind.MANUAL if pairs is not None else Allocation.Kind.AUTO)
    return r


@transaction.atomic
def reverse_receipt(actor: User, receipt_id: int, reason: str, on: date | None = None) -> Receipt:
    """红冲: undo every allocation (order balances, release state) and the commission, in the reversal's month."""
    _check_recorder(actor)
    if not (reason or "").strip():
        raise ValidationError("红冲必须填写原因", fields={"reason": "必填"}, rule="receipt.allocation")
    reason = clean_text(reason, field="reason", label="红冲原因", max_len=200, required=True)
    r = Receipt.objects.select_for_update().select_related("customer").filter(pk=receipt_id).first()
    if r is None:
        raise NotFound("回款不存在")
    if r.status == ReceiptStatus.REVERSED:
        raise Conflict(f"回款 {r.number} 已于 {r.reversed_on:%Y-%m-%d} 红冲，不能重复红冲", rule="receipt.allocation",
                       code="already_reversed")
    on = on or timezone.localdate()
    before = snapshot(r, ["status", "allocated"])
    allocs = list(r.allocations.filter(reversed_on__isnull=True).order_by("order_id", "id"))
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in={a.order_id for a in allocs}).order_by("pk")}
    for a in allocs:
        orders.apply_money_change(actor, locked[a.order_id], -a.amount, ref=f"红冲 {r.number}")
        commission.reverse_allocation(a, on)
        a.reversed_on = on
        a.save(update_fields=["reversed_on"])
    r.status, r.reversed_on, r.reversed_by, r.reversal_reason, r.allocated = ReceiptStatus.REVERSED, on, actor, reason, ZERO
    r.save(update_fields=["status", "reversed_on", "reversed_by", "reversal_reason", "allocated"])
    record(actor=actor, action="reverse", obj=r, before=before, after=snapshot(r, ["status", "allocated", "reversed_on"]),
           rule="receipt.allocation", reason=reason)
    sync_recovery(actor, set(locked), ref=f"红冲 {r.number}")
    return r
