"""JSON API of credit (§2.7): the credit file, investigations and ratings. Mounted on the customers router (/api/v1/customers/...). Handlers are thin."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema, Status

from yewu.common.parsers import LargeMoneyInput, MoneyInput
from yewu.common.schemas import Out, ReasonOut
from yewu.customers.credit import services as credit
from yewu.customers.models import CreditInvestigation, CreditRating
from yewu.customers.routers import router
from yewu.customers.schemas import ERRORS, local

# --- schemas ------------------------------------------------------------------------------------------


class InvestigationIn(Schema):
    investigated_on: date | None = None
    registered_capital: LargeMoneyInput | None = None
    years_in_business: int | None = None
    employees: int | None = None
    annual_sales: LargeMoneyInput | None = None
    premises: str = ""
    bank: str = ""
    legal_person: str = ""
    payment_record: str = ""
    main_suppliers: str = ""
    disputes: str = ""
    business_status: str = ""
    conclusion: str = Field("", description="调查结论（必填）")


class RatingIn(Schema):
    investigation_id: int
    scores: dict[str, int] = Field(..., description="payment≤30, capital≤20, operation≤20, relationship≤15, reputation≤15")
    grade: str = Field(..., description="A/B/C/D")
    credit_limit: MoneyInput
    term_days: int
    avg_monthly_sales: MoneyInput = Decimal("0")
    note: str = ""












class InvestigationOut(Out):
    id: int
    kind: str
    state: str
    investigator: str | None = None
    in_person: bool
    investigated_on: date | None = None
    conclusion: str
    submitted_at: datetime | None = None


class RatingOut(Out):
    id: int
    investigation_id: int
    state: str
    total: int
    suggested_grade: str
    grade: str
    credit_limit: str = Field(..., description="元，两位小数")
    term_days: int
    approvers: list[str]
    approval_id: int | None = None
    reasons: list[dict[str, Any]] = Field(..., description="规则判定（Reason.as_dict）")
    evaluator: str
    created_at: datetime
    decided_at: datetime | None = None


class CreditOut(Out):
    customer_id: int
    credit_grade: str
    credit_limit: str
    term_days: int
    credit_rated_at: datetime | None = None
    credit_next_report_on: date | None = None
    explain: ReasonOut = Field(..., description="额度的依据（credit.limit_grant）")
    investigations: list[InvestigationOut]
    ratings: list[RatingOut]












def _inv_out(i: CreditInvestigation) -> dict[str, Any]:
    return {"id": i.pk, "kind": i.kind, "state": i.state, "investigator": i.investigator.name if i.investigator_id else None,
            "in_person": i.in_person, "investigated_on": i.investigated_on, "conclusion": i.conclusion,
            "submitted_at": local(i.submitted_at)}


def _rating_out(r: CreditRating) -> dict[str, Any]:
    return {"id": r.pk, "investigation_id": r.investigation_id, "state": r.state, "total": r.total,
            "suggested_grade": r.suggested_grade, "grade": r.grade, "credit_limit": str(r.credit_limit),
            "term_days": r.term_days, "approvers": r.approvers, "approval_id": r.approval_id, "reasons": r.reasons,
            "evaluator": r.evaluator.name, "created_at": local(r.created_at), "decided_at": local(r.decided_at)}










# --- credit -------------------------------------------------------------------------------------------------


@router.get("/{int:customer_id}/credit", response={200: CreditOut, **ERRORS}, summary="信用档案（acl.finance_scope）")
def get_credit(request, customer_id: int):
    user = request.auth
    c = credit.credit_customer(user, customer_id)
    return {"customer_id": c.pk, "credit_grade": c.credit_grade, "credit_limit": str(c.credit_limit),
            "term_days": c.term_days, "credit_rated_at": local(c.credit_rated_at),
            "credit_next_report_on": c.credit_next_report_on, "explain": credit.explain_limit(c).as_dict(),
            "investigations": [_inv_out(i) for i in credit.investigations_of(c)],
            "ratings": [_rating_out(r) for r in credit.ratings_of(c)]}


@router.post("/{int:customer_id}/credit/investigations", response={201: InvestigationOut, **ERRORS},
             summary="提交客户信用调查表（credit.investigation_cadence）")
def post_investigation(request, customer_id: int, payload: InvestigationIn):
    inv = credit.submit_investigation(request.auth, customer_id, credit.InvestigationIn(**payload.model_dump()))
    return Status(201, _inv_out(inv))


@router.post("/{int:customer_id}/credit/ratings", response={201: RatingOut, **ERRORS},
             summary="信用评等及授信申请（credit.grade_policy, credit.limit_grant）")
def post_rating(request, customer_id: int, payload: RatingIn):
    r = credit.rate_customer(request.auth, customer_id, credit.RatingIn(**payload.model_dump()))
    return Status(201, _rating_out(r))


# --- archive access -------------------------------------------------------------------------------------------






# --- visit plans and minutes -----------------------------------------------------------------------------------










# --- monthly information report ------------------------------------------------------------------------------------






