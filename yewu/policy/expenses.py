"""Treasury rules of SPEC §5.5 (payments, expense claims, cash advances, cash journal, counts, bank), pure.

Every function takes plain values (Decimal money, dates, role codes) and returns a :class:`Decision` whose
reasons carry the rule id, a Chinese message with the figures, and the figures themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from .amounts import fmt, money
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

CENT = Decimal("0.01")

ADVANCE_PURPOSES = {"travel": "出差", "cash_purchase": "现金采购（仅限现金结算）", "other": "其他"}
CASH_DENOMINATIONS = ("100", "50", "20", "10", "5", "1", "0.5", "0.1")


# --- pay.approval_chain ------------------------------------------------------------------------------------

def approval_roles(chain_roles: Sequence[str], *, submitter_roles: Iterable[str], in_sales_team: bool,
                   cfg: PolicyConfig = DEFAULT, amount: Decimal | None = None) -> list[str]:
    """The approver roles of one payment request / expense claim (`pay.approval_chain`, `sod.no_self_approval`).

    The chain's ``SM`` step is the department-manager step: the submitter's sales-team manager; a CS agent's
    department manager is the CSM; a submitter who is a manager, or has no department manager below the
    chain's other approvers (finance, cashier…), goes straight to the next step — "a submitter's own step goes
    to the superior", who is already in the chain. Any other step whose role the submitter holds is skipped
    for the same reason. Alt: ``pay.approval_chain.skip_gm_below`` > 0 skips the GM below that amount."""
    roles = set(submitter_roles)
    out: list[str] = []
    for r in chain_roles:
        if r == "SM":
            if "SM" in roles or "GM" in roles:
                continue
            if in_sales_team:
                out.append("SM")
            elif "CS" in roles and "CSM" not in roles:
                out.append("CSM")
            continue
        if r in roles:
            continue
        if r == "GM" and amount is not None:
            skip = Decimal(cfg["pay.approval_chain.skip_gm_below"])
            if skip > 0 and money(amount) < skip:
                continue
        out.append(r)
    return out


def can_pay(*, state: str, approved: bool, payer_id: int, approver_ids: Iterable[int], payer_roles: Iterable[str]) -> Decision:
    """`pay.approval_chain` (nothing is paid before the chain completes) and `sod.approver_not_payer`."""
    if "CA" not in set(payer_roles):
        return Decision.refuse(Reason("pay.approval_chain", "只有出纳可以付款并标记付讫", "only the cashier pays"))
    if state == "paid":
        return Decision.refuse(Reason("pay.approval_chain", "该单据已付讫，不能重复付款", "already paid"))
    if not approved:
        return Decision.refuse(Reason(
            "pay.approval_chain", f"审批链尚未完成（当前状态：{state}），不能付款：付款须经经办人→部门经理→财务总监→总经理审批后由出纳支付",
            "the approval chain is not complete; nothing is paid before it is", {"state": state}))
    if payer_id in set(approver_ids):
        return Decision.refuse(Reason("sod.approver_not_payer", "付款的出纳不能是该单据的审批人",
                                      "the paying cashier cannot have approved the payment"))
    return Decision.allow()


def can_review_voucher(*, reviewer_id: int, reviewer_roles: Iterable[str], payer_id: int | None) -> Decision:
    """`sod.approver_not_payer`: vouchers are reviewed and booked by 主管岗 (FIN), never by the paying cashier."""
    if not ({"FIN", "FD"} & set(reviewer_roles)):
        return Decision.refuse(Reason("sod.approver_not_payer", "凭证须由主管岗（财务）审核记账", "vouchers are reviewed by FIN"))
    if payer_id is not None and reviewer_id == payer_id:
        return Decision.refuse(Reason("sod.approver_not_payer", "付款的出纳不能审核或记账本单凭证",
                                      "the paying cashier cannot review the voucher"))
    return Decision.allow()


# --- expense.prior_approval ---------------------------------------------------------------------------------

def prior_approval(*, is_sales_expense: bool, cited: bool, cited_approved: bool, approved_on: date | None,
                   incurred_on: date | None, same_requester: bool = True, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`expense.prior_approval`: a sales expense claim cites an SM approval given on or before the day the
    expense was incurred. Mode ``require`` refuses; Alt ``warn`` lets the claim through with a warning."""
    if not is_sales_expense:
        return Decision.allow()
    problem = None
    if not cited:
        problem = ("销售费用报销须引用事前经业务经理批准的费用申请", "a sales expense claim must cite the SM's prior approval", {})
    elif not same_requester:
        problem = ("引用的费用申请不是本人的申请", "the cited approval belongs to someone else", {})
    elif not cited_approved:
        problem = ("引用的费用申请尚未经业务经理批准", "the cited expense request is not approved", {})
    elif approved_on and incurred_on and approved_on > incurred_on:
        problem = (f"费用发生于 {incurred_on:%Y-%m-%d}，而业务经理批准于 {approved_on:%Y-%m-%d}：须事前批准",
                   "approved after the expense was incurred", {"approved_on": approved_on, "incurred_on": incurred_on})
    if problem is None:
        return Decision.allow()
    msg, en, figs = problem
    if cfg["expense.prior_approval.mode"] == "warn":
        return Decision.warn(Reason("expense.prior_approval", msg + "（按公司设置仅提示）", en + " (warn only)", figs))
    return Decision.refuse(Reason("expense.prior_approval", msg, en, figs))


