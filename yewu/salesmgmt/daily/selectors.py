"""The daily numbers (reads): per SP targets vs actuals for a working day with month-to-date attainment (the rows
of the 部门管理表, `daily.table_by_0900`), the shortfall/coaching list (`daily.shortfall_coaching`), calls and
tables the user may see. Rows are cut by :func:`yewu.salesmgmt.scope.visible_salespeople`."""

from __future__ import annotations

import calendar as _cal
from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.approvals.services import active_delegations
from yewu.common.errors import NotFound, ValidationError
from yewu.org.models import Role, Team, User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, salespeople
from yewu.policy import salesmgmt as pol

from .. import actuals as act
from .. import reads
from ..models import CallLog, CoachingNote, DailyTarget, DepartmentTable, WorkLog
from ..scope import require_sees, visible_salespeople, visible_teams


def parse_day(raw, default: date | None = None) -> date:
    if not raw:
        return default or timezone.localdate()
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD", fields={"day": "日期格式错误"}) from None


def _plain(v):
    return str(v) if isinstance(v, Decimal) else v


def _v(metric: str, x):
    """A figure in its unit: money as "1234.50", counts as int."""
    return str(Decimal(x or 0).quantize(Decimal("0.01"))) if metric in pol.MONEY_METRICS else int(x or 0)


def compute_rows(sps: list[User], day: date) -> list[dict]:
    """Per SP: the day's targets and actuals, month-to-date target/actual/attainment, shortfalls, work log and the
    next working day's targets. Three queries for the records plus one per metric source (and, when the month has
    corrections, the raw figures of the corrected days), whatever the team size and the day of the month; the reads
    are raw SQL (:mod:`yewu.salesmgmt.reads`, issue 13's benchmark)."""
    cal = get_calendar()
    month = day.replace(day=1)
    ids = [s.pk for s in sps]
    on_day, mtd_acts = act.day_and_month(ids, month, day)
    nxt = cal.next_working_day(day)
    metrics = tuple(pol.METRICS)
    # one read of the daily targets from the 1st to the next working day: the day's, the next day's and the
    # month-to-date sums (a month has at most 23 working days per SP)
    day_t: dict = {}
    mtd: dict = {}
    for sid, d, *vals in reads.daily_targets(ids, month, day, nxt):
        if d in (day, nxt):
            day_t[(sid, d)] = dict(zip(metrics, vals, strict=True))
        if d <= day:
            row = mtd.setdefault(sid, act.empty())
            for m, v in zip(metrics, vals, strict=True):
                row[m] += v
    logs = reads.work_logs(ids, day)
    zero = act.empty()
    labels = list(pol.METRICS.items())
    rows = []
    for sp in sps:
        t = day_t.get((sp.pk, day))
        targets = t or zero
        actual = on_day.get(sp.pk) or zero
        mtd_t = mtd.get(sp.pk) or zero
        mtd_a = mtd_acts.get(sp.pk) or zero
        n = day_t.get((sp.pk, nxt))
        rows.append({
            "salesperson_id": sp.pk, "salesperson": sp.name, "has_target": t is not None,
            "metrics": [{"metric": m, "label": lbl, "target": _v(m, targets[m]), "actual": _v(m, actual[m]),
                         "mtd_target": _v(m, mtd_t[m]), "mtd_actual": _v(m, mtd_a[m]),
                         "mtd_pct": _plain(pol.attainment_pct(mtd_a[m], mtd_t[m])),
                         "short": t is not None and (actual[m] or 0) < (targets[m] or 0)}
                        for m, lbl in labels],
            "shortfalls": [{k: _plain(v) for k, v in s.items()} for s in pol.shortfalls(targets, actual)] if t else [],
            "work_log": logs.get(sp.pk, ""), "next_day": nxt.isoformat(),
            "next_targets": {m: _v(m, n[m]) for m in metrics} if n else None, "note": "",
        })
    return rows


def team_salespeople(team: Team) -> list[User]:
    return list(salespeople(team).order_by("id"))


def activity(user, day: date, team_id: int | None = None) -> list[dict]:
    return compute_rows(list(visible_salespeople(user, team_id)), day)


def tables(user, day: date | None = None):
    qs = DepartmentTable.objects.filter(team__in=visible_teams(user)).select_related("team", "submitted_by")
    if day:
        qs = qs.filter(day=day)
    return qs.order_by("-day", "team_id")


def table(user, pk: int) -> DepartmentTable:
    t = tables(user).filter(pk=pk).first()
    if t is None:
        raise NotFound("部门管理表不存在或无权查看")
    return t


def may_review(user, team: Team) -> bool:
    """The team's SM, the GM, or whoever the SM delegated the SM role to today (`daily.table_by_0900`)."""
    if can(user, "reviews_department_table") and (can(user, "manages_every_team") or team.manager_id == user.pk):
        return True
    return any(d.delegator_id == team.manager_id for d in active_delegations(user, role=Role.SM))


def shortfall_list(user, open_only: bool = True):
    ids = visible_salespeople(user).values_list("pk", flat=True)
    qs = CoachingNote.objects.filter(salesperson_id__in=list(ids)).select_related("salesperson", "coach")
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.order_by("done_at", "-day")


def calls(user, day: date):
    return CallLog.objects.filter(salesperson=user, day=day).select_related("customer").order_by("-at")


def work_log(user, day: date) -> str:
    w = WorkLog.objects.filter(salesperson=user, day=day).first()
    return w.content if w else ""


def work_log_month(user, salesperson_id: int, month: date) -> dict:
    """工作日志 of one SP for a month, from live data: each working day's log text with the day's actuals and
    calls by outcome (the form of `daily.quantified_activity`)."""
    require_sees(user, salesperson_id)
    sp = User.objects.select_related("team").get(pk=salesperson_id)
    end = month.replace(day=_cal.monthrange(month.year, month.month)[1])
    end = min(end, timezone.localdate())
    days = pol.month_working_days(month.year, month.month, get_calendar())
    logs = {w.day: w.content for w in WorkLog.objects.filter(salesperson_id=salesperson_id, day__range=(month, end))}
    acts = act.daily_actuals([salesperson_id], month, end) if end >= month else {}
    targets = {d.day: d for d in DailyTarget.objects.filter(salesperson_id=salesperson_id, day__range=(month, end))}
    outcomes: dict = {}
    for c in CallLog.objects.filter(salesperson_id=salesperson_id, day__range=(month, end)).only("day", "outcome"):
        outcomes.setdefault(c.day, {}).setdefault(c.get_outcome_display(), 0)
        outcomes[c.day][c.get_outcome_display()] += 1
    rows = []
    for d in sorted(set(d for d in days if d <= end) | set(logs)):
        a = acts.get((salesperson_id, d)) or act.empty()
        t = targets.get(d)
        rows.append({"day": d, "content": logs.get(d, ""), "actuals": {m: _v(m, a[m]) for m in pol.METRICS},
                     "targets": {m: _v(m, getattr(t, m)) for m in pol.METRICS} if t else None,
                     "calls": outcomes.get(d, {})})
    return {"salesperson": sp.name, "team": sp.team.name if sp.team_id else "", "month": month, "rows": rows}
