"""Reads for tickets. :func:`tickets_visible_to` is THE row-level scope of tickets (`acl.cs_scope`): CS/CSM and
the GM see every customer's tickets; an SM the tickets of the team's customers; an SP those of own customers; a
department leader the tickets whose complaint was dispatched to the department; anyone the tickets assigned to
them. The tracking view reads live orders and shipments without prices."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to, search
from yewu.orders.models import Order, OrderStatus, Shipment
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids

from ..models import Ticket

LIVE_ORDER_STATES = (OrderStatus.PENDING_APPROVAL, OrderStatus.AWAITING_PAYMENT, OrderStatus.READY,
                     OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("customer", "assignee", "customer__owner")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can(user, "sees_all_tickets"):
        return qs
    q = Q(assignee=user) | Q(complaint__department__manager=user) | Q(complaint__leader=user)
    if can(user, "sees_team_service"):
        q |= Q(customer__owner__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_customers_service"):
        q |= Q(customer__owner=user)
    return qs.filter(q).distinct()


def ticket_for(user: User, pk: int) -> Ticket | None:
    return tickets_visible_to(user).filter(pk=pk).first()


def list_tickets(user: User, *, q: str = "", state: str = "", type: str = "", mine: bool = False, limit: int = 100):
    qs = tickets_visible_to(user)
    if state:
        qs = qs.filter(state=state)
    if type:
        qs = qs.filter(type=type)
    if mine:
        qs = qs.filter(assignee=user)
    if q:
        q = q.strip()[:50]
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q) | Q(caller_name__icontains=q)
                       | Q(caller_phone__icontains=q) | Q(content__icontains=q))
    return qs[:limit]


def find_customers(user: User, q: str, limit: int = 10) -> list[Customer]:
    """Quick-entry look-up: phone digits, name or pinyin initials (the customer search of the archive)."""
    q = (q or "").strip()[:50]
    if len(q) < 2:
        return []
    return list(search(customers_visible_to(user), q).select_related("owner").order_by("name")[:limit])


def customer_for(user: User, pk: int) -> Customer | None:
    return customers_visible_to(user).filter(pk=pk).first()


def service_card(customer: Customer) -> dict:
    """`acl.cs_scope` service card: name, address, contacts, open orders, shipment status, tickets — never prices."""
    orders = list(Order.objects.filter(customer=customer, status__in=LIVE_ORDER_STATES).order_by("-created_at")[:20])
    shipments = {o.pk: [] for o in orders}
    for s in Shipment.objects.filter(order__in=orders).order_by("shipped_at"):
        shipments[s.order_id].append({"number": s.number, "shipped_at": s.shipped_at, "delivered_on": s.delivered_on,
                                      "signed_by": s.signed_by_name})
    return {
        "id": customer.pk, "name": customer.name, "city": customer.city, "district": customer.district,
        "address": customer.delivery_address or customer.registered_address, "key_customer": customer.key_customer,
        "owner": customer.owner.name if customer.owner_id else "",
        "contacts": [{"name": c.name, "title": c.title, "mobile": c.mobile, "phone": c.phone}
                     for c in customer.contacts.all()[:10]],
        "orders": [{"id": o.pk, "number": o.number, "status": o.get_status_display(), "status_code": o.status,
                    "promised_ship_on": o.promised_ship_on, "target_ship_on": o.target_ship_on,
                    "delivered_on": o.delivered_on, "shipments": shipments[o.pk]} for o in orders],
        "tickets": [{"id": t.pk, "number": t.number, "type": t.get_type_display(), "state": t.get_state_display(),
                     "received_at": t.received_at} for t in Ticket.objects.filter(customer=customer)[:10]],
    }


def enquiry_origins(since=None) -> list[dict]:
    """Unconverted enquiries by origin region (the enquiry-origin report)."""
    qs = Ticket.objects.filter(type__in=("inquiry", "adhoc_order"), customer__isnull=True, lead__isnull=True)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    return list(qs.values("region").annotate(n=Count("id")).order_by("-n", "region"))
