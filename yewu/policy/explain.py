"""One plain Chinese sentence per decision reason, figures first (pure Python, no Django).

``sentence(reason)`` takes a stored reason (``Reason.as_dict()``: rule, message, figures as plain values) and
returns what a user reads, e.g. "报价 373.45 元，比指导价 385.00 元低 3.00%，需业务经理批准；提成从 3.000% 降到
2.700%". Each rule id that carries figures has its builder here (one place); a builder that cannot use the
figures it got (older records, other shapes) returns None and the rule's own Chinese message is shown, with
any role codes in it written as the roles' names. No symbol (N, B, d, pp) and no English key reaches the user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .amounts import fmt
from .rulebook import plain_roles, role_names

Figures = Mapping[str, Any]
BUILDERS: dict[str, Callable[[Figures, str], str | None]] = {}
SKIP = {"rule", "message", "message_zh", "message_en"}


def builds(*rule_ids: str):
    def register(fn):
        for r in rule_ids:
            BUILDERS[r] = fn
        return fn

    return register


def _d(v: Any) -> Decimal | None:
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None


def yuan(v: Any) -> str:
    return f"{fmt(_d(v))} 元"


def pct(v: Any, places: str = "0.01") -> str:
    d = _d(v)
    return "—" if d is None else f"{d.quantize(Decimal(places), rounding=ROUND_HALF_UP):f}%"


def rate(v: Any) -> str:
    return pct(v, "0.001")


def need(*names: str) -> Callable:
    """Decorator: the builder runs only when every named figure is present."""
    def wrap(fn):
        def inner(f: Figures, msg: str) -> str | None:
            return fn(f, msg) if all(_d(f.get(n)) is not None for n in names) else None
        return inner
    return wrap


def sentence(reason: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> str:
    """The sentence for one stored reason. ``context``: the figures of every reason of the same decision (a
    builder may need one, e.g. whether the price carries a fee)."""
    rule = reason.get("rule", "")
    msg = reason.get("message_zh") or reason.get("message") or ""
    figs = {**(context or {}), **{k: v for k, v in reason.items() if k not in SKIP}}
    fn = BUILDERS.get(rule)
    out = fn(figs, msg) if fn else None
    return out or plain_roles(msg)


def sentences(reasons: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(rule id, sentence) for each reason of one decision."""
    ctx: dict[str, Any] = {}
    for r in reasons:
        ctx.update({k: v for k, v in r.items() if k not in SKIP})
    return [(r.get("rule", ""), sentence(r, ctx)) for r in reasons]


# --- pricing (SPEC §3) -------------------------------------------------------------------------------------


def _price_words(f: Figures) -> str:
    fee = _d(f.get("fee_rate"))
    return "扣除费用后的净价" if fee and fee > 0 else "报价"


def _below(f: Figures) -> str:
    """比指导价 385.00 元低 3.00% — against the baseline when it is not the guide price (VAT-free discount)."""
    g, b = _d(f.get("guide_price")), _d(f.get("baseline"))
    if b is not None and g is not None and b < g:
        return f"比基准价 {yuan(b)}（指导价 {yuan(g)} 减去不开专票的优惠）低 {pct(f.get('discount_pct'))}（按指导价计）"
    return f"比指导价 {yuan(g)}低 {pct(f.get('discount_pct'))}"


@builds("price.special_commission")
@need("guide_price", "net_price", "discount_pct", "commission_rate")
def _special(f: Figures, msg: str) -> str:
    r, cut = _d(f["commission_rate"]), _d(f.get("commission_cut")) or Decimal("0")
    return (f"{_price_words(f)} {yuan(f['net_price'])}，{_below(f)}，需业务经理批准；"
            f"提成从 {rate(r + cut)} 降到 {rate(r)}")


