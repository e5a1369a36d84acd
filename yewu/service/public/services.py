"""The public form (no login; SPEC §6, issue 12): a customer files a complaint, a service request or an inquiry,
gets a reference number, and later sees its status with that number and the phone number — nothing else.

Throttled per IP and per phone (counts in the database, so several server processes share them); no outside
captcha service: a hidden honeypot field and the limits below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yewu.common.errors import NotFound, ValidationError, YewuError
from yewu.common.locks import lock
from yewu.policy.customers import normalize_phone

from ..models import PublicAttempt, Ticket
from ..tickets import services as tickets

PUBLIC_TYPES = {"complaint": "投诉", "service": "报修", "inquiry": "咨询"}
DEFAULT_LIMITS = {"submit_per_ip_hour": 5, "submit_per_phone_day": 3, "lookup_per_ip_hour": 30}


class Throttled(YewuError):
    status = 429
    code = "throttled"


def limits() -> dict:
    return {**DEFAULT_LIMITS, **getattr(settings, "YEWU_PUBLIC_FORM_LIMITS", {})}


@dataclass
class PublicIn:
    type: str
    name: str
    phone: str
    region: str
    content: str
    website: str = ""  # honeypot: people never see it, robots fill it


def _check(ip: str, phone_norm: str, kind: str, now: datetime) -> None:
    lim = limits()
    if kind == "submit":
        if PublicAttempt.objects.filter(ip=ip, kind=kind, at__gte=now - timedelta(hours=1)).count() >= lim["submit_per_ip_hour"]:
            raise Throttled("提交过于频繁，请稍后再试或致电客服", rule="public_form.throttle", fields={"ip": "每小时次数已满"})
        if phone_norm and PublicAttempt.objects.filter(phone_norm=phone_norm, kind=kind, at__gte=now - timedelta(days=1)
                                                       ).count() >= lim["submit_per_phone_day"]:
            raise Throttled("该电话号码今日提交次数已满，请致电客服", rule="public_form.throttle", fields={"phone": "每日次数已满"})
    elif PublicAttempt.objects.filter(ip=ip, kind=kind, at__gte=now - timedelta(hours=1)).count() >= lim["lookup_per_ip_hour"]:
        raise Throttled("查询过于频繁，请稍后再试", rule="public_form.throttle", fields={"ip": "每小时次数已满"})


def _attempt(ip: str, phone_norm: str, kind: str, now: datetime) -> None:
    with transaction.atomic():
        lock("public-form")
        _check(ip, phone_norm, kind, now)
        PublicAttempt.objects.create(ip=ip[:64], phone_norm=phone_norm[:20], kind=kind, at=now)


def submit(ip: str, data: PublicIn, now: datetime | None = None) -> Ticket:
    """File a ticket with channel ``web``; the attempt counts even when the input is refused."""
    now = now or timezone.now()
    phone = normalize_phone((data.phone or "")[:30])
    _attempt(ip, phone, "submit", now)
    if (data.website or "").strip():
        raise ValidationError("提交无效", fields={"website": "无效"}, rule="public_form.throttle")
    if data.type not in PUBLIC_TYPES:
        raise ValidationError("请选择类型：投诉、报修或咨询", fields={"type": "投诉/报修/咨询"})
    if not 7 <= len(phone) <= 15:
        raise ValidationError("请填写有效的电话号码", fields={"phone": "7–15 位数字"})
    t_in = tickets.TicketIn(type=data.type, channel="web", content=data.content, caller_name=data.name,
                            caller_phone=data.phone, region=data.region, received_at=now)
    with transaction.atomic():
        if not (data.name or "").strip():
            raise ValidationError("请填写姓名或单位", fields={"name": "必填"})
        fields = tickets._clean_public(t_in, now)
        return tickets._create(None, t_in, fields, now, public=True)


def status(ip: str, number: str, phone: str, now: datetime | None = None) -> dict:
    """The status of one's own ticket; the same answer for a wrong number and a wrong phone."""
    now = now or timezone.now()
    _attempt(ip, "", "lookup", now)
    number = (number or "").strip().upper()[:30]
    p = normalize_phone((phone or "")[:30])
    t = Ticket.objects.filter(number=number, caller_phone_norm=p).first() if number and p else None
    if t is None:
        raise NotFound("没有找到与该编号和电话相符的记录", fields={"number": "编号或电话不符"})
    c = getattr(t, "complaint", None)
    return {"number": t.number, "type": t.get_type_display(), "received_at": t.received_at, "state": t.get_state_display(),
            "answered": t.responded_at is not None, "response": t.response if t.responded_at else "",
            "due_at": t.due_at, "complaint_step": c.get_step_display() if c else None}
