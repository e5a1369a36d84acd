"""Reads of cash advances (`cash.advance_max_3000`): who sees which, the overdue ones."""

from __future__ import annotations

from datetime import date

from yewu.expenses.access import scope
from yewu.org.models import User

from ..models import CashAdvance


def advances_visible_to(user: User):
    return scope(CashAdvance.objects.select_related("borrower"), user, "borrower")


def overdue_advances(on: date):
    """`cash.advance_max_3000`: paid, not settled, past the repayment/claim date as of ``on``."""
    return (CashAdvance.objects.filter(state=CashAdvance.State.PAID, due_date__lt=on)
            .select_related("borrower").order_by("due_date", "id"))
