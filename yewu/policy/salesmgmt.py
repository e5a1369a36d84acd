"""Sales management rules of SPEC §7 as pure functions (no Django import; callers pass plain values).

Targets and their daily split (`target.monthly_set`, `target.daily_decomposition`, `plan.change_reason`), the
daily numbers and the 09:00 department table (`daily.quantified_activity`, `daily.table_by_0900`,
`daily.shortfall_coaching`, `daily.morning_leaderboard`, `daily.supervision`), plans and reports
(`plan.monthly_action`, `report.weekly_monthly`, `visit.weekly_plan`), route visits (`route.visit_8_steps`,
`route.safety_stock_1_5`) and training (`training.cadence`). Working days come from
:class:`yewu.policy.calendar.WorkCalendar` (§10).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from .amounts import fmt
from .calendar import END_OF_DAY, TZ, WorkCalendar
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

CENT = Decimal("0.01")

# The five monthly/daily target metrics (SPEC §7 target.monthly_set, daily.quantified_activity)
METRICS: dict[str, str] = {
    "collections": "到账",
    "visits": "拜访客户数",
    "calls": "电话量",
    "new_intent": "新增意向客户",
    "met": "面谈客户数",
}
MONEY_METRICS = frozenset({"collections"})


def show(metric: str, v) -> str:
    return fmt(v) if metric in MONEY_METRICS else str(int(v))


# --- the month's working days ------------------------------------------------------------------------------


def month_working_days(year: int, month: int, cal: WorkCalendar) -> list[date]:
    n = _cal.monthrange(year, month)[1]
    return [d for d in (date(year, month, i) for i in range(1, n + 1)) if cal.is_working_day(d)]


def last_working_day(year: int, month: int, cal: WorkCalendar) -> date:
    days = month_working_days(year, month, cal)
    return days[-1] if days else date(year, month, _cal.monthrange(year, month)[1])


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


# --- target values at the boundary -------------------------------------------------------------------------


def parse_target_value(metric: str, raw) -> Decision:
    """A target figure: money with at most 2 decimals (collections), else a whole count; never negative.
    ``data['value']`` is a Decimal (2 places) or an int."""
    label = METRICS.get(metric)
    if label is None:
        return Decision.refuse(Reason("target.monthly_set", f"未知的目标指标 {metric}", f"unknown metric {metric}",
                                      {"field": metric}))
    try:
        v = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return Decision.refuse(Reason("target.monthly_set", f"{label}必须是数字", f"{metric} must be a number",
                                      {"field": metric, "value": str(raw)}))
    if not v.is_finite() or v < 0:
        return Decision.refuse(Reason("target.monthly_set", f"{label}不能为负数", f"{metric} cannot be negative",
                                      {"field": metric, "value": str(raw)}))
    if metric in MONEY_METRICS:
        if v != v.quantize(CENT) or v >= Decimal("1e12"):
            return Decision.refuse(Reason("target.monthly_set", f"{label}最多两位小数", f"{metric}: at most 2 decimals",
                                          {"field": metric, "value": str(raw)}))
        return Decision.allow(value=v.quantize(CENT))
    if v != v.to_integral_value() or v > 1_000_000:
        return Decision.refuse(Reason("target.monthly_set", f"{label}必须是整数", f"{metric} must be a whole count",
                                      {"field": metric, "value": str(raw)}))
    return Decision.allow(value=int(v))


# --- target.daily_decomposition -----------------------------------------------------------------------------


def _units(metric: str, v) -> int:
    return int((Decimal(v) * 100).to_integral_value()) if metric in MONEY_METRICS else int(v)


def _from_units(metric: str, u: int):
    return (Decimal(u) / 100).quantize(CENT) if metric in MONEY_METRICS else u


def daily_split(total, days: list[date], metric: str = "collections") -> dict[date, Decimal | int]:
    """Split ``total`` over ``days`` in the smallest unit (cents or counts): q = total // n each, the first
    r = total mod n days one unit more. The parts sum exactly to the total."""
    if not days:
        return {}
    units = _units(metric, total)
    q, r = divmod(units, len(days))
    return {d: _from_units(metric, q + (1 if i < r else 0)) for i, d in enumerate(days)}


def daily_decomposition(total, year: int, month: int, cal: WorkCalendar, metric: str = "collections") -> Decision:
    """`target.daily_decomposition`: the month's target over its working days (§10, adjusted days included).
    ``data['split']`` is {date: part}."""
    days = month_working_days(year, month, cal)
    if not days:
        return Decision.refuse(Reason("target.daily_decomposition", f"{year}-{month:02d} 没有工作日",
                                      f"{year}-{month:02d} has no working days", {"field": "month"}))
    split = daily_split(total, days, metric)
    n = len(days)
    q, r = divmod(_units(metric, total), n)
    hi, lo = _from_units(metric, q + 1), _from_units(metric, q)
    msg = (f"{METRICS[metric]} {show(metric, total)} 分解到 {n} 个工作日：{r} 天 × {show(metric, hi)} + "
           f"{n - r} 天 × {show(metric, lo)}") if r else f"{METRICS[metric]} {show(metric, total)} 分解到 {n} 个工作日，每天 {show(metric, lo)}"
    return Decision.allow(Reason("target.daily_decomposition", msg, f"{metric} {total} over {n} working days",
                                 {"total": total, "working_days": n, "days_plus_one": r}), split=split)


def check_day_moves(metric: str, total, year: int, month: int, new_split: Mapping[date, object],
                    cal: WorkCalendar) -> Decision:
    """The SM moves amounts between days: every day a working day of that month, values in the metric's unit,
    not negative, and the days sum exactly to the month's total. ``data['split']`` is the cleaned split."""
    rule = "target.daily_decomposition"
    days = set(month_working_days(year, month, cal))
    clean: dict[date, object] = {}
    for d, raw in new_split.items():
        if d.year != year or d.month != month:
            return Decision.refuse(Reason(rule, f"{d.isoformat()} 不在 {year}-{month:02d} 月内",
                                          f"{d} is outside {year}-{month:02d}", {"field": f"days.{d.isoformat()}"}))
        if d not in days:
            return Decision.refuse(Reason(rule, f"{d.isoformat()} 不是工作日", f"{d} is not a working day",
                                          {"field": f"days.{d.isoformat()}"}))
        dec = parse_target_value(metric, raw)
        if dec.refused:
            r0 = dec.reasons[0]
            return Decision.refuse(Reason(rule, f"{d.isoformat()}：{r0.message}", r0.message_en,
                                          {"field": f"days.{d.isoformat()}"}))
        clean[d] = dec.data["value"]
    for d in days - set(clean):
        clean[d] = _from_units(metric, 0)
    got = sum(_units(metric, v) for v in clean.values())
    want = _units(metric, total)
    if got != want:
        return Decision.refuse(Reason(rule, f"各日{METRICS[metric]}合计 {show(metric, _from_units(metric, got))} ≠ 月目标 "
                                            f"{show(metric, total)}", f"days sum to {got} units, month is {want}",
                                      {"field": "days", "sum": _from_units(metric, got), "total": total}))
    return Decision.allow(split=dict(sorted(clean.items())))


