"""Commission statement reads (`commission.statement`): an SP sees their own, an SM their team's, FIN/FD/GM
everyone's — the same entries and the same sums for each, whoever looks."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from yewu.org.models import User
from yewu.org.selectors import managed_team_ids

from .models import CommissionEntry

ZERO = Decimal("0.00")
ALL_ROLES = ("FIN", "FD", "GM")


def entries_visible_to(user: User) -> QuerySet[CommissionEntry]:
    qs = CommissionEntry.objects.select_related("salesperson", "receipt", "order", "order_line", "order_line__product",
                                                "order__customer", "return_request")
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(*ALL_ROLES):
        return qs
    q = Q(pk__in=[])
    if user.has_role("SM"):
        q |= Q(salesperson__team_id__in=managed_team_ids(user))
    if user.has_role("SP"):
        q |= Q(salesperson=user)
    return qs.filter(q)


def parse_month(s: str | None, today: date) -> date:
    from yewu.common.errors import ValidationError

    if not s:
        return today.replace(day=1)
    try:
        y, m = s.split("-")
        return date(int(y), int(m), 1)
    except (ValueError, TypeError):
        raise ValidationError(f"月份格式应为 YYYY-MM（现为 {s}）", fields={"month": "YYYY-MM"}) from None


def statement(user: User, month: date, salesperson_id: int | None = None) -> list[dict]:
    """Per salesperson for the month: every entry (receipt, order line, basis, base, cut, rate, amount) and totals."""
    qs = entries_visible_to(user).filter(month=month)
    if salesperson_id:
        qs = qs.filter(salesperson_id=salesperson_id)
    out: OrderedDict[int, dict] = OrderedDict()
    for e in qs.order_by("salesperson_id", "booked_on", "receipt_id", "order_line_id", "id"):
        s = out.setdefault(e.salesperson_id, {"salesperson": e.salesperson, "entries": [], "basis": ZERO, "amount": ZERO,
                                              "credits": ZERO, "reversals": ZERO})
        s["entries"].append(e)
        s["basis"] += e.basis
        s["amount"] += e.amount
        s["credits" if e.kind == CommissionEntry.Kind.CREDIT else "reversals"] += e.amount  # 红冲 and 退货扣回
    return sorted(out.values(), key=lambda s: s["salesperson"].name)
