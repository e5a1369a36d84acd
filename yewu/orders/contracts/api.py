"""``/api/v1/contracts``: sales contracts (销售合同, SPEC §4.4): draft, review, sign, file; the ledger; custody
take-outs, the monthly numbered register and disputes (contract.filing_1wd, contract.monthly_register,
contract.dispute)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from yewu.common.errors import NotFound, ValidationError
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, PDF, XLSX, file_op
from yewu.policy.contracts import takeout_overdue

from ..attachments import FileIn
from ..documents.pdf import contract_ledger_xlsx, contract_register_pdf, contract_register_xlsx
from ..documents.pdf import contract_review_pdf as render_review
from ..outputs import day, file_response, moment, priced, sees_prices
from ..schemas import ContractList, ContractOut, DisputeOut, LoanOut, RegisterConfirmed, RegisterOut
from ..visibility import contracts_visible_to, visible_order
from . import records, services

router = Router(tags=["contracts"])


class ContractIn(Schema):
    order_id: int
    due_diligence: dict = {}
    terms: str = ""


class ContractSubmitIn(Schema):
    due_diligence: dict | None = None


class ContractReviewIn(Schema):
    approve: bool
    checklist: dict = {}
    credit_opinion: str = ""
    comment: str = ""


class SignIn(Schema):
    signed_on: date | None = None


def contract_out(c, user) -> dict:
    steps = []
    if c.approval_id:
        for s in c.approval.steps.select_related("decided_by"):
            steps.append({"role": s.role, "stage": s.stage, "state": s.state,
                          "due_at": timezone.localtime(s.due_at).isoformat() if s.due_at else None,
                          "decided_by": s.decided_by.name if s.decided_by_id else None, "comment": s.comment,
                          "escalated_to": s.escalated_to or None, **(s.data or {})})
    return priced({"id": c.pk, "number": c.number, "order_id": c.order_id, "order": c.order.number, "customer": c.customer.name,
            "amount": str(c.amount), "status": c.status, "status_label": c.get_status_display(), "is_major": c.is_major,
            "due_diligence": c.due_diligence, "terms": c.terms, "approval_id": c.approval_id, "reviews": steps,
            "signed_on": day(c.signed_on),
            "filing_due_at": timezone.localtime(c.filing_due_at).isoformat() if c.filing_due_at else None,
            "filed_at": timezone.localtime(c.filed_at).isoformat() if c.filed_at else None,
            "filing_overdue": bool(c.filing_flagged_at), "custody": _custody_label(c),
            "in_litigation": c.disputes.filter(status="litigation").exists()}, user)


def _custody_label(c) -> str:
    return records.custody_state(c)[1]


def _contract(request, contract_id: int):
    c = contracts_visible_to(request.auth).filter(pk=contract_id).first()
    if c is None:
        raise NotFound("合同不存在或无权查看")
    return c


@router.post("", response={201: ContractOut, **ERRORS}, exclude_unset=True, summary="Draft the sales contract of an order")
def contract_create(request, payload: ContractIn):
    visible_order(request.auth, payload.order_id)
    c = services.create_contract(request.auth, payload.order_id, due_diligence=payload.due_diligence, terms=payload.terms)
    return Status(201, contract_out(c, request.auth))


@router.get("", response={200: ContractList, **ERRORS}, exclude_unset=True, summary="Contracts visible to me")
def contract_list(request, status: str = "", limit: int = 50, offset: int = 0):
    qs = contracts_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [contract_out(c, request.auth) for c in qs[offset:offset + limit]]}


@router.get("/ledger.xlsx", **file_op(XLSX), summary="Contract ledger (合同台账) as Excel; month=YYYY-MM filters by signing date")
def contract_ledger(request, month: str = ""):
    qs = contracts_visible_to(request.auth).exclude(number__isnull=True).order_by("signed_on", "number")
    if month:
        try:
            y, m = (int(x) for x in month.split("-"))
            qs = qs.filter(signed_on__year=y, signed_on__month=m)
        except ValueError:
            raise ValidationError("month 格式应为 YYYY-MM", fields={"month": "YYYY-MM"}) from None
    data = contract_ledger_xlsx(qs.select_related("order__salesperson", "approval"), prices=sees_prices(request.auth))
    return file_response(data, f"contract-ledger{'-' + month if month else ''}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", inline=False)


# --- custody take-out, monthly register, disputes (contract.filing_1wd, contract.monthly_register, contract.dispute)


def loan_out(loan) -> dict:
    late = takeout_overdue(loan.due_back_on, timezone.localdate(), loan.returned_at is not None) if loan.due_back_on else None
    return {"id": loan.pk, "contract_id": loan.contract_id, "contract": loan.contract.number, "borrower": loan.borrower.name,
            "purpose": loan.purpose, "status": loan.status, "status_label": loan.get_status_display(),
            "approval_id": loan.approval_id, "requested_due_on": day(loan.requested_due_on), "out_at": moment(loan.out_at),
            "due_back_on": day(loan.due_back_on), "returned_at": moment(loan.returned_at),
            "overdue": late is not None, "overdue_reason": late.as_dict() if late else None}


def dispute_out(d, user) -> dict:
    return priced({"id": d.pk, "contract_id": d.contract_id, "contract": d.contract.number, "kind": d.kind,
            "kind_label": d.get_kind_display(), "description": d.description, "amount_at_stake": str(d.amount_at_stake),
            "occurred_on": day(d.occurred_on), "owner": d.owner.name, "status": d.status, "status_label": d.get_status_display(),
            "resolution": d.resolution, "rule": "contract.dispute"}, user)


class TakeoutIn(Schema):
    purpose: str
    requested_due_on: date | None = None


class CustodyReturnIn(Schema):
    note: str = ""


class DisputeIn(Schema):
    kind: str
    description: str
    amount_at_stake: MoneyInput = Decimal("0")
    occurred_on: date


class DisputeMoveIn(Schema):
    status: str
    resolution: str = ""


class MonthIn(Schema):
    month: str


@router.post("/{contract_id}/takeout", response={201: LoanOut, **ERRORS},
                       summary="Ask to take the signed original out of CS custody: GM approval + return date (contract.filing_1wd)")
def contract_takeout(request, contract_id: int, payload: TakeoutIn):
    return Status(201, loan_out(records.request_takeout(request.auth, contract_id, purpose=payload.purpose,
                                                   requested_due_on=payload.requested_due_on)))


@router.get("/custody", response={200: list[LoanOut], **ERRORS}, summary="Custody log (借阅登记); overdue=1: take-outs past their return date")
def custody_list(request, overdue: bool = False):
    qs = records.loans_visible_to(request.auth)
    if overdue:
        qs = records.overdue_loans(timezone.localdate(), qs)
    return [loan_out(x) for x in qs[:500]]


@router.post("/custody/{loan_id}/hand-out", response={200: LoanOut, **ERRORS}, summary="CS hands the original over after GM approval; return date set")
def custody_hand_out(request, loan_id: int):
    return loan_out(records.hand_out(request.auth, loan_id))


@router.post("/custody/{loan_id}/return", response={200: LoanOut, **ERRORS}, summary="CS records the original's return")
def custody_return(request, loan_id: int, payload: CustodyReturnIn | None = None):
    return loan_out(records.record_return(request.auth, loan_id, payload.note if payload else ""))


def _register(request, month: str):
    m = records.parse_month(month)
    return m, records.register_rows(m, contracts_visible_to(request.auth)), records.register_status(m)


@router.get("/register", response={200: RegisterOut, **ERRORS}, exclude_unset=True, summary="Monthly numbered contract register (contract.monthly_register); month=YYYY-MM, default last month")
def register_get(request, month: str = ""):
    m, rows, st = _register(request, month)
    reg = st["reg"]
    return {"month": f"{m:%Y-%m}", "due": st["due"].date().isoformat(), "confirmed": st["confirmed"],
            "confirmed_by": reg.confirmed_by.name if st["confirmed"] else None,
            "confirmed_at": moment(reg.confirmed_at) if st["confirmed"] else None,
            "overdue": st["overdue"].as_dict() if st["overdue"] else None, "added_after_confirmation": st["added_after"],
            "items": [priced({"seq": r["seq"], "number": r["c"].number, "customer": r["c"].customer.name,
                               "amount": str(r["c"].amount), "signed_on": day(r["c"].signed_on), "filing": r["filing"],
                               "custody": r["custody"]}, request.auth) for r in rows]}


@router.post("/register/confirm", response={200: RegisterConfirmed, **ERRORS}, summary="CS confirms a finished month's register (by the 5th of the next month)")
def register_confirm(request, payload: MonthIn):
    reg = records.confirm_register(request.auth, records.parse_month(payload.month))
    return {"month": f"{reg.month:%Y-%m}", "confirmed_by": reg.confirmed_by.name, "confirmed_at": moment(reg.confirmed_at),
            "numbers": reg.numbers}


@router.get("/register.xlsx", **file_op(XLSX), summary="Monthly contract register as Excel")
def register_xlsx(request, month: str = ""):
    m, rows, st = _register(request, month)
    return file_response(contract_register_xlsx(m, rows, st, prices=sees_prices(request.auth)), f"contract-register-{m:%Y-%m}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", inline=False)


@router.get("/register.pdf", **file_op(PDF), summary="Monthly contract register as PDF")
def register_pdf(request, month: str = ""):
    m, rows, st = _register(request, month)
    return file_response(contract_register_pdf(m, rows, st, prices=sees_prices(request.auth)), f"contract-register-{m:%Y-%m}.pdf")


@router.post("/{contract_id}/disputes", response={201: DisputeOut, **ERRORS}, exclude_unset=True, summary="Record a breach/dispute (contract.dispute)")
def dispute_create(request, contract_id: int, payload: DisputeIn):
    return Status(201, dispute_out(records.record_dispute(request.auth, contract_id, kind=payload.kind,
                                                     description=payload.description,
                                                     amount_at_stake=payload.amount_at_stake, occurred_on=payload.occurred_on),
                                   request.auth))


@router.get("/disputes", response={200: list[DisputeOut], **ERRORS}, exclude_unset=True, summary="Contract disputes visible to me")
def dispute_list(request, status: str = ""):
    qs = records.disputes_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [dispute_out(d, request.auth) for d in qs[:500]]


@router.post("/disputes/{dispute_id}/status", response={200: DisputeOut, **ERRORS}, exclude_unset=True, summary="open → resolved | litigation; litigation → resolved (SM owner or GM)")
def dispute_move(request, dispute_id: int, payload: DisputeMoveIn):
    return dispute_out(records.move_dispute(request.auth, dispute_id, payload.status, payload.resolution), request.auth)


@router.get("/{contract_id}", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="One contract")
def contract_get(request, contract_id: int):
    return contract_out(_contract(request, contract_id), request.auth)


@router.post("/{contract_id}/submit", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="Send to review: CS ‖ FIN (1 WD each), GM when major (contract.review_1wd)")
def contract_submit(request, contract_id: int, payload: ContractSubmitIn | None = None):
    _contract(request, contract_id)
    return contract_out(services.submit_review(request.auth, contract_id,
                                                due_diligence=payload.due_diligence if payload else None), request.auth)


@router.post("/{contract_id}/review", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="A reviewer's decision with checklist and credit opinion")
def contract_review(request, contract_id: int, payload: ContractReviewIn):
    _contract(request, contract_id)
    return contract_out(services.review(request.auth, contract_id, payload.approve, checklist=payload.checklist,
                                         credit_opinion=payload.credit_opinion, comment=payload.comment), request.auth)


@router.post("/{contract_id}/sign", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="Sign after all reviews passed; assigns YWXS-YYYYMMDD-NN (contract.number_format)")
def contract_sign(request, contract_id: int, payload: SignIn | None = None):
    _contract(request, contract_id)
    return contract_out(services.sign(request.auth, contract_id, payload.signed_on if payload else None), request.auth)


@router.post("/{contract_id}/file", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="CS takes the signed original (scan) into custody (contract.filing_1wd)")
def contract_file(request, contract_id: int, scan: UploadedFile = File(...)):
    _contract(request, contract_id)
    f = FileIn(scan.name or "scan", scan.content_type or "", scan.read())
    return contract_out(services.file_signed(request.auth, contract_id, f), request.auth)


@router.get("/{contract_id}/review.pdf", **file_op(PDF), summary="Contract review sheet PDF (合同评审单)")
def contract_review_pdf(request, contract_id: int):
    c = _contract(request, contract_id)
    return file_response(render_review(c, prices=sees_prices(request.auth)), f"{c.number or c.order.number}-PS.pdf")