# --- target.monthly_set -------------------------------------------------------------------------------------


def monthly_set_deadline(year: int, month: int, cal: WorkCalendar) -> datetime:
    """Targets for a month are set by 23:59:59 of the previous month's last working day (D)."""
    py, pm = previous_month(year, month)
    return datetime.combine(last_working_day(py, pm, cal), END_OF_DAY, tzinfo=TZ)


def check_monthly_set(year: int, month: int, now: datetime, cal: WorkCalendar) -> Decision:
    """Setting a month's targets: on time, or late (saved, flagged and shown) after the deadline."""
    due = monthly_set_deadline(year, month, cal)
    figs = {"month": f"{year}-{month:02d}", "due_at": due}
    if now <= due:
        return Decision.allow(Reason("target.monthly_set", f"{year}-{month:02d} 目标须在 {due:%Y-%m-%d %H:%M} 前设定",
                                     f"targets due by {due:%Y-%m-%d %H:%M}", figs), late=False, due_at=due)
    return Decision.warn(Reason("target.monthly_set", f"{year}-{month:02d} 目标设定逾期（期限 {due:%Y-%m-%d %H:%M}）",
                                f"targets set late (due {due:%Y-%m-%d %H:%M})", figs), late=True, due_at=due)


def targets_missing(year: int, month: int, now: datetime, cal: WorkCalendar, have: Iterable[str],
                    salespeople: Iterable[str]) -> list[str]:
    """The timer: after the deadline, the salespeople without targets for the month."""
    if now <= monthly_set_deadline(year, month, cal):
        return []
    have = set(have)
    return [s for s in salespeople if s not in have]


