"""JSON API of credit (§2.7), archive access (§1.3), visit plans and minutes (§2.6) and the monthly
information report (§2.5). Mounted on the customers router (/api/v1/customers/...). Handlers are thin."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.parsers import LargeMoneyInput, MoneyInput
from yewu.common.schemas import Out, ReasonOut

from . import access, credit, upkeep, visit_plans
from .api import router
from .models import AccessRequest, CreditInvestigation, CreditRating, InfoReport, Minutes, VisitPlan
from .schemas import ERRORS, local

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


class AccessIn(Schema):
    purpose: str
    working_days: int = Field(..., description="≤ 5 个工作日")


class PlanIn(Schema):
    customer_ids: list[int]
    starts_at: datetime
    ends_at: datetime
    objectives: str
    plan: str = ""


class MinutesIn(Schema):
    note_taker: str
    content: str
    attendees: str = ""
    agreements: str = ""


class MinutesReviewIn(Schema):
    accept: bool
    note: str = ""


class InfoReportIn(Schema):
    changes: str
    competition: str
    other: str = ""


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


class AccessOut(Out):
    id: int
    customer_id: int
    requester: str
    state: str
    working_days: int
    approval_id: int | None = None
    valid_until: datetime | None = None


class PlanOut(Out):
    id: int
    user: str
    state: str
    starts_at: datetime
    ends_at: datetime
    customer_ids: list[int]
    objectives: str
    approval_id: int | None = None
    approved_at: datetime | None = None
    approved_late: bool


class MinutesOut(Out):
    id: int
    visit_id: int
    state: str
    due_at: datetime
    written_at: datetime
    late: bool
    note_taker: str


class InfoReportOut(Out):
    id: int
    user: str
    month: str = Field(..., description="YYYY-MM")
    late: bool
    submitted_at: datetime
    changes: str
    competition: str
    other: str


class VerifiedOut(Out):
    id: int
    last_verified_at: datetime | None = None


def _inv_out(i: CreditInvestigation) -> dict[str, Any]:
    return {"id": i.pk, "kind": i.kind, "state": i.state, "investigator": i.investigator.name if i.investigator_id else None,
            "in_person": i.in_person, "investigated_on": i.investigated_on, "conclusion": i.conclusion,
            "submitted_at": local(i.submitted_at)}


def _rating_out(r: CreditRating) -> dict[str, Any]:
    return {"id": r.pk, "investigation_id": r.investigation_id, "state": r.state, "total": r.total,
            "suggested_grade": r.suggested_grade, "grade": r.grade, "credit_limit": str(r.credit_limit),
            "term_days": r.term_days, "approvers": r.approvers, "approval_id": r.approval_id, "reasons": r.reasons,
            "evaluator": r.evaluator.name, "created_at": local(r.created_at), "decided_at": local(r.decided_at)}


def _access_out(a: AccessRequest) -> dict[str, Any]:
    return {"id": a.pk, "customer_id": a.customer_id, "requester": a.requester.name, "state": a.state,
            "working_days": a.working_days, "approval_id": a.approval_id, "valid_until": local(a.valid_until)}


def _plan_out(p: VisitPlan) -> dict[str, Any]:
    return {"id": p.pk, "user": p.user.name, "state": p.state, "starts_at": local(p.starts_at), "ends_at": local(p.ends_at),
            "customer_ids": [c.pk for c in p.customers.all()], "objectives": p.objectives, "approval_id": p.approval_id,
            "approved_at": local(p.approved_at), "approved_late": p.approved_late}


def _minutes_out(m: Minutes) -> dict[str, Any]:
    return {"id": m.pk, "visit_id": m.visit_id, "state": m.state, "due_at": local(m.due_at),
            "written_at": local(m.written_at), "late": m.late, "note_taker": m.note_taker}


def _report_out(r: InfoReport) -> dict[str, Any]:
    return {"id": r.pk, "user": r.user.name, "month": r.month.strftime("%Y-%m"), "late": r.late,
            "submitted_at": local(r.submitted_at), "changes": r.changes, "competition": r.competition, "other": r.other}


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


@router.post("/{int:customer_id}/access-requests", response={201: AccessOut, **ERRORS},
             summary="申请借阅档案（cust.archive_access_request）")
def post_access(request, customer_id: int, payload: AccessIn):
    return Status(201, _access_out(access.request_access(request.auth, customer_id, payload.purpose,
                                                         payload.working_days)))


@router.get("/{int:customer_id}/access-requests", response={200: list[AccessOut], **ERRORS},
            summary="借阅申请（保管人：全部；其他人：自己的）")
def list_access(request, customer_id: int):
    from .selectors import customer_for

    c = customer_for(request.auth, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    return [_access_out(a) for a in access.requests_of(request.auth, c)]


# --- visit plans and minutes -----------------------------------------------------------------------------------


@router.post("/visit-plans", response={201: PlanOut, **ERRORS}, summary="客户走访单（visit.plan_approval）")
def post_plan(request, payload: PlanIn):
    p = visit_plans.create_plan(request.auth, payload.customer_ids, payload.starts_at, payload.ends_at,
                                payload.objectives, payload.plan)
    return Status(201, _plan_out(p))


@router.get("/visit-plans", response={200: list[PlanOut], **ERRORS}, summary="走访单列表（业务员自己的、经理本组、行政已批准的）")
def list_plans(request):
    return [_plan_out(p) for p in visit_plans.plans_visible_to(request.auth)[:200]]


@router.post("/visits/{int:visit_id}/minutes", response={201: MinutesOut, **ERRORS}, summary="会谈纪要（visit.minutes_2wd）")
def post_minutes(request, visit_id: int, payload: MinutesIn):
    m = visit_plans.write_minutes(request.auth, visit_id, **payload.model_dump())
    return Status(201, _minutes_out(m))


@router.post("/minutes/{int:minutes_id}/review", response={200: MinutesOut, **ERRORS}, summary="经理审阅会谈纪要")
def review_minutes(request, minutes_id: int, payload: MinutesReviewIn):
    return _minutes_out(visit_plans.review_minutes(request.auth, minutes_id, payload.accept, payload.note))


# --- monthly information report ------------------------------------------------------------------------------------


@router.post("/info-reports", response={201: InfoReportOut, **ERRORS}, summary="客户信息报告（cust.monthly_info_report）")
def post_info_report(request, payload: InfoReportIn):
    return Status(201, _report_out(upkeep.submit_info_report(request.auth, **payload.model_dump())))


@router.get("/info-reports", response={200: list[InfoReportOut], **ERRORS}, summary="客户信息报告列表")
def list_info_reports(request):
    return [_report_out(r) for r in upkeep.reports_visible_to(request.auth)[:500]]


@router.post("/{int:customer_id}/verify", response={200: VerifiedOut, **ERRORS}, summary="季度核实档案（cust.archive_quarterly_review）")
def verify(request, customer_id: int):
    c = upkeep.verify_customer(request.auth, customer_id)
    return {"id": c.pk, "last_verified_at": local(c.last_verified_at)}
