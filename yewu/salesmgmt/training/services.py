"""Training records (writes, `training.cadence`)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from yewu.audit.services import record, snapshot
from yewu.common.boundary import MAX_INT_DIGITS
from yewu.common.errors import ValidationError
from yewu.common.text import clean_text
from yewu.org.models import User
from yewu.org.permissions import require
from yewu.processes.models import ProcessDefinition

from ..models import TrainingRecord
from ..scope import visible_teams


@transaction.atomic
def record_training(actor, *, kind: str, title: str, day: date, days: int, trainer_id: int,
                    attendee_ids: list[int], team_id: int | None = None, process_id: int | None = None) -> TrainingRecord:
    require(actor, "records_training")
    team = None
    if team_id:
        team = visible_teams(actor).filter(pk=team_id).first()
        if team is None:
            raise ValidationError("团队不存在或不在您的范围内", fields={"team_id": "不在您的范围内"}, rule="training.cadence")
    if kind not in TrainingRecord.Kind.values:
        raise ValidationError("培训类型无效", fields={"kind": "无效"}, rule="training.cadence")
    if not isinstance(days, int) or days < 1 or days > 30:
        raise ValidationError("天数须为 1–30 的整数", fields={"days": "1–30"}, rule="training.cadence")
    trainer = User.objects.filter(pk=trainer_id, is_active=True).first()
    if trainer is None:
        raise ValidationError("讲师不存在", fields={"trainer_id": "不存在"}, rule="training.cadence")
    # an id no database integer holds names nobody (SQLite would overflow on it in the IN list)
    attendees = list(User.objects.filter(pk__in=[i for i in attendee_ids if 0 < i < 10**MAX_INT_DIGITS], is_active=True))
    if not attendees:
        raise ValidationError("至少一名参训人", fields={"attendee_ids": "至少一人"}, rule="training.cadence")
    process = None
    if process_id:
        process = ProcessDefinition.objects.filter(pk=process_id, status=ProcessDefinition.Status.PUBLISHED).first()
        if process is None:
            raise ValidationError("流程版本不存在或未发布", fields={"process_id": "须为已发布的流程版本"},
                                  rule="training.cadence")
    t = TrainingRecord.objects.create(process=process, kind=kind, title=clean_text(title, field="title", label="主题", max_len=200,
                                                                  required=True),
                                      day=day, days=days, trainer=trainer, team=team)
    t.attendees.set(attendees)
    record(actor=actor, action="create", obj=t, after={**snapshot(t), "attendees": [u.pk for u in attendees]},
           rule="training.cadence")
    return t
