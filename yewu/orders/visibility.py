"""Row-level access for orders: an order is visible exactly when its customer is (customers.selectors);
finance, CS and the GM see all orders; the warehouse (WH) the orders released for shipping (ready and after,
never those still in approval or awaiting payment), production (PROD) the orders with custom lines, QC the orders
with returns (`acl.ops_scope`). Whether prices show is ``can(user, "sees_prices")`` (yewu.org.permissions)."""

from __future__ import annotations

from django.db.models import QuerySet

from yewu.common.errors import NotFound
from yewu.customers.selectors import customers_visible_to
from yewu.org.permissions import can

from .models import Contract, Order, OrderStatus, ReturnRequest, Shipment

SHIPPABLE = (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED)
# acl.ops_scope: what the warehouse sees: orders released for shipping and their later states (SPEC: "ready orders")
RELEASED = (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED)


def orders_visible_to(user) -> QuerySet[Order]:
    if not user.is_authenticated or not user.is_active:
        return Order.objects.none()
    if can(user, "sees_all_orders"):
        return Order.objects.all()
    qs = Order.objects.filter(customer__in=customers_visible_to(user))
    released, custom, returned = (can(user, "sees_released_orders"), can(user, "sees_custom_orders"),
                                  can(user, "sees_returned_orders"))
    if released or custom or returned:
        extra = Order.objects.none()
        if released:
            extra = extra | Order.objects.filter(status__in=RELEASED)
        if custom:
            extra = extra | Order.objects.filter(lines__kind="custom")
        if returned:
            extra = extra | Order.objects.filter(returns__isnull=False)
        qs = Order.objects.filter(pk__in=(qs | extra).values("pk"))
    return qs


def order_for(user, pk: int) -> Order | None:
    return orders_visible_to(user).select_related("customer", "salesperson", "approval").filter(pk=pk).first()


def shipment_for(user, pk: int) -> Shipment | None:
    return Shipment.objects.select_related("order", "order__customer").filter(
        pk=pk, order__in=orders_visible_to(user)).first()


def shipments_visible_to(user) -> QuerySet[Shipment]:
    """Shipments (出仓单) of the orders the user sees, newest first."""
    return Shipment.objects.filter(order__in=orders_visible_to(user)).select_related(
        "order", "order__customer").order_by("-shipped_at", "-id")


def contracts_visible_to(user) -> QuerySet[Contract]:
    return Contract.objects.filter(order__in=orders_visible_to(user)).select_related("order", "customer")


def returns_visible_to(user) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(order__in=orders_visible_to(user)).select_related("order", "line", "order__customer")


def visible_order(user, pk: int) -> Order:
    """The order ``pk`` if ``user`` sees it; NotFound (404) otherwise."""
    o = order_for(user, pk)
    if o is None:
        raise NotFound("订单不存在或无权查看")
    return o
