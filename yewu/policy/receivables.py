"""Money rules of SPEC §5.1–§5.4 as pure functions: receipt allocation, invoice thresholds, receivables aging,
collection timers, deferrals and commission. No Django import; callers pass plain values."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .amounts import fmt, money
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason
from .pricing import commission_cut

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")

RECEIPT_METHODS = {"transfer": "银行转账", "cash": "现金", "wechat_alipay": "微信/支付宝", "cheque": "支票",
                   "acceptance_bill": "承兑汇票"}


# --- receipt.allocation -----------------------------------------------------------------------------------


def check_receipt_amount(amount: Decimal) -> Decision:
    """A receipt is money that arrived: strictly more than 0."""
    if amount <= 0:
        return Decision.refuse(Reason("receipt.allocation", f"回款金额必须大于 0（现为 {fmt(amount)}）",
                                      f"A receipt must be more than 0 (got {fmt(amount)})", {"amount": amount}))
    return Decision.allow()


def check_allocation(amount: Decimal, receipt_unallocated: Decimal, order_open: Decimal, order_number: str = "") -> Decision:
    """One allocation: > 0, ≤ what is left of the receipt, ≤ the order's open (unpaid) amount."""
    figs = {"amount": amount, "receipt_unallocated": receipt_unallocated, "order_open": order_open}
    if amount <= 0:
        return Decision.refuse(Reason("receipt.allocation", f"分配金额必须大于 0（现为 {fmt(amount)}）",
                                      "An allocation must be more than 0", figs))
    if amount > receipt_unallocated:
        return Decision.refuse(Reason(
            "receipt.allocation", f"分配 {fmt(amount)} 超过回款未分配余额 {fmt(receipt_unallocated)}",
            f"Allocation {fmt(amount)} exceeds the receipt's unallocated {fmt(receipt_unallocated)}", figs))
    if amount > order_open:
        return Decision.refuse(Reason(
            "receipt.allocation", f"分配 {fmt(amount)} 超过订单 {order_number} 未收金额 {fmt(order_open)}",
            f"Allocation {fmt(amount)} exceeds order {order_number}'s open amount {fmt(order_open)}", figs))
    return Decision.allow()


@dataclass(frozen=True)
class OpenOrder:
    order_id: int
    open_amount: Decimal
    due_on: date | None  # None: not yet due (not delivered, no money needed before release)
    created_on: date


def auto_allocate(amount: Decimal, orders: list[OpenOrder], first_order_id: int | None = None) -> list[tuple[int, Decimal]]:
    """`receipt.allocation` default: oldest due first (orders without a due date after, oldest created first);
    a receipt for a named order (its deposit) goes to that order first. Returns [(order_id, amount)], never
    more than the receipt nor than an order's open amount; the rest stays on the receipt (customer balance)."""
    far = date.max

    def key(o: OpenOrder):
        return (0 if o.order_id == first_order_id else 1, o.due_on or far, o.created_on, o.order_id)

    left = money(amount)
    out: list[tuple[int, Decimal]] = []
    for o in sorted(orders, key=key):
        if left <= 0:
            break
        take = min(left, money(o.open_amount))
        if take > 0:
            out.append((o.order_id, take))
            left -= take
    return out


