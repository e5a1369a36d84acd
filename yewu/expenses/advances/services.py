"""Cash advances (`cash.advance_max_3000`): request, approval, pay-out, settlement by a claim and/or cash
repaid, withdrawal; one transaction each, audited."""

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
from yewu.expenses.cash.services import post
from yewu.expenses.chains import approvers, chain_roles, start_with, withdraw
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, users_with_ability
from yewu.policy import Decision
from yewu.policy import expenses as rules

from ..models import (
    CashAdvance,
    CashEntry,
    Method,
    PaymentDoc,
)


@transaction.atomic
def create_advance(actor: User, data: dict) -> CashAdvance:
    """``POST /api/v1/cash-advances``: travel (no cap) or a cash-only purchase ≤ 3,000.00; approval dept manager → FD."""
    cfg = get_policy()
    kind = data.get("purpose_kind") or None
    if kind is not None:
        kind = choice(kind, CashAdvance.Purpose, "purpose_kind", "借支类别")
    purpose = clean_text(data.get("purpose"), field="purpose", label="借支事由", max_len=300)
    amount = money_input(data.get("amount"), "amount", "金额", required=False, allow_zero=True)
    due = date_input(data.get("due_date"), "due_date", "还款/报销日期", required=False)
    d = rules.check_advance(purpose_kind=kind, purpose=purpose, amount=amount, due_date=due, today=base.today(), cfg=cfg)
    if d.refused:
        missing = d.reasons[0].figures.get("missing") or []
        fields = {f: "必填" for f, label in (("purpose_kind", "借支类别"), ("purpose", "借支事由"), ("amount", "金额"),
                                             ("due_date", "还款/报销日期")) if label in missing}
        err = RuleRefused.from_decision(d, status=422)
        err.fields = fields or {"amount" if "amount" in d.reasons[0].figures else "purpose_kind": d.reasons[0].message}
        raise err
    # cash.large_withdrawal_notice_3d: an advance above the threshold is paid in cash no earlier than 3 days after
    # this request, which is the notice to Finance
    notified = base.today() if amount > rules.money(cfg["cash.large_withdrawal_notice_3d.amount"]) else None
    adv = CashAdvance.objects.create(number=next_number("JZ", base.today()), borrower=actor, team=actor.team, purpose_kind=kind, purpose=purpose,
                                     amount=amount, due_date=due, decision=d.as_dict(), large_cash_notified_on=notified)
    record(actor=actor, action="create", obj=adv, after=snapshot(adv), rule="cash.advance_max_3000", decision=d,
           policy_version=cfg.version)
    roles = rules.approval_roles(chain_roles("cash_advance"), submitter_roles=actor.role_set, in_sales_team=in_sales_team(actor))
    roles = roles or ([Role.FD] if not actor.has_role(Role.FD) else [Role.GM])
    req = start_with("cash_advance", adv, actor, roles, f"现金借支 {adv.number} {actor.name} ¥{amount:,.2f} {purpose[:30]}",
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
        for u in users_with_ability("keeps_cash"):
            notify(u, f"adv:{adv.pk}", f"待付借支：{adv} ¥{adv.amount:,.2f}", rule="cash.advance_max_3000",
                   link=f"/expenses/advances/{adv.pk}/")


@transaction.atomic
def pay_advance(actor: User, adv_id: int) -> tuple[CashAdvance, Decision]:
    adv = CashAdvance.objects.select_for_update().filter(pk=adv_id).first()
    if adv is None:
        raise NotFound("借支单不存在")
    d = rules.can_pay(state=adv.get_state_display(), approved=adv.state == CashAdvance.State.APPROVED,
                      payer_id=actor.pk, approver_ids=approvers(adv.approval), payer_roles=actor.role_set)
    refuse(d, status=403 if "CA" not in actor.role_set or d.rule == "sod.approver_not_payer" else 409)
    refuse(rules.large_cash_pay_date(amount=adv.amount, method=Method.CASH, notified_on=adv.large_cash_notified_on, pay_on=base.today(),
                                      cfg=get_policy()))
    _, on_hand = post(actor, direction=CashEntry.Direction.OUT, amount=adv.amount, summary=f"借支 {adv.borrower.name}：{adv.purpose}"[:200],
                       source=CashEntry.Source.ADVANCE, day=base.today(), advance=adv)
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
    if not can(actor, "keeps_cash"):
        raise PermissionDenied("借支由出纳结清", rule="cash.advance_max_3000")
    adv = CashAdvance.objects.select_for_update().filter(pk=adv_id).first()
    if adv is None:
        raise NotFound("借支单不存在")
    if adv.state != CashAdvance.State.PAID:
        raise Conflict(f"借支单状态为{adv.get_state_display()}，不能结清", rule="cash.advance_max_3000")
    repaid_amt = money_input(repaid, "repaid", "现金还款", required=False, allow_zero=True) or Decimal("0.00")
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
    refuse(d)
    if repaid_amt > 0:
        post(actor, direction=CashEntry.Direction.IN, amount=repaid_amt, summary=f"{adv.borrower.name} 归还借支 {adv.number}",
              source=CashEntry.Source.ADVANCE_REPAY, day=base.today(), advance=adv)
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
    if not (actor.pk == adv.borrower_id or can(actor, "voids_payment_docs")):
        raise PermissionDenied("只有借支人或财务可以作废")
    withdraw(actor, adv, reason, voided_state=CashAdvance.State.VOIDED, rule="cash.advance_max_3000")
    return adv
