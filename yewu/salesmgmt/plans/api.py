"""`/api/v1/plans`: 行动计划表 and weekly action items (`plan.monthly_action`, `visit.weekly_plan`)."""

from __future__ import annotations

from typing import Literal

from django.utils import timezone
from ninja import Router, Schema

from yewu.common.schemas import ERRORS, PDF, XLSX, Out, file_op

from ..daily.selectors import parse_day
from ..documents import sheets
from ..documents.paper import file_response
from . import selectors, services

router = Router(tags=["sales management: plans"])


class ItemIn(Schema):
    text: str
    planned: str | int = 0
    customer_id: int | None = None


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


class ActionItemOut(Out):
    id: int
    text: str
    customer_id: int | None
    customer: str | None
    planned: str
    actual: str | None
    cause: str
    countermeasure: str
    in_visit_plan: bool | None
    visited: bool | None


class WeekVisitPlanOut(Out):
    id: int
    starts_at: str
    ends_at: str
    state: str
    customers: list[str]


class ActionPlanOut(Out):
    id: int
    salesperson: str
    kind: str
    period_start: str
    due_at: str
    late: bool
    instructions: str
    items: list[ActionItemOut]
    visit_plans: list[WeekVisitPlanOut]


class ActualOut(Out):
    id: int
    planned: str
    actual: str
    cause: str
    countermeasure: str


def out(user, p) -> dict:
    links = selectors.week_links(user, p)
    return {"id": p.pk, "salesperson": p.salesperson.name, "kind": p.kind, "period_start": p.period_start.isoformat(),
            "due_at": timezone.localtime(p.due_at).isoformat(), "late": p.late, "instructions": p.instructions,
            "items": [{"id": i.pk, "text": i.text, "customer_id": i.customer_id,
                       "customer": i.customer.name if i.customer_id else None, "planned": str(i.planned),
                       "actual": None if i.actual is None else str(i.actual), "cause": i.cause,
                       "countermeasure": i.countermeasure,
                       "in_visit_plan": (links["items"].get(i.pk) or {}).get("planned"),
                       "visited": (links["items"].get(i.pk) or {}).get("visited")} for i in p.items.all()],
            "visit_plans": [{"id": v.pk, "starts_at": timezone.localtime(v.starts_at).isoformat(),
                             "ends_at": timezone.localtime(v.ends_at).isoformat(), "state": v.state,
                             "customers": [c.name for c in v.customers.all()]} for v in links["visit_plans"]]}


@router.get("", response={200: list[ActionPlanOut], **ERRORS}, summary="Plans you may see")
def list_plans(request, kind: str = ""):
    return [out(request.auth, p) for p in selectors.plans(request.auth, kind or None)]


@router.post("", response={200: ActionPlanOut, **ERRORS}, summary="Submit the monthly action plan or the weekly items (SP)")
def submit(request, payload: ActionPlanIn):
    p = services.submit_plan(request.auth, payload.kind, parse_day(payload.start), [i.dict() for i in payload.items])
    return out(request.auth, p)


@router.post("/{plan_id}/instructions", response={200: ActionPlanOut, **ERRORS}, summary="SM instructions")
def instruct(request, plan_id: int, payload: InstructIn):
    return out(request.auth, services.instruct(request.auth, plan_id, payload.instructions))


@router.post("/items/{item_id}/actual", response={200: ActualOut, **ERRORS}, summary="Plan vs actual; a variance needs a cause and a countermeasure")
def actual(request, item_id: int, payload: ActualIn):
    i = services.record_actual(request.auth, item_id, payload.actual, payload.cause, payload.countermeasure)
    return {"id": i.pk, "planned": str(i.planned), "actual": str(i.actual), "cause": i.cause,
            "countermeasure": i.countermeasure}


@router.get("/document", **file_op(PDF, "行动计划表 PDF 或 Excel（fmt=xlsx）", also=(XLSX,)), summary="行动计划表 as PDF (fmt=pdf) or Excel (fmt=xlsx)")
def document(request, kind: str = "", fmt: Literal["pdf", "xlsx"] = "pdf"):
    return file_response(sheets.action_plans(list(selectors.plans(request.auth, kind or None)), fmt), fmt, "action-plans")
