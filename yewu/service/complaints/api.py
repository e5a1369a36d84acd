"""/api/v1/complaints (SPEC §6.2): the 5-step workflow; every transition is one POST naming the step's rule on
refusal. Claims are reviewed by the SM through /api/v1/approvals (`claim.manager_review`)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema

from yewu.common.errors import NotFound, ValidationError
from yewu.common.schemas import ERRORS, PDF, Out, file_op
from yewu.org.permissions import require

from ..documents import complaint_sheets, sheet
from ..models import Complaint
from . import selectors, services

router = Router(tags=["service"])


class ComplaintStepOut(Out):
    label: str
    rule: str
    due_at: datetime | None
    done_at: datetime | None
    state: str
    holder: str


class ComplaintSolutionOut(Out):
    id: int
    round: int
    text: str
    responsible: str


class ComplaintOut(Out):
    id: int
    number: str
    category: str
    step: str
    step_label: str
    holder: str
    step_due_at: datetime | None
    step_rule: str
    reply_due_at: datetime
    customer: str
    department: str
    major: bool
    is_claim: bool
    claim_state: str
    rejections: int
    reopens: int
    outcome: str
    content: str
    steps: list[ComplaintStepOut]
    solutions: list[ComplaintSolutionOut]
    selected_solution_id: int | None


class JudgeIn(Schema):
    valid: bool
    finding: str
    department_id: int | None = None


class SolutionIn(Schema):
    text: str
    cost: str | None = None
    responsible: str = ""


class ProposeIn(Schema):
    solutions: list[SolutionIn]


class SelectIn(Schema):
    solution_id: int


class ConsultIn(Schema):
    agrees: bool
    opinion: str


class ComplaintNoteIn(Schema):
    note: str = ""


class MajorIn(Schema):
    major: bool = True


class AnalysisRowOut(Out):
    number: str
    category: str
    department: str
    cause: str
    days_to_close: int | None
    reopens: int
    closed: bool
    major: bool


class ComplaintAnalysisOut(Out):
    """客户投诉分析表 (`complaint.monthly_analysis`)."""

    year: int
    month: int
    rows: list[AnalysisRowOut]
    by_category: dict[str, int]
    by_department: dict[str, int]
    received: int
    closed: int
    handling_rate: float
    avg_days_to_close: float | None
    reopens: int
    due_on: date


def complaint_out(c: Complaint) -> dict:
    return {"id": c.pk, "number": c.number, "category": c.category, "step": c.step, "step_label": c.get_step_display(),
            "holder": selectors.holder(c), "step_due_at": c.step_due_at, "step_rule": c.step_rule,
            "reply_due_at": c.reply_due_at, "customer": c.customer.name if c.customer_id else "",
            "department": c.department.name if c.department_id else "", "major": c.major, "is_claim": c.is_claim,
            "claim_state": c.claim_state, "rejections": c.rejections, "reopens": c.reopens, "outcome": c.outcome,
            "content": c.content, "steps": selectors.timeline(c),
            "solutions": [{"id": s.pk, "round": s.round, "text": s.text, "responsible": s.responsible}
                          for s in c.solutions.all()],
            "selected_solution_id": c.selected_solution_id}


def _get(request, pk: int) -> Complaint:
    c = selectors.complaint_for(request.auth, pk)
    if c is None:
        raise NotFound("投诉不存在")
    return c


def _fresh(request, pk: int) -> dict:
    return complaint_out(_get(request, pk))


@router.get("", response={200: list[ComplaintOut], **ERRORS}, summary="Complaints visible to me, each step with its holder")
def list_complaints(request, step: str = "", open_only: bool = False):
    return [complaint_out(c) for c in selectors.list_complaints(request.auth, step=step, open_only=open_only)]


@router.get("/analysis", response={200: ComplaintAnalysisOut, **ERRORS}, summary="客户投诉分析表 of a month (complaint.monthly_analysis)")
def analysis(request, year: int, month: int):
    """`complaint.monthly_analysis` (客户投诉分析表)."""
    require(request.auth, "manages_service")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError("年月无效", fields={"month": "1–12"}, rule="complaint.monthly_analysis")
    return selectors.monthly_analysis(year, month)


@router.get("/{complaint_id}", response={200: ComplaintOut, **ERRORS}, summary="A complaint with each step's due time and holder")
def detail(request, complaint_id: int):
    return complaint_out(_get(request, complaint_id))


@router.post("/{complaint_id}/judge", response={200: ComplaintOut, **ERRORS}, summary="Judge valid (dispatch the same day) or unfounded")
def judge(request, complaint_id: int, payload: JudgeIn):
    _get(request, complaint_id)
    services.judge(request.auth, complaint_id, valid=payload.valid, finding=payload.finding,
                   department_id=payload.department_id)
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/solutions", response={200: ComplaintOut, **ERRORS}, summary="The department proposes solutions (complaint.solution_3wd)")
def propose(request, complaint_id: int, payload: ProposeIn):
    _get(request, complaint_id)
    services.propose(request.auth, complaint_id, [s.dict() for s in payload.solutions])
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/select", response={200: ComplaintOut, **ERRORS}, summary="Select a solution (complaint.solution_review)")
def select(request, complaint_id: int, payload: SelectIn):
    _get(request, complaint_id)
    services.select(request.auth, complaint_id, payload.solution_id)
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/consult", response={200: ComplaintOut, **ERRORS}, summary="Record the customer opinion (complaint.customer_consult)")
def consult(request, complaint_id: int, payload: ConsultIn):
    _get(request, complaint_id)
    services.consult(request.auth, complaint_id, agrees=payload.agrees, opinion=payload.opinion)
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/implement", response={200: ComplaintOut, **ERRORS}, summary="Implementation done (complaint.followup_5wd)")
def implement(request, complaint_id: int, payload: ComplaintNoteIn):
    _get(request, complaint_id)
    services.implement(request.auth, complaint_id, payload.note)
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/close", response={200: ComplaintOut, **ERRORS}, summary="Close when satisfied (complaint.close_satisfied)")
def close(request, complaint_id: int):
    _get(request, complaint_id)
    services.close(request.auth, complaint_id)
    return _fresh(request, complaint_id)


@router.post("/{complaint_id}/major", response={200: ComplaintOut, **ERRORS}, summary="Flag major (complaint.major_to_gm)")
def major(request, complaint_id: int, payload: MajorIn):
    _get(request, complaint_id)
    services.flag_major(request.auth, complaint_id, payload.major)
    return _fresh(request, complaint_id)


@router.get("/{complaint_id}/documents/{kind}", **file_op(PDF, "客户投诉记录表 / 投诉调查表 / 投诉传递单 / 客户意见表 / 客户投诉处理表"),
            summary="A complaint form as PDF: kind = record, investigation, transfer, opinion or handling")
def document(request, complaint_id: int, kind: str):
    c = _get(request, complaint_id)
    if kind not in complaint_sheets.KINDS:
        raise NotFound("没有这种表单", fields={"kind": "/".join(complaint_sheets.KINDS)})
    return sheet.response(complaint_sheets.sheet(c, kind), "pdf")
