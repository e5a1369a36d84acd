"""/api/v1/return-visits (SPEC §6.3): record a visit (`revisit.record_complete`, `revisit.quiet_hours` warning),
list, campaigns (`revisit.key_customers_100pct`)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.schemas import ERRORS, PDF, Out, ReasonOut, file_op
from yewu.org.permissions import require

from ..documents import sheet, visit_sheets
from ..models import Campaign, ReturnVisit
from . import selectors, services

router = Router(tags=["service"])


class ReturnVisitIn(Schema):
    channel: str = ""
    contact: str = ""
    visited_at: str | None = None
    satisfaction: str = ""
    opinion: str = ""
    customer_id: int | None = None
    complaint_id: int | None = None
    campaign_id: int | None = None
    job_id: int | None = None
    evaluation: str = ""
    suggestions: str = ""
    needs: str = ""
    followup: str = ""
    improvement_department_id: int | None = None


class ReturnVisitOut(Out):
    id: int
    customer: str
    complaint_id: int | None
    campaign_id: int | None
    channel: str
    contact: str
    visited_at: datetime
    satisfaction: str
    opinion: str
    warnings: list[ReasonOut]


class CampaignIn(Schema):
    name: str
    starts_on: date
    ends_on: date


class AttemptIn(Schema):
    customer_id: int
    note: str = ""


class CampaignCloseIn(Schema):
    summary: str = ""


class CampaignMemberOut(Out):
    customer_id: int
    name: str
    visited: bool
    failed_attempts: int
    signed_off: bool


class CampaignOut(Out):
    """A key-customer return-visit campaign (`revisit.key_customers_100pct`): KPI = visited ÷ key customers."""

    id: int
    name: str
    starts_on: date
    ends_on: date
    closed: bool
    key_customers: int
    visited: int
    kpi: str
    may_close: bool
    blocking: str
    members: list[CampaignMemberOut]


class AttemptOut(Out):
    customer_id: int
    failed_attempts: int


class SignOffOut(Out):
    customer_id: int
    signed_off_by: str


def visit_out(v: ReturnVisit) -> dict:
    return {"id": v.pk, "customer": v.customer.name if v.customer_id else "", "complaint_id": v.complaint_id,
            "campaign_id": v.campaign_id, "channel": v.channel, "contact": v.contact, "visited_at": v.visited_at,
            "satisfaction": v.satisfaction, "opinion": v.opinion, "warnings": v.warnings}


def campaign_out(c: Campaign) -> dict:
    return selectors.campaign_summary(c)


@router.get("", response={200: list[ReturnVisitOut], **ERRORS}, summary="Return visits visible to me")
def list_visits(request, complaint_id: int | None = None):
    return [visit_out(v) for v in selectors.visits_visible_to(request.auth, complaint_id=complaint_id)[:200]]


@router.post("", response={201: ReturnVisitOut, **ERRORS}, summary="Record a return visit (revisit.record_complete; revisit.quiet_hours warns)")
def create(request, payload: ReturnVisitIn):
    v, _ = services.record_visit(request.auth, services.VisitIn(**payload.dict()))
    return Status(201, visit_out(v))


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="Quarterly key-customer campaigns")
def campaigns(request):
    require(request.auth, "records_return_visits")
    return [campaign_out(c) for c in Campaign.objects.all()[:50]]


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="Open a campaign with every key customer")
def create_campaign(request, payload: CampaignIn):
    return Status(201, campaign_out(services.create_campaign(request.auth, payload.name, payload.starts_on, payload.ends_on)))


@router.post("/campaigns/{campaign_id}/failed-attempts", response={200: AttemptOut, **ERRORS}, summary="Document a failed attempt")
def failed_attempt(request, campaign_id: int, payload: AttemptIn):
    m = services.failed_attempt(request.auth, campaign_id, payload.customer_id, payload.note)
    return {"customer_id": m.customer_id, "failed_attempts": len(m.failed_attempts)}


@router.post("/campaigns/{campaign_id}/sign-off", response={200: SignOffOut, **ERRORS}, summary="CSM sign-off after 3 failed attempts")
def sign_off(request, campaign_id: int, payload: AttemptIn):
    m = services.sign_off(request.auth, campaign_id, payload.customer_id)
    return {"customer_id": m.customer_id, "signed_off_by": m.signed_off_by.name}


@router.post("/campaigns/{campaign_id}/close", response={200: CampaignOut, **ERRORS}, summary="Close a campaign at 100% (revisit.key_customers_100pct)")
def close_campaign(request, campaign_id: int, payload: CampaignCloseIn):
    return campaign_out(services.close_campaign(request.auth, campaign_id, payload.summary))


@router.get("/{visit_id}/record", **file_op(PDF, "回访记录表"), summary="A return-visit record (回访记录表), PDF")
def visit_record(request, visit_id: int):
    v = selectors.visits_visible_to(request.auth).filter(pk=visit_id).first()
    if v is None:
        raise NotFound("回访记录不存在")
    return sheet.response(visit_sheets.visit_record(v), "pdf")


@router.get("/campaigns/{campaign_id}/report", **file_op(PDF, "回访总结报告"),
            summary="The campaign summary report (回访总结报告), PDF")
def campaign_report(request, campaign_id: int):
    require(request.auth, "records_return_visits")
    camp = Campaign.objects.filter(pk=campaign_id).first()
    if camp is None:
        raise NotFound("回访活动不存在")
    return sheet.response(visit_sheets.campaign_report(camp, selectors.campaign_members(camp)), "pdf")
