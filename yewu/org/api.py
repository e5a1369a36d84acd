"""Company settings API (SPEC §8.5), GM and the system administrator only (``changes_settings``; 403 otherwise).

* ``GET  /api/v1/settings`` — every setting: key, label, area, kind, unit, current value, SPEC default; and the
  version in force (0 = defaults).
* ``GET  /api/v1/settings/versions`` — the version history, newest first: who, when, effective from,
  old → new per key, reason, state (现行 / 已生效 / 待生效).
* ``POST /api/v1/settings/preview`` lives on the top floor (yewu.desk.preview.api): it reads every area.
* ``POST /api/v1/settings/versions`` ``{"changes", "reason", "effective_at"?}`` — create a version (201); 400
  with ``fields`` naming each bad key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from yewu.common.errors import PermissionDenied
from yewu.common.schemas import ERRORS, Out
from yewu.policy import versions as pv

from . import selectors, services
from .models import PolicyVersion

router = Router(tags=["settings"])


class PreviewIn(Schema):
    changes: dict[str, Any] = {}
    effective_at: str | None = None


class VersionIn(PreviewIn):
    reason: str = ""


class SettingOut(Out):
    key: str
    label: str
    area: str
    kind: str
    unit: str
    value: Any = Field(..., description="现行值（存储形式）")
    default: Any = Field(..., description="SPEC 默认值")
    range: str
    choices: list[str] | None = None


class SettingsOut(Out):
    version: int = Field(..., description="现行版本（0 = 默认值）")
    at: datetime
    settings: list[SettingOut]


class ChangeOut(Out):
    key: str
    label: str
    old: Any = None
    new: Any = None


class VersionOut(Out):
    id: int
    effective_at: datetime
    state: str
    reason: str
    created_by: str | None = None
    created_at: datetime
    changes: list[ChangeOut]


def _guard(request) -> None:
    if not services.can_manage_settings(request.auth):
        raise PermissionDenied("只有总经理或系统管理员可以查看和修改公司设置")


def _version_out(h: dict) -> dict:
    v: PolicyVersion = h["v"]
    return {"id": v.pk, "effective_at": v.effective_at.isoformat(), "state": h["state"], "reason": v.reason,
            "created_by": str(v.created_by) if v.created_by else None, "created_at": v.created_at.isoformat(),
            "changes": [{"key": c["key"], "label": c["label"], "old": (v.old_values or {}).get(c["key"]),
                         "new": v.values[c["key"]]} for c in h["changes"]]}


@router.get("", response={200: SettingsOut, **ERRORS}, exclude_unset=True, summary="Current settings and the version in force (§8.5)")
def current(request):
    _guard(request)
    cfg = selectors.get_policy()
    return {"version": cfg.version, "at": timezone.now().isoformat(),
            "settings": [{"key": s.key, "label": s.label, "area": s.area, "kind": s.kind, "unit": s.unit,
                          "value": pv.stored(cfg[s.key]), "default": pv.stored(s.default), "range": s.range_text,
                          **({"choices": [v for v, _ in s.choices]} if s.choices else {})}
                         for s in pv.all_settings()]}


@router.get("/versions", response={200: list[VersionOut], **ERRORS}, summary="Settings version history, newest first")
def versions(request):
    _guard(request)
    return [_version_out(h) for h in selectors.version_history()]


@router.post("/versions", response={201: VersionOut, **ERRORS}, summary="Create an effective-dated settings version")
def create(request, payload: VersionIn):
    _guard(request)
    v = services.create_version(request.auth, changes=payload.changes, reason=payload.reason,
                                effective_at=services.parse_effective(payload.effective_at))
    h = next(h for h in selectors.version_history() if h["v"].pk == v.pk)
    return Status(201, _version_out(h))