# --- cash.advance_max_3000 ----------------------------------------------------------------------------------

def check_advance(*, purpose_kind: str | None, purpose: str, amount: Decimal | None, due_date: date | None,
                  today: date, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`cash.advance_max_3000`: travel (no cap) or a cash-only purchase ≤ 3,000.00; other purposes refused;
    purpose, amount and repayment/claim date required."""
    rule = "cash.advance_max_3000"
    cap = money(cfg["cash.advance_max_3000.max_amount"])
    missing = [label for label, v in (("借支事由", (purpose or "").strip()), ("金额", amount), ("还款/报销日期", due_date)) if not v]
    if not purpose_kind:
        missing.insert(0, "借支类别")
    if missing:
        return Decision.refuse(Reason(rule, f"现金借支须填写：{'、'.join(missing)}", "purpose, amount and due date are required",
                                      {"missing": missing}))
    if amount <= 0:
        return Decision.refuse(Reason(rule, f"借支金额须大于 0（现为 {fmt(amount)}）", "amount must be positive", {"amount": amount}))
    if due_date < today:
        return Decision.refuse(Reason(rule, f"还款/报销日期 {due_date:%Y-%m-%d} 已早于今天", "due date in the past",
                                      {"due_date": due_date}))
    if purpose_kind == "travel":
        return Decision.allow(Reason(rule, f"出差借支，不设上限（{fmt(amount)} 元）", "travel advance, no cap", {"amount": amount}))
    if purpose_kind == "cash_purchase":
        if money(amount) > cap:
            return Decision.refuse(Reason(
                rule, f"现金采购借支 {fmt(amount)} 元超过上限 {fmt(cap)} 元（≤ {fmt(cap)} 元方可借支，超出请走付款审批）",
                "cash-purchase advance above the cap", {"amount": amount, "max": cap}))
        return Decision.allow(Reason(rule, f"现金采购借支 {fmt(amount)} 元 ≤ {fmt(cap)} 元", "within the cap",
                                     {"amount": amount, "max": cap}))
    return Decision.refuse(Reason(rule, "现金借支仅限出差或只能现金结算的采购，其他用途不予借支",
                                  "advances only for travel or cash-only purchases", {"purpose_kind": purpose_kind}))


def advance_overdue(*, due_date: date, today: date, settled: bool) -> bool:
    """Overdue = not settled and its repayment/claim date has passed (listed from the next day)."""
    return not settled and today > due_date


def check_settlement(*, advance_amount: Decimal, claim_amount: Decimal, repaid: Decimal) -> Decision:
    """An advance is settled exactly: the covered part of a claim plus cash repaid = the advance."""
    covered = min(money(claim_amount), money(advance_amount))
    due = money(advance_amount) - covered
    if money(repaid) < 0 or money(repaid) != due:
        return Decision.refuse(Reason(
            "cash.advance_max_3000",
            f"借支 {fmt(advance_amount)} 元，报销冲抵 {fmt(covered)} 元，应还现金 {fmt(due)} 元（现填 {fmt(repaid)} 元）",
            "advance = claim offset + repayment", {"advance": advance_amount, "covered": covered, "due": due, "repaid": repaid}))
    return Decision.allow(covered=covered, repaid=money(repaid))


# --- cash.large_withdrawal_notice_3d ------------------------------------------------------------------------

def large_cash_notice(*, amount: Decimal, method: str, notified_on: date | None, payment_date: date | None,
                      cfg: PolicyConfig = DEFAULT) -> Decision:
    """`cash.large_withdrawal_notice_3d` at submit: a cash payment > 10,000.00 is notified to Finance ≥ 3
    calendar days before its payment date."""
    rule = "cash.large_withdrawal_notice_3d"
    limit = money(cfg["cash.large_withdrawal_notice_3d.amount"])
    days = int(cfg["cash.large_withdrawal_notice_3d.days"])
    if method != "cash" or money(amount) <= limit:
        return Decision.allow()
    if payment_date is None or notified_on is None:
        return Decision.refuse(Reason(rule, f"现金支付 {fmt(amount)} 元超过 {fmt(limit)} 元，须填写付款日期并至少提前 {days} 天通知财务",
                                      "large cash payment needs a payment date and notice", {"amount": amount, "limit": limit, "days": days}))
    gap = (payment_date - notified_on).days
    if gap < days:
        return Decision.refuse(Reason(
            rule, f"现金支付 {fmt(amount)} 元超过 {fmt(limit)} 元，须至少提前 {days} 天通知财务：{notified_on:%Y-%m-%d} 通知、"
                  f"{payment_date:%Y-%m-%d} 付款只提前 {gap} 天；可改为转账或推迟付款日期",
            "a large cash payment must be notified at least 3 days ahead",
            {"amount": amount, "limit": limit, "days": days, "notified_on": notified_on, "payment_date": payment_date, "gap": gap}))
    return Decision.allow(Reason(rule, f"大额现金 {fmt(amount)} 元已于 {notified_on:%Y-%m-%d} 通知财务，最早 "
                                       f"{notified_on + timedelta(days=days):%Y-%m-%d} 付现", "notified in time",
                                 {"earliest": notified_on + timedelta(days=days)}))


def large_cash_pay_date(*, amount: Decimal, method: str, notified_on: date | None, pay_on: date,
                        cfg: PolicyConfig = DEFAULT) -> Decision:
    """`cash.large_withdrawal_notice_3d` at pay: not paid in cash earlier than 3 calendar days after notice."""
    rule = "cash.large_withdrawal_notice_3d"
    limit = money(cfg["cash.large_withdrawal_notice_3d.amount"])
    days = int(cfg["cash.large_withdrawal_notice_3d.days"])
    if method != "cash" or money(amount) <= limit:
        return Decision.allow()
    if notified_on is None:
        return Decision.refuse(Reason(rule, f"现金支付 {fmt(amount)} 元超过 {fmt(limit)} 元，未提前通知财务，不能付现（可转账）",
                                      "not notified", {"amount": amount, "limit": limit}))
    earliest = notified_on + timedelta(days=days)
    if pay_on < earliest:
        return Decision.refuse(Reason(rule, f"现金支付 {fmt(amount)} 元超过 {fmt(limit)} 元，{notified_on:%Y-%m-%d} 通知，"
                                            f"最早 {earliest:%Y-%m-%d} 才能付现（今天 {pay_on:%Y-%m-%d}）",
                                      "too early to pay in cash", {"amount": amount, "earliest": earliest, "pay_on": pay_on}))
    return Decision.allow()


# --- cash.max_on_hand_5000, cash.no_netting -----------------------------------------------------------------

def cash_on_hand(*, balance: Decimal, reserved: Decimal = Decimal("0"), cfg: PolicyConfig = DEFAULT) -> Decision:
    """`cash.max_on_hand_5000`: cash on hand ≤ 5,000.00; cash drawn for a pre-announced large payment and not
    yet paid out (``reserved``) does not count."""
    limit = money(cfg["cash.max_on_hand_5000.max_amount"])
    counted = money(balance) - money(reserved)
    if counted > limit:
        excess = counted - limit
        extra = f"（其中 {fmt(reserved)} 元为预告大额付款提取，不计）" if reserved else ""
        return Decision.warn(Reason("cash.max_on_hand_5000",
                                    f"库存现金 {fmt(balance)} 元{extra}超过限额 {fmt(limit)} 元，超出 {fmt(excess)} 元，请当日存入银行",
                                    "cash on hand above the limit: deposit the excess",
                                    {"balance": balance, "reserved": reserved, "limit": limit, "excess": excess}), excess=excess)
    return Decision.allow(excess=Decimal("0.00"))


def journal_entry(*, receipt: Decimal | None, payment: Decimal | None, balance_before: Decimal) -> Decision:
    """`cash.no_netting`: one entry is either a receipt or a payment of a positive amount — never both, never
    a net figure; a payment cannot take the cash balance below zero."""
    r, p = receipt or Decimal("0"), payment or Decimal("0")
    if r and p:
        return Decision.refuse(Reason("cash.no_netting", f"收入 {fmt(r)} 元与支出 {fmt(p)} 元须分别登记，不得坐支或轧差",
                                      "receipts and payments are separate entries", {"receipt": r, "payment": p}))
    amt = r or p
    if amt <= 0:
        return Decision.refuse(Reason("cash.no_netting", f"金额须大于 0（现为 {fmt(amt)}）；收入和支出分别登记为正数",
                                      "amount must be positive", {"amount": amt}))
    if p and money(balance_before) - money(p) < 0:
        return Decision.refuse(Reason("cash.no_netting", f"库存现金 {fmt(balance_before)} 元不足以支付 {fmt(p)} 元",
                                      "not enough cash on hand", {"balance": balance_before, "payment": p}))
    return Decision.allow()


# --- cash.daily_count, sod.count_witness --------------------------------------------------------------------

def count_total(denominations: dict[str, int]) -> Decimal:
    total = Decimal("0")
    for face, n in denominations.items():
        if face not in CASH_DENOMINATIONS:
            raise ValueError(face)
        total += Decimal(face) * int(n)
    return money(total)


def check_count(*, book: Decimal, counted: Decimal, explanation: str) -> Decision:
    """`cash.daily_count`: book balance vs counted cash; a difference must be explained."""
    diff = money(counted) - money(book)
    if diff and not (explanation or "").strip():
        return Decision.refuse(Reason("cash.daily_count", f"实点 {fmt(counted)} 元与账面 {fmt(book)} 元相差 {fmt(diff)} 元，须说明原因",
                                      "a difference must be explained", {"book": book, "counted": counted, "difference": diff}))
    return Decision.allow(difference=diff)


def check_witness(*, cashier_id: int, witness_id: int, witness_roles: Iterable[str]) -> Decision:
    """`sod.count_witness`: the month-end count is signed by the cashier and a second person (FD or FIN)."""
    if witness_id == cashier_id:
        return Decision.refuse(Reason("sod.count_witness", "月末盘点须由出纳以外的第二人（财务总监或财务）监盘签字",
                                      "a second person must witness"))
    if not ({"FD", "FIN"} & set(witness_roles)):
        return Decision.refuse(Reason("sod.count_witness", "监盘人须为财务总监或财务", "the witness must be FD or FIN"))
    return Decision.allow()


# --- bank.monthly_reconciliation ----------------------------------------------------------------------------

def reconcile(*, book: Decimal, bank: Decimal, bank_credited_not_booked: Decimal, bank_debited_not_booked: Decimal,
              booked_not_credited: Decimal, booked_not_debited: Decimal) -> Decision:
    """`bank.monthly_reconciliation`: book + credited-by-bank-not-booked − debited-by-bank-not-booked =
    bank + booked-not-credited − booked-not-debited."""
    adj_book = money(book) + money(bank_credited_not_booked) - money(bank_debited_not_booked)
    adj_bank = money(bank) + money(booked_not_credited) - money(booked_not_debited)
    figs = {"book": book, "bank": bank, "adjusted_book": adj_book, "adjusted_bank": adj_bank, "difference": adj_book - adj_bank}
    if adj_book != adj_bank:
        return Decision.refuse(Reason(
            "bank.monthly_reconciliation",
            f"调节表不平：企业账面 {fmt(book)} + 银行已收企业未收 {fmt(bank_credited_not_booked)} − 银行已付企业未付 "
            f"{fmt(bank_debited_not_booked)} = {fmt(adj_book)}，银行对账单 {fmt(bank)} + 企业已收银行未收 {fmt(booked_not_credited)} − "
            f"企业已付银行未付 {fmt(booked_not_debited)} = {fmt(adj_bank)}，相差 {fmt(adj_book - adj_bank)}",
            "the reconciliation does not balance", figs))
    return Decision.allow(Reason("bank.monthly_reconciliation", f"调节后余额相符：{fmt(adj_book)} 元", "balanced", figs),
                          adjusted=adj_book)
