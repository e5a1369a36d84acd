"""``POST /api/v1/settings/preview`` ``{"changes": {key: value}, "effective_at": ISO?}`` (SPEC §8.5) — the open
documents whose decision would differ (nothing is saved; 400 naming the key on a bad value). GM and the system
administrator only (``changes_settings``), who sees only counts (``reads_business_data``). The rest of the settings
API (current values, versions) is org's (yewu.org.api); this one reads every area, so it lives on the top floor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router

from yewu.common.errors import PermissionDenied, ValidationError
from yewu.common.schemas import ERRORS, Out
from yewu.org import services as settings_services
from yewu.org.api import PreviewIn
from yewu.org.permissions import can

from . import selectors

router = Router(tags=["settings"])


class PreviewRow(Out):
    doc: str
    link: str
    status: str
    old: str
    new: str
    effect: str


class PreviewSection(Out):
    family: str
    title: str
    keys: list[str]
    precise: bool = Field(..., description="true：判定会改变的单据；false：可能受影响的未结单据")
    note: str
    checked: int
    rows: list[PreviewRow]
    more: int


class PreviewOut(Out):
    effective_at: datetime
    base_version: int
    changes: list[dict[str, Any]]
    errors: dict[str, str]
    sections: list[PreviewSection]
    pinned_note: str


def _guard(request) -> None:
    if not settings_services.can_manage_settings(request.auth):
        raise PermissionDenied("只有总经理或系统管理员可以查看和修改公司设置")


@router.post("/preview", response={200: PreviewOut, **ERRORS}, summary="Open documents a change would affect (nothing saved)")
def preview(request, payload: PreviewIn):
    _guard(request)
    res = selectors.preview(payload.changes, settings_services.parse_effective(payload.effective_at),
                            documents=can(request.auth, "reads_business_data"))
    errors = dict(res.errors)
    if errors:
        raise ValidationError("；".join(f"{k}：{v}" for k, v in errors.items()), fields=errors)
    return res.as_dict()