@builds("price.guide")
@need("guide_price", "net_price")
def _guide(f: Figures, msg: str) -> str:
    b = _d(f.get("baseline")) or _d(f["guide_price"])
    ref = f"指导价 {yuan(f['guide_price'])}" if b == _d(f["guide_price"]) else f"基准价 {yuan(b)}（指导价 {yuan(f['guide_price'])}）"
    return f"{_price_words(f)} {yuan(f['net_price'])}，不低于{ref}，无需审批，提成不变"


@builds("price.vat_free_discount")
@need("guide_price", "net_price", "baseline")
def _vat_free(f: Figures, msg: str) -> str:
    mx = f"{_d(f['max_pct']).normalize():f}%" if _d(f.get("max_pct")) is not None else "规定幅度"
    return (f"{_price_words(f)} {yuan(f['net_price'])}，比指导价 {yuan(f['guide_price'])}低，但客户不开增值税专票，"
            f"可让 {mx}（不低于 {yuan(f['baseline'])}），无需审批，提成不变")


@builds("price.gb_discretion")
def _gb(f: Figures, msg: str) -> str | None:
    if _d(f.get("lines")) is not None and _d(f.get("net_price")) is None:
        return f"{int(_d(f['lines']))} 行国标产品报价低于基准价，需业务经理批准"
    n, b, d, x = _d(f.get("net_price")), _d(f.get("baseline")), _d(f.get("discount_pct")), _d(f.get("allowance_pct"))
    if n is None or b is None:
        return None
    allowance = f"{(x or Decimal('0')).normalize():f}%"
    if d is None:
        return f"国标产品报价 {yuan(n)}，不低于基准价 {yuan(b)}，由业务员自主定价，无需审批"
    if x and d <= x:
        return f"国标产品报价 {yuan(n)}，比基准价 {yuan(b)}低 {pct(d)}，在自主定价幅度 {allowance} 以内，无需审批，提成不变"
    over = f"，超过自主定价幅度 {allowance}" if x else ""
    return f"国标产品报价 {yuan(n)}，比基准价 {yuan(b)}低 {pct(d)}{over}，按特价需业务经理批准"


@builds("price.fee_grossup")
@need("fee_rate", "net_price")
def _fee(f: Figures, msg: str) -> str:
    parts = [f"报价含 {_d(f['fee_rate']).normalize():f}% 费用"]
    if _d(f.get("fee")) is not None:
        parts.append(f"费用 {yuan(f['fee'])}")
    parts.append(f"扣除后净价 {yuan(f['net_price'])}")
    s = "，".join(parts) + "；有费用的报价需业务经理批准"
    if _d(f.get("grossup_price")) is not None:
        s += f"；单价不低于 {yuan(f['grossup_price'])}才不算特价"
    return s


@builds("price.special_floor")
@need("net_price", "floor")
def _floor(f: Figures, msg: str) -> str:
    s = f"{_price_words(f)} {yuan(f['net_price'])}，低于最低价 {yuan(f['floor'])}"
    if _d(f.get("guide_price")) is not None and _d(f.get("floor_pct")) is not None:
        s += f"（指导价 {yuan(f['guide_price'])}的 {_d(f['floor_pct']).normalize():f}%）"
    s += "，任何人都不能批准"
    if _d(f.get("min_price")) is not None:
        s += f"；单价最低 {yuan(f['min_price'])}"
    return s


@builds("price.invoice_lock")
@need("net_price", "guide_price")
def _lock(f: Figures, msg: str) -> str:
    line = f"{f['line']}：" if f.get("line") else ""
    return (f"{line}按不开专票的优惠定价 {yuan(f['net_price'])}，低于指导价 {yuan(f['guide_price'])}；"
            f"要开增值税专票，须先改价到不低于 {yuan(f['guide_price'])}")


