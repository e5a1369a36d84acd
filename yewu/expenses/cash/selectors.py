"""Cash journal reads: the balance on hand at any date, what is reserved for announced large payments, the
journal with running and daily balances."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum

from yewu.org.selectors import get_policy
from yewu.policy.calendar import TZ
from yewu.policy.expenses import cash_on_hand

from ..models import CashEntry, PaymentDoc


def sum_entries(qs) -> Decimal:
    ins = qs.filter(direction=CashEntry.Direction.IN).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    outs = qs.filter(direction=CashEntry.Direction.OUT).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return (ins - outs).quantize(Decimal("0.01"))


def balance_total() -> Decimal:
    return sum_entries(CashEntry.objects.all())


def balance_at(day: date) -> Decimal:
    """Cash on hand at the end of ``day`` by the book."""
    return sum_entries(CashEntry.objects.filter(entry_date__lte=day))


def reserved_for_large_payments(day: date) -> Decimal:
    """Cash drawn for pre-announced large payments that are not paid out by the end of ``day``
    (excluded from `cash.max_on_hand_5000`)."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    total = Decimal("0")
    for e in CashEntry.objects.filter(entry_date__lte=day, direction=CashEntry.Direction.IN, reverses=None).exclude(
            for_payment=None).select_related("for_payment"):
        if CashEntry.objects.filter(reverses=e, entry_date__lte=day).exists():
            continue
        p = e.for_payment
        if p.state == PaymentDoc.State.VOIDED or (p.paid_at is not None and p.paid_at < end):
            continue
        total += e.amount
    return total.quantize(Decimal("0.01"))


def journal(start: date, end: date) -> dict:
    """Entries between two dates with the running balance and a per-day summary (opening, in, out, closing,
    over the limit or not)."""

    cfg = get_policy()
    opening = balance_at(start - timedelta(days=1))
    bal = opening
    rows, days = [], []
    cur = None
    for e in CashEntry.objects.filter(entry_date__range=(start, end)).select_related("recorded_by", "reverses").order_by("entry_date", "id"):
        if cur is None or cur["day"] != e.entry_date:
            if cur:
                days.append(cur)
            cur = {"day": e.entry_date, "opening": bal, "in": Decimal("0"), "out": Decimal("0")}
        bal += e.signed
        if e.direction == CashEntry.Direction.IN:
            cur["in"] += e.amount
        else:
            cur["out"] += e.amount
        cur["closing"] = bal
        rows.append({"entry": e, "balance": bal})
    if cur:
        days.append(cur)
    for d in days:
        dec = cash_on_hand(balance=d["closing"], reserved=reserved_for_large_payments(d["day"]), cfg=cfg)
        d["warning"] = dec.reasons[0].message if dec.reasons else ""
    return {"opening": opening, "closing": bal, "rows": rows, "days": days, "limit": cfg["cash.max_on_hand_5000.max_amount"]}
