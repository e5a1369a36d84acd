"""What the settlement rules need to know about a customer for an order (SPEC §0, §3): new customer, open credit."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum

from yewu.common import prepared
from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to
from yewu.policy import orders as rules

from .. import closing
from ..inputs import CENT
from ..models import OPEN_CREDIT_STATES, Order, Settlement


def is_new_customer(customer) -> bool:
    """A new customer has no order that is both delivered and fully paid (SPEC §0): see :mod:`.closing`."""
    return closing.is_new_customer(customer)


def credit_exposure(customer, exclude_id=None) -> Decimal:
    qs = Order.objects.filter(customer=customer, settlement=Settlement.CREDIT, status__in=OPEN_CREDIT_STATES)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    v = qs.aggregate(s=Sum(F("total") - F("returned_amount") - F("paid_amount")))["s"]  # net of returned goods
    return (v or Decimal("0")).quantize(CENT)


def with_figures(customers: QuerySet) -> QuerySet:
    """The customers, each read with its order figures (``order_closed``: has a closed order with money paid on it;
    ``order_exposure``: open credit net of returns), so the customer and its facts come in one query."""
    open_credit = (Order.objects.filter(customer=OuterRef("pk"), settlement=Settlement.CREDIT, status__in=OPEN_CREDIT_STATES)
                   .order_by().values("customer").annotate(s=Sum(F("total") - F("returned_amount") - F("paid_amount")))
                   .values("s"))
    return customers.annotate(
        order_exposure=Subquery(open_credit, output_field=DecimalField(max_digits=18, decimal_places=2)),
        order_closed=Exists(Order.objects.filter(closing.CLOSED_WITH_MONEY, customer=OuterRef("pk"))))


def customer_with_figures(actor, customer_id) -> Customer | None:
    """``customer_for(actor, customer_id)`` read :func:`with_figures` (the owner, the owner's team and the creator
    selected with it): one query, compiled once per database connection and row-level access (the visibility filter's own SQL
    and values are the key, :mod:`yewu.common.prepared`)."""
    visible = customers_visible_to(actor)
    query = visible.query
    try:
        sql, params = query.get_compiler(using=visible.db).compile(query.where)
    except EmptyResultSet:  # sees no customer: no statement, as the queryset itself would send none
        return None
    except FullResultSet:
        sql, params = "", ()
    found = prepared.fetch(("orders.customer_with_figures", sql, tuple(params)), partial(_customer_with_figures, visible),
                           customer_id)
    return found[0] if found else None


def _customer_with_figures(visible: QuerySet, customer_id) -> QuerySet:
    return with_figures(visible).select_related("owner", "owner__team", "created_by").filter(pk=customer_id)[:1]


def customer_figures(customer, exclude_id=None) -> tuple[bool, Decimal]:
    """(new customer?, open credit exposure): what :func:`is_new_customer` and :func:`credit_exposure` answer one by
    one; from the figures :func:`with_figures` read with the customer, else in one query."""
    if exclude_id is None and hasattr(customer, "order_exposure"):
        return not customer.order_closed, (customer.order_exposure or Decimal("0")).quantize(CENT)
    open_credit = Q(settlement=Settlement.CREDIT, status__in=OPEN_CREDIT_STATES)
    if exclude_id:
        open_credit &= ~Q(pk=exclude_id)
    agg = Order.objects.filter(customer=customer).aggregate(
        exposure=Sum(F("total") - F("returned_amount") - F("paid_amount"), filter=open_credit),  # net of returned goods
        closed=Count("pk", filter=closing.CLOSED_WITH_MONEY))
    return not agg["closed"], (agg["exposure"] or Decimal("0")).quantize(CENT)


def order_facts(customer, total: Decimal, custom_total: Decimal, delivery_address: str, exclude_id=None,
                deposits: Decimal = Decimal("0")) -> rules.OrderFacts:
    new, exposure = customer_figures(customer, exclude_id)
    return rules.OrderFacts(
        total=total, is_new_customer=new, credit_grade=customer.credit_grade or "",
        delivery_address=delivery_address, registered_address=customer.registered_address,
        custom_lines_total=custom_total, credit_limit=customer.credit_limit,
        open_credit_exposure=exposure, deposits=deposits, supply_suspended=customer.supply_suspended,
    )
