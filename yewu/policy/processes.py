"""Process definitions and monitoring (SPEC §8.1, §8.4), pure.

- `process.publish_approval` — a definition may be submitted only when every step has a responsible role and
  a time limit; it becomes active after GM approval and is rolled out (roles trained) within 1 working day.
- `process.version_pinned` — a running instance keeps the version it started with (the mapping of document
  types to processes lives here so the pinning and the monitoring agree).
- `process.monitoring` — per process and month: instances, cycle time per step (entered → decided, in working
  hours), on-time share and the overdue list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from .calendar import END_OF_DAY, TZ, WorkCalendar, deadline_after_days
from .config import PolicyConfig
from .decision import Decision, Reason

DEFAULT = PolicyConfig()

# time-limit kinds of a step (SPEC §8.1: N WD / N working hours / immediately / same day / daily / monthly; the
# built-in table also uses calendar days and clock hours, e.g. P01's 7 days and P03's 24 h)
LIMIT_KINDS: dict[str, str] = {
    "wd": "{n} 个工作日",
    "wh": "{n} 个工作小时",
    "days": "{n} 天",
    "hours": "{n} 小时",
    "immediately": "即时",
    "same_day": "当日",
    "daily": "每日",
    "monthly": "每月",
    "quarterly": "每季度",
}
NUMBERED_KINDS = frozenset({"wd", "wh", "days", "hours"})

# document types of the approval engine (and other timed records) -> the built-in process they run in
DOC_PROCESS: dict[str, str] = {
    "web_lead": "P01",
    "quote": "P03",
    "order": "P04",
    "invoice_request": "P04",
    "contract": "P05",
    "credit_rating": "P06",
    "payment": "P07",
    "expense": "P07",
    "expense_request": "P07",
    "cash_advance": "P08",
    "visit_plan": "P11",
}
# processes the CS manager monitors (SPEC §1.1: contracts custody, credit investigation, complaints)
CS_PROCESSES = frozenset({"P05", "P06", "P09"})

BUSINESS_HOURS = ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30)))
TWO = Decimal("0.01")


def limit_label(kind: str, n: int | None) -> str:
    """'1 个工作日', '即时', …; '' when the step has no limit."""
    if kind not in LIMIT_KINDS:
        return ""
    return LIMIT_KINDS[kind].format(n=n if n is not None else "?")


def has_limit(kind: str, n: int | None) -> bool:
    if kind not in LIMIT_KINDS:
        return False
    return kind not in NUMBERED_KINDS or (n is not None and n > 0)


def publish_check(steps: Sequence[Mapping]) -> Decision:
    """`process.publish_approval` (submit): every step needs a responsible role and a time limit. ``steps`` are
    mappings with code, role, limit_kind, limit_n. The refusal names the offending steps."""
    if not steps:
        return Decision.refuse(Reason("process.publish_approval", "流程没有任何步骤，不能提交", "the process has no steps"))
    no_role = [s["code"] for s in steps if not (s.get("role") or "").strip()]
    no_limit = [s["code"] for s in steps if not has_limit(s.get("limit_kind") or "", s.get("limit_n"))]
    reasons = []
    if no_role:
        reasons.append(Reason("process.publish_approval", f"步骤 {'、'.join(no_role)} 缺少负责角色",
                              f"steps without a responsible role: {', '.join(no_role)}", {"steps_without_role": no_role}))
    if no_limit:
        reasons.append(Reason("process.publish_approval", f"步骤 {'、'.join(no_limit)} 缺少时限",
                              f"steps without a time limit: {', '.join(no_limit)}", {"steps_without_limit": no_limit}))
    if reasons:
        return Decision.refuse(*reasons, steps_without_role=no_role, steps_without_limit=no_limit)
    return Decision.needs(("GM",), Reason("process.publish_approval", "流程定义须经总经理批准后方可发布生效",
                                          "a process definition takes effect only after GM approval"))


def rollout_due(published_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> date:
    """`process.publish_approval`: the roll-out (training of the steps' roles) is due within N working days
    (default 1) of publication, i.e. by the end of the next working day."""
    return cal.add_working_days(published_on, cfg["process.publish_approval.rollout_wd"])


def step_due(kind: str, n: int | None, entered: datetime, cal: WorkCalendar) -> datetime | None:
    """When a step entered at ``entered`` is due under its limit (SPEC §10 time words); None for untimed kinds
    (daily / monthly / quarterly are cadences, not per-instance limits) and for working hours (not derived)."""
    local = entered.astimezone(TZ)
    if kind == "wd" and n:
        return cal.deadline_after_working_days(local.date(), n)
    if kind == "days" and n:
        return deadline_after_days(local, n)
    if kind == "hours" and n:
        return entered + timedelta(hours=n)
    if kind in ("immediately", "same_day"):
        return datetime.combine(local.date(), END_OF_DAY, tzinfo=TZ)
    return None


def working_hours_between(start: datetime, end: datetime, cal: WorkCalendar) -> Decimal:
    """Business hours (08:30–12:00, 13:00–17:30 on working days, SPEC §10) between two instants, 2 places."""
    if end <= start:
        return Decimal("0.00")
    s, e = start.astimezone(TZ), end.astimezone(TZ)
    seconds = 0
    d = s.date()
    while d <= e.date():
        if cal.is_working_day(d):
            for a, b in BUSINESS_HOURS:
                lo = max(s, datetime.combine(d, a, tzinfo=TZ))
                hi = min(e, datetime.combine(d, b, tzinfo=TZ))
                if hi > lo:
                    seconds += int((hi - lo).total_seconds())
        d += timedelta(days=1)
    return (Decimal(seconds) / Decimal(3600)).quantize(TWO, ROUND_HALF_UP)


@dataclass(frozen=True)
class StepTiming:
    """One step of one instance: when it was entered, decided (None while open) and due (None if untimed)."""

    key: str
    label: str
    entered: datetime
    decided: datetime | None
    due: datetime | None


@dataclass(frozen=True)
class Instance:
    process: str
    ref: str  # e.g. "order:12"
    label: str
    link: str
    started: datetime
    steps: tuple[StepTiming, ...]
    version: str = ""  # the process version it started under (process.version_pinned), e.g. "v1"
    chain_version: str = ""


def step_state(t: StepTiming, now: datetime) -> str:
    """'on_time' (decided by its due), 'late' (decided after), 'overdue' (open past due), 'open' or 'untimed'."""
    if t.due is None:
        return "untimed" if t.decided is not None else "open"
    if t.decided is not None:
        return "on_time" if t.decided <= t.due else "late"
    return "overdue" if now > t.due else "open"


@dataclass
class StepStats:
    key: str
    label: str
    count: int = 0  # decided steps
    median_hours: Decimal | None = None
    avg_hours: Decimal | None = None
    on_time: int = 0
    late: int = 0  # decided late or still open past due
    _hours: list[Decimal] = field(default_factory=list, repr=False)

    @property
    def on_time_pct(self) -> Decimal | None:
        n = self.on_time + self.late
        return (Decimal(100) * self.on_time / n).quantize(Decimal("0.1"), ROUND_HALF_UP) if n else None


@dataclass
class ProcessStats:
    process: str
    instances: int = 0
    on_time: int = 0
    late: int = 0
    steps: list[StepStats] = field(default_factory=list)
    overdue: list[tuple[Instance, list[tuple[StepTiming, str]]]] = field(default_factory=list)

    @property
    def on_time_pct(self) -> Decimal | None:
        n = self.on_time + self.late
        return (Decimal(100) * self.on_time / n).quantize(Decimal("0.1"), ROUND_HALF_UP) if n else None

    @property
    def overdue_count(self) -> int:
        return len(self.overdue)


def summarize(instances: Iterable[Instance], cal: WorkCalendar, now: datetime) -> dict[str, ProcessStats]:
    """`process.monitoring`: per process — instances, per step the cycle time (entered → decided, working hours;
    median and mean over decided steps), on-time share (decided by the due time ÷ timed steps that are decided or
    past due) and the overdue list (instances with a step decided late or open past its due time)."""
    out: dict[str, ProcessStats] = {}
    for inst in instances:
        ps = out.setdefault(inst.process, ProcessStats(inst.process))
        ps.instances += 1
        bad = []
        for t in inst.steps:
            st = next((x for x in ps.steps if x.key == t.key), None)
            if st is None:
                st = StepStats(t.key, t.label)
                ps.steps.append(st)
            if t.decided is not None:
                st.count += 1
                st._hours.append(working_hours_between(t.entered, t.decided, cal))
            state = step_state(t, now)
            if state == "on_time":
                st.on_time += 1
                ps.on_time += 1
            elif state in ("late", "overdue"):
                st.late += 1
                ps.late += 1
                bad.append((t, state))
        if bad:
            ps.overdue.append((inst, bad))
    for ps in out.values():
        for st in ps.steps:
            if st._hours:
                st.median_hours = Decimal(median(st._hours)).quantize(TWO, ROUND_HALF_UP)
                st.avg_hours = (sum(st._hours, Decimal(0)) / len(st._hours)).quantize(TWO, ROUND_HALF_UP)
    return out


# --- process.evaluation_audit (SPEC §8.4) -----------------------------------------------------------------

EVAL_RULE = "process.evaluation_audit"
REVIEW_KINDS: dict[str, str] = {"evaluation": "效率评估", "audit": "流程审计"}
CADENCE_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
# setting holding each review kind's cadence
CADENCE_SETTING: dict[str, str] = {"evaluation": f"{EVAL_RULE}.evaluation_cadence", "audit": f"{EVAL_RULE}.audit_cadence"}


@dataclass(frozen=True)
class Period:
    label: str  # 2026-Q3, 2026-H2, 2026-07, 2026
    start: date
    end: date  # last day, inclusive


def period_containing(d: date, months: int) -> Period:
    """The calendar period of ``months`` months (1, 3, 6 or 12, counted from January) that contains ``d``."""
    if months not in (1, 3, 6, 12):
        raise ValueError("period length must be 1, 3, 6 or 12 months")
    idx = (d.month - 1) // months  # 0-based period number in the year
    start = date(d.year, idx * months + 1, 1)
    nxt_month = start.month + months
    nxt = date(d.year + (nxt_month > 12), (nxt_month - 1) % 12 + 1, 1)
    label = {1: f"{d.year}-{start.month:02d}", 3: f"{d.year}-Q{idx + 1}", 6: f"{d.year}-H{idx + 1}",
             12: f"{d.year}"}[months]
    return Period(label, start, nxt - timedelta(days=1))


def last_ended_period(today: date, months: int) -> Period:
    """The most recent period that has fully ended before ``today`` (on 2026-10-01 the quarter 2026-Q3)."""
    current = period_containing(today, months)
    return period_containing(current.start - timedelta(days=1), months)


def due_review(kind: str, today: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> tuple[Period, date]:
    """`process.evaluation_audit` (timer): the review of ``kind`` ('evaluation' quarterly, 'audit' half-yearly by
    default) that is due for the last ended period, and its due date — N working days (default 10) after the
    period's last day."""
    months = CADENCE_MONTHS[cfg[CADENCE_SETTING[kind]]]
    p = last_ended_period(today, months)
    return p, cal.add_working_days(p.end, cfg[f"{EVAL_RULE}.review_due_wd"])


def rectification_due(created_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> date:
    """`process.evaluation_audit`: a finding's rectification is due within N working days (default 10) of the day
    it was recorded — the Nth working day after it (the day itself never counts)."""
    return cal.add_working_days(created_on, cfg[f"{EVAL_RULE}.rectify_wd"])


FINDING_OPEN_STATES = frozenset({"open", "reopened"})


def finding_overdue(state: str, due: date, today: date) -> bool:
    """A finding not yet rectified (open or reopened) after its due date. A rectified finding awaiting verification
    is no longer the owner's to do."""
    return state in FINDING_OPEN_STATES and today > due


def verify_check(actor_id: int, owner_id: int, actor_is_gm: bool, actor_is_administrator: bool) -> Decision:
    """Who may verify (or reopen) a rectified finding: the GM or the process administrator, never its owner."""
    if actor_id == owner_id:
        return Decision.refuse(Reason(EVAL_RULE, "整改责任人不能验证自己的整改", "the owner cannot verify their own rectification"))
    if not (actor_is_gm or actor_is_administrator):
        return Decision.refuse(Reason(EVAL_RULE, "只有总经理或流程管理员可以验证整改",
                                      "only the GM or the process administrator verifies a rectification"))
    return Decision.allow(Reason(EVAL_RULE, "整改经验证后关闭", "a rectified finding is closed once verified"))
