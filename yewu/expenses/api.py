"""Treasury API (SPEC §5.5). Approvals go through ``/api/v1/approvals/{id}/approve|reject``.

``POST /api/v1/expenses`` takes ``kind``: ``payment`` (付款审批单: one ``amount``, ``payee``) or ``expense``
(费用报销单: ``lines`` of date/description/amount); both start `pay.approval_chain`. Refusals are 4xx with
``rule`` and the reasons' figures.
"""

from __future__ import annotations

from ninja import Router, Schema, Status

from yewu.common.errors import NotFound, PermissionDenied
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS

from . import selectors, services
from .models import BankReconciliation, CashAdvance, CashCount, CashEntry, ExpenseRequest, PaymentDoc
from .schemas import (
    AdvanceOut,
    AdvancePaid,
    CashEntryOut,
    CountOut,
    DocOut,
    DocPaid,
    ExpenseRequestOut,
    JournalOut,
    PayQueue,
    ReconOut,
)

router = Router(tags=["expenses"])
advances_router = Router(tags=["expenses"])
requests_router = Router(tags=["expenses"])
cash_router = Router(tags=["expenses"])

Money = MoneyInput | None


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


class VoidReasonIn(Schema):
    reason: str = ""


class AdvanceIn(Schema):
    purpose_kind: str | None = None
    purpose: str | None = None
    amount: Money = None
    due_date: str | None = None


class SettleIn(Schema):
    repaid: Money = None
    claim_id: int | None = None


class ExpenseRequestIn(Schema):
    purpose: str | None = None
    amount: Money = None
    planned_on: str | None = None


class EntryIn(Schema):
    receipt: Money = None
    payment: Money = None
    summary: str | None = None
    source: str | None = None
    entry_date: str | None = None
    for_payment_id: int | None = None


class CountIn(Schema):
    kind: str = "daily"
    denominations: dict[str, int] = {}
    explanation: str = ""


class ReconItem(Schema):
    date: str | None = None
    description: str | None = None
    amount: Money = None


class ReconIn(Schema):
    account: str | None = None
    month: str | None = None
    book_balance: Money = None
    bank_balance: Money = None
    bank_credited_not_booked: list[ReconItem] = []
    bank_debited_not_booked: list[ReconItem] = []
    booked_not_credited: list[ReconItem] = []
    booked_not_debited: list[ReconItem] = []


def _steps(req) -> list[dict]:
    if req is None:
        return []
    return [{"order": s.order, "role": s.role, "state": s.state, "decided_by": s.decided_by.name if s.decided_by_id else None,
             "due_at": s.due_at.isoformat() if s.due_at else None, "comment": s.comment}
            for s in req.steps.select_related("decided_by")]


def doc_out(d: PaymentDoc) -> dict:
    return {
        "id": d.pk, "number": d.number, "kind": d.kind, "kind_label": d.get_kind_display(), "applicant": d.applicant.name,
        "category": d.category, "purpose": d.purpose, "payee": d.payee, "amount": str(d.amount), "payable": str(d.payable),
        "method": d.method, "payment_date": d.payment_date.isoformat() if d.payment_date else None,
        "large_cash_notified_on": d.large_cash_notified_on.isoformat() if d.large_cash_notified_on else None,
        "prior_approval_id": d.prior_approval_id, "advance_id": d.advance_id, "state": d.state, "state_label": d.get_state_display(),
        "approval_id": d.approval_id, "approval_state": d.approval.state if d.approval_id else None, "steps": _steps(d.approval),
        "paid_at": d.paid_at.isoformat() if d.paid_at else None, "paid_by": d.paid_by.name if d.paid_by_id else None,
        "voucher_reviewed": bool(d.voucher_reviewed_at), "void_reason": d.void_reason, "decision": d.decision,
        "lines": [{"incurred_on": ln.incurred_on.isoformat(), "description": ln.description, "amount": str(ln.amount),
                   "attachments": ln.attachments} for ln in d.lines.all()],
    }


def advance_out(a: CashAdvance) -> dict:
    return {"id": a.pk, "number": a.number, "borrower": a.borrower.name, "purpose_kind": a.purpose_kind, "purpose": a.purpose,
            "amount": str(a.amount), "due_date": a.due_date.isoformat(), "state": a.state, "state_label": a.get_state_display(),
            "approval_id": a.approval_id, "steps": _steps(a.approval), "repaid_amount": str(a.repaid_amount),
            "claim_offset": str(a.claim_offset), "decision": a.decision}


