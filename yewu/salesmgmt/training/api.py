"""`/api/v1/training`: training sessions and what the cadence still lacks (`training.cadence`), as on the page."""

from __future__ import annotations

from typing import Literal

from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from yewu.common.errors import PermissionDenied
from yewu.common.schemas import ERRORS, Out

from ..daily.selectors import parse_day
from ..models import TrainingRecord
from . import selectors, services

router = Router(tags=["sales management: training"])

Kind = Literal["induction", "collective", "weekly", "process"]


class TrainingIn(Schema):
    kind: Kind
    title: str = Field(..., max_length=200)
    day: str = Field(..., min_length=1, max_length=10, description="YYYY-MM-DD")
    days: int = Field(1, ge=1, le=30)
    trainer_id: int
    attendee_ids: list[int] = Field(..., min_length=1, max_length=500)
    team_id: int | None = Field(None, description="周例训: the team trained")
    process_id: int | None = Field(None, description="流程培训: the published process version trained")


class TrainingOut(Out):
    id: int
    kind: str
    kind_label: str
    title: str
    day: str
    days: int
    trainer_id: int
    trainer: str
    team_id: int | None
    team: str | None
    process_id: int | None
    process: str | None
    attendees: list[str]


class GapOut(Out):
    rule: str
    message: str


class TrainingListOut(Out):
    records: list[TrainingOut]
    gaps: list[GapOut]


def _may_read(user) -> None:
    if not selectors.may_read(user):
        raise PermissionDenied("无权查看培训记录", rule="training.cadence")


def out(t: TrainingRecord) -> dict:
    return {"id": t.pk, "kind": t.kind, "kind_label": t.get_kind_display(), "title": t.title, "day": t.day.isoformat(),
            "days": t.days, "trainer_id": t.trainer_id, "trainer": t.trainer.name, "team_id": t.team_id,
            "team": t.team.name if t.team_id else None, "process_id": t.process_id,
            "process": t.process.label if t.process_id else None,
            "attendees": [u.name for u in t.attendees.all()]}


@router.get("", response={200: TrainingListOut, **ERRORS},
            summary="Training sessions the user may see (newest first, at most 100) and the cadence's gaps")
def training(request):
    _may_read(request.auth)
    recs = selectors.records(request.auth)[:100]
    return {"records": [out(t) for t in recs],
            "gaps": [{"rule": g.get("rule", "training.cadence"), "message": g["message"]}
                     for g in selectors.gaps(request.auth, timezone.localdate())]}


@router.post("", response={200: TrainingOut, **ERRORS}, summary="Record a training session (training.cadence)")
def record(request, payload: TrainingIn):
    t = services.record_training(request.auth, kind=payload.kind, title=payload.title, day=parse_day(payload.day),
                                 days=payload.days, trainer_id=payload.trainer_id, attendee_ids=payload.attendee_ids,
                                 team_id=payload.team_id, process_id=payload.process_id)
    return out(TrainingRecord.objects.select_related("trainer", "team", "process").prefetch_related("attendees")
               .get(pk=t.pk))