@builds("quote.deviation_reapproval")
def _deviation(f: Figures, msg: str) -> str | None:
    if _d(f.get("order_price")) is not None and _d(f.get("quote_price")) is not None:
        item = f"{f['item']}：" if f.get("item") else ""
        return f"{item}订单单价 {yuan(f['order_price'])}，低于已接受报价的 {yuan(f['quote_price'])}，需业务经理重新批准"
    if _d(f.get("order_term_days")) is not None and _d(f.get("quote_term_days")) is not None:
        return f"账期 {f['order_term_days']} 天，比已接受报价的 {f['quote_term_days']} 天长，需业务经理重新批准"
    return None


# --- order approvals and credit (SPEC §4) ------------------------------------------------------------------


@builds("approve.new_credit_20k_both")
@need("total", "threshold")
def _new_credit(f: Figures, msg: str) -> str:
    t, th = _d(f["total"]), _d(f["threshold"])
    if t >= th:
        return f"新客户的账期订单 {yuan(t)}，达到 {yuan(th)}，需业务经理和总经理批准"
    return f"新客户的账期订单 {yuan(t)}，不到 {yuan(th)}，需业务经理批准"


@builds("approve.credit_over_50k_gm")
@need("total", "threshold")
def _over_50k(f: Figures, msg: str) -> str:
    who = "业务经理和总经理" if "业务经理" in msg or not msg else "总经理"
    return f"账期订单 {yuan(f['total'])}，超过 {yuan(f['threshold'])}，需{who}批准"


@builds("approve.credit_over_20k_manager")
@need("total", "threshold")
def _over_20k(f: Figures, msg: str) -> str:
    t, th = _d(f["total"]), _d(f["threshold"])
    if t > th:
        return f"账期订单 {yuan(t)}，超过 {yuan(th)}，需业务经理批准"
    return f"老客户账期订单 {yuan(t)}，不超过 {yuan(th)}且在额度内，无需审批"


@builds("credit.over_limit")
@need("exposure", "limit", "excess")
def _over_limit(f: Figures, msg: str) -> str:
    why = "客户未评级，额度为 0；" if msg.startswith("未评级") else ""
    return (f"{why}信用敞口 {yuan(f['exposure'])}，超过额度 {yuan(f['limit'])}，超出 {yuan(f['excess'])}；"
            f"需填超信销货申请表，经业务经理批准才能放货")


@builds("settle.custom_deposit_30")
@need("custom_total", "deposit")
def _deposit(f: Figures, msg: str) -> str:
    return f"定制产品 {yuan(f['custom_total'])}，须先收定金 {yuan(f['deposit'])}，到账后才能生产和发货"


@builds("settle.gz_cod_1500")
@need("total", "min_total")
def _cod(f: Figures, msg: str) -> str:
    t, m = _d(f["total"]), _d(f["min_total"])
    if t >= m:
        return f"广州市内新客户订单 {yuan(t)}，不低于 {yuan(m)}，可以货到付款"
    return f"广州市内新客户订单 {yuan(t)}，低于 {yuan(m)}，只能现款现货"


@builds("contract.review_1wd")
def _review(f: Figures, msg: str) -> str | None:
    n = _d(f.get("limit_wd"))
    if n is None or "并行" not in msg:
        return None
    return f"合同须由客服和财务分别评审（同时进行），各自在 {int(n)} 个工作日内完成"


# --- payments and cash ---------------------------------------------------------------------------------------


@builds("pay.approval_chain")
def _pay_chain(f: Figures, msg: str) -> str | None:
    roles = f.get("roles")
    if not roles:
        return None
    amount = f"{yuan(f['amount'])}的" if _d(f.get("amount")) is not None else ""
    return f"{amount}付款/报销须依次经{role_names(roles)}审批，审批完成后由出纳付款"


@builds("cash.advance_max_3000")
def _advance(f: Figures, msg: str) -> str | None:
    if _d(f.get("amount")) is None or "出差" not in msg:
        return None
    return f"出差借支 {yuan(f['amount'])}，出差借支不设上限，须经审批"
