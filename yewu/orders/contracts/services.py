"""Sales contracts (销售合同, SPEC §4.4): when one is required, the parallel review, signing with the
`contract.number_format` number, filing in CS custody; release of such an order waits for the signed contract.

Review runs in the approval engine as one parallel stage (CS review ‖ FIN special review, each 1 WD), then
the GM for a major contract; overdue reviewers are reminded and escalated by `approval.overdue`
(CS → CSM, FIN → FD). One transaction per write; every change audited.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.customers.selectors import customer_for
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import Reason
from yewu.policy import orders as rules

from ..attachments import FileIn, save_attachment
from ..models import Contract, ContractStatus, Order
from .records import DISPUTE, litigation_reason

SIGNED_STATES = (ContractStatus.SIGNED, ContractStatus.FILED)


def contract_reason(order: Order) -> Reason | None:
    """Why this order needs a sales contract (None when the accepted order is the agreement)."""
    return rules.contract_required(order.settlement, order.total, order.custom_total, get_policy())


UNLOADED = object()  # a fact not read with the order row: release_blocker reads it itself


def release_blocker(order: Order, *, contract_status=UNLOADED, in_litigation=UNLOADED) -> Reason | None:
    """`ship.release_check` + SPEC §4.4: an order that requires a contract ships only once it is signed; an order
    whose contract is in litigation/arbitration does not ship at all (`contract.dispute`). A list passes the
    contract's status (None: no contract) and the litigation flag it read with its rows, so no row costs a query."""
    if in_litigation is UNLOADED:
        blocked = litigation_reason(order)
    elif in_litigation:
        blocked = Reason(DISPUTE, "合同处于诉讼/仲裁中，已脱离正常流程：停止发货和审批", "contract is in litigation/arbitration")
    else:
        blocked = None
    if blocked is not None:
        return blocked
    why = contract_reason(order)
    if why is None:
        return None
    if contract_status is UNLOADED:
        contract_status = Contract.objects.filter(order=order).values_list("status", flat=True).first()
    if contract_status in SIGNED_STATES:
        return None
    state = "尚未起草合同" if contract_status is None else f"合同状态为「{ContractStatus(contract_status).label}」"
    return Reason("contract.required", f"{why.message}；{state}，签订前不能发货", f"{why.message_en}; not signed yet", why.figures)


def _own_order(actor: User, order_id: int) -> Order:
    order = Order.objects.select_for_update().select_related("customer", "salesperson").filter(pk=order_id).first()
    if order is None or customer_for(actor, order.customer_id) is None:
        raise NotFound("订单不存在或无权查看")
    if order.salesperson_id != actor.id and order.created_by_id != actor.id and not can(actor, "handles_team_orders"):
        raise PermissionDenied("只能为自己的订单起草合同", rule="acl.sp_scope")
    return order


def _clean_dd(dd: dict | None) -> dict:
    out = {}
    for k, label in rules.DUE_DILIGENCE.items():
        out[k] = clean_text(str((dd or {}).get(k, "") or ""), field=f"due_diligence.{k}", label=label, max_len=300)
    return out


@transaction.atomic
def create_contract(actor: User, order_id: int, *, due_diligence: dict | None = None, terms: str = "") -> Contract:
    order = _own_order(actor, order_id)
    if order.status in ("cancelled", "rejected"):
        raise Conflict(f"订单状态为「{order.get_status_display()}」，不能起草合同", code="bad_state")
    if Contract.objects.filter(order=order).exists():
        raise Conflict(f"订单 {order.number} 已有合同", rule="contract.review_1wd", code="exists")
    cfg = get_policy()
    c = Contract.objects.create(order=order, customer=order.customer, amount=order.total,
                                is_major=order.total >= cfg["contract.review_1wd.major_total"],
                                due_diligence=_clean_dd(due_diligence),
                                terms=clean_text(terms, field="terms", label="主要条款", max_len=2000), created_by=actor)
    record(actor=actor, action="create", obj=c, after=snapshot(c))
    return c


def _get(contract_id: int, lock: bool = True) -> Contract:
    qs = Contract.objects.select_related("order", "order__salesperson", "customer")
    if lock:
        qs = qs.select_for_update()
    c = qs.filter(pk=contract_id).first()
    if c is None:
        raise NotFound("合同不存在")
    return c


@transaction.atomic
def submit_review(actor: User, contract_id: int, *, due_diligence: dict | None = None) -> Contract:
    """Start `contract.review_1wd`. A new counterparty needs its due diligence first."""
    c = _get(contract_id)
    _own_order(actor, c.order_id)
    if c.status not in (ContractStatus.DRAFT, ContractStatus.REJECTED):
        raise Conflict(f"合同状态为「{c.get_status_display()}」，不能送审", rule="contract.review_1wd", code="bad_state")
    if due_diligence is not None:
        c.due_diligence = _clean_dd(due_diligence)
    if c.order.is_new_customer:
        missing = {f"due_diligence.{k}": f"请填写{label}" for k, label in rules.DUE_DILIGENCE.items()
                   if not c.due_diligence.get(k)}
        if missing:
            raise RuleRefused("新客户须先完成资信调查（营业执照及有效期、商业信誉、近期履约、资质）再送评审",
                              rule="contract.review_1wd", fields=missing)
    c.amount = c.order.total
    cfg = get_policy()
    c.is_major = c.amount >= cfg["contract.review_1wd.major_total"]
    steps, decision = rules.contract_review_steps(c.amount, cfg)
    req = approvals.start(doc_type="contract", doc_id=c.pk, submitter=actor, decision=decision, steps=steps,
                          label=f"合同评审 订单 {c.order.number} {c.customer.name} ¥{c.amount:,.2f}",
                          link=f"/orders/{c.order_id}/", team=c.order.salesperson.team, beneficiary=c.order.salesperson)
    before = snapshot(c, ["status", "approval"])
    c.approval, c.status = req, ContractStatus.IN_REVIEW
    c.save()
    record(actor=actor, action="submit", obj=c, before=before, after=snapshot(c, ["status", "approval", "is_major"]),
           decision=decision)
    return c


