"""`/api/v1/plans`: 行动计划表 and weekly action items (`plan.monthly_action`, `visit.weekly_plan`)."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Schema

from ..daily.selectors import parse_day
from . import selectors, services

router = Router(tags=["sales management: plans"])


class ItemIn(Schema):
    text: str
    planned: str | int = 0


class ActionPlanIn(Schema):
    kind: str
    start: str
    items: list[ItemIn]


class InstructIn(Schema):
    instructions: str


class ActualIn(Schema):
    actual: str | int
    cause: str = ""
    countermeasure: str = ""


class ActionPlanOut(Schema):
    id: int
    salesperson: str
    kind: str
    period_start: str
    due_at: str
    late: bool
    instructions: str
    items: list[dict]


def out(p) -> dict:
    return {"id": p.pk, "salesperson": p.salesperson.name, "kind": p.kind, "period_start": p.period_start.isoformat(),
            "due_at": timezone.localtime(p.due_at).isoformat(), "late": p.late, "instructions": p.instructions,
            "items": [{"id": i.pk, "text": i.text, "planned": str(i.planned),
                       "actual": None if i.actual is None else str(i.actual), "cause": i.cause,
                       "countermeasure": i.countermeasure} for i in p.items.all()]}


@router.get("", response=list[ActionPlanOut], summary="Plans you may see")
def list_plans(request, kind: str = ""):
    return [out(p) for p in selectors.plans(request.auth, kind or None)]


@router.post("", response=ActionPlanOut, summary="Submit the monthly action plan or the weekly items (SP)")
def submit(request, payload: ActionPlanIn):
    p = services.submit_plan(request.auth, payload.kind, parse_day(payload.start), [i.dict() for i in payload.items])
    return out(p)


@router.post("/{plan_id}/instructions", response=ActionPlanOut, summary="SM instructions")
def instruct(request, plan_id: int, payload: InstructIn):
    return out(services.instruct(request.auth, plan_id, payload.instructions))


@router.post("/items/{item_id}/actual", summary="Plan vs actual; a variance needs a cause and a countermeasure")
def actual(request, item_id: int, payload: ActualIn):
    i = services.record_actual(request.auth, item_id, payload.actual, payload.cause, payload.countermeasure)
    return {"id": i.pk, "planned": str(i.planned), "actual": str(i.actual), "cause": i.cause,
            "countermeasure": i.countermeasure}
