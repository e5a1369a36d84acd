"""Settlement, credit-approval and delivery rules of SPEC §2.7 and §4 as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .amounts import fmt as _fmt
from .amounts import money
from .calendar import WorkCalendar
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

CENT = Decimal("0.01")
CASH, PREPAY, COD, CREDIT = "CASH", "PREPAY", "COD", "CREDIT"
SETTLEMENT_LABELS = {CASH: "现款现货", PREPAY: "款到发货", COD: "货到付款", CREDIT: "账期"}

# 广州市 11 districts (settle.gz_cod_1500)
GZ_DISTRICTS = ("越秀", "海珠", "荔湾", "天河", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城")


def in_guangzhou(address: str) -> bool:
    a = address or ""
    return "广州" in a or any(d + "区" in a for d in GZ_DISTRICTS)


@dataclass(frozen=True)
class OrderFacts:
    total: Decimal
    is_new_customer: bool
    credit_grade: str  # "", A, B, C, D
    delivery_address: str
    registered_address: str = ""
    custom_lines_total: Decimal = Decimal("0")
    credit_limit: Decimal = Decimal("0")
    open_credit_exposure: Decimal = Decimal("0")  # unpaid balance of open CREDIT orders
    deposits: Decimal = Decimal("0")
    supply_suspended: bool = False


def settlement_options(f: OrderFacts, cfg: PolicyConfig = DEFAULT) -> dict[str, Decision]:
    """For each settlement type, whether the customer may have it and why (the order form offers only
    the allowed ones and shows the reasons of the others)."""
    out: dict[str, Decision] = {}
    min_cod = cfg["settle.gz_cod_1500.min_total"]
    addr = f.registered_address if cfg["settle.gz_cod_1500.basis"] == "registered" else f.delivery_address
    gz = in_guangzhou(addr)
    if f.credit_grade == "D":
        r = Reason("settle.grade_terms", "信用等级 D：只能现款现货或款到发货", "Grade D: CASH or PREPAY only")
        out[CASH] = Decision.allow(r)
        out[PREPAY] = Decision.allow(r)
        out[COD] = Decision.refuse(r)
        out[CREDIT] = Decision.refuse(Reason("credit.grade_policy", "信用等级 D 不授予任何信用（不能账期、不能货到付款）",
                                             "Grade D never gets credit"))
        return out
    out[PREPAY] = Decision.allow(Reason("settle.new_customer_cash", "款到发货始终可用", "PREPAY is always allowed"))
    if f.is_new_customer:
        if gz:
            out[CASH] = Decision.allow(Reason("settle.new_customer_cash", "新客户首次合作默认现款现货", "New customer: CASH by default"))
            if f.total >= min_cod:
                out[COD] = Decision.allow(Reason(
                    "settle.gz_cod_1500", f"广州市内新客户，订单金额 {_fmt(f.total)} ≥ {_fmt(min_cod)}，可货到付款",
                    f"New customer in Guangzhou, total {_fmt(f.total)} ≥ {_fmt(min_cod)}: COD allowed",
                    {"total": money(f.total), "min_total": min_cod}))
            else:
                out[COD] = Decision.refuse(Reason(
                    "settle.gz_cod_1500", f"广州市内新客户订单金额 {_fmt(f.total)} < {_fmt(min_cod)}，只能现款现货",
                    f"New customer in Guangzhou, total {_fmt(f.total)} < {_fmt(min_cod)}: CASH only",
                    {"total": money(f.total), "min_total": min_cod}))
        else:
            r = Reason("settle.outside_gz_prepay", "广州市外新客户必须款到发货（例外只能走账期审批）",
                       "New customer outside Guangzhou must PREPAY (exception only via CREDIT approval)",
                       {"address": addr})
            out[CASH] = Decision.refuse(r)
            out[COD] = Decision.refuse(r)
    else:
        out[CASH] = Decision.allow(Reason("settle.new_customer_cash", "老客户可现款现货", "Existing customer: CASH allowed"))
        out[COD] = Decision.allow(Reason("settle.new_customer_cash", "老客户可货到付款", "Existing customer: COD allowed"))
    out[CREDIT] = credit_approvals(f, cfg)
    return out


def credit_approvals(f: OrderFacts, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`approve.*` and `credit.over_limit` for a CREDIT order: who must approve, in order (SM then GM)."""
    if f.credit_grade == "D":
        return Decision.refuse(Reason("credit.grade_policy", "信用等级 D 不授予账期", "Grade D never gets credit"))
    t = money(f.total)
    reasons: list[Reason] = []
    approvers: list[str] = []
    a20 = cfg["approve.credit_over_20k_manager.amount"]
    a50 = cfg["approve.credit_over_50k_gm.amount"]
    n20 = cfg["approve.new_credit_20k_both.amount"]
    if f.is_new_customer:
        if t >= n20:
            approvers += ["SM", "GM"]
            reasons.append(Reason("approve.new_credit_20k_both", f"新客户账期订单 {_fmt(t)} ≥ {_fmt(n20)}：业务经理和总经理审批",
                                  f"New customer CREDIT {_fmt(t)} ≥ {_fmt(n20)}: SM and GM", {"total": t, "threshold": n20}))
        else:
            approvers += ["SM"]
            reasons.append(Reason("approve.new_credit_20k_both", f"新客户账期订单 {_fmt(t)} < {_fmt(n20)}：业务经理审批",
                                  f"New customer CREDIT {_fmt(t)} < {_fmt(n20)}: SM", {"total": t, "threshold": n20}))
    else:
        if t > a50:
            approvers += ["GM"] if cfg["approve.credit_over_50k_gm.mode"] == "gm_only" else ["SM", "GM"]
            reasons.append(Reason("approve.credit_over_50k_gm", f"账期订单 {_fmt(t)} 超过 {_fmt(a50)}：业务经理、总经理审批",
                                  f"CREDIT {_fmt(t)} > {_fmt(a50)}: SM then GM", {"total": t, "threshold": a50}))
        elif t > a20:
            approvers += ["SM"]
            reasons.append(Reason("approve.credit_over_20k_manager", f"账期订单 {_fmt(t)} 超过 {_fmt(a20)}：业务经理审批",
                                  f"CREDIT {_fmt(t)} > {_fmt(a20)}: SM", {"total": t, "threshold": a20}))
    exposure = money(f.open_credit_exposure + f.total - f.deposits)
    limit = money(f.credit_limit)
    if exposure > limit:
        excess = exposure - limit
        if "SM" not in approvers:
            approvers.insert(0, "SM")
        why = "未评级，额度为 0；" if not f.credit_grade else ""
        reasons.append(Reason("credit.over_limit",
                              f"{why}信用敞口 {_fmt(exposure)} 超过额度 {_fmt(limit)}（超出 {_fmt(excess)}），需填超信销货申请表，经业务经理批准",
                              f"Exposure {_fmt(exposure)} exceeds limit {_fmt(limit)} by {_fmt(excess)}: over-credit application, SM approval",
                              {"exposure": exposure, "limit": limit, "excess": excess}))
    if not approvers:
        return Decision.allow(Reason("approve.credit_over_20k_manager", f"老客户账期订单 {_fmt(t)} 未超过 {_fmt(a20)}，额度内，无需审批",
                                     f"Existing customer CREDIT {_fmt(t)} ≤ {_fmt(a20)} within limit: no approval",
                                     {"total": t, "threshold": a20}))
    return Decision.needs(approvers, *reasons)


