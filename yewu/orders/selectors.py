"""Row-level access for orders: an order is visible exactly when its customer is (customers.selectors)."""

from django.db.models import QuerySet
from django.utils import timezone

from yewu.customers.selectors import customers_visible_to

from .models import Order, OrderStatus


def orders_visible_to(user) -> QuerySet[Order]:
    if user.has_role("WH", "FIN", "FD", "CA", "GM"):
        return Order.objects.all()
    return Order.objects.filter(customer__in=customers_visible_to(user))


def order_for(user, pk: int) -> Order | None:
    return orders_visible_to(user).select_related("customer", "salesperson", "approval").filter(pk=pk).first()


def late_orders(user, today=None):
    """`delivery.standard_3_4d`: unshipped after the promised day."""
    today = today or timezone.localdate()
    return orders_visible_to(user).filter(
        status__in=[OrderStatus.READY, OrderStatus.PARTLY_SHIPPED], promised_ship_on__lt=today
    ).select_related("customer")
