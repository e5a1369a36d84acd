"""Quote-level rules of SPEC §3 as pure functions (no Django), split from ``pricing`` (line prices).

``quote.approval`` (who approves a quote, and what an accepted quote covers), ``quote.deviation_reapproval``,
the deadline ``quote.nonstandard_24h`` (calendar or business hours), ``price.finance_guide`` (Finance answers
before the quote's deadline) and the lost-quote coaching task (``daily.shortfall_coaching``). ``pricing``
re-exports every name, so callers may import them from either module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .amounts import fmt, money
from .calendar import TZ, WorkCalendar
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Outcome, Reason

ZERO = Decimal("0")
SM = "SM"
GM = "GM"


# --- quote level -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalStep:
    role: str
    rule: str
    reason_zh: str
    reason_en: str


def quote_approval_steps(line_outcomes: Iterable[str], total: Decimal, cfg: PolicyConfig = DEFAULT) -> list[ApprovalStep]:
    """``quote.approval``: SM when any line needs approval (special price or fee); then GM when the
    total is ≥ ``quote.approval.major_total`` (100,000.00). Ordered; two different people (sod)."""
    steps: list[ApprovalStep] = []
    outcomes = list(line_outcomes)
    n_special = sum(1 for o in outcomes if o == Outcome.NEEDS_APPROVAL)
    if n_special:
        steps.append(ApprovalStep(SM, "quote.approval", f"{n_special} 行为特价或含费用，需业务经理审批",
                                  f"{n_special} line(s) with a special price or a fee need sales-manager approval"))
    major = Decimal(cfg["quote.approval.major_total"])
    if money(total) >= major:
        steps.append(ApprovalStep(GM, "quote.approval", f"报价总额 {fmt(total)} ≥ {fmt(major)}，为重大报价，需总经理审批",
                                  f"quote total {fmt(total)} ≥ {fmt(major)} is a major quote and needs the general manager"))
    return steps


def quote_total(lines: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ round(qty × P, 2)."""
    return money(sum((money(Decimal(q) * Decimal(p)) for q, p in lines), ZERO))


def quote_number(company_code: str, type_code: str, day: date, seq: int) -> str:
    """``contract.number_format``: ``{company}{type}-{YYYYMMDD}-{NN}`` (2 digits, 3 after 99)."""
    return f"{company_code}{type_code}-{day:%Y%m%d}-{seq:02d}" if seq < 100 else f"{company_code}{type_code}-{day:%Y%m%d}-{seq:03d}"


# --- quote.nonstandard_24h -------------------------------------------------------------------------

BUSINESS_HOURS = ((time(8, 30), time(12, 0)), (time(13, 0), time(17, 30)))


def add_working_hours(start: datetime, hours: float, cal: WorkCalendar) -> datetime:
    """``start`` plus N business hours (08:30–12:00, 13:00–17:30 on working days, Asia/Shanghai), counted from
    ``start``'s whole second, as :func:`working_hours_between` counts: a call at 15:00:00.3 is due at 12:00 the next
    working day (6 h), not at 13:00:00.3 for the 0.3 s left over at the lunch break."""
    remaining = timedelta(hours=hours)
    cur = start.astimezone(TZ).replace(microsecond=0)
    for _ in range(3660):
        if cal.is_working_day(cur.date()):
            for a, b in BUSINESS_HOURS:
                s = datetime.combine(cur.date(), a, tzinfo=TZ)
                e = datetime.combine(cur.date(), b, tzinfo=TZ)
                if cur >= e:
                    continue
                if cur < s:
                    cur = s
                avail = e - cur
                if remaining <= avail:
                    return cur + remaining
                remaining -= avail
                cur = e
        cur = datetime.combine(cur.date() + timedelta(days=1), time(0, 0), tzinfo=TZ)
    raise ValueError("working hours beyond 10 years")


def nonstandard_due(received_at: datetime, cfg: PolicyConfig = DEFAULT, cal: WorkCalendar | None = None,
                    hours: int | None = None) -> tuple[datetime, datetime]:
    """(warn_at, due_at) of ``quote.nonstandard_24h``: received + 20 h / + 24 h, calendar hours by default;
    Alt ``mode=working_hours`` counts business hours on the working-day calendar."""
    h = int(cfg["quote.nonstandard_24h.hours"] if hours is None else hours)
    w = int(cfg["quote.nonstandard_24h.warn_hours"])
    mode = cfg["quote.nonstandard_24h.mode"]
    if mode not in ("calendar_hours", "working_hours"):
        raise ValueError(f"quote.nonstandard_24h.mode must be calendar_hours or working_hours, not {mode!r}")
    if mode == "working_hours":
        cal = cal or WorkCalendar()
        return add_working_hours(received_at, w, cal), add_working_hours(received_at, h, cal)
    r = received_at.astimezone(TZ)
    return r + timedelta(hours=w), r + timedelta(hours=h)


def deadline_state(now: datetime, warn_at: datetime, due_at: datetime, answered_at: datetime | None = None) -> str:
    """'answered' | 'overdue' (now ≥ due) | 'warning' (now ≥ warn) | 'open'."""
    if answered_at is not None:
        return "answered_late" if answered_at > due_at else "answered"
    if now >= due_at:
        return "overdue"
    if now >= warn_at:
        return "warning"
    return "open"


