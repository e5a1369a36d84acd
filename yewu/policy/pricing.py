"""Pricing rules of SPEC §3 as pure functions (no Django).

Symbols (SPEC §3.2): G = guide price (tax-inclusive), P = quoted unit price, x = fee rate in percent,
N = net price = round(P × (1 − x/100), 2), B = baseline = G, or round(G × (1 − v/100), 2) when the
VAT-free discount applies (v = ``price.vat_free_discount.max_pct``, 6), d = round((B − N) ÷ G × 100, 2)
when N < B. Every check uses N.

Rules: ``price.guide``, ``price.finance_guide``, ``price.gb_discretion``, ``price.vat_free_discount``,
``price.special_floor``, ``price.special_commission``, ``price.fee_grossup``, ``price.invoice_lock``; quote
level ``quote.approval``, ``quote.deviation_reapproval``, the deadline ``quote.nonstandard_24h`` and the
lost-quote coaching task (``daily.shortfall_coaching``) live in ``quotes`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .amounts import fmt, money
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

# quote-level rules live in .quotes; re-exported here so callers keep importing them from pricing
from .quotes import (  # noqa: F401
    BUSINESS_HOURS,
    GM,
    SM,
    ApprovalStep,
    add_working_hours,
    age_hours,
    check_quote_deviation,
    deadline_state,
    finance_due_reason,
    finance_price_due,
    lost_quote_coaching,
    nonstandard_due,
    quote_approval_steps,
    quote_number,
    quote_total,
)

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
HUNDRED = Decimal("100")
ZERO = Decimal("0")

# Invoice choices (same codes as yewu.customers.models.InvoiceChoice)
VAT_SPECIAL = "vat_special"
GENERAL = "general"
NO_INVOICE = "none"
INVOICE_CHOICES = (VAT_SPECIAL, GENERAL, NO_INVOICE)

# Product kinds (same codes as yewu.catalog.models.Kind)
KIND_STANDARD = "standard"
KIND_GB = "gb"
KIND_NONSTANDARD = "nonstandard"
KIND_CUSTOM = "custom"
KIND_HARNESS = "harness"



def pct(v: Decimal) -> str:
    return f"{Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP):f}"


def num(v: Decimal) -> str:
    """A setting or rate as typed: 6 → "6", 4.5 → "4.5"."""
    d = Decimal(v).normalize()
    return f"{d:f}"


def pp(v: Decimal) -> str:
    return f"{Decimal(v).quantize(MILLI, rounding=ROUND_HALF_UP):f}"


# --- input validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    message_en: str
    rule: str = ""


def _as_decimal(v: Any) -> Decimal | None:
    if v is None or isinstance(v, float) or isinstance(v, bool):
        # floats are refused on purpose: money is never float
        return None if v is None or isinstance(v, bool) else _as_decimal(repr(v))
    try:
        d = Decimal(str(v).strip()) if not isinstance(v, Decimal) else v
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    return d


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return max(0, -int(exp)) if isinstance(exp, int) else 99


def parse_line_input(quantity: Any, unit_price: Any, fee_rate: Any = 0, cfg: PolicyConfig = DEFAULT,
                     guide_price: Any = "__absent__") -> tuple[dict[str, Decimal], list[FieldError]]:
    """Parse and validate the raw inputs of a line price check.

    Returns ``(values, errors)``; ``values`` holds the parsed Decimals for the fields that are valid.
    Quantity: > 0, at most 3 decimals. Unit price: > 0, at most 2 decimals (分). Fee rate: 0 ≤ x ≤
    ``price.fee_grossup.max_pct`` (30), always < 100, at most 2 decimals.
    """
    out: dict[str, Decimal] = {}
    errs: list[FieldError] = []
    # input.bounds: the company's ceilings (below what the columns hold; the checks against 1e9/1e10 stay as the
    # last line for a configuration without them)
    max_q = Decimal(str(cfg.get("input.bounds.max_quantity", "999999999")))
    max_amount = Decimal(str(cfg.get("input.bounds.max_amount", "9999999999.99")))

    q = _as_decimal(quantity)
    if q is None:
        errs.append(FieldError("quantity", "数量必须是数字", "quantity must be a number"))
    elif q <= 0:
        errs.append(FieldError("quantity", f"数量必须大于 0（现为 {q}）", f"quantity must be greater than 0 (got {q})"))
    elif _places(q) > 3:
        errs.append(FieldError("quantity", "数量最多 3 位小数", "quantity has at most 3 decimals"))
    elif q >= Decimal("1e9"):
        errs.append(FieldError("quantity", "数量过大", "quantity too large"))
    elif q > max_q:
        errs.append(FieldError("quantity", f"数量超过公司设定的上限 {num(max_q)}（input.bounds）",
                               f"quantity above the ceiling {num(max_q)}", "input.bounds"))
    else:
        out["quantity"] = q

    p = _as_decimal(unit_price)
    if p is None:
        errs.append(FieldError("unit_price", "单价必须是数字（元，最多两位小数）", "unit price must be a decimal number"))
    elif p <= 0:
        errs.append(FieldError("unit_price", f"单价必须大于 0（现为 {p}）", f"unit price must be greater than 0 (got {p})"))
    elif _places(p) > 2:
        errs.append(FieldError("unit_price", f"单价最多两位小数（分），现为 {p}", f"unit price has at most 2 decimals (got {p})"))
    elif p >= Decimal("1e10"):
        errs.append(FieldError("unit_price", "单价过大", "unit price too large"))
    elif p > max_amount:
        errs.append(FieldError("unit_price", f"单价超过公司设定的上限 {num(max_amount)} 元（input.bounds）",
                               f"unit price above the ceiling {num(max_amount)}", "input.bounds"))
    else:
        out["unit_price"] = p

    x = _as_decimal(0 if fee_rate in (None, "") else fee_rate)
    max_x = Decimal(cfg["price.fee_grossup.max_pct"])
    if x is None:
        errs.append(FieldError("fee_rate", "费用率必须是数字（百分比）", "fee rate must be a number (percent)",
                               "price.fee_grossup"))
    elif x < 0:
        errs.append(FieldError("fee_rate", f"费用率不能为负（现为 {x}%）", f"fee rate cannot be negative (got {x}%)",
                               "price.fee_grossup"))
    elif x >= HUNDRED:
        errs.append(FieldError("fee_rate", f"费用率必须小于 100%（现为 {x}%），否则净价为零或负数",
                               f"fee rate must be below 100% (got {x}%)", "price.fee_grossup"))
    elif x > max_x:
        errs.append(FieldError("fee_rate", f"费用率不能超过 {num(max_x)}%（现为 {x}%）",
                               f"fee rate cannot exceed {num(max_x)}% (got {x}%)", "price.fee_grossup"))
    elif _places(x) > 2:
        errs.append(FieldError("fee_rate", "费用率最多两位小数", "fee rate has at most 2 decimals", "price.fee_grossup"))
    else:
        out["fee_rate"] = x

    if guide_price != "__absent__" and guide_price not in (None, ""):
        g = _as_decimal(guide_price)
        if g is None or g <= 0:
            errs.append(FieldError("guide_price", "指导价必须是大于 0 的数字", "guide price must be a positive number",
                                   "price.guide"))
        elif _places(g) > 2:
            errs.append(FieldError("guide_price", "指导价最多两位小数", "guide price has at most 2 decimals", "price.guide"))
        elif g > max_amount:
            errs.append(FieldError("guide_price", f"指导价超过公司设定的上限 {num(max_amount)} 元（input.bounds）",
                                   f"guide price above the ceiling {num(max_amount)}", "input.bounds"))
        else:
            out["guide_price"] = g
    return out, errs


# --- the arithmetic of §3.2 ------------------------------------------------------------------------


def net_price(p: Decimal, x: Decimal) -> Decimal:
    """N = round(P × (1 − x/100), 2)."""
    return money(Decimal(p) * (1 - Decimal(x) / HUNDRED))


def vat_free_applies(invoice: str, cfg: PolicyConfig = DEFAULT) -> bool:
    """``price.vat_free_discount``: applies to any non-special invoice (default) or, Alt ``scope=no_invoice``,
    only to customers taking no invoice."""
    if cfg["price.vat_free_discount.scope"] == "no_invoice":
        return invoice == NO_INVOICE
    return invoice != VAT_SPECIAL


def baseline(g: Decimal, invoice: str, cfg: PolicyConfig = DEFAULT) -> Decimal:
    """B = G, or round(G × (1 − 6/100), 2) when the VAT-free discount applies."""
    if vat_free_applies(invoice, cfg):
        return money(Decimal(g) * (1 - Decimal(cfg["price.vat_free_discount.max_pct"]) / HUNDRED))
    return money(g)


def floor_price(g: Decimal, invoice: str, cfg: PolicyConfig = DEFAULT) -> Decimal:
    """``price.special_floor``: round(G × 90%, 2); Alt ``stack_vat_free``: the VAT-free 6% stacks below it
    (0.846 × G) for invoices where it applies."""
    f = Decimal(g) * Decimal(cfg["price.special_floor.pct"]) / HUNDRED
    if cfg["price.special_floor.stack_vat_free"] and vat_free_applies(invoice, cfg):
        f = f * (1 - Decimal(cfg["price.vat_free_discount.max_pct"]) / HUNDRED)
    return money(f)


def discount_pct(g: Decimal, b: Decimal, n: Decimal) -> Decimal | None:
    """d = round((B − N) ÷ G × 100, 2) when N < B, else None."""
    if n >= b:
        return None
    return ((Decimal(b) - Decimal(n)) / Decimal(g) * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def commission_cut(d: Decimal | None, cfg: PolicyConfig = DEFAULT) -> Decimal:
    """``price.special_commission``: cut = 0.1 pp × d (proportional) or 0.1 × ⌊d⌋ (Alt whole_steps)."""
    if d is None or d <= 0:
        return Decimal("0.000")
    per = Decimal(cfg["price.special_commission.pp_per_pct"])
    base_d = Decimal(d).to_integral_value(rounding=ROUND_FLOOR) if cfg["price.special_commission.mode"] == "whole_steps" else Decimal(d)
    return (per * base_d).quantize(MILLI, rounding=ROUND_HALF_UP)


def grossup(price: Decimal, x: Decimal) -> Decimal:
    """``price.fee_grossup``: the price whose net after a fee of x% is ``price``: round(price ÷ (1 − x/100), 2)."""
    return money(Decimal(price) / (1 - Decimal(x) / HUNDRED))


def lowest_p_with_net_at_least(target: Decimal, x: Decimal) -> Decimal:
    """The smallest P (in 分) whose N = round(P × (1 − x/100), 2) is ≥ target. Starts from the gross-up
    (SPEC's figure) and corrects for N's own rounding, so the answer is exact."""
    p = grossup(target, x)
    while net_price(p, x) < target:
        p += CENT
    while p - CENT > 0 and net_price(p - CENT, x) >= target:
        p -= CENT
    return p


@dataclass(frozen=True)
class LineFigures:
    g: Decimal
    p: Decimal
    x: Decimal
    n: Decimal
    b: Decimal
    floor: Decimal
    d: Decimal | None
    fee: Decimal
    cut: Decimal
    base_rate: Decimal
    rate: Decimal
    commission_delta: Decimal
    min_price: Decimal  # lowest P not refused (floor, grossed up by the fee)
    baseline_price: Decimal  # lowest P that is not a special price (B grossed up by the fee)
    grossup_price: Decimal  # SPEC's figure: G ÷ (1 − x/100), rounded
    quantity: Decimal | None = None
    amount: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "guide_price": self.g, "unit_price": self.p, "fee_rate": self.x, "net_price": self.n, "baseline": self.b,
            "floor": self.floor, "discount_pct": self.d, "fee": self.fee, "commission_cut": self.cut,
            "base_rate": self.base_rate, "commission_rate": self.rate, "commission_delta": self.commission_delta,
            "min_price": self.min_price, "baseline_price": self.baseline_price, "grossup_price": self.grossup_price,
            "quantity": self.quantity, "amount": self.amount,
        }


def line_figures(g: Decimal, p: Decimal, x: Decimal = ZERO, invoice: str = VAT_SPECIAL, cfg: PolicyConfig = DEFAULT,
                 quantity: Decimal | None = None) -> LineFigures:
    g, p, x = money(g), Decimal(p), Decimal(x)
    n = net_price(p, x)
    b = baseline(g, invoice, cfg)
    fl = floor_price(g, invoice, cfg)
    d = discount_pct(g, b, n)
    cut = commission_cut(d, cfg) if n >= fl else Decimal("0.000")
    base = Decimal(cfg["commission.base.rate_pct"]).quantize(MILLI)
    rate = max(Decimal("0.000"), base - cut).quantize(MILLI)
    return LineFigures(
        g=g, p=money(p), x=x, n=n, b=b, floor=fl, d=d, fee=money(p - n), cut=cut, base_rate=base, rate=rate,
        commission_delta=(rate - base).quantize(MILLI),
        min_price=lowest_p_with_net_at_least(fl, x),
        baseline_price=lowest_p_with_net_at_least(b, x),
        grossup_price=grossup(b, x),
        quantity=quantity,
        amount=money(Decimal(quantity) * p) if quantity is not None else None,
    )


# --- price.gb_discretion --------------------------------------------------------------------------


def gb_allowance(cfg: PolicyConfig = DEFAULT) -> Decimal:
    """``price.gb_discretion.max_pct``: how far (d, in % of G) a national-standard line may go below the
    baseline without a special-price application. SPEC default 0 (Alt: X)."""
    return Decimal(cfg["price.gb_discretion.max_pct"])


def gb_discretion(g: Decimal, b: Decimal, n: Decimal, d: Decimal | None, cfg: PolicyConfig = DEFAULT) -> Decision:
    """``price.gb_discretion``: for national-standard (国标) products G is the reference and the SP decides
    the price within the allowances of §3.2. Under the baseline B it is still a special price, unless the
    company allows X% (``price.gb_discretion.max_pct``, default 0): d ≤ X ("以内", inclusive) is then allowed
    without application and without a commission cut. The floor (``price.special_floor``) always applies.

    Returns ALLOWED (at or above B, or within the allowance) or NEEDS_APPROVAL by SM, with the figures."""
    x = gb_allowance(cfg)
    figs = {"guide_price": money(g), "baseline": money(b), "net_price": money(n), "discount_pct": d, "allowance_pct": x}
    if d is None:
        return Decision.allow(Reason(
            "price.gb_discretion", f"国标产品：指导价 {fmt(g)} 为参考价，净价 {fmt(n)} 不低于基准价 {fmt(b)}，由业务员自主定价",
            f"National-standard product: guide {fmt(g)} is the reference; net {fmt(n)} is not below the baseline {fmt(b)}",
            figs))
    if x > 0 and d <= x:
        return Decision.allow(Reason(
            "price.gb_discretion",
            f"国标产品：净价 {fmt(n)} 低于基准价 {fmt(b)} d = {pct(d)}%，在国标自主定价幅度 {num(x)}% 以内，无需特价申请，提成不变",
            f"National-standard product: net {fmt(n)} is d = {pct(d)}% below the baseline {fmt(b)}, within the "
            f"{num(x)}% allowance: no special-price application, commission unchanged", figs))
    if x > 0:
        zh = f"国标产品：低于基准价 d = {pct(d)}%，超过国标自主定价幅度 {num(x)}%，仍需特价申请"
        en = f"National-standard product: d = {pct(d)}% exceeds the {num(x)}% allowance; still a special price"
    else:
        zh = f"国标产品：指导价 {fmt(g)} 为参考价，但低于基准价 {fmt(b)}（d = {pct(d)}%）仍需特价申请（自主幅度 {num(x)}%）"
        en = f"National-standard product: below the baseline {fmt(b)} (d = {pct(d)}%) is still a special price (allowance {num(x)}%)"
    return Decision.needs((SM,), Reason("price.gb_discretion", zh, en, figs))


# --- the line decision -----------------------------------------------------------------------------


def check_line_price(*, guide_price: Decimal | None, unit_price: Decimal, fee_rate: Decimal = ZERO,
                     invoice: str = VAT_SPECIAL, quantity: Decimal | None = None, cfg: PolicyConfig = DEFAULT,
                     price_source: str = "list", kind: str | None = None) -> Decision:
    """Is this unit price allowed for this line?

    Returns a Decision (allowed / needs_approval by SM / refused) whose ``data`` carries the figures
    (``min_price``, ``commission_delta`` in percentage points, N, B, d, …) and whose reasons carry the
    rule ids with messages in Chinese and English. The caller validates raw input first
    (:func:`parse_line_input`); out-of-range values are refused here too, defensively.
    """
    if invoice not in INVOICE_CHOICES:
        return Decision.refuse(Reason("price.vat_free_discount", f"发票类型无效：{invoice}", f"invalid invoice choice: {invoice}",
                                      {"invoice": invoice}))
    if guide_price is None or Decimal(guide_price) <= 0:
        if price_source == "finance":
            return Decision.refuse(Reason(
                "price.finance_guide", "该产品没有指导价：定制/非目录产品须先向财务申请指导价，业务员不能自行填写",
                "This product has no guide price: custom/unlisted products need a guide price from Finance first",
                {"guide_price": None}))
        return Decision.refuse(Reason("price.guide", "该产品在报价日没有生效的指导价，不能报价",
                                      "This product has no guide price in force on the quote date", {"guide_price": None}))
    unit_price, fee_rate = Decimal(unit_price), Decimal(fee_rate or 0)
    max_x = Decimal(cfg["price.fee_grossup.max_pct"])
    if unit_price <= 0:
        return Decision.refuse(Reason("price.guide", "单价必须大于 0", "unit price must be greater than 0", {"unit_price": unit_price}))
    if fee_rate < 0 or fee_rate >= HUNDRED or fee_rate > max_x:
        return Decision.refuse(Reason("price.fee_grossup", f"费用率须在 0% 至 {num(max_x)}% 之间（现为 {fee_rate}%）",
                                      f"fee rate must be between 0% and {num(max_x)}% (got {fee_rate}%)",
                                      {"fee_rate": fee_rate, "max_pct": max_x}))

    f = line_figures(guide_price, unit_price, fee_rate, invoice, cfg, quantity)
    gb_free = kind == KIND_GB and f.d is not None and f.n >= f.floor and f.d <= gb_allowance(cfg) and gb_allowance(cfg) > 0
    if gb_free:  # price.gb_discretion (Alt): within the national-standard allowance — no special price, no cut
        f = replace(f, cut=Decimal("0.000"), rate=f.base_rate, commission_delta=Decimal("0.000"))
    data = f.as_dict()
    data["outcome_detail"] = ""
    g_s, n_s = fmt(f.g), fmt(f.n)
    net_zh = f"净价 N = {n_s}" + (f"（单价 {fmt(f.p)} 扣除费用率 {num(f.x)}%）" if f.x > 0 else "")
    net_en = f"net price N = {n_s}" + (f" (price {fmt(f.p)} less {num(f.x)}% fee)" if f.x > 0 else "")

    # price.special_floor — below it: refused, nobody can approve
    if f.n < f.floor:
        data["commission_delta"] = None
        data["commission_rate"] = None
        data["discount_pct"] = f.d
        fl_pct = Decimal(cfg["price.special_floor.pct"])
        return Decision.refuse(Reason(
            "price.special_floor",
            f"{net_zh}，低于最低价 {fmt(f.floor)}（指导价 {g_s} × {num(fl_pct)}%），任何人不能批准；单价最低 {fmt(f.min_price)}",
            f"{net_en} is below the floor {fmt(f.floor)} ({num(fl_pct)}% of guide {g_s}); nobody can approve it; "
            f"lowest unit price {fmt(f.min_price)}",
            {"guide_price": f.g, "net_price": f.n, "floor": f.floor, "min_price": f.min_price, "floor_pct": fl_pct}), **data)

    decisions: list[Decision] = []
    if kind == KIND_GB:
        decisions.append(gb_discretion(f.g, f.b, f.n, f.d, cfg))
        data["gb_discretion"] = gb_free
    vat_free = vat_free_applies(invoice, cfg)
    v = Decimal(cfg["price.vat_free_discount.max_pct"])
    if f.d is None:
        if vat_free and f.n < f.g:
            decisions.append(Decision.allow(Reason(
                "price.vat_free_discount",
                f"不开增值税专票，可低于指导价 {num(v)}% 无需申请：基准价 B = {fmt(f.b)}，{net_zh} ≥ B，提成不变",
                f"No VAT special invoice: up to {num(v)}% below guide without application; baseline B = {fmt(f.b)}, "
                f"{net_en} ≥ B; commission unchanged",
                {"guide_price": f.g, "baseline": f.b, "net_price": f.n, "max_pct": v})))
        else:
            decisions.append(Decision.allow(Reason(
                "price.guide", f"{net_zh}，不低于基准价 {fmt(f.b)}（指导价 {g_s}），提成不变",
                f"{net_en} is not below the baseline {fmt(f.b)} (guide {g_s}); commission unchanged",
                {"guide_price": f.g, "baseline": f.b, "net_price": f.n})))
    elif not gb_free:
        mode = cfg["price.special_commission.mode"]
        per = Decimal(cfg["price.special_commission.pp_per_pct"])
        step_zh = f"⌊{pct(f.d)}⌋ × {per}" if mode == "whole_steps" else f"{pct(f.d)} × {per}"
        decisions.append(Decision.needs((SM,), Reason(
            "price.special_commission",
            f"特价：{net_zh} 低于基准价 {fmt(f.b)}，低 d = {pct(f.d)}%，需业务经理审批；提成比例降 {step_zh} = {pp(f.cut)} 个百分点"
            f"（{pp(f.base_rate)}% → {pp(f.rate)}%）",
            f"Special price: {net_en} is below the baseline {fmt(f.b)} by d = {pct(f.d)}%; needs sales-manager approval; "
            f"commission rate falls by {pp(f.cut)} pp ({pp(f.base_rate)}% → {pp(f.rate)}%)",
            {"guide_price": f.g, "baseline": f.b, "net_price": f.n, "discount_pct": f.d, "commission_cut": f.cut,
             "commission_rate": f.rate, "mode": mode})))
    if f.x > 0:
        decisions.append(Decision.needs((SM,), Reason(
            "price.fee_grossup",
            f"含费用 {num(f.x)}%：费用 = {fmt(f.fee)}，{net_zh}；有费用的报价需业务经理审批；不算特价的最低单价 = "
            f"{fmt(f.b)} ÷ (1 − {num(f.x)}%) = {fmt(f.grossup_price)}",
            f"Fee of {num(f.x)}%: fee = {fmt(f.fee)}, {net_en}; any fee needs sales-manager approval; lowest price "
            f"without a special price = {fmt(f.b)} ÷ (1 − {num(f.x)}%) = {fmt(f.grossup_price)}",
            {"fee_rate": f.x, "fee": f.fee, "net_price": f.n, "grossup_price": f.grossup_price})))
    result = Decision.combine(*decisions)
    return Decision(result.outcome, result.reasons, result.approvers, data)


# --- quote.nonstandard_24h: which lines start the clock (the clock itself is in .quotes) ------------


def triggers_24h(kind: str, on_guide_list: bool, cfg: PolicyConfig = DEFAULT) -> bool:
    """A non-standard line not on the guide list, or any wire-harness line (Alt ``harness_scope=unlisted``:
    unlisted harness only)."""
    if kind == KIND_NONSTANDARD:
        return not on_guide_list
    if kind == KIND_HARNESS:
        scope = cfg["quote.nonstandard_24h.harness_scope"]
        if scope not in ("all", "unlisted"):
            raise ValueError(f"quote.nonstandard_24h.harness_scope must be all or unlisted, not {scope!r}")
        return not on_guide_list if scope == "unlisted" else True
    return False


# --- price.invoice_lock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    """A line as priced on its quote/order: the invoice choice it was priced under, G and N."""

    label: str  # e.g. "第 1 行 P1 接触器"
    guide_price: Decimal
    net_price: Decimal
    priced_invoice: str


def check_invoice_lock(requested_invoice: str, lines: Iterable[PricedLine], cfg: PolicyConfig = DEFAULT) -> Decision:
    """``price.invoice_lock``: the invoice choice is part of the quote/order. A VAT special invoice
    (增值税专票) for lines priced with the VAT-free discount (priced under an invoice choice where
    ``price.vat_free_discount`` applies, with N < G) is refused until they are re-priced to N ≥ G (D).
    Any other request (general invoice, no invoice, lines at or above G) is allowed."""
    if requested_invoice not in INVOICE_CHOICES:
        return Decision.refuse(Reason("price.invoice_lock", f"发票类型无效：{requested_invoice}",
                                      f"invalid invoice choice: {requested_invoice}", {"invoice": requested_invoice}))
    if requested_invoice != VAT_SPECIAL:
        return Decision.allow()
    locked = [ln for ln in lines if vat_free_applies(ln.priced_invoice, cfg) and money(ln.net_price) < money(ln.guide_price)]
    if not locked:
        return Decision.allow()
    reasons = [Reason(
        "price.invoice_lock",
        f"{ln.label}：按不开专票优惠定价（净价 {fmt(ln.net_price)} < 指导价 {fmt(ln.guide_price)}），开增值税专票须先重新定价至"
        f"不低于 {fmt(ln.guide_price)}",
        f"{ln.label}: priced with the VAT-free discount (net {fmt(ln.net_price)} < guide {fmt(ln.guide_price)}); a VAT special "
        f"invoice needs re-pricing to at least {fmt(ln.guide_price)}",
        {"line": ln.label, "net_price": money(ln.net_price), "guide_price": money(ln.guide_price),
         "shortfall": money(ln.guide_price) - money(ln.net_price)}) for ln in locked]
    return Decision.refuse(*reasons, locked_lines=[ln.label for ln in locked])


__all__ = [
    "FieldError", "LineFigures", "ApprovalStep", "parse_line_input", "net_price", "baseline", "floor_price",
    "discount_pct", "commission_cut", "grossup", "line_figures", "check_line_price", "quote_approval_steps",
    "quote_total", "quote_number", "triggers_24h", "nonstandard_due", "add_working_hours", "deadline_state",
    "finance_price_due", "money", "vat_free_applies", "lowest_p_with_net_at_least", "gb_allowance", "gb_discretion",
    "finance_due_reason", "PricedLine", "check_invoice_lock", "lost_quote_coaching", "check_quote_deviation",
]