@approvals.reviewer("contract")  # the approvals inbox decides contract review steps through this
@transaction.atomic
def review(actor: User, contract_id: int, approve: bool, *, checklist: dict | None = None, credit_opinion: str = "",
           comment: str = "") -> Contract:
    """A reviewer's decision. CS and FIN reviewers fill the checklist (economics, feasibility, legality, price
    reasonableness) and an opinion on the customer's credit and limit; the GM step needs neither."""
    c = _get(contract_id)
    if c.status != ContractStatus.IN_REVIEW or not c.approval_id:
        raise Conflict(f"合同状态为「{c.get_status_display()}」，不在评审中", rule="contract.review_1wd", code="bad_state")
    pending = [s for s in c.approval.steps.filter(state="pending").order_by("order")
               if approvals.can_decide(actor, s).allowed]
    if not pending:
        first = c.approval.steps.filter(state="pending").order_by("order").first()
        d = approvals.can_decide(actor, first)
        raise RuleRefused.from_decision(d, status=403, code="not_your_step")
    step = pending[0]
    data = None
    if step.role in ("CS", "FIN"):
        cl = {k: clean_text(str((checklist or {}).get(k, "") or ""), field=f"checklist.{k}", label=label, max_len=300)
              for k, label in rules.REVIEW_CHECKLIST.items()}
        opinion = clean_text(credit_opinion, field="credit_opinion", label="信用及额度意见", max_len=300)
        problems = rules.review_checklist_problems(cl, opinion)
        if problems:
            raise ValidationError("评审须逐项填写：经济性、可行性、合法性、价格合理性，以及对客户信用和额度的意见",
                                  fields=problems, rule="contract.review_1wd")
        data = {"checklist": cl, "credit_opinion": opinion}
    approvals.decide(actor, c.approval_id, approve, comment, data=data, step_id=step.pk)
    c.refresh_from_db()
    return c


@approvals.on_decided("contract")
def _on_review_decided(req: ApprovalRequest) -> None:
    c = Contract.objects.select_for_update().get(pk=int(req.doc_id))
    before = snapshot(c, ["status"])
    c.status = ContractStatus.APPROVED if req.state == ApprovalRequest.State.APPROVED else ContractStatus.REJECTED
    c.save(update_fields=["status"])
    record(actor=None, action="update", obj=c, before=before, after=snapshot(c, ["status"]), rule="contract.review_1wd")


@transaction.atomic
def sign(actor: User, contract_id: int, signed_on: date | None = None) -> Contract:
    """No signing before all reviews pass; the number is assigned now (`contract.number_format`), by the
    signing date, and never reused; the signed original is due in CS custody within 1 WD (`contract.filing_1wd`)."""
    c = _get(contract_id)
    _own_order(actor, c.order_id)
    if c.status in SIGNED_STATES:
        raise Conflict(f"合同 {c.number} 已签订", rule="contract.number_format", code="already_signed")
    if c.status != ContractStatus.APPROVED:
        raise RuleRefused(f"合同评审未全部通过（当前「{c.get_status_display()}」），不能签订", rule="contract.review_1wd")
    today = timezone.localdate()
    signed_on = signed_on or today
    reviewed_on = timezone.localtime(c.approval.closed_at).date() if c.approval and c.approval.closed_at else today
    if signed_on > today or signed_on < reviewed_on:
        raise ValidationError(f"签订日期须在评审通过日 {reviewed_on} 与今天 {today} 之间", fields={"signed_on": "日期不对"})
    before = snapshot(c, ["status", "number"])
    c.number = next_number("XS", signed_on)
    c.signed_on, c.signed_by, c.status = signed_on, actor, ContractStatus.SIGNED
    c.filing_due_at = rules.contract_filing_due(signed_on, get_calendar(), get_policy())
    c.save()
    record(actor=actor, action="sign", obj=c, before=before,
           after=snapshot(c, ["status", "number", "signed_on", "filing_due_at"]), rule="contract.number_format")
    return c


@transaction.atomic
def file_signed(actor: User, contract_id: int, scan: FileIn) -> Contract:
    """`contract.filing_1wd`: CS takes the signed original (scan attached) into custody."""
    if not can(actor, "files_contracts"):
        raise PermissionDenied("合同原件由客服部保管归档", rule="contract.filing_1wd")
    c = _get(contract_id)
    if c.status != ContractStatus.SIGNED:
        raise Conflict(f"合同状态为「{c.get_status_display()}」，不能归档", rule="contract.filing_1wd", code="bad_state")
    now = timezone.now()
    c.scan = save_attachment(actor, scan, "scan")
    c.filed_at, c.filed_by, c.status = now, actor, ContractStatus.FILED
    c.save()
    late = c.filing_due_at is not None and now > c.filing_due_at
    record(actor=actor, action="file", obj=c, after={"status": c.status, "filed_at": now, "on_time": not late},
           rule="contract.filing_1wd", reason=f"逾期归档（期限 {timezone.localtime(c.filing_due_at):%Y-%m-%d %H:%M}）" if late else "")
    return c