def request_out(r: ExpenseRequest) -> dict:
    return {"id": r.pk, "number": r.number, "requester": r.requester.name, "purpose": r.purpose, "amount": str(r.amount),
            "planned_on": r.planned_on.isoformat(), "state": r.state, "approval_id": r.approval_id,
            "approved_at": r.approved_at.isoformat() if r.approved_at else None}


def entry_out(e: CashEntry, decision=None) -> dict:
    out = {"id": e.pk, "number": e.number, "entry_date": e.entry_date.isoformat(), "direction": e.direction,
           "amount": str(e.amount), "summary": e.summary, "source": e.source, "reverses": e.reverses_id,
           "balance": str(selectors.balance_at(e.entry_date))}
    if decision is not None:
        out["warnings"] = [r.as_dict() for r in decision.reasons]
    return out


def _get(qs, pk: int, label: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{label}不存在或无权查看")
    return obj


def _cash_staff(user):
    if not selectors.sees_all_money(user):
        raise PermissionDenied("只有财务、出纳和总经理可以查看现金账", rule="acl.finance_scope")


# --- payment requests and expense claims ----------------------------------------------------------------------

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
    _cash_staff(request.auth)
    docs, advs = selectors.pay_queue()
    return {"documents": [doc_out(d) for d in docs], "advances": [advance_out(a) for a in advs]}


@router.get("/{doc_id}", response={200: DocOut, **ERRORS}, summary="One payment request or expense claim")
def get_doc(request, doc_id: int):
    return doc_out(_get(selectors.docs_visible_to(request.auth), doc_id, "单据"))


@router.post("/{doc_id}/pay", response={200: DocPaid, **ERRORS}, summary="Cashier pays and marks 付讫 (only after the chain completes)")
def pay(request, doc_id: int, payload: PayIn | None = None):
    _get(selectors.docs_visible_to(request.auth), doc_id, "单据")
    d, on_hand = services.pay_doc(request.auth, doc_id, payload.method if payload else None)
    return {**doc_out(d), "warnings": [r.as_dict() for r in on_hand.reasons]}


@router.post("/{doc_id}/resubmit", response={200: DocOut, **ERRORS}, summary="Resubmit after a rejection")
def resubmit(request, doc_id: int):
    return doc_out(services.resubmit(request.auth, doc_id))


@router.post("/{doc_id}/void", response={200: DocOut, **ERRORS}, summary="Void with a reason; a paid one is reversed (红冲)")
def void(request, doc_id: int, payload: VoidReasonIn):
    _get(selectors.docs_visible_to(request.auth), doc_id, "单据")
    return doc_out(services.void_doc(request.auth, doc_id, payload.reason))


@router.post("/{doc_id}/voucher-review", response={200: DocOut, **ERRORS}, summary="主管岗 reviews the voucher (sod.approver_not_payer)")
def voucher_review(request, doc_id: int):
    return doc_out(services.review_voucher(request.auth, doc_id))


# --- prior approvals -------------------------------------------------------------------------------------------

@requests_router.post("", response={201: ExpenseRequestOut, **ERRORS}, summary="Request SM approval before a sales expense (expense.prior_approval)")
def create_request(request, payload: ExpenseRequestIn):
    return Status(201, request_out(services.create_expense_request(request.auth, payload.dict())))


@requests_router.get("", response={200: list[ExpenseRequestOut], **ERRORS}, summary="Prior approvals I may see")
def list_requests(request):
    return [request_out(r) for r in selectors.requests_visible_to(request.auth)[:200]]


# --- cash advances ---------------------------------------------------------------------------------------------

@advances_router.post("", response={201: AdvanceOut, **ERRORS}, summary="Request a cash advance (cash.advance_max_3000)")
def create_advance(request, payload: AdvanceIn):
    return Status(201, advance_out(services.create_advance(request.auth, payload.dict())))


@advances_router.get("", response={200: list[AdvanceOut], **ERRORS}, summary="Cash advances I may see")
def list_advances(request, state: str = ""):
    qs = selectors.advances_visible_to(request.auth)
    if state:
        qs = qs.filter(state=state)
    return [advance_out(a) for a in qs[:200]]


@advances_router.get("/overdue", response={200: list[AdvanceOut], **ERRORS}, summary="Overdue advances (cash.advance_max_3000)")
def overdue(request):
    ids = set(selectors.advances_visible_to(request.auth).values_list("id", flat=True))
    return [advance_out(a) for a in selectors.overdue_advances(services.today()) if a.pk in ids]


@advances_router.get("/{adv_id}", response={200: AdvanceOut, **ERRORS}, summary="One cash advance")
def get_advance(request, adv_id: int):
    return advance_out(_get(selectors.advances_visible_to(request.auth), adv_id, "借支单"))


@advances_router.post("/{adv_id}/pay", response={200: AdvancePaid, **ERRORS}, summary="Cashier pays out an approved advance")
def pay_advance(request, adv_id: int):
    a, on_hand = services.pay_advance(request.auth, adv_id)
    return {**advance_out(a), "warnings": [r.as_dict() for r in on_hand.reasons]}


@advances_router.post("/{adv_id}/void", response={200: AdvanceOut, **ERRORS}, summary="Withdraw an unpaid advance with a reason")
def void_advance(request, adv_id: int, payload: VoidReasonIn):
    _get(selectors.advances_visible_to(request.auth), adv_id, "借支单")
    return advance_out(services.void_advance(request.auth, adv_id, payload.reason))


@advances_router.post("/{adv_id}/settle", response={200: AdvanceOut, **ERRORS}, summary="Settle by an expense claim and/or cash repaid")
def settle(request, adv_id: int, payload: SettleIn):
    return advance_out(services.settle_advance(request.auth, adv_id, repaid=payload.repaid, claim_id=payload.claim_id))


# --- cash journal, counts, bank reconciliation ------------------------------------------------------------------

@cash_router.get("/journal", response={200: JournalOut, **ERRORS}, exclude_unset=True, by_alias=True, summary="Cash journal with running and daily balances")
def journal(request, start: str = "", end: str = ""):
    _cash_staff(request.auth)
    s = services._date(start, "start", "开始日期", required=False) or services.today().replace(day=1)
    e = services._date(end, "end", "结束日期", required=False) or services.today()
    j = selectors.journal(s, e)
    return {"opening": str(j["opening"]), "closing": str(j["closing"]), "limit": str(j["limit"]),
            "entries": [{**entry_out(r["entry"]), "balance": str(r["balance"])} for r in j["rows"]],
            "days": [{"day": d["day"].isoformat(), "opening": str(d["opening"]), "in": str(d["in"]), "out": str(d["out"]),
                      "closing": str(d["closing"]), "warning": d["warning"]} for d in j["days"]]}


@cash_router.post("/journal", response={201: CashEntryOut, **ERRORS}, exclude_unset=True, summary="Post a receipt or a payment (cash.no_netting, cash.max_on_hand_5000)")
def post_entry(request, payload: EntryIn):
    e, d = services.post_entry(request.auth, payload.dict())
    return Status(201, entry_out(e, d))


@cash_router.post("/journal/{entry_id}/reverse", response={201: CashEntryOut, **ERRORS}, exclude_unset=True, summary="红冲 a manual entry with a reason")
def reverse(request, entry_id: int, payload: VoidReasonIn):
    return Status(201, entry_out(services.reverse_entry(request.auth, entry_id, payload.reason)))


def count_out(c: CashCount) -> dict:
    return {"id": c.pk, "number": c.number, "day": c.day.isoformat(), "kind": c.kind, "denominations": c.denominations,
            "counted": str(c.counted), "book": str(c.book), "difference": str(c.difference), "explanation": c.explanation,
            "cashier": c.cashier.name, "witness": c.witness.name if c.witness_id else None}


@cash_router.post("/counts", response={201: CountOut, **ERRORS}, summary="Daily or month-end cash count (cash.daily_count)")
def create_count(request, payload: CountIn):
    return Status(201, count_out(services.record_count(request.auth, payload.dict())))


@cash_router.post("/counts/{count_id}/witness", response={200: CountOut, **ERRORS}, summary="Second signature (sod.count_witness)")
def witness(request, count_id: int):
    return count_out(services.witness_count(request.auth, count_id))


def recon_out(r: BankReconciliation) -> dict:
    return {"id": r.pk, "number": r.number, "account": r.account, "month": r.month, "book_balance": str(r.book_balance),
            "bank_balance": str(r.bank_balance), "adjusted_balance": str(r.adjusted_balance), "items": r.items}


@cash_router.post("/bank-reconciliations", response={201: ReconOut, **ERRORS}, summary="银行存款余额调节表 (bank.monthly_reconciliation)")
def create_recon(request, payload: ReconIn):
    return Status(201, recon_out(services.save_reconciliation(request.auth, payload.dict())))
