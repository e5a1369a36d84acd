"""Weekly and monthly reports from live data (`report.weekly_monthly`): salesperson work statistics (targets vs
actuals), sales statistics (orders per SP), regional sales (orders by customer city), dealer purchases (orders per
customer) and target-customer statistics (new customers by city). Weekly due Monday 12:00, monthly by the 3rd
working day of the next month. Rows are cut by the one scope selector."""

from __future__ import annotations

import calendar as _cal
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum

from yewu.customers.models import Customer
from yewu.orders.models import Order
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import salesmgmt as pol
from yewu.policy.calendar import TZ

from .. import actuals as act
from ..leaderboard.selectors import NOT_SALES
from ..models import DailyTarget
from ..scope import visible_salespeople

ZERO = Decimal("0.00")


def period(kind: str, start: date) -> tuple[date, date, datetime]:
    cal, cfg = get_calendar(), get_policy()
    if kind == "week":
        s = start - timedelta(days=start.weekday())
        return s, s + timedelta(days=6), pol.weekly_report_due(s, cfg)
    s = start.replace(day=1)
    return s, s.replace(day=_cal.monthrange(s.year, s.month)[1]), pol.monthly_report_due(s.year, s.month, cal, cfg)


def report(user, kind: str, start: date) -> dict:
    s, e, due = period(kind, start)
    sps = list(visible_salespeople(user))
    ids = [x.pk for x in sps]
    acts = act.daily_actuals(ids, s, e)
    tg = {r["salesperson_id"]: r for r in DailyTarget.objects.filter(salesperson_id__in=ids, day__range=(s, e))
          .values("salesperson_id").annotate(**{m: Sum(m) for m in pol.METRICS})}
    lo, hi = datetime.combine(s, time.min, tzinfo=TZ), datetime.combine(e + timedelta(days=1), time.min, tzinfo=TZ)
    orders = Order.objects.filter(salesperson_id__in=ids, created_at__gte=lo, created_at__lt=hi).exclude(status__in=NOT_SALES)
    by_sp = {r["salesperson_id"]: r for r in orders.values("salesperson_id").annotate(n=Count("id"), total=Sum("total"))}
    work = []
    for sp in sps:
        a = act.totals(acts, sp.pk, s, e)
        t = tg.get(sp.pk) or {}
        o = by_sp.get(sp.pk) or {}
        work.append({"salesperson": sp.name, "orders": o.get("n") or 0, "sales": str((o.get("total") or ZERO).quantize(ZERO)),
                     **{m: str(a[m]) for m in pol.METRICS},
                     **{f"{m}_target": str(t.get(m) or 0) for m in pol.METRICS},
                     "collections_pct": str(pol.attainment_pct(a["collections"], t.get("collections") or 0) or "—")})
    regional = [{"city": r["customer__city"], "orders": r["n"], "sales": str((r["total"] or ZERO).quantize(ZERO))}
                for r in orders.values("customer__city").annotate(n=Count("id"), total=Sum("total")).order_by("-total")]
    dealers = [{"customer": r["customer__name"], "orders": r["n"], "sales": str((r["total"] or ZERO).quantize(ZERO))}
               for r in orders.values("customer__name").annotate(n=Count("id"), total=Sum("total")).order_by("-total")[:30]]
    new = [{"city": r["city"], "new_customers": r["n"]} for r in Customer.objects.filter(
        owner_id__in=ids, created_at__gte=lo, created_at__lt=hi).values("city").annotate(n=Count("id")).order_by("-n")]
    return {"rule": "report.weekly_monthly", "kind": kind, "start": s.isoformat(), "end": e.isoformat(),
            "due_at": due.isoformat(), "work": work, "regional": regional, "dealers": dealers, "target_customers": new}
