"""Output shapes of /api/v1/processes (yewu/processes/api.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field

from yewu.common.schemas import Out


class Ref(Out):
    id: int
    name: str


class ProcessStepOut(Out):
    code: str
    order: int
    department: str
    role: str
    action: str
    instructions: str
    expected_result: str
    input_forms: str
    limit_kind: str
    limit_n: int | None = None
    limit: str
    branch_condition: str
    approval: bool
    key_point: str
    standard: str


class DefinitionOut(Out):
    id: int
    code: str
    name: str
    version: int
    status: str
    status_label: str
    objective: str
    owner_department: str
    administrator: str | None = None
    effective_date: date | None = None
    rollout_due: date | None = None
    steps: list[ProcessStepOut] | None = Field(None, description="未发布版本的概览中没有此项")


class ProcessListItem(Out):
    code: str
    published: DefinitionOut | None = None
    open_version: DefinitionOut | None = None


class MonitoredStep(Out):
    key: str
    label: str
    decided: int
    median_hours: str
    avg_hours: str
    on_time: int
    late: int
    on_time_pct: str


class OverdueStep(Out):
    label: str
    state: str
    due: datetime | None = None
    decided: datetime | None = None


class OverdueInstance(Out):
    ref: str
    label: str
    link: str
    version: int | str | None = None
    chain_version: int | str | None = None
    started: datetime
    steps: list[OverdueStep]


class MonitoredProcess(Out):
    code: str
    name: str
    version: int | None = None
    instances: int
    on_time_pct: str
    overdue: int
    steps: list[MonitoredStep]
    overdue_list: list[OverdueInstance]


class MonitoringOut(Out):
    month: str = Field(..., description="YYYY-MM")
    rule: str
    processes: list[MonitoredProcess]


class ReviewOut(Out):
    id: int
    code: str
    kind: str
    period: str
    period_start: date | None = None
    period_end: date | None = None
    due_date: date
    done_at: datetime | None = None
    done_by: str | None = None
    summary: str
    figures: dict[str, Any]


class ReviewRef(Out):
    id: int
    code: str
    kind: str
    period: str


class FindingOut(Out):
    id: int
    review: ReviewRef
    description: str
    owner: Ref
    due_date: date
    state: str
    state_label: str
    overdue: bool
    rectification: str
    rectified_at: datetime | None = None
    verified_by: str | None = None
    verified_at: datetime | None = None
    comment: str
    rule: str


class ProcessSuggestionOut(Out):
    id: int
    code: str
    text: str
    submitted_by: Ref
    submitted_at: datetime
    state: str
    state_label: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str
    reward_flag: bool
    new_version: int | None = None
    rule: str
