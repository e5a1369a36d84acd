"""Receivables writes (SPEC §5.3): payment deferrals (`ar.deferral`), bad-debt write-offs and their recovery
(`ar.bad_debt`), half-yearly reconciliations (`ar.reconcile_semiannual`); one transaction each, audited."""

from __future__ import annotations

from datetime import date
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
from yewu.finance.access import SYSTEM, money_customers
from yewu.finance.base import ZERO, parse_money
from yewu.finance.receivables.selectors import can_write_off, receivables
from yewu.orders.models import Order
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids, users_with_ability
from yewu.policy import Decision, Reason
from yewu.policy import receivables as rules

from ..models import DeferralRequest, Reconciliation, WriteOff


@transaction.atomic
def request_deferral(actor: User, *, customer_id: int, new_due_on: date, reason: str, order_id: int | None = None,
                     today: date | None = None) -> DeferralRequest:
    today = today or timezone.localdate()
    customer = money_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    reason = clean_text(reason, field="reason", label="推迟理由", max_len=300, required=True)
    order = None
    if order_id:
        order = Order.objects.filter(pk=order_id, customer=customer).first()
        if order is None:
            raise ValidationError("订单不属于该客户", fields={"order_id": "不属于该客户"})
    if new_due_on <= today:
        raise ValidationError("推迟后的付款日须晚于今天", fields={"new_due_on": "须晚于今天"}, rule="ar.deferral")
    prev = list(DeferralRequest.objects.filter(customer=customer).values_list("requested_on", flat=True))
    flag = rules.deferral_flags_credit_review(prev, today, get_policy())
    d = DeferralRequest.objects.create(customer=customer, order=order, requested_on=today, new_due_on=new_due_on,
                                       reason=reason, requested_by=actor, credit_review=flag.data["credit_review"],
                                       comment="")
    record(actor=actor, action="create", obj=d, after=snapshot(d), rule="ar.deferral", decision=flag)
    if d.credit_review:
        for u in list(users_with_ability("reviews_credit")) + ([customer.owner.team.manager] if customer.owner and customer.owner.team_id
                                                     and customer.owner.team.manager_id else []):
            notify(u, f"deferral:{d.pk}:credit_review", f"信用复查：{customer.name} {flag.message()}", rule="ar.deferral",
                   link="/finance/ar/")
    return d


@transaction.atomic
def decide_deferral(actor: User, deferral_id: int, grant: bool, comment: str = "") -> DeferralRequest:
    """Only the customer's SM grants; the default answer is refusal."""
    d = DeferralRequest.objects.select_for_update(of=("self",)).select_related("customer__owner").filter(pk=deferral_id).first()
    if d is None:
        raise NotFound("推迟付款申请不存在")
    owner = d.customer.owner
    if not (can(actor, "decides_deferrals") and owner and owner.team_id in managed_team_ids(actor)):
        raise PermissionDenied("推迟付款只能由该客户所属团队的业务经理决定", rule="ar.deferral")
    if d.outcome != DeferralRequest.Outcome.PENDING:
        raise Conflict("该申请已有结果", rule="ar.deferral", code="already_decided")
    d.outcome = DeferralRequest.Outcome.GRANTED if grant else DeferralRequest.Outcome.REFUSED
    d.decided_by, d.decided_on = actor, timezone.localdate()
    d.comment = clean_text(comment, field="comment", label="意见", max_len=200)
    d.save()
    record(actor=actor, action="approve" if grant else "reject", obj=d, after=snapshot(d, ["outcome", "comment"]),
           rule="ar.deferral")
    return d


def write_off_ceiling(actor: User, order: Order) -> Decimal:
    """What may still be proposed for write-off: the order's open amount (delivered, net of returns, unpaid, not
    yet written off) less proposals awaiting approval."""
    open_amt = sum((r.open for r in receivables(actor, timezone.localdate(), order_id=order.pk)), ZERO)
    pending = sum(WriteOff.objects.filter(order=order, state=WriteOff.State.PENDING).values_list("amount", flat=True), ZERO)
    return max(open_amt - pending, ZERO)


