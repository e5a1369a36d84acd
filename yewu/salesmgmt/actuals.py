"""Actual daily figures from the records, never typed (`daily.quantified_activity`): receipts by arrival date
(credited to the customer's owner), face-to-face visits and customers met from the visit log, calls from the call
log (plus phone entries of the visit log), new intentional customers from the archive (filed that day, owned by the
SP); an SM correction (with its reason, audited) replaces one figure."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from yewu.customers.models import Channel, Customer, Visit
from yewu.finance.models import Receipt, ReceiptStatus
from yewu.policy.calendar import TZ
from yewu.policy.salesmgmt import METRICS, MONEY_METRICS

from . import reads
from .models import ActualCorrection, CallLog

ZERO = Decimal("0.00")


def empty() -> dict:
    return {m: (ZERO if m in MONEY_METRICS else 0) for m in METRICS}


def _value(metric: str, v):
    return v.quantize(ZERO) if metric in MONEY_METRICS else int(v)


def daily_actuals(sp_ids, start: date, end: date, *, corrections: bool = True) -> dict[tuple[int, date], dict]:
    """{(salesperson_id, day): {metric: value}} for days in [start, end]; missing keys mean all zero."""
    sp_ids = list(sp_ids)
    out: dict[tuple[int, date], dict] = defaultdict(empty)
    if not sp_ids:
        return out
    for r in (Receipt.objects.filter(status=ReceiptStatus.POSTED, arrived_on__range=(start, end),
                                     customer__owner_id__in=sp_ids)
              .values("customer__owner_id", "arrived_on").annotate(s=Sum("amount"))):
        out[(r["customer__owner_id"], r["arrived_on"])]["collections"] = (r["s"] or ZERO).quantize(ZERO)
    lo = datetime.combine(start, time.min, tzinfo=TZ)  # a range on the indexed column, not a per-row date cast
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=TZ)
    visits = (Visit.objects.filter(user_id__in=sp_ids, at__gte=lo, at__lt=hi)
              .annotate(d=TruncDate("at", tzinfo=TZ)).values("user_id", "d")
              .annotate(v=Count("id", filter=Q(channel=Channel.VISIT)),
                        met=Count("customer", distinct=True, filter=Q(channel=Channel.VISIT) & ~Q(contacts_met="")),
                        phone=Count("id", filter=Q(channel=Channel.PHONE))))
    for r in visits:
        row = out[(r["user_id"], r["d"])]
        row["visits"], row["met"], row["calls"] = r["v"], r["met"], row["calls"] + r["phone"]
    for r in (CallLog.objects.filter(salesperson_id__in=sp_ids, day__range=(start, end))
              .values("salesperson_id", "day").annotate(n=Count("id"))):
        out[(r["salesperson_id"], r["day"])]["calls"] += r["n"]
    for r in (Customer.objects.filter(owner_id__in=sp_ids, created_at__gte=lo, created_at__lt=hi)
              .annotate(d=TruncDate("created_at", tzinfo=TZ)).values("owner_id", "d").annotate(n=Count("id"))):
        out[(r["owner_id"], r["d"])]["new_intent"] = r["n"]
    if corrections:
        for c in ActualCorrection.objects.filter(salesperson_id__in=sp_ids, day__range=(start, end)):
            out[(c.salesperson_id, c.day)][c.metric] = _value(c.metric, c.value)
    return out


def day_and_month(sp_ids, month: date, day: date) -> tuple[dict[int, dict], dict[int, dict]]:
    """({sp: the day's figures}, {sp: the sums from ``month`` to ``day``}): what :func:`daily_actuals` gives for
    the day and summed over the days, corrections included, but one grouped row per SP and source (conditional
    sums), not one per SP and day — the 18:00 draft on the 28th reads as many rows as on the 2nd. A correction
    replaces its day's figure in both; the raw figures of corrected days are read only when there are some. The
    reads are raw SQL (:mod:`yewu.salesmgmt.reads`, issue 13's benchmark)."""
    sp_ids = list(sp_ids)
    on_day: dict[int, dict] = defaultdict(empty)
    mtd: dict[int, dict] = defaultdict(empty)
    if not sp_ids:
        return on_day, mtd
    for sid, d, m in reads.receipts_day_month(sp_ids, month, day):
        on_day[sid]["collections"], mtd[sid]["collections"] = d, m
    for sid, vd, vm, md, mm, pd, pm in reads.visits_day_month(sp_ids, month, day):
        a, b = on_day[sid], mtd[sid]
        a["visits"], b["visits"], a["met"], b["met"] = vd, vm, md, mm
        a["calls"] += pd
        b["calls"] += pm
    for sid, d, m in reads.calls_day_month(sp_ids, month, day):
        on_day[sid]["calls"] += d
        mtd[sid]["calls"] += m
    for sid, d, m in reads.new_customers_day_month(sp_ids, month, day):
        on_day[sid]["new_intent"], mtd[sid]["new_intent"] = d, m
    fixes = reads.corrections(sp_ids, month, day)
    if fixes:
        raw = daily_actuals({f[0] for f in fixes}, min(f[1] for f in fixes), max(f[1] for f in fixes), corrections=False)
        for sid, d, metric, value in fixes:
            v = _value(metric, value)
            mtd[sid][metric] += v - raw[(sid, d)][metric]
            if d == day:
                on_day[sid][metric] = v
    return on_day, mtd


def totals(actuals: dict, sp_id: int, start: date, end: date) -> dict:
    t = empty()
    for (sid, d), row in actuals.items():
        if sid == sp_id and start <= d <= end:
            for m in METRICS:
                t[m] += row[m]
    return t


def corrected(sp_id: int, day: date) -> dict[str, ActualCorrection]:
    return {c.metric: c for c in ActualCorrection.objects.filter(salesperson_id=sp_id, day=day).select_related("by")}
