"""/api/v1/public/tickets: the no-login form's endpoint (throttled per IP and per phone)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from yewu.common.schemas import ERRORS, ErrorOut, Out

from . import services

router = Router(tags=["public"], auth=None)


class PublicIn(Schema):
    type: str
    name: str
    phone: str
    region: str = ""
    content: str
    website: str = ""


class PublicCreatedOut(Out):
    number: str
    message: str


class PublicStatusOut(Out):
    number: str
    type: str
    received_at: datetime
    state: str
    answered: bool
    response: str
    due_at: datetime
    complaint_step: str | None


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


@router.post("/tickets", response={201: PublicCreatedOut, **ERRORS, 429: ErrorOut}, summary="File a complaint, service request or inquiry without an account")
def submit(request, payload: PublicIn):
    t = services.submit(client_ip(request), services.PublicIn(**payload.dict()))
    return Status(201, {"number": t.number, "message": "已收到，请记下编号，凭编号和电话查询进度"})


@router.get("/tickets/status", response={200: PublicStatusOut, **ERRORS, 429: ErrorOut}, summary="Status of an own ticket by number and phone")
def status(request, number: str = "", phone: str = ""):
    return services.status(client_ip(request), number, phone)