@transaction.atomic
def request_write_off(actor: User, order_id: int, amount, reason: str) -> WriteOff:
    """`ar.bad_debt`: the order's SP, its SM or FIN proposes; SM, FD and GM approve in turn; the debt stays tracked
    (listed as written off in the aging; later money on the order is recovery)."""
    order = Order.objects.select_for_update(of=("self",)).select_related("customer__owner", "salesperson__team").filter(
        pk=order_id).first()
    if order is None or not money_customers(actor).filter(pk=order.customer_id).exists():
        raise NotFound("订单不存在或无权查看")
    if not can_write_off(actor, order):
        raise PermissionDenied("坏账核销由该订单的业务员、其业务经理或财务提出", rule="ar.bad_debt")
    if not (reason or "").strip():
        raise ValidationError("核销必须填写原因", fields={"reason": "必填"}, rule="ar.bad_debt")
    reason = clean_text(reason, field="reason", label="核销原因", max_len=300, required=True)
    amt = parse_money(amount, rule="ar.bad_debt")
    ceiling = write_off_ceiling(actor, order)
    if amt <= 0 or amt > ceiling:
        raise RuleRefused(f"核销金额 {rules.fmt(amt)} 须大于 0 且不超过订单 {order.number} 已送货未收金额 "
                          f"{rules.fmt(ceiling)}", rule="ar.bad_debt", fields={"amount": "超出未收金额"})
    w = WriteOff.objects.create(number=next_number("HX"), customer=order.customer, order=order, amount=amt,
                                reason=reason, requested_by=actor)
    w.approval = approvals.start(
        doc_type="write_off", doc_id=w.pk, submitter=actor, roles=["SM", "FD", "GM"],
        decision=Decision.needs(("SM", "FD", "GM"), Reason("ar.bad_debt", "坏账核销须业务经理、财务总监、总经理审批",
                                                           "Write-off needs SM, FD and GM")),
        label=f"坏账核销 {w.number} {order.customer.name} 订单 {order.number} ¥{amt:,.2f}：{reason}",
        link=f"/finance/statement/{order.customer_id}/",
        team=order.salesperson.team, beneficiary=order.salesperson)
    w.save(update_fields=["approval"])
    record(actor=actor, action="create", obj=w, after=snapshot(w), rule="ar.bad_debt", reason=reason)
    return w


@approvals.on_decided("write_off")
def _on_write_off(ap: ApprovalRequest) -> None:
    w = WriteOff.objects.select_for_update().get(pk=int(ap.doc_id))
    w.state = WriteOff.State.APPROVED if ap.state == ApprovalRequest.State.APPROVED else WriteOff.State.REJECTED
    w.decided_at = timezone.now()
    w.save(update_fields=["state", "decided_at"])
    record(actor=None, action="update", obj=w, after={"state": w.state}, rule="ar.bad_debt")
    if w.state == WriteOff.State.APPROVED:  # money received while it awaited approval is recovery from the start
        sync_recovery(None, {w.order_id}, ref=w.number)


def sync_recovery(actor: User | None, order_ids, ref: str = "") -> None:
    """After money on orders changed: what of their approved write-offs is recovered = written off − what is still
    open of it (receipts pay the live debt first). Oldest write-off first; each change audited as recovery."""
    wos = list(WriteOff.objects.select_for_update().filter(order_id__in=list(order_ids), state=WriteOff.State.APPROVED)
               .order_by("order_id", "decided_at", "id"))
    by_order: dict[int, list[WriteOff]] = {}
    for w in wos:
        by_order.setdefault(w.order_id, []).append(w)
    for oid, ws in by_order.items():
        still = sum((r.written_off for r in receivables(SYSTEM, timezone.localdate(), order_id=oid,
                                                                  keep_written_off=True)), ZERO)
        recovered = max(sum((w.amount for w in ws), ZERO) - still, ZERO)
        for w in ws:
            new = min(recovered, w.amount)
            recovered -= new
            if new != w.recovered:
                before = {"recovered": w.recovered}
                w.recovered = new
                w.save(update_fields=["recovered"])
                record(actor=actor, action="recovery", obj=w, before=before, after={"recovered": new, "ref": ref},
                       rule="ar.bad_debt")


@transaction.atomic
def record_reconciliation(actor: User, rec_id: int, agreed: bool, customer_balance=None, note: str = "") -> Reconciliation:
    rec = Reconciliation.objects.select_for_update().select_related("customer").filter(pk=rec_id).first()
    if rec is None or not money_customers(actor).filter(pk=rec.customer_id).exists():
        raise NotFound("对账记录不存在")
    if not (actor.id == rec.owner_id or can(actor, "records_any_reconciliation")):
        raise PermissionDenied("由客户负责人对账", rule="ar.reconcile_semiannual")
    rec.state = Reconciliation.State.AGREED if agreed else Reconciliation.State.DIFFERENCE
    rec.customer_balance = rec.balance if agreed else parse_money(customer_balance, "customer_balance", "客户确认余额",
                                                                     "ar.reconcile_semiannual")
    rec.difference_note = clean_text(note, field="note", label="差异说明", max_len=300, required=not agreed)
    rec.recorded_by, rec.recorded_on = actor, timezone.localdate()
    rec.save()
    record(actor=actor, action="update", obj=rec, after=snapshot(rec, ["state", "customer_balance", "difference_note"]),
           rule="ar.reconcile_semiannual")
    return rec