def split_by_weights(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``amount`` over lines proportionally to ``weights`` (line totals), in cents, largest remainder so
    the parts add up exactly to ``amount``."""
    amount = money(amount)
    total = sum(weights, Decimal("0"))
    if not weights:
        return []
    if total <= 0:
        return [amount] + [ZERO] * (len(weights) - 1)
    cents = int(amount * 100)
    raw = [Decimal(cents) * w / total for w in weights]
    floors = [int(r) for r in raw]
    rest = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:rest]:
        floors[i] += 1
    return [(Decimal(c) / 100).quantize(CENT) for c in floors]


# --- invoice.vat_min_5000, invoice.flow -------------------------------------------------------------------


def vat_special_threshold(waiting_total: Decimal, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`invoice.vat_min_5000`: a VAT special invoice only for ≥ 5,000.00; below, the request waits and
    accumulates with the customer's later delivered, un-invoiced amounts."""
    minimum = money(cfg["invoice.vat_min_5000.min_amount"])
    figs = {"accumulated": money(waiting_total), "minimum": minimum}
    if waiting_total >= minimum:
        return Decision.allow(Reason(
            "invoice.vat_min_5000", f"累计未开票 {fmt(waiting_total)} ≥ {fmt(minimum)}，开具一张增值税专用发票",
            f"Accumulated {fmt(waiting_total)} ≥ {fmt(minimum)}: one VAT special invoice", figs))
    short = minimum - money(waiting_total)
    return Decision.warn(Reason(
        "invoice.vat_min_5000",
        f"增值税专用发票须满 {fmt(minimum)}：累计未开票 {fmt(waiting_total)}，还差 {fmt(short)}，申请等待累计"
        "（也可改开普通发票，金额不限）",
        f"VAT special invoice needs ≥ {fmt(minimum)}: accumulated {fmt(waiting_total)}, {fmt(short)} short; waiting",
        {**figs, "shortfall": short}), waiting=True)


def check_invoice_amount(amount: Decimal, invoiceable: Decimal, order_number: str = "") -> Decision:
    """An invoice may not exceed what was delivered and not yet invoiced."""
    figs = {"amount": amount, "invoiceable": invoiceable}
    if amount <= 0:
        return Decision.refuse(Reason("invoice.flow", f"开票金额必须大于 0（现为 {fmt(amount)}）",
                                      "Invoice amount must be more than 0", figs))
    if amount > invoiceable:
        return Decision.refuse(Reason(
            "invoice.flow", f"订单 {order_number} 开票 {fmt(amount)} 超过已送货未开票金额 {fmt(invoiceable)}",
            f"Order {order_number}: invoice {fmt(amount)} exceeds delivered, un-invoiced {fmt(invoiceable)}", figs))
    return Decision.allow()


def vat_split(amount: Decimal, cfg: PolicyConfig = DEFAULT) -> tuple[Decimal, Decimal]:
    """Tax-inclusive amount → (ex-tax, tax) at VAT 13% (`invoice.flow`); the two add up to the amount."""
    rate = Decimal(cfg["invoice.flow.vat_rate_pct"]) / 100
    net = money(money(amount) / (1 + rate))
    return net, money(amount) - net


# --- ar.aging, ar.collection_task -------------------------------------------------------------------------

BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")
BUCKET_LABELS = {"not_due": "未到期", "d1_30": "逾期1–30天", "d31_60": "逾期31–60天", "d61_90": "逾期61–90天",
                 "over_90": "逾期90天以上"}


def due_date(settlement: str, delivered_on: date, term_days: int) -> date:
    """`ar.aging`: CREDIT = delivery + term days; COD/CASH (and PREPAY) = delivery."""
    if settlement == "CREDIT":
        return delivered_on + timedelta(days=term_days)
    return delivered_on


def aging_bucket(due_on: date, as_of: date) -> str:
    days = (as_of - due_on).days
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "d1_30"
    if days <= 60:
        return "d31_60"
    if days <= 90:
        return "d61_90"
    return "over_90"


def collection_action(due_on: date, today: date, cfg: PolicyConfig = DEFAULT) -> str | None:
    """`ar.collection_task` for an open receivable on ``today``: 'remind' exactly N (3) days before due,
    'task' from day 1 past due, 'escalate' when more than 30 days past due (SM list)."""
    days = (today - due_on).days
    if days > cfg["ar.collection_task.sm_list_days"]:
        return "escalate"
    if days >= 1:
        return "task"
    if -days == cfg["ar.collection_task.remind_days_before"]:
        return "remind"
    return None


def deferral_flags_credit_review(previous_request_dates: list[date], today: date, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`ar.deferral`: a second deferral request within 12 months flags the customer for credit review."""
    months = cfg["ar.deferral.window_months"]
    since = _months_back(today, months)
    recent = [d for d in previous_request_dates if d > since]
    if recent:
        return Decision.warn(Reason(
            "ar.deferral", f"该客户 {months} 个月内第 {len(recent) + 1} 次申请推迟付款（上次 {max(recent):%Y-%m-%d}），"
            "标记为信用复查", f"Deferral #{len(recent) + 1} within {months} months: credit review",
            {"count": len(recent) + 1, "since": since}), credit_review=True)
    return Decision.allow(credit_review=False)


def _months_back(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def half_year_end(d: date) -> date:
    """The reconciliation date (`ar.reconcile_semiannual`) that ``d``'s half-year ends on."""
    return date(d.year, 6, 30) if d.month <= 6 else date(d.year, 12, 31)


def previous_half_year_end(today: date) -> date:
    return date(today.year - 1, 12, 31) if today.month <= 6 else date(today.year, 6, 30)


# --- commission.base ---------------------------------------------------------------------------------------


def commission_rate(commission_delta: Decimal | None, cfg: PolicyConfig = DEFAULT) -> tuple[Decimal, Decimal, Decimal]:
    """`commission.base`: (base, cut, effective rate %) = base 3.000% − the line's special-price cut, never < 0.
    ``commission_delta`` is the order line's recorded effect (−cut pp, e.g. −0.450)."""
    base = Decimal(cfg["commission.base.rate_pct"]).quantize(MILLI)
    cut = max(Decimal("0"), -(commission_delta or Decimal("0"))).quantize(MILLI)
    return base, cut, max(Decimal("0.000"), base - cut).quantize(MILLI)


def commission_amount(basis: Decimal, rate_pct: Decimal) -> Decimal:
    return money(money(basis) * rate_pct / 100)


def commission_schedule(cfg: PolicyConfig = DEFAULT, max_pct: int = 10) -> list[tuple[int, Decimal, Decimal]]:
    """销售人员提成比例一览表: for a special price d % (0…max_pct) below guide, the commission cut
    (`price.special_commission`) and the effective rate (`commission.base`), from the same functions the
    commission entries use."""
    out = []
    for d in range(0, max_pct + 1):
        cut = commission_cut(Decimal(d), cfg)
        out.append((d, cut, commission_rate(-cut, cfg)[2]))
    return out
