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
