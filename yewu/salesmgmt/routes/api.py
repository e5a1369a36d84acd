"""`/api/v1/route-visits`: record a route visit (8 ordered steps, stock check, suggested order, next visit date),
get a suggested order, list visits (`route.visit_8_steps`, `route.safety_stock_1_5`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Router, Schema

from yewu.common.errors import ValidationError
from yewu.common.schemas import ERRORS, PDF, XLSX, Out, file_op
from yewu.customers.models import Customer

from ..documents import sheets
from ..documents.paper import file_response
from ..scope import visible_salespeople
from . import selectors, services

router = Router(tags=["sales management: route visits"])


class StepIn(Schema):
    step: int
    note: str = ""


class LineIn(Schema):
    product_id: int
    on_hand: int | str
    pack: int | str = 1
    delivered_since_previous: int | str = 0
    qty: int | str | None = None


class RouteVisitIn(Schema):
    customer_id: int
    steps: list[StepIn]
    lines: list[LineIn] = []
    next_visit_on: str | None = None
    confirm_order: bool = False
    settlement: str = "CASH"


class RouteStepOut(Out):
    step: int
    label: str
    note: str


class RouteLineOut(Out):
    product_id: int
    product: str
    on_hand: int
    pack: int
    weekly: str
    suggested: int
    qty: int
    explain: str


class RouteVisitOut(Out):
    id: int
    salesperson: str
    customer: str
    day: str
    steps: list[RouteStepOut]
    lines: list[RouteLineOut]
    order: str | None
    next_visit_on: str


class SafetyStockSuggestionOut(Out):
    rule: str
    weekly: str
    qty: int
    explain: str


def out(v) -> dict:
    return {"id": v.pk, "salesperson": v.salesperson.name, "customer": v.customer.name, "day": v.day.isoformat(), "steps": v.steps, "lines": v.lines,
            "order": v.order.number if v.order_id else None, "next_visit_on": v.next_visit_on.isoformat()}


@router.post("", response={200: RouteVisitOut, **ERRORS}, summary="Record a route visit (8 ordered steps; next visit date mandatory)")
def create(request, payload: RouteVisitIn):
    nxt = None
    if payload.next_visit_on:
        try:
            nxt = date.fromisoformat(payload.next_visit_on)
        except ValueError:
            raise ValidationError("日期格式错误", fields={"next_visit_on": "格式应为 YYYY-MM-DD"},
                                  rule="route.visit_8_steps") from None
    v = services.record_visit(request.auth, customer_id=payload.customer_id, steps=[s.dict() for s in payload.steps],
                              lines=[ln.dict(exclude_none=True) for ln in payload.lines], next_visit_on=nxt,
                              confirm_order=payload.confirm_order, settlement=payload.settlement)
    return out(v)


@router.get("/suggestion", response={200: SafetyStockSuggestionOut, **ERRORS}, summary="Suggested order = max(0, 1.5 × W − on hand), rounded up to the pack")
def suggestion(request, customer_id: int, product_id: int, on_hand: int, pack: int = 1, delivered: int = 0):
    if not Customer.objects.filter(pk=customer_id, owner__in=visible_salespeople(request.auth)).exists():
        raise ValidationError("客户不存在或无权查看", fields={"customer_id": "无权查看"}, rule="acl.sp_scope")
    s = services.suggestion(customer_id, product_id, on_hand, pack, delivered)
    return {"rule": "route.safety_stock_1_5", "weekly": str(s["weekly"]), "qty": s["qty"], "explain": s["explain"]}


@router.get("", response={200: list[RouteVisitOut], **ERRORS}, summary="Route visits you may see")
def list_visits(request):
    return [out(v) for v in selectors.visits(request.auth)]


@router.get("/document", **file_op(PDF, "线路拜访表 PDF 或 Excel（fmt=xlsx）", also=(XLSX,)), summary="线路拜访表 as PDF (fmt=pdf) or Excel (fmt=xlsx)")
def document(request, fmt: Literal["pdf", "xlsx"] = "pdf"):
    return file_response(sheets.route_visits(list(selectors.visits(request.auth, 200)), fmt), fmt, "route-visits")
