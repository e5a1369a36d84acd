"""Per-order money figures shared by receipts, invoices and receivables: payable states, received returns, net
total and unpaid, delivered value, delivery and due dates, the customer's open orders and credit balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from yewu.finance.base import ZERO, chunks
from yewu.orders.models import Order, OrderLine, OrderStatus, ReturnRequest, ReturnStatus, ShipmentLine
from yewu.policy.calendar import TZ
from yewu.policy.receivables import due_date, money

from ..models import DeferralRequest, Receipt, ReceiptStatus

# orders money can be allocated to (not draft/cancelled/rejected; closed = fully paid)
PAYABLE_STATES = (OrderStatus.PENDING_APPROVAL, OrderStatus.AWAITING_PAYMENT, OrderStatus.READY,
                  OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def customer_credit_balance(customer_id: int) -> Decimal:
    """Money received and not allocated to any order (预收/余额), posted receipts only."""
    v = Receipt.objects.filter(customer_id=customer_id, status=ReceiptStatus.POSTED).aggregate(
        a=Sum("amount"), b=Sum("allocated"))
    return money((v["a"] or ZERO) - (v["b"] or ZERO))


# returns whose goods are back in our warehouse (red-ink goods-issue note) — they count in the money figures
RETURNED_STATES = (ReturnStatus.RECEIVED, ReturnStatus.CREDITED)


def received_returns() -> QuerySet[ReturnRequest]:
    """Returns received back (`return.flow`), exchanges included: the goods left the customer, so their value
    leaves the delivered value; an exchange's new shipment adds it again."""
    return ReturnRequest.objects.filter(status__in=RETURNED_STATES, received_at__isnull=False)


def returned_credit(order_ids) -> dict[int, Decimal]:
    """Per order: value of plain (non-exchange) returns received — what the customer no longer owes."""
    out: dict[int, Decimal] = {}
    for chunk in chunks(list(order_ids)):
        for oid, amt in received_returns().filter(order_id__in=chunk, exchange=False).values_list("order_id", "amount"):
            out[oid] = out.get(oid, ZERO) + amt
    return out


def net_total(order: Order, credited: dict[int, Decimal] | None = None) -> Decimal:
    """The order's total less its received plain returns: what the customer owes for it in all."""
    c = credited if credited is not None else returned_credit([order.pk])
    return money(order.total - c.get(order.pk, ZERO))


def net_unpaid(order: Order, credited: dict[int, Decimal] | None = None) -> Decimal:
    """Owed and not yet paid, net of returns (money already allocated beyond the net total stays allocated:
    the order is then over-paid, see :func:`overpaid`)."""
    return max(net_total(order, credited) - order.paid_amount, ZERO)


def overpaid(order: Order) -> Decimal:
    """Money allocated to the order beyond its total net of returns (a return's excess is released to the
    customer's credit balance at once, so this is 0 after every return is received)."""
    return max(order.paid_amount - net_total(order), ZERO)


def line_delivered(ln: OrderLine) -> Decimal:
    """Delivered value of a line net of what came back (returns and exchanges received)."""
    return money(ln.shipped_qty * ln.unit_price) - money(ln.returned_qty * ln.unit_price)


def delivered_amount(order: Order) -> Decimal:
    return sum((line_delivered(ln) for ln in order.lines.all()), ZERO)


def delivery_dates(order_ids) -> dict[int, date]:
    """First delivery date per order. Delivery date = the goods-issue note's (出仓单) date, in Asia/Shanghai."""
    out: dict[int, date] = {}
    for oid, at in ShipmentLine.objects.filter(shipment__order_id__in=list(order_ids)).values_list(
            "shipment__order_id", "shipment__shipped_at"):
        d = at.astimezone(TZ).date()
        if oid not in out or d < out[oid]:
            out[oid] = d
    return out


def order_due_on(order: Order, delivered_on: date | None) -> date | None:
    """Used to pick the oldest due first: delivered orders fall due per `ar.aging`; an order waiting for money
    before release is due now (its submission date); anything else is not yet due."""
    if delivered_on is not None:
        return _deferred(order.pk, due_date(order.settlement, delivered_on, order.term_days))
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return (order.submitted_at or order.created_at).astimezone(TZ).date()
    return None


def _deferred(order_id: int, due: date) -> date:
    later = DeferralRequest.objects.filter(order_id=order_id, outcome=DeferralRequest.Outcome.GRANTED).order_by(
        "-new_due_on").values_list("new_due_on", flat=True).first()
    return max(due, later) if later else due


def open_orders(customer_id: int) -> list[Order]:
    """Orders still owing money, net of received returns (``returned_value`` and ``net_unpaid`` set on each)."""
    orders = list(Order.objects.filter(customer_id=customer_id, status__in=PAYABLE_STATES).order_by("created_at", "id"))
    credited = returned_credit([o.pk for o in orders])
    out = []
    for o in orders:
        o.returned_value, o.net_unpaid = credited.get(o.pk, ZERO), net_unpaid(o, credited)
        if o.net_unpaid > 0:
            out.append(o)
    return out
