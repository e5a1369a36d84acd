"""Receipt reads (回款), scoped by :mod:`yewu.finance.access`."""

from __future__ import annotations

from django.db.models import QuerySet

from yewu.finance.access import money_customers, sees_all_money
from yewu.org.models import User

from ..models import Receipt


def receipts_visible_to(user: User) -> QuerySet[Receipt]:
    qs = Receipt.objects.select_related("customer", "recorded_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def receipt_for(user: User, pk: int) -> Receipt | None:
    return receipts_visible_to(user).filter(pk=pk).first()
