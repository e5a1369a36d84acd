"""/api/v1/customers/info-reports and /{id}/verify: monthly information reports and quarterly verification (§2.5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema, Status

from yewu.common.schemas import Out
from yewu.customers.models import InfoReport
from yewu.customers.routers import router
from yewu.customers.schemas import ERRORS, local
from yewu.customers.upkeep import services as upkeep


class InfoReportIn(Schema):
    changes: str
    competition: str
    other: str = ""


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


def _report_out(r: InfoReport) -> dict[str, Any]:
    return {"id": r.pk, "user": r.user.name, "month": r.month.strftime("%Y-%m"), "late": r.late,
            "submitted_at": local(r.submitted_at), "changes": r.changes, "competition": r.competition, "other": r.other}


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