def finance_price_due(quote_due_at: datetime, cfg: PolicyConfig = DEFAULT) -> datetime:
    """``price.finance_guide``: Finance answers ``price.finance_guide.lead_hours`` (4, D) clock hours before
    the quote's deadline."""
    return quote_due_at - timedelta(hours=int(cfg["price.finance_guide.lead_hours"]))


def finance_due_reason(quote_due_at: datetime, cfg: PolicyConfig = DEFAULT) -> Reason:
    """The explanation shown with a price request's due time."""
    lead = int(cfg["price.finance_guide.lead_hours"])
    due = finance_price_due(quote_due_at, cfg)
    q, f = quote_due_at.astimezone(TZ), due.astimezone(TZ)
    return Reason("price.finance_guide",
                  f"报价答复期限 {q:%Y-%m-%d %H:%M}，财务须提前 {lead} 小时，即 {f:%Y-%m-%d %H:%M} 前答复指导价",
                  f"quote due {q:%Y-%m-%d %H:%M}; Finance answers {lead} h earlier, by {f:%Y-%m-%d %H:%M}",
                  {"quote_due_at": quote_due_at, "due_at": due, "lead_hours": lead})


def age_hours(since: datetime, now: datetime) -> float:
    return math.floor((now - since).total_seconds() / 360) / 10


# --- lost quote → coaching task (daily.shortfall_coaching, §3.3) ------------------------------------


def lost_quote_coaching(*, number: str, total: Decimal, reason: str, lost_on: date, cal: WorkCalendar,
                        cfg: PolicyConfig = DEFAULT) -> Decision:
    """A lost quote needs a reason and opens a coaching task for the SM (SPEC §3.3, §7
    ``daily.shortfall_coaching``), due by 23:59:59 of the Nth working day after the loss (N =
    ``daily.shortfall_coaching.working_days``, 1, D). Refused without a reason. ``data['due_at']``."""
    reason = (reason or "").strip()
    if not reason:
        return Decision.refuse(Reason("daily.shortfall_coaching", "丢单必须填写原因", "a lost quote needs a reason",
                                      {"number": number}))
    n = int(cfg["daily.shortfall_coaching.working_days"])
    due = cal.deadline_after_working_days(lost_on, n)
    return Decision.allow(Reason(
        "daily.shortfall_coaching",
        f"报价单 {number}（{fmt(total)} 元）丢单，原因：{reason}；业务经理须在 {n} 个工作日内（{due:%Y-%m-%d %H:%M} 前）记录辅导",
        f"quote {number} ({fmt(total)}) lost: {reason}; the sales manager records coaching within {n} working day(s), "
        f"by {due:%Y-%m-%d %H:%M}",
        {"number": number, "total": money(total), "lost_on": lost_on, "due_at": due, "working_days": n}), due_at=due)


# --- quote.deviation_reapproval / quote.approval coverage -------------------------------------------


def check_quote_deviation(*, quote_state: str, valid_until: date, order_day: date,
                          quote_prices: dict[Any, Decimal], order_prices: dict[Any, Decimal],
                          quote_term_days: int | None = None, order_term_days: int | None = None) -> Decision:
    """An order made from an accepted quote (``quote.approval``: its approval covers orders made within
    validity) is ALLOWED as is; lowering a unit price or lengthening the payment term against the quote
    needs SM re-approval (``quote.deviation_reapproval``). A quote that is not accepted, or past its
    validity on the order day (valid_until inclusive), covers nothing: REFUSED for use as the basis."""
    if quote_state != "accepted":
        return Decision.refuse(Reason("quote.approval", f"报价单状态为 {quote_state}，只有客户已接受的报价单可作为订单依据",
                                      f"quote is {quote_state}; only an accepted quote covers an order", {"state": quote_state}))
    if order_day > valid_until:
        return Decision.refuse(Reason("quote.approval", f"报价单有效期至 {valid_until}，订单日期 {order_day} 已过有效期，批准不再覆盖",
                                      f"quote valid until {valid_until}; order day {order_day} is past it",
                                      {"valid_until": valid_until, "order_day": order_day}))
    reasons: list[Reason] = []
    for key, op in order_prices.items():
        qp = quote_prices.get(key)
        if qp is not None and money(op) < money(qp):
            reasons.append(Reason("quote.deviation_reapproval",
                                  f"{key}：订单单价 {fmt(op)} 低于已接受报价 {fmt(qp)}，需业务经理重新审批",
                                  f"{key}: order price {fmt(op)} is below the accepted quote {fmt(qp)}; SM re-approval",
                                  {"item": str(key), "quote_price": money(qp), "order_price": money(op)}))
    if quote_term_days is not None and order_term_days is not None and order_term_days > quote_term_days:
        reasons.append(Reason("quote.deviation_reapproval",
                              f"账期 {order_term_days} 天长于报价的 {quote_term_days} 天，需业务经理重新审批",
                              f"term {order_term_days} days is longer than the quote's {quote_term_days}; SM re-approval",
                              {"quote_term_days": quote_term_days, "order_term_days": order_term_days}))
    if reasons:
        return Decision.needs((SM,), *reasons)
    return Decision.allow(Reason("quote.approval", f"订单与已接受报价一致，在有效期（至 {valid_until}）内，报价审批覆盖该订单",
                                 f"order matches the accepted quote within validity (until {valid_until})",
                                 {"valid_until": valid_until}))