# --- plan.change_reason -------------------------------------------------------------------------------------

CHANGE_KINDS = {"sudden_change": "情况突变", "unreachable": "尽全力仍无法达成"}


def change_reason(kind: str, reason: str, department_total_changes: bool) -> Decision:
    """A target or plan changes only for a sudden change of circumstances or when unreachable despite all
    efforts, with a written reason; the SM approves (the GM when the department's total changes)."""
    rule = "plan.change_reason"
    if kind not in CHANGE_KINDS:
        return Decision.refuse(Reason(rule, "变更原因类别须为：情况突变 或 尽全力仍无法达成",
                                      "the change kind must be sudden_change or unreachable", {"field": "kind"}))
    if not (reason or "").strip():
        return Decision.refuse(Reason(rule, "变更目标或计划必须填写原因", "a change needs a reason", {"field": "reason"}))
    who = ("GM",) if department_total_changes else ("SM",)
    label = "总经理（部门总目标变化）" if department_total_changes else "业务经理"
    return Decision.needs(who, Reason(rule, f"目标变更（{CHANGE_KINDS[kind]}：{reason.strip()}）须经{label}批准",
                                      f"a change needs approval by {who[0]}",
                                      {"kind": kind, "department_total_changes": department_total_changes}))


# --- daily.quantified_activity / shortfalls ------------------------------------------------------------------


def attainment_pct(actual, target) -> Decimal | None:
    t = Decimal(target)
    if t <= 0:
        return None
    return (Decimal(actual) * 100 / t).quantize(Decimal("0.1"), ROUND_HALF_UP)


def shortfalls(targets: Mapping[str, object], actuals: Mapping[str, object]) -> list[dict]:
    """The metrics where the day's actual is below its target (`daily.shortfall_coaching`)."""
    out = []
    for m in METRICS:
        t, a = Decimal(targets.get(m) or 0), Decimal(actuals.get(m) or 0)
        if a < t:
            out.append({"metric": m, "label": METRICS[m], "target": targets.get(m) or 0, "actual": actuals.get(m) or 0,
                        "gap": _from_units(m, _units(m, t) - _units(m, a))})
    return out


def check_correction(metric: str, raw, reason: str) -> Decision:
    """An SM correction of an actual: the metric's unit, not negative, with a reason (kept in the audit)."""
    if not (reason or "").strip():
        return Decision.refuse(Reason("daily.quantified_activity", "更正实际数必须填写原因",
                                      "a correction needs a reason", {"field": "reason"}))
    dec = parse_target_value(metric, raw)
    if dec.refused:
        r0 = dec.reasons[0]
        return Decision.refuse(Reason("daily.quantified_activity", r0.message, r0.message_en, {"field": "value"}))
    return Decision.allow(value=dec.data["value"])


