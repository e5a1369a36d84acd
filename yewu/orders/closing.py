"""Closing an order (SPEC §4.1 order states: … → delivered → closed (paid)) and what makes a customer existing
(SPEC §0: a *new customer* has no order that is both delivered and fully paid; it becomes existing when its
first order closes).

An order closes when it is delivered (every shipment signed for) and fully paid net of returns: the money
allocated to it covers its total less the plain returns received back. It reopens (back to delivered) when
that stops holding: a receipt reversal (红冲) takes money off it, or a return reversal (撤销收货) puts goods
back on it that are not paid for. Every change is written to the audit log.

The callers (:func:`yewu.orders.shipping.services.confirm_delivery`,
:func:`yewu.orders.ordering.release.apply_money_change`, :mod:`yewu.orders.returns.services`) hold the order row locked in their transaction and call :func:`sync_closed` after
the order's money, returns or delivery changed. :func:`is_new_customer` is the one question every settlement
and approval rule asks (through ``order_facts``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from yewu.audit.services import record

from .models import Order, OrderStatus

RULE = "settle.new_customer_cash"  # the rule that reads it: a customer is existing once an order has closed
# a closed order with money paid on it: what makes its customer existing (see is_new_customer)
CLOSED_WITH_MONEY = Q(status=OrderStatus.CLOSED, paid_amount__gt=Decimal("0"))


def fully_paid(order: Order) -> bool:
    """Paid in full, net of plain returns received back (``Order.unpaid`` is 0)."""
    return order.paid_amount >= order.total - order.returned_amount


def sync_closed(actor, order: Order, *, ref: str = "") -> Order:
    """Close a delivered, fully paid order; reopen a closed one whose balance is open again. The caller holds
    the row locked; ``order`` must carry its current ``status``, ``paid_amount`` and ``returned_amount``."""
    if order.status == OrderStatus.DELIVERED and fully_paid(order):
        new, action, why = OrderStatus.CLOSED, "close", "已送达且已全额收款（扣除退货），订单结清"
    elif order.status == OrderStatus.CLOSED and not fully_paid(order):
        new, action, why = OrderStatus.DELIVERED, "reopen", f"未收款 ¥{order.unpaid:,.2f}，订单重新打开"
    else:
        return order
    before = {"status": order.status}
    order.status = new
    order.save(update_fields=["status"])
    record(actor=actor, action=action, obj=order, before=before, rule=RULE, reason=why,
           after={"status": new, "total": order.total, "returned_amount": order.returned_amount,
                  "paid_amount": order.paid_amount, "unpaid": order.unpaid, "ref": ref})
    return order


def sync_closed_by_id(actor, order_id: int, *, ref: str = "") -> Order:
    """As :func:`sync_closed`, re-reading the order (locked) first: for callers whose instance may be stale."""
    return sync_closed(actor, Order.objects.select_for_update().get(pk=order_id), ref=ref)


def is_new_customer(customer) -> bool:
    """A new customer has no closed order (delivered and fully paid net of returns) with money paid on it: an
    order whose goods all came back unpaid closes with nothing owed, but is no cooperation that makes the
    customer existing."""
    return not Order.objects.filter(CLOSED_WITH_MONEY, customer=customer).exists()
