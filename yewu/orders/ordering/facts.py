"""What the settlement rules need to know about a customer for an order (SPEC §0, §3): new customer, open credit."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum

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


def order_facts(customer, total: Decimal, custom_total: Decimal, delivery_address: str, exclude_id=None,
                deposits: Decimal = Decimal("0")) -> rules.OrderFacts:
    return rules.OrderFacts(
        total=total, is_new_customer=is_new_customer(customer), credit_grade=customer.credit_grade or "",
        delivery_address=delivery_address, registered_address=customer.registered_address,
        custom_lines_total=custom_total, credit_limit=customer.credit_limit,
        open_credit_exposure=credit_exposure(customer, exclude_id), deposits=deposits,
        supply_suspended=customer.supply_suspended,
    )
