"""Targets (reads): the month grid with progress, one SP's daily split vs actuals, pending changes. Rows are cut
by :func:`yewu.salesmgmt.scope.visible_salespeople` (SP own, SM team, GM/ADM all)."""

from __future__ import annotations

import calendar as _cal
from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.common.errors import NotFound, ValidationError
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol

from .. import actuals as act
from ..daily.selectors import compute_rows
from ..models import MonthlyTarget, TargetChange
from ..scope import require_sees, visible_salespeople


def parse_month(raw: str | None, today: date | None = None) -> date:
    today = today or timezone.localdate()
    if not raw:
        return today.replace(day=1)
    try:
        y, m = str(raw).strip().split("-")[:2]
        return date(int(y), int(m), 1)
    except (ValueError, TypeError):
        raise ValidationError("月份格式应为 YYYY-MM", fields={"month": "格式应为 YYYY-MM"}) from None


def month_end(month: date) -> date:
    return month.replace(day=_cal.monthrange(month.year, month.month)[1])


def month_grid(user, month: date, team_id: int | None = None) -> dict:
    """Each visible SP's targets for the month with month-to-date actuals and attainment."""
    cal = get_calendar()
    sps = list(visible_salespeople(user, team_id))
    targets = {t.salesperson_id: t for t in MonthlyTarget.objects.filter(month=month, salesperson__in=sps)}
    today = timezone.localdate()
    upto = min(month_end(month), today)
    acts = act.daily_actuals([s.pk for s in sps], month, upto) if upto >= month else {}
    rows = []
    for sp in sps:
        t = targets.get(sp.pk)
        done = act.totals(acts, sp.pk, month, upto) if acts else act.empty()
        rows.append({"salesperson": sp, "target": t,
                     "metrics": [{"metric": m, "label": lbl, "target": getattr(t, m) if t else None, "actual": done[m],
                                  "pct": pol.attainment_pct(done[m], getattr(t, m)) if t else None}
                                 for m, lbl in pol.METRICS.items()]})
    return {"month": month, "rows": rows, "due_at": pol.monthly_set_deadline(month.year, month.month, cal),
            "working_days": len(pol.month_working_days(month.year, month.month, cal)),
            "pending": [c for c in pending_changes(user) if c.month == month],
            "missing": [r["salesperson"] for r in rows if r["target"] is None]}


def target_days(user, salesperson_id: int, month: date) -> dict:
    """One SP's daily split with the day's actuals (`target.daily_decomposition`, progress at any time)."""
    require_sees(user, salesperson_id)
    t = MonthlyTarget.objects.filter(salesperson_id=salesperson_id, month=month).select_related("salesperson").first()
    if t is None:
        return {"target": None, "days": []}
    acts = act.daily_actuals([salesperson_id], month, month_end(month))
    days = []
    for d in t.days.all():
        a = acts.get((salesperson_id, d.day)) or act.empty()
        days.append({"day": d.day, "targets": {m: getattr(d, m) for m in pol.METRICS}, "actuals": a})
    return {"target": t, "days": days}


def pending_changes(user):
    ids = visible_salespeople(user).values_list("pk", flat=True)
    return [c for c in TargetChange.objects.filter(state=TargetChange.State.PENDING).order_by("-created_at")
            if any(int(k) in set(ids) for k in c.new_values)]


def target_for_move(user, pk: int) -> MonthlyTarget:
    t = MonthlyTarget.objects.filter(pk=pk, salesperson__in=visible_salespeople(user)).first()
    if t is None:
        raise NotFound("目标不存在")
    return t


def today_vs_actuals(user, day: date | None = None, *, team: bool = False) -> dict:
    """Public read for home pages: the day's targets vs actuals (`daily.quantified_activity`).

    ``team=False``: the user's own row (an SP); ``team=True``: every SP the user may see (SM: the team, GM/ADM:
    all), with the totals. Returns ``{"day", "working_day", "rule", "rows": [{"salesperson_id", "salesperson",
    "has_target", "metrics": [{"metric", "label", "target", "actual", "mtd_target", "mtd_actual", "mtd_pct",
    "short"}], "shortfalls", ...}], "totals": [{"metric", "label", "target", "actual", "pct"}]}`` — money as
    "1234.50" strings, counts as ints. Nobody without ``sees_sales_figures`` gets rows."""
    day = day or timezone.localdate()
    sps = list(visible_salespeople(user))
    if not team:
        sps = [s for s in sps if s.pk == user.pk]
    rows = compute_rows(sps, day) if sps else []
    totals = []
    for m, label in pol.METRICS.items():
        t = sum((Decimal(str(x["target"])) for r in rows for x in r["metrics"] if x["metric"] == m), Decimal(0))
        a = sum((Decimal(str(x["actual"])) for r in rows for x in r["metrics"] if x["metric"] == m), Decimal(0))
        money = m in pol.MONEY_METRICS
        totals.append({"metric": m, "label": label, "target": f"{t:.2f}" if money else int(t),
                       "actual": f"{a:.2f}" if money else int(a), "pct": pol.attainment_pct(a, t)})
    return {"day": day, "working_day": get_calendar().is_working_day(day), "rule": "daily.quantified_activity",
            "rows": rows, "totals": totals}
