"""Actual daily figures from the records, never typed (`daily.quantified_activity`): receipts by arrival date
(credited to the customer's owner), face-to-face visits and customers met from the visit log, calls from the call
log (plus phone entries of the visit log), new intentional customers from the archive (filed that day, owned by the
SP); an SM correction (with its reason, audited) replaces one figure."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import CharField, Count, Q, Sum, Value
from django.db.models.functions import Cast, Concat, TruncDate

from yewu.customers.models import Channel, Customer, Visit
from yewu.finance.models import Receipt, ReceiptStatus
from yewu.policy.calendar import TZ
from yewu.policy.salesmgmt import METRICS, MONEY_METRICS

from .models import ActualCorrection, CallLog

ZERO = Decimal("0.00")


class _LocalDate(TruncDate):
    """The China-time date of a moment. On SQLite in native SQL (Django's ``TruncDate`` calls a Python function
    per row there): the stored UTC text shifted by +8 hours, China's offset all year round since 1991."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, '+8 hours')", params


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
    replaces its day's figure in both; the raw figures of corrected days are read only when there are some."""
    sp_ids = list(sp_ids)
    on_day: dict[int, dict] = defaultdict(empty)
    mtd: dict[int, dict] = defaultdict(empty)
    if not sp_ids:
        return on_day, mtd
    for sid, d, m in (Receipt.objects.filter(status=ReceiptStatus.POSTED, arrived_on__range=(month, day),
                                             customer__owner_id__in=sp_ids)
                      .values("customer__owner_id").annotate(d=Sum("amount", filter=Q(arrived_on=day)), m=Sum("amount"))
                      .values_list("customer__owner_id", "d", "m")):
        on_day[sid]["collections"], mtd[sid]["collections"] = (d or ZERO).quantize(ZERO), (m or ZERO).quantize(ZERO)
    lo = datetime.combine(month, time.min, tzinfo=TZ)
    dlo = datetime.combine(day, time.min, tzinfo=TZ)
    hi = datetime.combine(day + timedelta(days=1), time.min, tzinfo=TZ)
    visit, phone, met = Q(channel=Channel.VISIT), Q(channel=Channel.PHONE), Q(channel=Channel.VISIT) & ~Q(contacts_met="")
    # "met" is counted per day (distinct customers of that day), so the month's figure counts (customer, day) pairs
    pair = Concat(Cast("customer_id", CharField()), Value("/"), _LocalDate("at", tzinfo=TZ), output_field=CharField())
    for sid, vd, vm, md, mm, pd, pm in (
            Visit.objects.filter(user_id__in=sp_ids, at__gte=lo, at__lt=hi).values("user_id")
            .annotate(vd=Count("id", filter=visit & Q(at__gte=dlo)), vm=Count("id", filter=visit),
                      md=Count("customer", distinct=True, filter=met & Q(at__gte=dlo)),
                      mm=Count(pair, distinct=True, filter=met),
                      pd=Count("id", filter=phone & Q(at__gte=dlo)), pm=Count("id", filter=phone))
            .values_list("user_id", "vd", "vm", "md", "mm", "pd", "pm")):
        a, b = on_day[sid], mtd[sid]
        a["visits"], b["visits"], a["met"], b["met"] = vd, vm, md, mm
        a["calls"] += pd
        b["calls"] += pm
    for sid, d, m in (CallLog.objects.filter(salesperson_id__in=sp_ids, day__range=(month, day)).values("salesperson_id")
                      .annotate(d=Count("id", filter=Q(day=day)), m=Count("id")).values_list("salesperson_id", "d", "m")):
        on_day[sid]["calls"] += d
        mtd[sid]["calls"] += m
    for sid, d, m in (Customer.objects.filter(owner_id__in=sp_ids, created_at__gte=lo, created_at__lt=hi).values("owner_id")
                      .annotate(d=Count("id", filter=Q(created_at__gte=dlo)), m=Count("id"))
                      .values_list("owner_id", "d", "m")):
        on_day[sid]["new_intent"], mtd[sid]["new_intent"] = d, m
    fixes = list(ActualCorrection.objects.filter(salesperson_id__in=sp_ids, day__range=(month, day))
                 .values_list("salesperson_id", "day", "metric", "value"))
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
