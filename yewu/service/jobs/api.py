"""/api/v1/service-jobs (SPEC §6.4): register (`service.arrival_sla`), dispatch, arrive, close with a signature
(`service.close_signature`), survey (`service.survey_100pct`)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import date, datetime

from ninja import Field, Router, Schema, Status

from yewu.common.errors import NotFound, ValidationError
from yewu.common.schemas import ERRORS, PDF, Out, file_op
from yewu.policy import service as rules

from ..documents import sheet, visit_sheets
from ..models import ServiceJob
from . import selectors, services

router = Router(tags=["service"])


class ServiceJobIn(Schema):
    category: str
    district: str
    problem: str
    customer_id: int | None = None
    address: str = ""
    registered_at: str | None = None
    carry_in: bool = False


MONEY = "金额（元，两位小数）；无权查看金额的角色为空"


class JobInvoiceOut(Out):
    rule: str = Field(..., description="service.close_signature：收费服务单完工当日开票")
    requested_at: datetime = Field(..., description="通知财务开票的时间（完工时）")
    state: str = Field(..., description="notified（未生成开票申请，由财务核对服务单）或承载本单的开票申请"
                                        "的状态：waiting 累计中、pending_review 待经理审核、approved 待财务开票、"
                                        "issued 已开票、rejected 已退回、reversed 发票已红冲")
    state_label: str = Field(..., description="状态（中文）")
    request_number: str = Field(..., description="开票申请单号（无申请时为空）")
    merged_into: str = Field(..., description="已并入的增值税专票合并申请单号（invoice.vat_min_5000）")
    kind_label: str = Field(..., description="发票类型（中文）")
    charge: str | None = Field(..., description="本单收费 " + MONEY)
    request_amount: str | None = Field(..., description="承载本单的开票申请金额 " + MONEY)
    invoice_number: str = Field(..., description="发票号码（财务开票后）")
    issued_on: date | None = Field(..., description="开票日期")
    invoice_amount: str | None = Field(..., description="发票价税合计 " + MONEY)
    invoice_reversed: bool = Field(..., description="该发票已红冲")
    text: str = Field(..., description="服务单页面显示的同一句话")


class ServiceJobOut(Out):
    id: int
    number: str
    category: str
    zone: str
    district: str
    state: str
    customer: str
    technician: str
    registered_at: datetime
    arrival_due_at: datetime
    arrival_rule: str
    arrived_at: datetime | None
    arrival_hours: str | None
    signed: bool
    closed_at: datetime | None
    invoice_requested: bool
    invoice: JobInvoiceOut | None = Field(..., description="收费服务单的开票情况（service.close_signature）；免费服务单为空")
    unsolved_at: datetime | None
    unsolved_level: str


class DispatchIn(Schema):
    technician_id: int


class ArriveIn(Schema):
    arrived_at: str | None = None


class JobCloseIn(Schema):
    work_done: str
    signer_name: str = ""
    signature: str = ""
    photo_base64: str = ""
    amount: str | None = None
    checks: dict[str, bool] = {}


class UnsolvedIn(Schema):
    note: str


class SurveyIn(Schema):
    ratings: dict[str, int]


class SurveyOut(Out):
    job_id: int
    ratings: dict[str, int]


def _money(v) -> str | None:
    return None if v is None else f"{v:.2f}"


def _invoice_out(inv: selectors.JobInvoice | None) -> dict | None:
    if inv is None:
        return None
    return {**asdict(inv), "charge": _money(inv.charge), "request_amount": _money(inv.request_amount),
            "invoice_amount": _money(inv.invoice_amount)}


def job_out(j: ServiceJob, invoice: selectors.JobInvoice | None = None) -> dict:
    return {"id": j.pk, "number": j.number, "category": j.category, "zone": j.zone, "district": j.district,
            "state": j.state, "customer": j.customer.name if j.customer_id else "",
            "technician": j.technician.name if j.technician_id else "", "registered_at": j.registered_at,
            "arrival_due_at": j.arrival_due_at, "arrival_rule": "service.arrival_sla", "arrived_at": j.arrived_at,
            "arrival_hours": str(j.arrival_hours) if j.arrival_hours is not None else None,
            "signed": bool(j.signature or j.signature_photo), "closed_at": j.closed_at,
            "invoice_requested": bool(j.invoice_requested_at), "invoice": _invoice_out(invoice), "unsolved_at": j.unsolved_at,
            "unsolved_level": rules.UNSOLVED_CHAIN[j.unsolved_level - 1] if j.unsolved_level else ""}


def _out(request, j: ServiceJob) -> dict:
    return job_out(j, selectors.job_invoice(request.auth, j))


def _get(request, pk):
    j = selectors.job_for(request.auth, pk)
    if j is None:
        raise NotFound("服务单不存在")
    return j


@router.get("", response={200: list[ServiceJobOut], **ERRORS}, summary="Service jobs visible to me")
def list_jobs(request):
    rows = list(selectors.jobs_visible_to(request.auth)[:200])
    invoices = selectors.job_invoices(request.auth, rows)
    return [job_out(j, invoices.get(j.pk)) for j in rows]


@router.post("", response={201: ServiceJobOut, **ERRORS}, summary="Register a call (service.arrival_sla)")
def create(request, payload: ServiceJobIn):
    return Status(201, _out(request, services.register_job(request.auth, services.JobIn(**payload.dict()))))


@router.get("/{job_id}", response={200: ServiceJobOut, **ERRORS})
def detail(request, job_id: int):
    return _out(request, _get(request, job_id))


@router.post("/{job_id}/dispatch", response={200: ServiceJobOut, **ERRORS})
def dispatch(request, job_id: int, payload: DispatchIn):
    _get(request, job_id)
    return _out(request, services.dispatch(request.auth, job_id, payload.technician_id))


@router.post("/{job_id}/arrive", response={200: ServiceJobOut, **ERRORS})
def arrive(request, job_id: int, payload: ArriveIn):
    _get(request, job_id)
    return _out(request, services.arrive(request.auth, job_id, payload.arrived_at))


@router.post("/{job_id}/unsolved", response={200: ServiceJobOut, **ERRORS}, summary="Report a problem not solved on site (service.dispatch: SP → SM → GM)")
def unsolved(request, job_id: int, payload: UnsolvedIn):
    _get(request, job_id)
    return _out(request, services.report_unsolved(request.auth, job_id, payload.note))


@router.post("/{job_id}/close", response={200: ServiceJobOut, **ERRORS})
def close(request, job_id: int, payload: JobCloseIn):
    _get(request, job_id)
    photo = None
    if payload.photo_base64:
        try:
            photo = base64.b64decode(payload.photo_base64[:4_100_000], validate=True)
        except ValueError:
            raise ValidationError("照片不是有效的 base64", fields={"photo_base64": "无效"}, rule="service.close_signature") from None
    return _out(request, services.close_job(request.auth, job_id, work_done=payload.work_done, signer_name=payload.signer_name,
                                                    signature=payload.signature, photo=photo, amount=payload.amount,
                                                    checks=payload.checks))


@router.post("/{job_id}/survey", response={200: SurveyOut, **ERRORS}, summary="The caller rates the technician (service.survey_100pct)")
def survey(request, job_id: int, payload: SurveyIn):
    _get(request, job_id)
    s = services.rate(request.auth, job_id, payload.ratings)
    return {"job_id": job_id, "ratings": s.ratings}


@router.get("/{job_id}/voucher", **file_op(PDF, "服务凭证"), summary="The service voucher (服务凭证) with the signature, PDF")
def voucher(request, job_id: int):
    return sheet.response(visit_sheets.voucher(_get(request, job_id)), "pdf")


@router.get("/{job_id}/survey-form", **file_op(PDF, "客户满意度调查表"), summary="The satisfaction survey (客户满意度调查表), PDF")
def survey_form(request, job_id: int):
    return sheet.response(visit_sheets.satisfaction_survey(_get(request, job_id)), "pdf")
