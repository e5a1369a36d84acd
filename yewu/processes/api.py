"""API: process definitions and `process.monitoring`."""

from datetime import date

from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.schemas import ERRORS

from . import selectors, services
from .schemas import (
    DefinitionOut,
    FindingOut,
    MonitoringOut,
    ProcessListItem,
    ProcessSuggestionOut,
    ReviewOut,
)

router = Router(tags=["processes"])


def _definition(d, steps: bool = True) -> dict:
    out = {"id": d.pk, "code": d.code, "name": d.name, "version": d.version, "status": d.status,
           "status_label": d.get_status_display(), "objective": d.objective, "owner_department": d.owner_department,
           "administrator": d.administrator.name if d.administrator_id else None,
           "effective_date": d.effective_date, "rollout_due": d.rollout_due}
    if steps:
        out["steps"] = [{"code": s.code, "order": s.order, "department": s.department, "role": s.role,
                         "action": s.action, "instructions": s.instructions, "expected_result": s.expected_result,
                         "input_forms": s.input_forms, "limit_kind": s.limit_kind, "limit_n": s.limit_n,
                         "limit": s.limit_text, "branch_condition": s.branch_condition, "approval": s.is_approval,
                         "key_point": s.key_point, "standard": s.standard} for s in d.steps.all()]
    return out


@router.get("", response={200: list[ProcessListItem], **ERRORS}, exclude_unset=True, summary="Process definitions: per code the published version (with steps) and any open version")
def list_processes(request):
    return [{"code": r["code"], "published": _definition(r["published"]) if r["published"] else None,
             "open_version": _definition(r["open"], steps=False) if r["open"] else None}
            for r in selectors.current_list()]


@router.get("/monitoring", response={200: MonitoringOut, **ERRORS}, summary="process.monitoring: per process for a month (YYYY-MM) — instances, cycle time "
                                   "per step in working hours, on-time share, overdue list (GM all, SM team, CSM CS)")
def monitoring(request, month: str | None = None):
    return selectors.monitoring_dict(selectors.monitoring(request.auth, month))


def _finding(f) -> dict:
    return {"id": f.pk, "review": {"id": f.review_id, "code": f.review.code, "kind": f.review.kind, "period": f.review.period},
            "description": f.description, "owner": {"id": f.owner_id, "name": f.owner.name}, "due_date": f.due_date,
            "state": f.state, "state_label": f.get_state_display(), "overdue": getattr(f, "overdue", False),
            "rectification": f.rectification, "rectified_at": f.rectified_at,
            "verified_by": f.verified_by.name if f.verified_by_id else None, "verified_at": f.verified_at,
            "comment": f.comment, "rule": services.EVAL_RULE}


def _suggestion(s) -> dict:
    return {"id": s.pk, "code": s.code, "text": s.text, "submitted_by": {"id": s.submitted_by_id, "name": s.submitted_by.name},
            "submitted_at": s.submitted_at, "state": s.state, "state_label": s.get_state_display(),
            "decided_by": s.decided_by.name if s.decided_by_id else None, "decided_at": s.decided_at,
            "comment": s.comment, "reward_flag": s.reward_flag,
            "new_version": s.new_version.version if s.new_version_id else None, "rule": services.EVAL_RULE}


def _review(r) -> dict:
    return {"id": r.pk, "code": r.code, "kind": r.kind, "period": r.period, "period_start": r.period_start,
            "period_end": r.period_end, "due_date": r.due_date, "done_at": r.done_at,
            "done_by": r.done_by.name if r.done_by_id else None, "summary": r.summary, "figures": r.figures}


@router.get("/reviews", response={200: list[ReviewOut], **ERRORS}, summary="process.evaluation_audit: evaluations (quarterly) and audits (half-yearly)")
def list_reviews(request, code: str | None = None):
    return [_review(r) for r in selectors.reviews(code)[:200]]


class ReviewDoneIn(Schema):
    summary: str


@router.post("/reviews/{review_id}/complete", response={200: ReviewOut, **ERRORS}, summary="Complete an evaluation/audit (GM, 行政, process administrator)")
def complete_review(request, review_id: int, payload: ReviewDoneIn):
    return _review(services.complete_review(request.auth, review_id, payload.summary))


@router.get("/findings", response={200: list[FindingOut], **ERRORS}, summary="Findings I may see, overdue first (open_only=false for closed ones too)")
def list_findings(request, code: str | None = None, open_only: bool = True):
    return [_finding(f) for f in selectors.findings(request.auth, code, open_only=open_only)]


class FindingIn(Schema):
    review_id: int
    description: str
    owner_id: int
    due_date: date | None = None


@router.post("/findings", response={201: FindingOut, **ERRORS}, summary="Record a finding with an owner; due in 10 WD by default")
def create_finding(request, payload: FindingIn):
    f = services.add_finding(request.auth, payload.review_id, payload.description, payload.owner_id, payload.due_date)
    return Status(201, _finding(f))


class RectifyIn(Schema):
    rectification: str


@router.post("/findings/{finding_id}/rectify", response={200: FindingOut, **ERRORS}, summary="The owner records the rectification")
def rectify_finding(request, finding_id: int, payload: RectifyIn):
    return _finding(services.rectify(request.auth, finding_id, payload.rectification))


class VerifyIn(Schema):
    approve: bool = True
    comment: str = ""


@router.post("/findings/{finding_id}/verify", response={200: FindingOut, **ERRORS}, summary="GM or process administrator (not the owner): verify or reopen")
def verify_finding(request, finding_id: int, payload: VerifyIn):
    return _finding(services.verify(request.auth, finding_id, payload.approve, payload.comment))


@router.get("/suggestions", response={200: list[ProcessSuggestionOut], **ERRORS}, summary="Improvement suggestions I may see (GM/行政 all, administrator own processes, own)")
def list_suggestions(request, code: str | None = None):
    return [_suggestion(s) for s in selectors.suggestions(request.auth, code)]


class SuggestionIn(Schema):
    code: str
    text: str


@router.post("/suggestions", response={201: ProcessSuggestionOut, **ERRORS}, summary="Any employee suggests an improvement to a process")
def create_suggestion(request, payload: SuggestionIn):
    return Status(201, _suggestion(services.submit_suggestion(request.auth, payload.code, payload.text)))


class SuggestionDecideIn(Schema):
    accept: bool
    comment: str = ""
    start_version: bool = False


@router.post("/suggestions/{suggestion_id}/decide", response={200: ProcessSuggestionOut, **ERRORS},
             summary="GM or process administrator: accept as effective (reward flag, optional new draft version) or reject")
def decide_suggestion(request, suggestion_id: int, payload: SuggestionDecideIn):
    return _suggestion(services.decide_suggestion(request.auth, suggestion_id, payload.accept, payload.comment,
                                                  start_version=payload.start_version))


@router.get("/{code}", response={200: list[DefinitionOut], **ERRORS}, exclude_unset=True, summary="All versions of one process, newest first")
def process_versions(request, code: str):
    rows = list(selectors.definitions().filter(code=code).prefetch_related("steps"))
    if not rows:
        raise NotFound("流程不存在")
    return [_definition(d) for d in rows]