def deposit_required(f: OrderFacts, cfg: PolicyConfig = DEFAULT) -> tuple[Decimal, Decision]:
    """`settle.custom_deposit_30`: 30% of the custom lines' total, before production and release."""
    if f.custom_lines_total <= 0 or (cfg["settle.custom_deposit_30.scope"] == "new_only" and not f.is_new_customer):
        return Decimal("0.00"), Decision.allow()
    pct = cfg["settle.custom_deposit_30.pct"]
    dep = money(f.custom_lines_total * pct / 100)
    return dep, Decision.allow(Reason("settle.custom_deposit_30",
                                      f"定制产品 {_fmt(f.custom_lines_total)} × {pct}% = 定金 {_fmt(dep)}，须到账后方可生产和发货",
                                      f"Custom lines {_fmt(f.custom_lines_total)} × {pct}% = deposit {_fmt(dep)} before production",
                                      {"custom_total": money(f.custom_lines_total), "deposit": dep}))


def promised_ship_dates(ready: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> tuple[date, date, Reason]:
    """`delivery.standard_3_4d`: target = ready + 3 working days, promise = ready + 4."""
    tw, pw = cfg["delivery.standard_3_4d.target_wd"], cfg["delivery.standard_3_4d.promise_wd"]
    target, promise = cal.add_working_days(ready, tw), cal.add_working_days(ready, pw)
    return target, promise, Reason("delivery.standard_3_4d",
                                   f"备妥日 {ready}：目标 {target}（+{tw} 个工作日），承诺 {promise}（+{pw} 个工作日）",
                                   f"Ready {ready}: target {target} (+{tw} WD), promise {promise} (+{pw} WD)",
                                   {"ready": ready, "target": target, "promise": promise})


def document_number(kind: str, day: date, seq: int, cfg: PolicyConfig = DEFAULT) -> str:
    """`contract.number_format`: {company}{type}-{YYYYMMDD}-{NN}, 3 digits after 99."""
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"{cfg['contract.number_format.company_code']}{kind}-{day:%Y%m%d}-{seq:02d}"


def custom_date_entry_due(deposit_arrived_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> tuple[datetime, Reason]:
    """`delivery.custom_production`: PROD enters the custom lines' ship date within N working days after the
    deposit arrives (the arrival day never counts)."""
    n = cfg["delivery.custom_production.entry_wd"]
    due = cal.deadline_after_working_days(deposit_arrived_on, n)
    return due, Reason("delivery.custom_production",
                       f"定金 {deposit_arrived_on} 到账：生产部须于 {due:%Y-%m-%d %H:%M} 前录入定制产品交期（{n} 个工作日内）",
                       f"Deposit arrived {deposit_arrived_on}: PROD enters the custom ship date by {due:%Y-%m-%d %H:%M}",
                       {"deposit_arrived_on": deposit_arrived_on, "due": due, "working_days": n})


def line_late(promised: date | None, today: date, open_qty: Decimal, custom: bool) -> Reason | None:
    """A line is late when goods are still open after its promised day (`delivery.standard_3_4d` for standard
    lines, `delivery.custom_production` for custom ones); the promised day itself is on time."""
    if promised is None or open_qty <= 0 or today <= promised:
        return None
    rule = "delivery.custom_production" if custom else "delivery.standard_3_4d"
    days = (today - promised).days
    return Reason(rule, f"承诺 {promised} 发货，至 {today} 仍有 {open_qty.normalize():f} 未发（逾期 {days} 天）",
                  f"Promised {promised}, {open_qty.normalize():f} still unshipped on {today} ({days} days late)",
                  {"promised": promised, "today": today, "open_qty": open_qty, "days_late": days})


def contract_required(settlement: str, total: Decimal, custom_total: Decimal, cfg: PolicyConfig = DEFAULT) -> Reason | None:
    """SPEC §4.4 (D): a sales contract is required for orders with custom lines and for CREDIT orders
    ≥ 20,000.00; otherwise the accepted quote/order is the agreement. Returns the reason, or None."""
    t = money(total)
    floor = cfg["contract.required.credit_min_total"]
    if custom_total > 0:
        return Reason("contract.required", f"订单含定制产品（{_fmt(custom_total)}），须签订销售合同",
                      f"Order has custom lines ({_fmt(custom_total)}): a sales contract is required",
                      {"custom_total": money(custom_total)})
    if settlement == CREDIT and t >= floor:
        return Reason("contract.required", f"账期订单 {_fmt(t)} ≥ {_fmt(floor)}，须签订销售合同",
                      f"CREDIT order {_fmt(t)} ≥ {_fmt(floor)}: a sales contract is required",
                      {"total": t, "threshold": floor})
    return None


REVIEW_CHECKLIST = {"economics": "经济性", "feasibility": "可行性", "legality": "合法性", "price": "价格合理性"}
DUE_DILIGENCE = {"licence": "营业执照及有效期", "reputation": "商业信誉", "performance": "近期履约情况",
                 "qualifications": "资质"}


def contract_review_steps(amount: Decimal, cfg: PolicyConfig = DEFAULT) -> tuple[list[dict], Decision]:
    """`contract.review_1wd`: CS review ‖ FIN special review (one stage, in parallel), each within N WD of
    assignment; a major contract (≥ 100,000.00) then goes to the GM."""
    a = money(amount)
    wd = cfg["contract.review_1wd.limit_wd"]
    major = cfg["contract.review_1wd.major_total"]
    review = {"limit_wd": wd, "stage": 0, "requires": "checklist", "requires_label": "评审要点及信用额度意见",
              "rule": "contract.review_1wd"}
    steps = [{"role": "CS", **review}, {"role": "FIN", **review}]
    reasons = [Reason("contract.review_1wd", f"客服评审与财务专项评审并行，各自 {wd} 个工作日内完成",
                      f"CS review and FIN special review in parallel, {wd} WD each", {"limit_wd": wd})]
    if a >= major:
        steps.append({"role": "GM", "limit_wd": wd, "stage": 1})
        reasons.append(Reason("contract.review_1wd", f"合同金额 {_fmt(a)} ≥ {_fmt(major)}，为重大合同，评审后须总经理审批",
                              f"Contract {_fmt(a)} ≥ {_fmt(major)} is major: GM after the reviews",
                              {"amount": a, "threshold": major}))
    return steps, Decision.needs([s["role"] for s in steps], *reasons)


def review_checklist_problems(checklist: dict, credit_opinion: str) -> dict[str, str]:
    """Every checklist item and the opinion on the customer's credit and limit must be filled."""
    problems = {f"checklist.{k}": f"请填写{label}意见" for k, label in REVIEW_CHECKLIST.items()
                if not str((checklist or {}).get(k, "")).strip()}
    if not (credit_opinion or "").strip():
        problems["credit_opinion"] = "请填写对客户信用及额度的意见"
    return problems


def contract_filing_due(signed_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """`contract.filing_1wd`: the signed original (scan) reaches CS custody within N WD of signing."""
    return cal.deadline_after_working_days(signed_on, cfg["contract.filing_1wd.working_days"])


def return_check(*, quantity: Decimal, shipped: Decimal, returned: Decimal, delivered_on: date | None, today: date,
                 custom: bool, quality_defect: bool, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`return.flow` at submission: quantity ≤ shipped − already returned; custom products only for quality
    defects; more than 30 days after delivery needs the GM (on top of the SM)."""
    left = shipped - returned
    if quantity > left:
        return Decision.refuse(Reason("return.flow", f"退货数量 {quantity.normalize():f} 超过可退数量 {left.normalize():f}"
                                                     f"（已发 {shipped.normalize():f} − 已退 {returned.normalize():f}）",
                                      f"Return {quantity} exceeds shipped − returned = {left}",
                                      {"quantity": quantity, "shipped": shipped, "returned": returned}))
    if custom and cfg["return.flow.custom_quality_only"] and not quality_defect:
        return Decision.refuse(Reason("return.flow", "定制产品只有质量问题才能退货", "Custom products return only for quality defects"))
    limit = cfg["return.flow.gm_after_days"]
    if delivered_on is not None and (today - delivered_on).days > limit:
        days = (today - delivered_on).days
        return Decision.needs(["SM", "GM"], Reason(
            "return.flow", f"送达 {delivered_on} 至今 {days} 天，超过 {limit} 天，须业务经理和总经理批准",
            f"{days} days after delivery > {limit}: SM and GM", {"delivered_on": delivered_on, "days": days, "limit": limit}))
    return Decision.needs(["SM"], Reason("return.flow", "退货须业务经理确认、质检检验、业务经理批准",
                                         "Return: SM confirms, QC inspects, SM approves"))
