"""Writes of notification channels (issue 15): bounded input, one transaction, audited."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.validators import validate_email
from django.db import transaction

from yewu.audit.services import record
from yewu.common.errors import NotFound, PermissionDenied, ValidationError
from yewu.common.models import PushChannel
from yewu.org.models import Team
from yewu.org.permissions import can


def _clean(value: str, field: str, label: str, max_len: int, required: bool = True) -> str:
    v = (value or "").strip()
    if any(ord(ch) < 32 for ch in v):
        raise ValidationError(f"{label}含有控制字符", fields={field: "含有控制字符"}, rule="notify.push")
    if required and not v:
        raise ValidationError(f"请填写{label}", fields={field: "必填"}, rule="notify.push")
    if len(v) > max_len:
        raise ValidationError(f"{label}最长 {max_len} 个字符（现 {len(v)}）", fields={field: f"最长 {max_len} 个字符"},
                              rule="notify.push")
    return v


@transaction.atomic
def add_channel(actor, *, kind: str, name: str, target: str, secret: str = "", team: str = "") -> PushChannel:
    if kind not in PushChannel.Kind.values:
        raise ValidationError("请选择渠道类型", fields={"kind": "、".join(PushChannel.Kind.values)}, rule="notify.push")
    name = _clean(name, "name", "名称", 50)
    target = _clean(target, "target", "地址", 500)
    secret = _clean(secret, "secret", "加签密钥", 200, required=False)
    if kind == PushChannel.Kind.EMAIL:
        try:
            validate_email(target)
        except Exception:  # noqa: BLE001 — Django's ValidationError, re-raised as ours
            raise ValidationError("邮箱地址无效", fields={"target": "邮箱地址无效"}, rule="notify.push") from None
    else:
        u = urlsplit(target)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ValidationError("Webhook 地址应以 https:// 开头", fields={"target": "应为 http(s) 地址"}, rule="notify.push")
    team_obj = None
    if team:
        if not can(actor, "manages_push_channels"):
            raise PermissionDenied("只有系统管理员或总经理可以设置团队通知渠道", rule="notify.push")
        try:
            team_obj = Team.objects.get(pk=int(team))
        except (ValueError, Team.DoesNotExist):
            raise ValidationError("团队不存在", fields={"team": "团队不存在"}, rule="notify.push") from None
    ch = PushChannel.objects.create(kind=kind, name=name, target=target, secret=secret, team=team_obj,
                                    user=None if team_obj else actor)
    record(actor=actor, action="create", obj=ch, rule="notify.push",
           after={"kind": kind, "name": name, "team": team_obj.name if team_obj else "", "user": str(ch.user or "")})
    return ch


@transaction.atomic
def set_active(actor, pk: int, active: bool) -> PushChannel:
    ch = PushChannel.objects.select_for_update().filter(pk=pk).first()
    if ch is None or not (can(actor, "manages_push_channels") or ch.user_id == actor.pk):
        raise NotFound("通知渠道不存在")
    before = ch.active
    ch.active = active
    ch.save(update_fields=["active"])
    record(actor=actor, action="update", obj=ch, rule="notify.push", before={"active": before}, after={"active": active})
    return ch