def coaching_due(day: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """The SM records a coaching note for day D's shortfall by the end of the Nth next working day (D: 1)."""
    return cal.deadline_after_working_days(day, int(cfg["daily.shortfall_coaching.working_days"]))


# --- daily.table_by_0900 ------------------------------------------------------------------------------------


def table_due(day: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """The department table for working day D is due strictly before 09:00:00 of the next working day."""
    hour = int(cfg["daily.table_by_0900.hour"])
    return datetime.combine(cal.next_working_day(day), time(hour, 0), tzinfo=TZ)


def table_draft_at(day: date, cfg: PolicyConfig = DEFAULT) -> datetime:
    return datetime.combine(day, time(int(cfg["daily.table_by_0900.draft_hour"]), 0), tzinfo=TZ)


def check_table_submission(day: date, submitted_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    """Submission by the server clock: before 09:00:00 is on time; 09:00:00 or later is late (saved, shown late).
    ``data['late']``, ``data['due_at']``."""
    due = table_due(day, cal, cfg)
    figs = {"day": day, "due_at": due, "submitted_at": submitted_at.astimezone(TZ)}
    if not cal.is_working_day(day):
        return Decision.refuse(Reason("daily.table_by_0900", f"{day.isoformat()} 不是工作日，没有部门管理表",
                                      f"{day} is not a working day", {"field": "day", **figs}))
    if submitted_at < due:
        return Decision.allow(Reason("daily.table_by_0900", f"部门管理表按时提交（期限 {due:%m-%d %H:%M} 前）",
                                     "submitted on time", figs), late=False, due_at=due)
    return Decision.warn(Reason("daily.table_by_0900", f"部门管理表逾期提交（期限 {due:%m-%d %H:%M} 前，"
                                                       f"实际 {submitted_at.astimezone(TZ):%m-%d %H:%M:%S}）",
                                "submitted late", figs), late=True, due_at=due)


def is_table_day(day: date, cal: WorkCalendar) -> bool:
    return cal.is_working_day(day)


# --- daily.morning_leaderboard ------------------------------------------------------------------------------


def rank(rows: Iterable[tuple[str, Decimal]]) -> list[dict]:
    """Competition ranking (1, 2, 2, 4) by amount, highest first; names break display ties only."""
    ordered = sorted(rows, key=lambda r: (-Decimal(r[1]), r[0]))
    out, prev, place = [], None, 0
    for i, (name, amount) in enumerate(ordered, start=1):
        if amount != prev:
            place, prev = i, amount
        out.append({"rank": place, "name": name, "amount": amount, "line": f"{name} 到账 {fmt(amount)}"})
    return out


def champion(rows: Iterable[tuple[str, Decimal]]) -> list[str]:
    """Everyone tied at the top with more than 0 (no champion of nothing)."""
    rows = list(rows)
    if not rows:
        return []
    top = max(Decimal(a) for _, a in rows)
    return [n for n, a in rows if Decimal(a) == top and top > 0]


def leaderboard_day(today: date, cal: WorkCalendar) -> date:
    """The day the morning leaderboard reports: the previous working day."""
    d = today - timedelta(days=1)
    while not cal.is_working_day(d):
        d -= timedelta(days=1)
    return d


# --- daily.supervision -------------------------------------------------------------------------------------


def check_call_list_time(at: datetime) -> Decision:
    """The SM's call-list check per SP is 09:20–09:30; outside the window it is saved and flagged."""
    t = at.astimezone(TZ).time()
    if time(9, 20) <= t <= time(9, 30):
        return Decision.allow(in_window=True)
    return Decision.warn(Reason("daily.supervision", f"电话清单检查时间 {t:%H:%M} 不在 09:20–09:30",
                                "call-list check outside 09:20–09:30", {"at": at}), in_window=False)


CALL_LIST_FROM, CALL_LIST_TO = time(9, 20), time(9, 30)


def call_list_status(day: date, checks: Iterable[datetime], now: datetime, cal: WorkCalendar) -> Decision:
    """`daily.supervision`: the SM's call-list check of one SP on working day ``day``. ``data['status']``:
    ``ok`` (a check inside 09:20–09:30), ``late`` (checked, but only outside the window), ``missing`` (no check and
    09:30 has passed), ``open`` (not yet 09:30), ``none`` (not a working day)."""
    rule = "daily.supervision"
    if not cal.is_working_day(day):
        return Decision.allow(status="none")
    local = sorted(c.astimezone(TZ) for c in checks if c.astimezone(TZ).date() == day)
    end = datetime.combine(day, CALL_LIST_TO, tzinfo=TZ)
    figs = {"day": day, "window": "09:20–09:30"}
    if any(CALL_LIST_FROM <= c.time() <= CALL_LIST_TO for c in local):
        return Decision.allow(status="ok")
    if local:
        return Decision.warn(Reason(rule, f"{day:%m-%d} 电话清单检查在 {local[0]:%H:%M}，不在 09:20–09:30",
                                    "call-list check outside the window", figs), status="late")
    if now.astimezone(TZ) > end:
        return Decision.warn(Reason(rule, f"{day:%m-%d} 09:20–09:30 未做电话清单检查", "no call-list check", figs),
                             status="missing")
    return Decision.allow(status="open")


def accompanied_week_status(week_monday: date, visit_days: Iterable[date], today: date, cal: WorkCalendar,
                            cfg: PolicyConfig = DEFAULT) -> Decision:
    """`daily.supervision`: at least N (D: 1) accompanied deal-closing visits by the SM in the week of
    ``week_monday``. ``data['status']``: ``ok``, ``missing`` (the week is over without one), ``due`` (this week,
    its last working day is today or past), ``open`` (this week, still time). ``data['count']``, ``data['due_on']``."""
    rule = "daily.supervision"
    need = int(cfg["daily.supervision.accompanied_per_week"])
    sunday = week_monday + timedelta(days=6)
    n = sum(1 for d in visit_days if week_monday <= d <= sunday)
    wdays = [week_monday + timedelta(days=i) for i in range(7) if cal.is_working_day(week_monday + timedelta(days=i))]
    last = wdays[-1] if wdays else sunday
    figs = {"week": week_monday, "count": n, "required": need, "due_on": last}
    if n >= need:
        return Decision.allow(status="ok", count=n, due_on=last)
    if today > sunday:
        return Decision.warn(Reason(rule, f"{week_monday:%m-%d} 当周陪同促成拜访 {n} 次（应至少 {need} 次）",
                                    "accompanied visits missing", figs), status="missing", count=n, due_on=last)
    if today >= last:
        return Decision.warn(Reason(rule, f"本周陪同促成拜访 {n} 次，今天（{last:%m-%d}）是本周最后一个工作日",
                                    "accompanied visit due today", figs), status="due", count=n, due_on=last)
    return Decision.allow(status="open", count=n, due_on=last)


def weeks_without_accompanied_visit(weeks: Iterable[date], accompanied_days: Iterable[date]) -> list[date]:
    """Weeks (given by their Monday) with no accompanied deal-closing visit by the SM."""
    have = {d - timedelta(days=d.weekday()) for d in accompanied_days}
    return [w for w in weeks if w not in have]


# --- plan.monthly_action / visit.weekly_plan / report.weekly_monthly -----------------------------------------


def monthly_plan_due(year: int, month: int, cal: WorkCalendar) -> datetime:
    """Next month's action plan (行动计划表) by 23:59:59 of this month's last working day."""
    return monthly_set_deadline(year, month, cal)


def weekly_plan_due(week_monday: date, cal: WorkCalendar) -> datetime:
    """Next week's key visits by 12:00 on the last working day of the week before (`visit.weekly_plan`)."""
    d = week_monday - timedelta(days=1)
    while not cal.is_working_day(d):
        d -= timedelta(days=1)
    return datetime.combine(d, time(12, 0), tzinfo=TZ)


def check_variance(planned, actual, cause: str, countermeasure: str) -> Decision:
    """A plan-vs-actual variance carries a cause and a countermeasure."""
    if Decimal(planned) == Decimal(actual):
        return Decision.allow()
    missing = [f for f, v in (("cause", cause), ("countermeasure", countermeasure)) if not (v or "").strip()]
    if missing:
        return Decision.refuse(Reason("plan.monthly_action", "计划与实际有差异，须填写原因和对策",
                                      "a variance needs a cause and a countermeasure", {"field": missing[0]}))
    return Decision.allow()


def weekly_report_due(week_monday: date, cfg: PolicyConfig = DEFAULT) -> datetime:
    """A week's report is due the following Monday at 12:00."""
    return datetime.combine(week_monday + timedelta(days=7), time(int(cfg["report.weekly_monthly.weekly_hour"]), 0),
                            tzinfo=TZ)


def monthly_report_due(year: int, month: int, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """A month's report by 23:59:59 of the Nth working day of the next month (D: 3rd)."""
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    days = month_working_days(ny, nm, cal)
    n = int(cfg["report.weekly_monthly.monthly_wd"])
    return datetime.combine(days[min(n, len(days)) - 1], END_OF_DAY, tzinfo=TZ)


# --- route.visit_8_steps -------------------------------------------------------------------------------------

ROUTE_STEPS: dict[int, str] = {
    1: "准备（客户卡、路线、样品）",
    2: "检查户外广告、POP、货架",
    3: "打招呼",
    4: "理货",
    5: "检查库存、更换不良品、记录竞品、按安全库存订货",
    6: "销售介绍",
    7: "确认订单（必要时客户签字）",
    8: "约定下次拜访日期",
}


def check_route_steps(done: list[int], visit_day: date, next_visit_on: date | None) -> Decision:
    """The 8 steps in order, none skipped; step 8 needs a next visit date after the visit day."""
    rule = "route.visit_8_steps"
    for i, s in enumerate(done, start=1):
        if s != i:
            missing = i if s > i else s
            what = "跳过" if s > i else "顺序错误"
            return Decision.refuse(Reason(rule, f"第 {i} 步应为「{ROUTE_STEPS.get(i, i)}」，收到第 {s} 步（{what}）",
                                          f"step {i} expected, got {s}", {"field": f"steps.{i}", "step": missing}))
    if len(done) != 8:
        nxt = len(done) + 1
        return Decision.refuse(Reason(rule, f"尚缺第 {nxt} 步「{ROUTE_STEPS[nxt]}」", f"step {nxt} missing",
                                      {"field": f"steps.{nxt}", "step": nxt}))
    if next_visit_on is None:
        return Decision.refuse(Reason(rule, "必须约定下次拜访日期", "the next visit date is mandatory",
                                      {"field": "next_visit_on"}))
    if next_visit_on <= visit_day:
        return Decision.refuse(Reason(rule, "下次拜访日期须晚于本次拜访", "the next visit must be after this one",
                                      {"field": "next_visit_on"}))
    return Decision.allow()


# --- route.safety_stock_1_5 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockCount:
    day: date
    on_hand: int
    delivered_since_previous: int = 0


def weekly_sell_through(counts: list[StockCount], today: date, days: int = 28) -> Decimal:
    """W = average weekly sell-through over the last ``days`` days: sold = previous count + delivered −
    current count, summed over the counts in the window, ÷ (days / 7)."""
    counts = sorted(counts, key=lambda c: c.day)
    start = today - timedelta(days=days)
    sold = 0
    for prev, cur in zip(counts, counts[1:], strict=False):
        if cur.day > start and cur.day <= today:
            sold += max(0, prev.on_hand + cur.delivered_since_previous - cur.on_hand)
    return (Decimal(sold) * 7 / Decimal(days)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def safety_stock_order(weekly: Decimal | int, on_hand: int, pack: int, cfg: PolicyConfig = DEFAULT) -> Decision:
    """Suggested order = max(0, 1.5 × W − on hand), rounded up to the pack size. ``data['qty']``."""
    rule = "route.safety_stock_1_5"
    if pack <= 0:
        return Decision.refuse(Reason(rule, "包装数必须大于 0", "pack size must be > 0", {"field": "pack"}))
    if on_hand < 0:
        return Decision.refuse(Reason(rule, "库存不能为负数", "on hand cannot be negative", {"field": "on_hand"}))
    factor = Decimal(cfg["route.safety_stock_1_5.factor"])
    raw = max(Decimal(0), factor * Decimal(weekly) - on_hand)
    qty = int((raw / pack).to_integral_value(ROUND_CEILING)) * pack
    return Decision.allow(Reason(rule, f"建议订货 = max(0, {factor} × {weekly} − {on_hand}) = {raw.normalize():f}，按包装 {pack} 取整 → {qty}",
                                 f"suggested {qty}", {"weekly": weekly, "on_hand": on_hand, "pack": pack, "raw": raw}),
                          qty=qty)


# --- training.cadence ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFacts:
    name: str
    is_new: bool  # joined this year / not yet inducted
    inducted_on: date | None
    induction_by_gm: bool
    first_customer_on: date | None
    collective_days_this_year: int
    collective_sessions_this_year: int


def training_gaps(sp: TrainingFacts, today: date, sm_weekly_sessions: Iterable[date], weeks: Iterable[date]) -> list[Reason]:
    """The gaps of `training.cadence` for one SP (and the team's weekly SM sessions)."""
    rule = "training.cadence"
    gaps: list[Reason] = []
    if sp.inducted_on is None:
        gaps.append(Reason(rule, f"{sp.name} 未完成入职培训", "induction not completed", {"name": sp.name}))
    elif sp.first_customer_on and sp.first_customer_on < sp.inducted_on:
        gaps.append(Reason(rule, f"{sp.name} 入职培训前已分配客户", "customers before induction", {"name": sp.name}))
    if sp.inducted_on is not None and not sp.induction_by_gm:
        gaps.append(Reason(rule, f"{sp.name} 入职培训最后一课未由总经理讲授", "last induction session not by the GM",
                           {"name": sp.name}))
    expected = 1 if today.month <= 6 else 2
    if sp.collective_sessions_this_year < expected:
        gaps.append(Reason(rule, f"{sp.name} 今年集中培训 {sp.collective_sessions_this_year} 次（应 {expected} 次，每次 2 天）",
                           "collective training missing", {"name": sp.name, "expected": expected}))
    have = {d - timedelta(days=d.weekday()) for d in sm_weekly_sessions}
    for w in weeks:
        if w not in have:
            gaps.append(Reason(rule, f"{w.isoformat()} 当周业务经理未组织周例训", "no weekly SM session",
                               {"week": w}))
    return gaps
