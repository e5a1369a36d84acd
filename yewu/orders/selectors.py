"""Row-level access for orders: an order is visible exactly when its customer is (customers.selectors);
warehouse, finance and the GM see all orders, production (PROD) the orders with custom lines (`acl.ops_scope`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet
from django.utils import timezone

from yewu.customers.selectors import customers_visible_to
from yewu.policy import Reason
from yewu.policy import orders as rules

from .models import Contract, Order, OrderLine, OrderStatus, ReturnRequest, Shipment

SHIPPABLE = (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED)


def orders_visible_to(user) -> QuerySet[Order]:
    if user.has_role("WH", "FIN", "FD", "CA", "GM", "CS", "CSM"):
        return Order.objects.all()
    qs = Order.objects.filter(customer__in=customers_visible_to(user))
    if user.has_role("PROD", "QC"):
        extra = Order.objects.filter(lines__kind="custom") if user.has_role("PROD") else Order.objects.none()
        if user.has_role("QC"):
            extra = extra | Order.objects.filter(returns__isnull=False)
        qs = Order.objects.filter(pk__in=(qs | extra).values("pk"))
    return qs


def order_for(user, pk: int) -> Order | None:
    return orders_visible_to(user).select_related("customer", "salesperson", "approval").filter(pk=pk).first()


def shipment_for(user, pk: int) -> Shipment | None:
    return Shipment.objects.select_related("order", "order__customer").filter(
        pk=pk, order__in=orders_visible_to(user)).first()


def contracts_visible_to(user) -> QuerySet[Contract]:
    return Contract.objects.filter(order__in=orders_visible_to(user)).select_related("order", "customer")


def returns_visible_to(user) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(order__in=orders_visible_to(user)).select_related("order", "line", "order__customer")


@dataclass
class LateLine:
    line: OrderLine
    reason: Reason


def _open_expr():
    return ExpressionWrapper(F("quantity") - F("shipped_qty") + F("exchange_qty"),
                             output_field=DecimalField(max_digits=14, decimal_places=3))


def late_lines_qs(today: date, orders: QuerySet[Order] | None = None) -> QuerySet[OrderLine]:
    """Lines still open after their promised day on orders that may ship (per line: standard lines'
    `delivery.standard_3_4d` promise, custom lines' PROD date under `delivery.custom_production`)."""
    qs = OrderLine.objects.annotate(open=_open_expr()).filter(
        order__status__in=SHIPPABLE, promised_ship_on__lt=today, open__gt=0)
    if orders is not None:
        qs = qs.filter(order__in=orders)
    return qs.select_related("order", "order__customer", "order__salesperson", "product").order_by("promised_ship_on", "id")


def late_lines(user, today: date | None = None) -> list[LateLine]:
    today = today or timezone.localdate()
    out = []
    for ln in late_lines_qs(today, orders_visible_to(user)):
        reason = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
        if reason is not None:
            out.append(LateLine(ln, reason))
    return out


def late_orders(user, today=None):
    """Orders with at least one late line."""
    today = today or timezone.localdate()
    ids = late_lines_qs(today, orders_visible_to(user)).values("order_id")
    return orders_visible_to(user).filter(pk__in=ids).select_related("customer")


def custom_dates_overdue(now=None) -> QuerySet[OrderLine]:
    """Custom lines whose PROD ship date is still missing after its entry deadline."""
    now = now or timezone.now()
    return OrderLine.objects.filter(kind="custom", promised_ship_on__isnull=True, prod_date_due_at__lt=now).exclude(
        order__status__in=[OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED]
    ).select_related("order", "order__customer", "order__salesperson")


def custom_lines_to_date(user) -> QuerySet[OrderLine]:
    """PROD's list (`delivery.custom_production`): custom lines whose deposit arrived and whose ship date is not
    entered yet, the most urgent entry deadline first."""
    return OrderLine.objects.filter(kind="custom", promised_ship_on__isnull=True, order__deposit_arrived_on__isnull=False,
                                    order__in=orders_visible_to(user)).exclude(
        order__status__in=[OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                           OrderStatus.CLOSED]
    ).select_related("order", "order__customer", "product").order_by("prod_date_due_at", "id")
