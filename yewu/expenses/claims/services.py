"""Payment requests and expense claims (`pay.approval_chain`) and the SM's prior approval of a sales expense
(`expense.prior_approval`): one transaction each, audited; a paid document is reversed (红冲), never deleted."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.expenses import base
from yewu.expenses.base import choice, date_input, in_sales_team, money_input, refuse
from yewu.expenses.cash.services import post, reverse
from yewu.expenses.chains import approvers, chain_roles, start_with, withdraw
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, users_with_ability
from yewu.policy import Decision, Reason
from yewu.policy import expenses as rules

from ..models import (
    CashAdvance,
    CashEntry,
    Category,
    ExpenseLine,
    ExpenseRequest,
    Method,
    PaymentDoc,
)


@transaction.atomic
def create_expense_request(actor: User, data: dict) -> ExpenseRequest:
    purpose = clean_text(data.get("purpose"), field="purpose", label="费用事由", max_len=300, required=True)
    amount = money_input(data.get("amount"), "amount", "预计金额")
    planned_on = date_input(data.get("planned_on"), "planned_on", "预计发生日期")
    er = ExpenseRequest.objects.create(number=next_number("FS", base.today()), requester=actor, team=actor.team, purpose=purpose,
                                       amount=amount, planned_on=planned_on)
    record(actor=actor, action="create", obj=er, after=snapshot(er), rule="expense.prior_approval")
    roles = [Role.GM] if actor.has_role(Role.SM) else chain_roles("expense_request")
    if actor.has_role(Role.GM):
        roles = [Role.FD]
    req = start_with("expense_request", er, actor, roles, f"费用申请 {er.number} {actor.name} ¥{amount:,.2f} {purpose[:30]}",
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
        er.approved_at, er.approved_on = req.closed_at, base.today()
    er.save(update_fields=["state", "approved_at", "approved_on"])
    record(actor=None, action="update", obj=er, before=before, after=snapshot(er, ["state", "approved_on"]),
           rule="expense.prior_approval")


def _lines(data: dict) -> list[dict]:
    out = []
    for i, ln in enumerate(data.get("lines") or []):
        desc = clean_text(ln.get("description"), field=f"lines.{i}.description", label=f"第 {i + 1} 行摘要", max_len=200, required=True)
        amt = money_input(ln.get("amount"), f"lines.{i}.amount", f"第 {i + 1} 行金额")
        d = date_input(ln.get("incurred_on") or ln.get("date"), f"lines.{i}.incurred_on", f"第 {i + 1} 行日期")
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
    kind = choice(data.get("kind"), PaymentDoc.Kind, "kind", "单据类型")
    category = choice(data.get("category") or ("purchase" if kind == "payment" else ""), Category, "category", "费用类别")
    purpose = clean_text(data.get("purpose"), field="purpose", label="用途/事由", max_len=300, required=True)
    method = choice(data.get("method") or "transfer", Method, "method", "付款方式")
    payee_default = actor.name if kind == "expense" else ""
    payee = clean_text(data.get("payee") or payee_default, field="payee", label="收款单位/人", max_len=200, required=True)
    payee_account = clean_text(data.get("payee_account"), field="payee_account", label="收款账号", max_len=200)
    payment_date = date_input(data.get("payment_date"), "payment_date", "付款日期", required=False)
    now_day = base.today()
    if payment_date and payment_date < now_day:
        raise ValidationError(f"付款日期 {payment_date} 早于今天", fields={"payment_date": "不能早于今天"})
    lines: list[dict] = []
    if kind == PaymentDoc.Kind.EXPENSE:
        lines = _lines(data)
        if not lines:
            raise ValidationError("费用报销单至少需要一行明细", fields={"lines": "至少一行"})
        if data.get("amount") not in (None, ""):
            given = money_input(data.get("amount"), "amount", "金额")
            if given != sum(ln["amount"] for ln in lines):
                raise ValidationError(f"金额 {given} 与明细合计 {sum(ln['amount'] for ln in lines)} 不符", fields={"amount": "须等于明细合计"})
        amount = sum((ln["amount"] for ln in lines), Decimal("0.00"))
        incurred_on = min(ln["incurred_on"] for ln in lines)
        if max(ln["incurred_on"] for ln in lines) > now_day:
            raise ValidationError("报销的费用日期不能晚于今天", fields={"lines": "费用日期不能晚于今天"})
    else:
        amount = money_input(data.get("amount"), "amount", "金额")
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
        refuse(d)
        decisions.append(d)
    # cash.large_withdrawal_notice_3d: the submission is the notice to Finance
    notified_on = now_day if method == Method.CASH and amount > rules.money(cfg["cash.large_withdrawal_notice_3d.amount"]) else None
    d = rules.large_cash_notice(amount=amount, method=method, notified_on=notified_on, payment_date=payment_date, cfg=cfg)
    refuse(d)
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
        number=next_number("BX" if kind == PaymentDoc.Kind.EXPENSE else "FK", base.today()), kind=kind, applicant=actor, team=actor.team,
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
    roles = rules.approval_roles(chain_roles(doc.kind), submitter_roles=actor.role_set, in_sales_team=in_sales_team(actor),
                                 cfg=cfg, amount=doc.amount)
    reason = Reason("pay.approval_chain", f"付款/报销须依次审批：{' → '.join(roles) or '—'}，审批完成后出纳付款",
                    "handler → department manager → FD → GM → cashier", {"roles": roles, "amount": doc.amount})
    decision = Decision.needs(roles, reason)
    req = start_with(doc.kind, doc, actor, roles or ([Role.FD] if not actor.has_role(Role.FD) else [Role.GM]),
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
        for u in users_with_ability("keeps_cash"):
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


@transaction.atomic
def pay_doc(actor: User, doc_id: int, method: str | None = None) -> tuple[PaymentDoc, Decision]:
    """``POST /api/v1/expenses/{id}/pay``: the cashier pays an approved document and marks it 付讫."""
    cfg = get_policy()
    doc = PaymentDoc.objects.select_for_update().filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("单据不存在")
    method = choice(method or doc.method, Method, "method", "付款方式")
    d = rules.can_pay(state=doc.get_state_display(), approved=doc.state == PaymentDoc.State.APPROVED and doc.approval is not None
                      and doc.approval.state == ApprovalRequest.State.APPROVED, payer_id=actor.pk,
                      approver_ids=approvers(doc.approval), payer_roles=actor.role_set)
    if doc.state == PaymentDoc.State.PAID:
        raise RuleRefused.from_decision(d, status=409, code="already_paid")
    refuse(d, status=403 if "CA" not in actor.role_set or d.rule == "sod.approver_not_payer" else 409)
    if doc.advance_id and doc.advance.state == CashAdvance.State.PAID:
        raise Conflict(f"本报销单冲抵借支 {doc.advance.number}，请先结清借支（冲抵后再付差额）", rule="cash.advance_max_3000")
    day = base.today()
    d2 = rules.large_cash_pay_date(amount=doc.payable, method=method, notified_on=doc.large_cash_notified_on, pay_on=day, cfg=cfg)
    refuse(d2)
    on_hand = Decision.allow()
    if method == Method.CASH and doc.payable > 0:
        _, on_hand = post(actor, direction=CashEntry.Direction.OUT, amount=doc.payable, summary=f"付 {doc.payee}：{doc.purpose}"[:200],
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
    refuse(rules.can_review_voucher(reviewer_id=actor.pk, reviewer_roles=actor.role_set, payer_id=doc.paid_by_id), status=403)
    doc.voucher_reviewed_by, doc.voucher_reviewed_at = actor, timezone.now()
    doc.save(update_fields=["voucher_reviewed_by", "voucher_reviewed_at"])
    record(actor=actor, action="approve", obj=doc, after=snapshot(doc, ["voucher_reviewed_by", "voucher_reviewed_at"]),
           rule="sod.approver_not_payer")
    return doc


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
        if not can(actor, "voids_payment_docs"):
            raise PermissionDenied("已付讫的单据只能由财务红冲作废")
        for e in doc.cash_entries.filter(reverses=None, reversed_by=None):
            reverse(actor, e, reason)
    elif not (actor.pk == doc.applicant_id or can(actor, "voids_payment_docs")):
        raise PermissionDenied("只有经办人或财务可以作废")
    withdraw(actor, doc, reason, voided_state=PaymentDoc.State.VOIDED, rule="pay.approval_chain")
    return doc
