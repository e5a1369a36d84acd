"""Payment requests and expense claims (``POST /api/v1/expenses`` with ``kind`` ``payment`` or ``expense``; both
start `pay.approval_chain`) and prior approvals (`expense.prior_approval`). Refusals are 4xx with ``rule``."""

from __future__ import annotations

from ninja import Router, Schema, Status

from yewu.common.schemas import ERRORS

from ..advances.api import advance_out
from ..handlers import Money, VoidReasonIn, api_for_cash_staff, steps_out, visible_or_404
from ..models import ExpenseRequest, PaymentDoc
from ..schemas import (
    DocOut,
    DocPaid,
    ExpenseRequestOut,
    PayQueue,
)
from . import selectors, services

router = Router(tags=["expenses"])


requests_router = Router(tags=["expenses"])


class ExpenseLineIn(Schema):
    incurred_on: str | None = None
    description: str | None = None
    amount: Money = None
    attachments: int | None = 0


class DocIn(Schema):
    kind: str
    category: str | None = None
    purpose: str | None = None
    payee: str | None = None
    payee_account: str | None = None
    amount: Money = None
    method: str | None = "transfer"
    payment_date: str | None = None
    prior_approval_id: int | None = None
    advance_id: int | None = None
    lines: list[ExpenseLineIn] = []


class PayIn(Schema):
    method: str | None = None


class ExpenseRequestIn(Schema):
    purpose: str | None = None
    amount: Money = None
    planned_on: str | None = None


def doc_out(d: PaymentDoc) -> dict:
    return {
        "id": d.pk, "number": d.number, "kind": d.kind, "kind_label": d.get_kind_display(), "applicant": d.applicant.name,
        "category": d.category, "purpose": d.purpose, "payee": d.payee, "amount": str(d.amount), "payable": str(d.payable),
        "method": d.method, "payment_date": d.payment_date.isoformat() if d.payment_date else None,
        "large_cash_notified_on": d.large_cash_notified_on.isoformat() if d.large_cash_notified_on else None,
        "prior_approval_id": d.prior_approval_id, "advance_id": d.advance_id, "state": d.state, "state_label": d.get_state_display(),
        "approval_id": d.approval_id, "approval_state": d.approval.state if d.approval_id else None, "steps": steps_out(d.approval),
        "paid_at": d.paid_at.isoformat() if d.paid_at else None, "paid_by": d.paid_by.name if d.paid_by_id else None,
        "voucher_reviewed": bool(d.voucher_reviewed_at), "void_reason": d.void_reason, "decision": d.decision,
        "lines": [{"incurred_on": ln.incurred_on.isoformat(), "description": ln.description, "amount": str(ln.amount),
                   "attachments": ln.attachments} for ln in d.lines.all()],
    }


def request_out(r: ExpenseRequest) -> dict:
    return {"id": r.pk, "number": r.number, "requester": r.requester.name, "purpose": r.purpose, "amount": str(r.amount),
            "planned_on": r.planned_on.isoformat(), "state": r.state, "approval_id": r.approval_id,
            "approved_at": r.approved_at.isoformat() if r.approved_at else None}


@router.post("", response={201: DocOut, **ERRORS}, summary="Create a payment request or an expense claim (pay.approval_chain)")
def create(request, payload: DocIn):
    d = services.create_payment_doc(request.auth, payload.dict())
    return Status(201, doc_out(d))


@router.get("", response={200: list[DocOut], **ERRORS}, summary="Payment requests and expense claims I may see")
def list_docs(request, state: str = "", kind: str = ""):
    qs = selectors.docs_visible_to(request.auth)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return [doc_out(d) for d in qs[:200]]


@router.get("/queue", response={200: PayQueue, **ERRORS}, summary="The cashier's pay queue: approved, unpaid")
def queue(request):
    api_for_cash_staff(request.auth)
    docs, advs = selectors.pay_queue()
    return {"documents": [doc_out(d) for d in docs], "advances": [advance_out(a) for a in advs]}


@router.get("/{doc_id}", response={200: DocOut, **ERRORS}, summary="One payment request or expense claim")
def get_doc(request, doc_id: int):
    return doc_out(visible_or_404(selectors.docs_visible_to(request.auth), doc_id, "单据"))


@router.post("/{doc_id}/pay", response={200: DocPaid, **ERRORS}, summary="Cashier pays and marks 付讫 (only after the chain completes)")
def pay(request, doc_id: int, payload: PayIn | None = None):
    visible_or_404(selectors.docs_visible_to(request.auth), doc_id, "单据")
    d, on_hand = services.pay_doc(request.auth, doc_id, payload.method if payload else None)
    return {**doc_out(d), "warnings": [r.as_dict() for r in on_hand.reasons]}


@router.post("/{doc_id}/resubmit", response={200: DocOut, **ERRORS}, summary="Resubmit after a rejection")
def resubmit(request, doc_id: int):
    return doc_out(services.resubmit(request.auth, doc_id))


@router.post("/{doc_id}/void", response={200: DocOut, **ERRORS}, summary="Void with a reason; a paid one is reversed (红冲)")
def void(request, doc_id: int, payload: VoidReasonIn):
    visible_or_404(selectors.docs_visible_to(request.auth), doc_id, "单据")
    return doc_out(services.void_doc(request.auth, doc_id, payload.reason))


@router.post("/{doc_id}/voucher-review", response={200: DocOut, **ERRORS}, summary="主管岗 reviews the voucher (sod.approver_not_payer)")
def voucher_review(request, doc_id: int):
    return doc_out(services.review_voucher(request.auth, doc_id))


@requests_router.post("", response={201: ExpenseRequestOut, **ERRORS}, summary="Request SM approval before a sales expense (expense.prior_approval)")
def create_request(request, payload: ExpenseRequestIn):
    return Status(201, request_out(services.create_expense_request(request.auth, payload.dict())))


@requests_router.get("", response={200: list[ExpenseRequestOut], **ERRORS}, summary="Prior approvals I may see")
def list_requests(request):
    return [request_out(r) for r in selectors.requests_visible_to(request.auth)[:200]]
