"""Receivables API: the aging table, the monthly AR report, the deferral log, write-offs and deferrals."""

from datetime import date

from django.utils import timezone
from ninja import Router, Schema, Status

from yewu.common import parsers
from yewu.common.errors import ValidationError
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, XLSX, binary, file_op
from yewu.finance.statements import selectors as statement_reads
from yewu.performance.selectors import parse_month
from yewu.policy.receivables import BUCKETS

from .. import documents
from ..pages import xlsx_response
from ..schemas import (
    AgingOut,
    DeferralOut,
    MonthlyArOut,
    WriteOffOut,
)
from . import selectors, services

reports_router = Router(tags=["finance"])


deferrals_router = Router(tags=["finance"])


def _as_of(s: str | None) -> date:
    return parsers.parse_date(s, field="as_of", label="截至日期", required=False) or timezone.localdate()


@reports_router.get("/ar-aging", response={200: AgingOut, **ERRORS}, openapi_extra=binary(XLSX, "JSON, or the workbook with format=xlsx", json_schema={"$ref": "#/components/schemas/AgingOut"}), summary="应收账款账龄表 (ar.aging): group=customer|salesperson|team, as_of=YYYY-MM-DD, format=xlsx")
def ar_aging(request, as_of: str = "", group: str = "customer", format: str = "json"):
    if group not in ("customer", "salesperson", "team"):
        raise ValidationError("group 应为 customer、salesperson 或 team", fields={"group": "customer/salesperson/team"})
    day = _as_of(as_of)
    rows, total = selectors.aging(request.auth, day, group)
    if format == "xlsx":
        return xlsx_response(documents.aging_xlsx(rows, total, day, group), f"应收账款账龄表-{day:%Y%m%d}.xlsx")

    def row(r):
        return {"key": r.key if isinstance(r.key, (int, str)) else str(r.key), "label": r.label, "team": r.team,
                "salesperson": r.salesperson.name if r.salesperson else None,
                "buckets": {b: str(r.buckets[b]) for b in BUCKETS}, "total": str(r.total),
                "written_off": str(r.written_off),
                "oldest_due": r.oldest_due.isoformat() if r.oldest_due else None}

    return {"as_of": day.isoformat(), "group": group, "rule": "ar.aging", "rows": [row(r) for r in rows], "total": row(total)}


@reports_router.get("/ar-monthly", response={200: MonthlyArOut, **ERRORS}, openapi_extra=binary(XLSX, "JSON, or the workbook with format=xlsx", json_schema={"$ref": "#/components/schemas/MonthlyArOut"}), summary="业务部应收账款月报表 per salesperson: month=YYYY-MM, format=xlsx")
def ar_monthly(request, month: str = "", format: str = "json"):
    m = parse_month(month, timezone.localdate())
    rows, total = statement_reads.monthly_ar(request.auth, m)
    if format == "xlsx":
        return xlsx_response(documents.monthly_ar_xlsx(rows, total, m), f"应收账款月报表-{m:%Y-%m}.xlsx")
    keys = ("opening", "delivered", "collected", "closing", "overdue", "over_90")
    return {"month": f"{m:%Y-%m}", "rows": [{"salesperson": x["salesperson"].name, "team": x["team"],
                                            **{k: str(x[k]) for k in keys}} for x in rows],
            "total": {k: str(total[k]) for k in keys}}


@reports_router.get("/deferrals.xlsx", **file_op(XLSX), summary="推迟付款登记 (ar.deferral log) as Excel")
def deferrals_xlsx(request):
    return xlsx_response(documents.deferrals_xlsx(list(selectors.deferrals_visible_to(request.auth))), "推迟付款登记.xlsx")


class WriteOffIn(Schema):
    order_id: int
    amount: MoneyInput
    reason: str = ""


def write_off_out(w) -> dict:
    return {"id": w.pk, "number": w.number, "customer_id": w.customer_id, "order_id": w.order_id, "order": w.order.number,
            "amount": str(w.amount), "reason": w.reason, "state": w.state, "state_label": w.get_state_display(),
            "recovered": str(w.recovered), "outstanding": str(w.outstanding), "approval_id": w.approval_id,
            "requested_by": w.requested_by.name}


@reports_router.post("/write-offs", response={201: WriteOffOut, **ERRORS}, summary="ar.bad_debt: propose a write-off (SM → FD → GM)")
def write_off(request, payload: WriteOffIn):
    w = services.request_write_off(request.auth, payload.order_id, payload.amount, payload.reason)
    return Status(201, write_off_out(w))


@reports_router.get("/write-offs", response={200: list[WriteOffOut], **ERRORS}, summary="ar.bad_debt: write-offs visible to the caller, with what was recovered")
def write_offs(request, customer_id: int | None = None):
    qs = selectors.write_offs_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return [write_off_out(w) for w in qs[:200]]


class DeferralIn(Schema):
    customer_id: int
    new_due_on: date
    reason: str = ""
    order_id: int | None = None


class DeferralDecideIn(Schema):
    grant: bool
    comment: str = ""


def deferral_out(d) -> dict:
    return {"id": d.pk, "customer_id": d.customer_id, "customer": d.customer.name, "order_id": d.order_id,
            "requested_on": d.requested_on.isoformat(), "new_due_on": d.new_due_on.isoformat(), "reason": d.reason,
            "outcome": d.outcome, "outcome_label": d.get_outcome_display(), "credit_review": d.credit_review,
            "decided_by": d.decided_by.name if d.decided_by_id else None}


@deferrals_router.post("", response={201: DeferralOut, **ERRORS}, summary="推迟付款申请 (ar.deferral)")
def create_deferral(request, payload: DeferralIn):
    d = services.request_deferral(request.auth, customer_id=payload.customer_id, new_due_on=payload.new_due_on,
                                  reason=payload.reason, order_id=payload.order_id)
    return Status(201, deferral_out(d))


@deferrals_router.post("/{deferral_id}/decide", response={200: DeferralOut, **ERRORS}, summary="SM grants or refuses")
def decide_deferral(request, deferral_id: int, payload: DeferralDecideIn):
    return deferral_out(services.decide_deferral(request.auth, deferral_id, payload.grant, payload.comment))


@deferrals_router.get("", response={200: list[DeferralOut], **ERRORS}, summary="Deferral requests visible to me")
def list_deferrals(request, customer_id: int | None = None):
    qs = selectors.deferrals_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return [deferral_out(d) for d in qs[:200]]
