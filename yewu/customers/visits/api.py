"""/api/v1/customers/visit-plans and minutes: visit plans (`visit.plan_approval`), meeting minutes (`visit.minutes_2wd`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema, Status

from yewu.common.schemas import Out
from yewu.customers.models import Minutes, VisitPlan
from yewu.customers.routers import router
from yewu.customers.schemas import ERRORS, local
from yewu.customers.visits import services as visit_plans


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


def _plan_out(p: VisitPlan) -> dict[str, Any]:
    return {"id": p.pk, "user": p.user.name, "state": p.state, "starts_at": local(p.starts_at), "ends_at": local(p.ends_at),
            "customer_ids": [c.pk for c in p.customers.all()], "objectives": p.objectives, "approval_id": p.approval_id,
            "approved_at": local(p.approved_at), "approved_late": p.approved_late}


def _minutes_out(m: Minutes) -> dict[str, Any]:
    return {"id": m.pk, "visit_id": m.visit_id, "state": m.state, "due_at": local(m.due_at),
            "written_at": local(m.written_at), "late": m.late, "note_taker": m.note_taker}


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
