"""Treasury writes (SPEC §5.5). Each public function is one transaction; every change is audited; every
refusal carries the rule id and figures from :mod:`yewu.policy.expenses`. Finance records are never
deleted: documents are voided with a reason and paid cash is reversed (红冲) by a second journal entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.locks import lock
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.org.models import Role, User
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy import Decision, Reason
from yewu.policy import expenses as rules

from .models import (
    BankReconciliation,
    CashAdvance,
    CashCount,
    CashEntry,
    CashException,
    Category,
    DepositTask,
    ExpenseLine,
    ExpenseRequest,
    Method,
    PaymentDoc,
)
from .selectors import balance_at, balance_total, reserved_for_large_payments

CASH_ROLES = (Role.CA,)
FINANCE_ROLES = (Role.FIN, Role.FD, Role.CA, Role.GM)


def today() -> date:
    """The business date (Asia/Shanghai); tests replace it to walk through calendar boundaries."""
    return timezone.localdate()


# --- input helpers -----------------------------------------------------------------------------------------

def _money(v, field: str, label: str, *, required: bool = True, allow_zero: bool = False) -> Decimal | None:
    return parsers.money(v, field=field, label=label, required=required, allow_zero=allow_zero)


def _date(v, field: str, label: str, *, required: bool = True) -> date | None:
    if v in (None, ""):
        if required:
            raise ValidationError(f"{label}不能为空", fields={field: "必填"})
        return None
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip()[:10])
    except ValueError:
        raise ValidationError(f"{label}不是有效日期（YYYY-MM-DD）：{v}", fields={field: "日期格式 YYYY-MM-DD"}) from None


def _refuse(d: Decision, status: int = 422):
    if d.refused:
        raise RuleRefused.from_decision(d, status=status)


def _choice(v, choices, field: str, label: str) -> str:
    if v not in choices.values:
        opts = "、".join(f"{k}（{lab}）" for k, lab in choices.choices)
        raise ValidationError(f"{label}无效：{v}；可选 {opts}", fields={field: "无效选项"})
    return v


def _in_sales_team(u: User) -> bool:
    return bool(u.team_id) and u.has_role(Role.SP, Role.SM)


def _approvers(req: ApprovalRequest | None) -> list[int]:
    if req is None:
        return []
    return list(req.steps.exclude(decided_by=None).values_list("decided_by_id", flat=True))


def _start_with(doc_type, obj, actor, roles, label, link, decision):
    req = approvals.start(doc_type=doc_type, doc_id=obj.pk, submitter=actor, roles=roles, label=label, link=link,
                          decision=decision, beneficiary=actor)
    chain = approvals.current_chain(doc_type)
    if chain is not None:  # keep the chain's per-step time limits and the link to the chain version used
        limits = {s["role"]: s.get("limit_wd", 1) for s in chain.steps}
        req.chain = chain
        req.chain_snapshot = [{"role": r, "limit_wd": limits.get(r, 1)} for r in roles]
        req.save(update_fields=["chain", "chain_snapshot"])
        first = req.steps.get(order=0)
        first.due_at = get_calendar().deadline_after_working_days(timezone.localdate(), int(req.chain_snapshot[0]["limit_wd"]))
        first.save(update_fields=["due_at"])
    return req


# SPEC §8.2 P07/P08 and `expense.prior_approval`: used when no chain is configured for the document type
DEFAULT_CHAINS = {"payment": ["SM", "FD", "GM"], "expense": ["SM", "FD", "GM"], "cash_advance": ["SM", "FD"],
                  "expense_request": ["SM"]}


def _chain_roles(doc_type: str) -> list[str]:
    chain = approvals.current_chain(doc_type)
    if chain is None:
        return list(DEFAULT_CHAINS[doc_type])
    return [s["role"] for s in chain.steps]


# --- expense.prior_approval: the SM's approval before a sales expense is incurred ------------------------------

@transaction.atomic
def create_expense_request(actor: User, data: dict) -> ExpenseRequest:
    purpose = clean_text(data.get("purpose"), field="purpose", label="费用事由", max_len=300, required=True)
    amount = _money(data.get("amount"), "amount", "预计金额")
    planned_on = _date(data.get("planned_on"), "planned_on", "预计发生日期")
    er = ExpenseRequest.objects.create(number=next_number("FS", today()), requester=actor, team=actor.team, purpose=purpose,
                                       amount=amount, planned_on=planned_on)
    record(actor=actor, action="create", obj=er, after=snapshot(er), rule="expense.prior_approval")
    roles = [Role.GM] if actor.has_role(Role.SM) else _chain_roles("expense_request")
    if actor.has_role(Role.GM):
        roles = [Role.FD]
    req = _start_with("expense_request", er, actor, roles, f"费用申请 {er.number} {actor.name} ¥{amount:,.2f} {purpose[:30]}",
                      "/expenses/", None)
    er.approval = req
    er.save(update_fields=["approval"])
    return er


@approvals.on_decided("expense_request")
def _on_request_decided(req: ApprovalRequest) -> None:
    er = ExpenseRequest.objects.select_for_update().get(pk=int(req.doc_id))
    before = snapshot(er, ["state"])
    er.state = ExpenseRequest.State.APPROVED if req.state == ApprovalRequest.State.APPROVED else ExpenseRequest.State.REJECTED
    if er.state == ExpenseRequest.State.APPROVED:
        er.approved_at, er.approved_on = req.closed_at, today()
    er.save(update_fields=["state", "approved_at", "approved_on"])
    record(actor=None, action="update", obj=er, before=before, after=snapshot(er, ["state", "approved_on"]),
           rule="expense.prior_approval")


# --- pay.approval_chain: payment requests and expense claims --------------------------------------------------

def _lines(data: dict) -> list[dict]:
    out = []
    for i, ln in enumerate(data.get("lines") or []):
        desc = clean_text(ln.get("description"), field=f"lines.{i}.description", label=f"第 {i + 1} 行摘要", max_len=200, required=True)
        amt = _money(ln.get("amount"), f"lines.{i}.amount", f"第 {i + 1} 行金额")
        d = _date(ln.get("incurred_on") or ln.get("date"), f"lines.{i}.incurred_on", f"第 {i + 1} 行日期")
        try:
            att = int(ln.get("attachments") or 0)
        except (TypeError, ValueError):
            raise ValidationError(f"第 {i + 1} 行单据张数无效", fields={f"lines.{i}.attachments": "整数"}) from None
        if att < 0 or att > 999:
            raise ValidationError(f"第 {i + 1} 行单据张数无效", fields={f"lines.{i}.attachments": "0–999"})
        out.append({"description": desc, "amount": amt, "incurred_on": d, "attachments": att})
    return out


@transaction.atomic
def create_payment_doc(actor: User, data: dict) -> PaymentDoc:
    """``POST /api/v1/expenses``: a 付款审批单 (kind=payment, one amount) or a 费用报销单 (kind=expense, lines)."""
    cfg = get_policy()
    kind = _choice(data.get("kind"), PaymentDoc.Kind, "kind", "单据类型")
    category = _choice(data.get("category") or ("purchase" if kind == "payment" else ""), Category, "category", "费用类别")
    purpose = clean_text(data.get("purpose"), field="purpose", label="用途/事由", max_len=300, required=True)
    method = _choice(data.get("method") or "transfer", Method, "method", "付款方式")
    payee_default = actor.name if kind == "expense" else ""
    payee = clean_text(data.get("payee") or payee_default, field="payee", label="收款单位/人", max_len=200, required=True)
    payee_account = clean_text(data.get("payee_account"), field="payee_account", label="收款账号", max_len=200)
    payment_date = _date(data.get("payment_date"), "payment_date", "付款日期", required=False)
    now_day = today()
    if payment_date and payment_date < now_day:
        raise ValidationError(f"付款日期 {payment_date} 早于今天", fields={"payment_date": "不能早于今天"})
    lines: list[dict] = []
    if kind == PaymentDoc.Kind.EXPENSE:
        lines = _lines(data)
        if not lines:
            raise ValidationError("费用报销单至少需要一行明细", fields={"lines": "至少一行"})
        if data.get("amount") not in (None, ""):
            given = _money(data.get("amount"), "amount", "金额")
            if given != sum(ln["amount"] for ln in lines):
                raise ValidationError(f"金额 {given} 与明细合计 {sum(ln['amount'] for ln in lines)} 不符", fields={"amount": "须等于明细合计"})
        amount = sum((ln["amount"] for ln in lines), Decimal("0.00"))
        incurred_on = min(ln["incurred_on"] for ln in lines)
        if max(ln["incurred_on"] for ln in lines) > now_day:
            raise ValidationError("报销的费用日期不能晚于今天", fields={"lines": "费用日期不能晚于今天"})
    else:
        amount = _money(data.get("amount"), "amount", "金额")
        incurred_on = None

    decisions: list[Decision] = []
    # expense.prior_approval
    prior = None
    if data.get("prior_approval_id") not in (None, ""):
        prior = ExpenseRequest.objects.filter(pk=data.get("prior_approval_id")).first()
        if prior is None:
            raise ValidationError("引用的费用申请不存在", fields={"prior_approval_id": "不存在"}, rule="expense.prior_approval")
    if kind == PaymentDoc.Kind.EXPENSE:
        d = rules.prior_approval(
            is_sales_expense=category == Category.SALES, cited=prior is not None,
            cited_approved=prior is not None and prior.state == ExpenseRequest.State.APPROVED,
            approved_on=prior.approved_on if prior else None,
            incurred_on=incurred_on, same_requester=prior is None or prior.requester_id == actor.pk, cfg=cfg)
        _refuse(d)
        decisions.append(d)
    # cash.large_withdrawal_notice_3d: the submission is the notice to Finance
    notified_on = now_day if method == Method.CASH and amount > rules.money(cfg["cash.large_withdrawal_notice_3d.amount"]) else None
    d = rules.large_cash_notice(amount=amount, method=method, notified_on=notified_on, payment_date=payment_date, cfg=cfg)
    _refuse(d)
    decisions.append(d)
    # an expense claim may settle the applicant's open advance
    advance = None
    if data.get("advance_id") not in (None, ""):
        advance = CashAdvance.objects.select_for_update().filter(pk=data.get("advance_id")).first()
        if advance is None or advance.borrower_id != actor.pk or kind != PaymentDoc.Kind.EXPENSE:
            raise ValidationError("只能用本人的费用报销单冲抵本人的借支", fields={"advance_id": "无效"}, rule="cash.advance_max_3000")
        if advance.state != CashAdvance.State.PAID:
            raise ValidationError(f"借支 {advance.number} 状态为{advance.get_state_display()}，不能冲抵", fields={"advance_id": "无效"},
                                  rule="cash.advance_max_3000")

    doc = PaymentDoc.objects.create(
        number=next_number("BX" if kind == PaymentDoc.Kind.EXPENSE else "FK", today()), kind=kind, applicant=actor, team=actor.team,
        category=category, purpose=purpose, payee=payee, payee_account=payee_account, amount=amount, method=method,
        payment_date=payment_date, large_cash_notified_on=notified_on, incurred_on=incurred_on, prior_approval=prior,
        advance=advance, decision=Decision.combine(*decisions).as_dict() if decisions else {},
    )
    for i, ln in enumerate(lines, start=1):
        ExpenseLine.objects.create(doc=doc, position=i, **ln)
    record(actor=actor, action="create", obj=doc, after={**snapshot(doc), "lines": lines}, rule="pay.approval_chain",
           decision=Decision.combine(*decisions) if decisions else None, policy_version=cfg.version)
    _submit(actor, doc, cfg)
    return doc


def _submit(actor: User, doc: PaymentDoc, cfg) -> None:
    roles = rules.approval_roles(_chain_roles(doc.kind), submitter_roles=actor.role_set, in_sales_team=_in_sales_team(actor),
                                 cfg=cfg, amount=doc.amount)
    reason = Reason("pay.approval_chain", f"付款/报销须依次审批：{' → '.join(roles) or '—'}，审批完成后出纳付款",
                    "handler → department manager → FD → GM → cashier", {"roles": roles, "amount": doc.amount})
    decision = Decision.needs(roles, reason)
    req = _start_with(doc.kind, doc, actor, roles or ([Role.FD] if not actor.has_role(Role.FD) else [Role.GM]),
                      f"{doc.get_kind_display()} {doc.number} {actor.name} ¥{doc.amount:,.2f} {doc.purpose[:30]}",
                      f"/expenses/{doc.pk}/", decision)
    doc.approval, doc.approval_roles, doc.state = req, [s["role"] for s in req.chain_snapshot], PaymentDoc.State.PENDING
    doc.save(update_fields=["approval", "approval_roles", "state"])


def _on_doc_decided(req: ApprovalRequest) -> None:
    doc = PaymentDoc.objects.select_for_update().get(pk=int(req.doc_id))
    before = snapshot(doc, ["state"])
    doc.state = PaymentDoc.State.APPROVED if req.state == ApprovalRequest.State.APPROVED else PaymentDoc.State.REJECTED
    doc.save(update_fields=["state"])
    record(actor=None, action="update", obj=doc, before=before, after=snapshot(doc, ["state"]), rule="pay.approval_chain")
    if doc.state == PaymentDoc.State.APPROVED:
        for u in users_with_role(Role.CA):
            notify(u, f"pay:{doc.pk}", f"待付款：{doc} ¥{doc.payable:,.2f}", rule="pay.approval_chain", link=f"/expenses/{doc.pk}/")


approvals.on_decided("payment")(_on_doc_decided)
approvals.on_decided("expense")(_on_doc_decided)


@transaction.atomic
def resubmit(actor: User, doc_id: int) -> PaymentDoc:
    """`approval.inbox`: a rejected document goes back to its submitter; resubmitting restarts the chain."""
    doc = PaymentDoc.objects.select_for_update().filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("单据不存在")
    if doc.applicant_id != actor.pk:
        raise PermissionDenied("只有经办人可以重新提交")
    if doc.state != PaymentDoc.State.REJECTED:
        raise Conflict(f"单据状态为{doc.get_state_display()}，只有被驳回的单据可以重新提交", rule="approval.inbox")
    _submit(actor, doc, get_policy())
    record(actor=actor, action="submit", obj=doc, after=snapshot(doc, ["state", "approval"]), rule="approval.inbox")
    return doc


def _post(actor: User, *, direction: str, amount: Decimal, summary: str, source: str, day: date, payment_doc=None,
          advance=None, for_payment=None, reverses=None, reason: str = "", check_balance: bool = True) -> tuple[CashEntry, Decision]:
    """Post one journal entry under the journal lock; returns the entry and the cash-on-hand decision."""
    cfg = get_policy()
    lock("cash_journal")
    last = CashEntry.objects.order_by("-entry_date", "-id").first()
    if last is not None and day < last.entry_date:
        raise ValidationError(f"日记账按日期顺序登记：最近一笔为 {last.entry_date}，不能登记 {day} 的收付",
                              fields={"entry_date": f"不早于 {last.entry_date}"}, rule="cash.no_netting")
    before = balance_total()
    if reverses is None:
        d = rules.journal_entry(receipt=amount if direction == CashEntry.Direction.IN else None,
                                payment=amount if direction == CashEntry.Direction.OUT else None,
                                balance_before=before if check_balance else Decimal("1e12"))
        _refuse(d)
    elif direction == CashEntry.Direction.IN and before + amount < 0:  # reversing a receipt that was already spent
        _refuse(Decision.refuse(Reason("cash.no_netting", f"库存现金 {rules.fmt(before)} 元不足以红冲 {rules.fmt(-amount)} 元",
                                       "not enough cash to reverse the receipt", {"balance": before})))
    e = CashEntry.objects.create(number=next_number("XJ", day), entry_date=day, direction=direction, amount=amount, summary=summary,
                                 source=source, payment_doc=payment_doc, advance=advance, for_payment=for_payment,
                                 reverses=reverses, reason=reason, recorded_by=actor)
    after = balance_at(day)
    on_hand = rules.cash_on_hand(balance=after, reserved=reserved_for_large_payments(day), cfg=cfg)
    record(actor=actor, action="reverse" if reverses else "create", obj=e, after={**snapshot(e), "balance_after": after},
           rule="cash.no_netting", reason=reason, decision=on_hand if on_hand.reasons else None, policy_version=cfg.version)
    if on_hand.reasons and direction == CashEntry.Direction.IN and e.amount > 0:
        task = DepositTask.objects.create(day=day, amount=on_hand.data["excess"], entry=e)
        record(actor=actor, action="create", obj=task, after=snapshot(task), rule="cash.max_on_hand_5000")
        for u in users_with_role(Role.CA):
            notify(u, f"deposit:{task.pk}", on_hand.reasons[0].message, rule="cash.max_on_hand_5000", link="/expenses/journal/")
    if direction == CashEntry.Direction.OUT or e.amount < 0:
        if not on_hand.reasons:  # back within the limit (deposited or paid out): the open deposit tasks are done
            for t in DepositTask.objects.select_for_update().filter(done_at=None, day__lte=day):
                t.done_entry, t.done_at = e, timezone.now()
                t.save(update_fields=["done_entry", "done_at"])
                record(actor=actor, action="update", obj=t, after=snapshot(t, ["done_entry", "done_at"]), rule="cash.max_on_hand_5000")
    return e, on_hand


@transaction.atomic
def pay_doc(actor: User, doc_id: int, method: str | None = None) -> tuple[PaymentDoc, Decision]:
    """``POST /api/v1/expenses/{id}/pay``: the cashier pays an approved document and marks it 付讫."""
    cfg = get_policy()
    doc = PaymentDoc.objects.select_for_update().filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("单据不存在")
    method = _choice(method or doc.method, Method, "method", "付款方式")
    d = rules.can_pay(state=doc.get_state_display(), approved=doc.state == PaymentDoc.State.APPROVED and doc.approval is not None
                      and doc.approval.state == ApprovalRequest.State.APPROVED, payer_id=actor.pk,
                      approver_ids=_approvers(doc.approval), payer_roles=actor.role_set)
    if doc.state == PaymentDoc.State.PAID:
        raise RuleRefused.from_decision(d, status=409, code="already_paid")
    _refuse(d, status=403 if "CA" not in actor.role_set or d.rule == "sod.approver_not_payer" else 409)
    if doc.advance_id and doc.advance.state == CashAdvance.State.PAID:
        raise Conflict(f"本报销单冲抵借支 {doc.advance.number}，请先结清借支（冲抵后再付差额）", rule="cash.advance_max_3000")
    day = today()
    d2 = rules.large_cash_pay_date(amount=doc.payable, method=method, notified_on=doc.large_cash_notified_on, pay_on=day, cfg=cfg)
    _refuse(d2)
    on_hand = Decision.allow()
    if method == Method.CASH and doc.payable > 0:
        _, on_hand = _post(actor, direction=CashEntry.Direction.OUT, amount=doc.payable, summary=f"付 {doc.payee}：{doc.purpose}"[:200],
                           source=CashEntry.Source.PAYMENT, day=day, payment_doc=doc)
    before = snapshot(doc, ["state", "paid_at", "paid_by", "paid_method"])
    doc.state, doc.paid_at, doc.paid_by, doc.paid_method = PaymentDoc.State.PAID, timezone.now(), actor, method
    doc.save(update_fields=["state", "paid_at", "paid_by", "paid_method"])
    record(actor=actor, action="pay", obj=doc, before=before, after=snapshot(doc, ["state", "paid_at", "paid_by", "paid_method"]),
           rule="pay.approval_chain", policy_version=cfg.version)
    notify(doc.applicant, f"paid:{doc.pk}", f"{doc} 已付讫 ¥{doc.payable:,.2f}", rule="pay.approval_chain", link=f"/expenses/{doc.pk}/")
    return doc, on_hand


@transaction.atomic
def review_voucher(actor: User, doc_id: int) -> PaymentDoc:
    """主管岗 reviews and books the voucher of a paid document (`sod.approver_not_payer`)."""
    doc = PaymentDoc.objects.select_for_update().filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("单据不存在")
    if doc.state != PaymentDoc.State.PAID:
        raise Conflict("只有已付讫的单据可以审核凭证", rule="pay.approval_chain")
    if doc.voucher_reviewed_at:
        raise Conflict("凭证已审核", rule="pay.approval_chain")
    _refuse(rules.can_review_voucher(reviewer_id=actor.pk, reviewer_roles=actor.role_set, payer_id=doc.paid_by_id), status=403)
    doc.voucher_reviewed_by, doc.voucher_reviewed_at = actor, timezone.now()
    doc.save(update_fields=["voucher_reviewed_by", "voucher_reviewed_at"])
    record(actor=actor, action="approve", obj=doc, after=snapshot(doc, ["voucher_reviewed_by", "voucher_reviewed_at"]),
           rule="sod.approver_not_payer")
    return doc


def _cancel_approval(actor: User, req: ApprovalRequest | None, reason: str) -> None:
    if req is not None and req.state == ApprovalRequest.State.PENDING:
        approvals.void(actor, req.pk, reason, rule="pay.approval_chain")


@transaction.atomic
def void_doc(actor: User, doc_id: int, reason: str) -> PaymentDoc:
    """Void with a reason (never deleted). A paid document is voided by finance, its cash reversed (红冲)."""
    reason = clean_text(reason, field="reason", label="作废原因", max_len=300, required=True)
    doc = PaymentDoc.objects.select_for_update().filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("单据不存在")
    if doc.state == PaymentDoc.State.VOIDED:
        raise Conflict("单据已作废", rule="pay.approval_chain")
    if doc.state == PaymentDoc.State.PAID:
        if not actor.has_role(Role.FIN, Role.FD):
            raise PermissionDenied("已付讫的单据只能由财务红冲作废")
        for e in doc.cash_entries.filter(reverses=None, reversed_by=None):
            _reverse(actor, e, reason)
    elif not (actor.pk == doc.applicant_id or actor.has_role(Role.FIN, Role.FD)):
        raise PermissionDenied("只有经办人或财务可以作废")
    _cancel_approval(actor, doc.approval, reason)
    before = snapshot(doc, ["state"])
    doc.state, doc.void_reason = PaymentDoc.State.VOIDED, reason
    doc.save(update_fields=["state", "void_reason"])
    record(actor=actor, action="void", obj=doc, before=before, after=snapshot(doc, ["state", "void_reason"]), reason=reason,
           rule="pay.approval_chain")
    return doc


# --- cash.advance_max_3000 -----------------------------------------------------------------------------------

@transaction.atomic
def create_advance(actor: User, data: dict) -> CashAdvance:
    """``POST /api/v1/cash-advances``: travel (no cap) or a cash-only purchase ≤ 3,000.00; approval dept manager → FD."""
    cfg = get_policy()
    kind = data.get("purpose_kind") or None
    if kind is not None:
        kind = _choice(kind, CashAdvance.Purpose, "purpose_kind", "借支类别")
    purpose = clean_text(data.get("purpose"), field="purpose", label="借支事由", max_len=300)
    amount = _money(data.get("amount"), "amount", "金额", required=False, allow_zero=True)
    due = _date(data.get("due_date"), "due_date", "还款/报销日期", required=False)
    d = rules.check_advance(purpose_kind=kind, purpose=purpose, amount=amount, due_date=due, today=today(), cfg=cfg)
    if d.refused:
        missing = d.reasons[0].figures.get("missing") or []
        fields = {f: "必填" for f, label in (("purpose_kind", "借支类别"), ("purpose", "借支事由"), ("amount", "金额"),
                                             ("due_date", "还款/报销日期")) if label in missing}
        err = RuleRefused.from_decision(d, status=422)
        err.fields = fields or {"amount" if "amount" in d.reasons[0].figures else "purpose_kind": d.reasons[0].message}
        raise err
    # cash.large_withdrawal_notice_3d: an advance above the threshold is paid in cash no earlier than 3 days after
    # this request, which is the notice to Finance
    notified = today() if amount > rules.money(cfg["cash.large_withdrawal_notice_3d.amount"]) else None
    adv = CashAdvance.objects.create(number=next_number("JZ", today()), borrower=actor, team=actor.team, purpose_kind=kind, purpose=purpose,
                                     amount=amount, due_date=due, decision=d.as_dict(), large_cash_notified_on=notified)
    record(actor=actor, action="create", obj=adv, after=snapshot(adv), rule="cash.advance_max_3000", decision=d,
           policy_version=cfg.version)
    roles = rules.approval_roles(_chain_roles("cash_advance"), submitter_roles=actor.role_set, in_sales_team=_in_sales_team(actor))
    roles = roles or ([Role.FD] if not actor.has_role(Role.FD) else [Role.GM])
    req = _start_with("cash_advance", adv, actor, roles, f"现金借支 {adv.number} {actor.name} ¥{amount:,.2f} {purpose[:30]}",
                      f"/expenses/advances/{adv.pk}/", Decision.needs(roles, *d.reasons))
    adv.approval = req
    adv.save(update_fields=["approval"])
    return adv


@approvals.on_decided("cash_advance")
def _on_advance_decided(req: ApprovalRequest) -> None:
    adv = CashAdvance.objects.select_for_update().get(pk=int(req.doc_id))
    before = snapshot(adv, ["state"])
    adv.state = CashAdvance.State.APPROVED if req.state == ApprovalRequest.State.APPROVED else CashAdvance.State.REJECTED
    adv.save(update_fields=["state"])
    record(actor=None, action="update", obj=adv, before=before, after=snapshot(adv, ["state"]), rule="cash.advance_max_3000")
    if adv.state == CashAdvance.State.APPROVED:
        for u in users_with_role(Role.CA):
            notify(u, f"adv:{adv.pk}", f"待付借支：{adv} ¥{adv.amount:,.2f}", rule="cash.advance_max_3000",
                   link=f"/expenses/advances/{adv.pk}/")


@transaction.atomic
def pay_advance(actor: User, adv_id: int) -> tuple[CashAdvance, Decision]:
    adv = CashAdvance.objects.select_for_update().filter(pk=adv_id).first()
    if adv is None:
        raise NotFound("借支单不存在")
    d = rules.can_pay(state=adv.get_state_display(), approved=adv.state == CashAdvance.State.APPROVED,
                      payer_id=actor.pk, approver_ids=_approvers(adv.approval), payer_roles=actor.role_set)
    _refuse(d, status=403 if "CA" not in actor.role_set or d.rule == "sod.approver_not_payer" else 409)
    _refuse(rules.large_cash_pay_date(amount=adv.amount, method=Method.CASH, notified_on=adv.large_cash_notified_on, pay_on=today(),
                                      cfg=get_policy()))
    _, on_hand = _post(actor, direction=CashEntry.Direction.OUT, amount=adv.amount, summary=f"借支 {adv.borrower.name}：{adv.purpose}"[:200],
                       source=CashEntry.Source.ADVANCE, day=today(), advance=adv)
    before = snapshot(adv, ["state"])
    adv.state, adv.paid_at, adv.paid_by = CashAdvance.State.PAID, timezone.now(), actor
    adv.save(update_fields=["state", "paid_at", "paid_by"])
    record(actor=actor, action="pay", obj=adv, before=before, after=snapshot(adv, ["state", "paid_at", "paid_by"]),
           rule="cash.advance_max_3000")
    return adv, on_hand


@transaction.atomic
def settle_advance(actor: User, adv_id: int, *, repaid=None, claim_id=None) -> CashAdvance:
    """Settle an advance exactly: an approved expense claim of the borrower covers part or all of it, the rest is
    repaid in cash (a journal receipt). A claim larger than the advance pays the borrower the difference."""
    if not actor.has_role(Role.CA):
        raise PermissionDenied("借支由出纳结清", rule="cash.advance_max_3000")
    adv = CashAdvance.objects.select_for_update().filter(pk=adv_id).first()
    if adv is None:
        raise NotFound("借支单不存在")
    if adv.state != CashAdvance.State.PAID:
        raise Conflict(f"借支单状态为{adv.get_state_display()}，不能结清", rule="cash.advance_max_3000")
    repaid_amt = _money(repaid, "repaid", "现金还款", required=False, allow_zero=True) or Decimal("0.00")
    claim = None
    if claim_id not in (None, ""):
        claim = PaymentDoc.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None or claim.kind != PaymentDoc.Kind.EXPENSE or claim.applicant_id != adv.borrower_id:
            raise ValidationError("冲抵须为借支人本人的费用报销单", fields={"claim_id": "无效"}, rule="cash.advance_max_3000")
        if claim.state != PaymentDoc.State.APPROVED:
            raise Conflict(f"报销单 {claim.number} 状态为{claim.get_state_display()}，须审批通过且未付款才能冲抵借支",
                           rule="pay.approval_chain")
        if claim.advance_id not in (None, adv.pk):
            raise Conflict("该报销单已冲抵其他借支", rule="cash.advance_max_3000")
    d = rules.check_settlement(advance_amount=adv.amount, claim_amount=claim.amount if claim else Decimal("0"), repaid=repaid_amt)
    _refuse(d)
    if repaid_amt > 0:
        _post(actor, direction=CashEntry.Direction.IN, amount=repaid_amt, summary=f"{adv.borrower.name} 归还借支 {adv.number}",
              source=CashEntry.Source.ADVANCE_REPAY, day=today(), advance=adv)
    if claim is not None:
        before = snapshot(claim, ["advance", "offset_amount"])
        claim.advance, claim.offset_amount = adv, d.data["covered"]
        claim.save(update_fields=["advance", "offset_amount"])
        record(actor=actor, action="update", obj=claim, before=before, after=snapshot(claim, ["advance", "offset_amount"]),
               rule="cash.advance_max_3000")
        if claim.payable == 0:  # fully absorbed by the advance: nothing to pay out, marked 付讫 by the offset
            claim.state, claim.paid_at, claim.paid_by, claim.paid_method = PaymentDoc.State.PAID, timezone.now(), actor, Method.CASH
            claim.save(update_fields=["state", "paid_at", "paid_by", "paid_method"])
            record(actor=actor, action="pay", obj=claim, after=snapshot(claim, ["state", "paid_at"]), rule="cash.advance_max_3000",
                   reason=f"冲抵借支 {adv.number}")
    before = snapshot(adv, ["state", "repaid_amount", "claim_offset"])
    adv.state, adv.settled_at, adv.settled_by = CashAdvance.State.SETTLED, timezone.now(), actor
    adv.repaid_amount, adv.claim_offset = repaid_amt, d.data["covered"]
    adv.save(update_fields=["state", "settled_at", "settled_by", "repaid_amount", "claim_offset"])
    record(actor=actor, action="settle", obj=adv, before=before, after=snapshot(adv, ["state", "repaid_amount", "claim_offset"]),
           rule="cash.advance_max_3000")
    return adv


@transaction.atomic
def void_advance(actor: User, adv_id: int, reason: str) -> CashAdvance:
    """Withdraw an advance that has not been paid out (borrower or finance); never deleted."""
    reason = clean_text(reason, field="reason", label="作废原因", max_len=300, required=True)
    adv = CashAdvance.objects.select_for_update().filter(pk=adv_id).first()
    if adv is None:
        raise NotFound("借支单不存在")
    if adv.state not in (CashAdvance.State.PENDING, CashAdvance.State.APPROVED, CashAdvance.State.REJECTED):
        raise Conflict(f"借支单状态为{adv.get_state_display()}，已付款的借支须还款或报销结清", rule="cash.advance_max_3000")
    if not (actor.pk == adv.borrower_id or actor.has_role(Role.FIN, Role.FD)):
        raise PermissionDenied("只有借支人或财务可以作废")
    _cancel_approval(actor, adv.approval, reason)
    before = snapshot(adv, ["state"])
    adv.state, adv.void_reason = CashAdvance.State.VOIDED, reason
    adv.save(update_fields=["state", "void_reason"])
    record(actor=actor, action="void", obj=adv, before=before, after=snapshot(adv, ["state", "void_reason"]), reason=reason,
           rule="cash.advance_max_3000")
    return adv


# --- the cash journal -----------------------------------------------------------------------------------------

@transaction.atomic
def post_entry(actor: User, data: dict) -> tuple[CashEntry, Decision]:
    """A manual journal entry by the cashier: a receipt (``receipt``) or a payment (``payment``), never both."""
    if not actor.has_role(Role.CA):
        raise PermissionDenied("现金日记账由出纳登记")
    receipt = _money(data.get("receipt"), "receipt", "收入金额", required=False, allow_zero=True)
    payment = _money(data.get("payment"), "payment", "支出金额", required=False, allow_zero=True)
    d = rules.journal_entry(receipt=receipt, payment=payment, balance_before=Decimal("1e12"))
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"receipt": d.reasons[0].message, "payment": d.reasons[0].message}
        raise err
    summary = clean_text(data.get("summary"), field="summary", label="摘要", max_len=200, required=True)
    direction = CashEntry.Direction.IN if receipt else CashEntry.Direction.OUT
    allowed = ({"bank_withdrawal", "customer", "other"} if direction == CashEntry.Direction.IN else {"bank_deposit", "other"})
    source = data.get("source") or "other"
    if source not in allowed:
        raise ValidationError(f"来源 {source} 不适用于{'收入' if receipt else '支出'}；付款/借支请在付款队列中办理",
                              fields={"source": "、".join(sorted(allowed))}, rule="cash.no_netting")
    for_payment = None
    if data.get("for_payment_id") not in (None, ""):
        for_payment = PaymentDoc.objects.filter(pk=data.get("for_payment_id"), method=Method.CASH).exclude(large_cash_notified_on=None).first()
        if for_payment is None or source != "bank_withdrawal" or for_payment.state not in (PaymentDoc.State.APPROVED, PaymentDoc.State.PENDING):
            raise ValidationError("只有为已预告的大额现金付款（未付）提现时才能关联付款单", fields={"for_payment_id": "无效"},
                                  rule="cash.max_on_hand_5000")
    day = _date(data.get("entry_date"), "entry_date", "日期", required=False) or today()
    if day > today():
        raise ValidationError("日期不能晚于今天", fields={"entry_date": "不能晚于今天"})
    return _post(actor, direction=direction, amount=receipt or payment, summary=summary, source=source, day=day,
                 for_payment=for_payment)


def _reverse(actor: User, e: CashEntry, reason: str) -> CashEntry:
    if e.reverses_id or CashEntry.objects.filter(reverses=e).exists():
        raise Conflict(f"{e.number} 已红冲或本身是红冲分录，不能再次红冲", rule="cash.no_netting")
    r, _ = _post(actor, direction=e.direction, amount=-e.amount, summary=f"红冲 {e.number}：{reason}"[:200], source=e.source,
                 day=max(today(), CashEntry.objects.order_by("-entry_date").values_list("entry_date", flat=True).first() or today()),
                 payment_doc=e.payment_doc, advance=e.advance, reverses=e, reason=reason)
    return r


@transaction.atomic
def reverse_entry(actor: User, entry_id: int, reason: str) -> CashEntry:
    """红冲 a manual journal entry (same column, negative amount) with a reason; documents are voided instead."""
    if not actor.has_role(Role.CA, Role.FIN, Role.FD):
        raise PermissionDenied("只有出纳或财务可以红冲")
    reason = clean_text(reason, field="reason", label="红冲原因", max_len=300, required=True)
    e = CashEntry.objects.select_for_update().filter(pk=entry_id).first()
    if e is None:
        raise NotFound("分录不存在")
    if e.payment_doc_id or e.advance_id:
        raise Conflict("付款/借支产生的分录请通过作废单据红冲", rule="cash.no_netting")
    return _reverse(actor, e, reason)


# --- cash.daily_count, sod.count_witness ---------------------------------------------------------------------

@transaction.atomic
def record_count(actor: User, data: dict) -> CashCount:
    if not actor.has_role(Role.CA):
        raise PermissionDenied("现金盘点由出纳填写", rule="cash.daily_count")
    kind = _choice(data.get("kind") or "daily", CashCount.Kind, "kind", "盘点类型")
    raw = data.get("denominations") or {}
    if not isinstance(raw, dict) or not raw:
        raise ValidationError("请按券别填写张数", fields={"denominations": "按券别填写"}, rule="cash.daily_count")
    denoms: dict[str, int] = {}
    for face, n in raw.items():
        face = str(face)
        if face not in rules.CASH_DENOMINATIONS:
            raise ValidationError(f"无效券别：{face}", fields={"denominations": "、".join(rules.CASH_DENOMINATIONS)}, rule="cash.daily_count")
        try:
            cnt = int(n or 0)
        except (TypeError, ValueError):
            raise ValidationError(f"券别 {face} 的张数无效：{n}", fields={f"denominations.{face}": "整数"}) from None
        if cnt < 0 or cnt > 1_000_000:
            raise ValidationError(f"券别 {face} 的张数无效：{n}", fields={f"denominations.{face}": "0 或正整数"})
        if cnt:
            denoms[face] = cnt
    day = today()
    counted = rules.count_total(denoms)
    book = balance_at(day)
    explanation = clean_text(data.get("explanation"), field="explanation", label="差异说明", max_len=300)
    d = rules.check_count(book=book, counted=counted, explanation=explanation)
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"explanation": d.reasons[0].message}
        raise err
    c = CashCount.objects.create(number=next_number("PD", day), day=day, kind=kind, denominations=denoms, counted=counted, book=book,
                                 difference=d.data["difference"], explanation=explanation, cashier=actor)
    record(actor=actor, action="create", obj=c, after=snapshot(c), rule="cash.daily_count")
    if kind == CashCount.Kind.MONTHLY:
        for u in users_with_role(Role.FD):
            if u.pk != actor.pk:
                notify(u, f"count:{c.pk}", f"月末现金盘点表 {c.number} 待监盘签字", rule="sod.count_witness", link=f"/expenses/counts/{c.pk}/")
    return c


@transaction.atomic
def witness_count(actor: User, count_id: int) -> CashCount:
    c = CashCount.objects.select_for_update().filter(pk=count_id).first()
    if c is None:
        raise NotFound("盘点表不存在")
    if c.witness_id:
        raise Conflict("已监盘签字", rule="sod.count_witness")
    _refuse(rules.check_witness(cashier_id=c.cashier_id, witness_id=actor.pk, witness_roles=actor.role_set), status=403)
    c.witness, c.witnessed_at = actor, timezone.now()
    c.save(update_fields=["witness", "witnessed_at"])
    record(actor=actor, action="approve", obj=c, after=snapshot(c, ["witness", "witnessed_at"]), rule="sod.count_witness")
    return c


# --- bank.monthly_reconciliation -------------------------------------------------------------------------------

RECON_GROUPS = {
    "bank_credited_not_booked": "银行已收、企业未收",
    "bank_debited_not_booked": "银行已付、企业未付",
    "booked_not_credited": "企业已收、银行未收",
    "booked_not_debited": "企业已付、银行未付",
}


def check_reconciliation(actor: User, data: dict) -> dict:
    """Parse and check a 银行存款余额调节表 without saving (also for printing a draft): returns the clean figures
    and the `bank.monthly_reconciliation` decision (refused = 不平)."""
    if not actor.has_role(Role.CA, Role.FIN, Role.FD):
        raise PermissionDenied("银行存款余额调节表由出纳或财务编制", rule="bank.monthly_reconciliation")
    account = clean_text(data.get("account"), field="account", label="银行账户", max_len=100, required=True)
    month = str(data.get("month") or "").strip()
    try:
        date.fromisoformat(month + "-01")
    except ValueError:
        raise ValidationError(f"月份格式为 YYYY-MM：{month}", fields={"month": "YYYY-MM"}) from None
    book = _money(data.get("book_balance"), "book_balance", "企业账面余额", allow_zero=True)
    bank = _money(data.get("bank_balance"), "bank_balance", "银行对账单余额", allow_zero=True)
    items: dict[str, list] = {}
    sums: dict[str, Decimal] = {}
    for key, label in RECON_GROUPS.items():
        rows = []
        for i, it in enumerate(data.get(key) or []):
            rows.append({"date": str(_date(it.get("date"), f"{key}.{i}.date", f"{label}第 {i + 1} 项日期", required=False) or ""),
                         "description": clean_text(it.get("description"), field=f"{key}.{i}.description", label=f"{label}第 {i + 1} 项摘要",
                                                   max_len=200, required=True),
                         "amount": _money(it.get("amount"), f"{key}.{i}.amount", f"{label}第 {i + 1} 项金额")})
        items[key] = rows
        sums[key] = sum((r["amount"] for r in rows), Decimal("0.00"))
    d = rules.reconcile(book=book, bank=bank, **sums)
    return {"account": account, "month": month, "book": book, "bank": bank, "items": items, "sums": sums, "decision": d}


@transaction.atomic
def save_reconciliation(actor: User, data: dict) -> BankReconciliation:
    x = check_reconciliation(actor, data)
    account, month, book, bank, items, d = x["account"], x["month"], x["book"], x["bank"], x["items"], x["decision"]
    _refuse(d)
    if BankReconciliation.objects.filter(account=account, month=month, voided=False).exists():
        raise Conflict(f"{account} {month} 的调节表已存在", rule="bank.monthly_reconciliation")
    rec = BankReconciliation.objects.create(number=next_number("TJ", today()), account=account, month=month, book_balance=book, bank_balance=bank,
                                            items={k: [{**r, "amount": str(r["amount"])} for r in v] for k, v in items.items()},
                                            adjusted_balance=d.data["adjusted"], prepared_by=actor)
    record(actor=actor, action="create", obj=rec, after=snapshot(rec), rule="bank.monthly_reconciliation", decision=d)
    return rec


# --- nightly (01:00): cash.max_on_hand_5000 excess, cash.daily_count, overdue advances -----------------------------

def run_nightly(day: date | None = None) -> dict:
    """Check the day that just ended (yesterday by default). Idempotent: one exception per (day, kind), one
    notification per (user, advance, day)."""
    cfg = get_policy()
    day = day or (today() - timedelta(days=1))
    out = {"excess": 0, "no_count": 0, "overdue_advances": 0}
    with transaction.atomic():
        bal = balance_at(day)
        reserved = reserved_for_large_payments(day)
        d = rules.cash_on_hand(balance=bal, reserved=reserved, cfg=cfg)
        if d.reasons and not CashException.objects.filter(day=day, kind=CashException.Kind.EXCESS).exists():
            x = CashException.objects.create(day=day, kind=CashException.Kind.EXCESS, rule="cash.max_on_hand_5000", balance=bal,
                                             reserved=reserved, limit=cfg["cash.max_on_hand_5000.max_amount"], excess=d.data["excess"],
                                             message=f"{day:%Y-%m-%d} 日终" + d.reasons[0].message)
            record(actor=None, action="create", obj=x, after=snapshot(x), rule="cash.max_on_hand_5000", decision=d)
            out["excess"] = 1
        active = get_calendar().is_working_day(day) and CashEntry.objects.filter(entry_date__lte=day).exists()
        if active and not CashCount.objects.filter(day=day).exists() and \
                not CashException.objects.filter(day=day, kind=CashException.Kind.NO_COUNT).exists():
            x = CashException.objects.create(day=day, kind=CashException.Kind.NO_COUNT, rule="cash.daily_count", balance=bal,
                                             message=f"{day:%Y-%m-%d} 未做每日现金盘点（账面 {rules.fmt(bal)} 元）")
            record(actor=None, action="create", obj=x, after=snapshot(x), rule="cash.daily_count")
            out["no_count"] = 1
    from .selectors import overdue_advances

    listed_on = day + timedelta(days=1)
    recipients = list(users_with_role(Role.FD)) + list(users_with_role(Role.FIN))
    for adv in overdue_advances(listed_on):
        out["overdue_advances"] += 1
        msg = f"借支逾期：{adv.number} {adv.borrower.name} ¥{adv.amount:,.2f}，应于 {adv.due_date:%Y-%m-%d} 前还款或报销"
        for u in {adv.borrower, *recipients}:
            notify(u, f"adv_overdue:{adv.pk}:{listed_on}", msg, rule="cash.advance_max_3000", link="/expenses/advances/overdue/")
    return out
