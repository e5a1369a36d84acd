"""Output shapes of /api/v1/pricing and /api/v1/quotes (yewu/sales/api.py). Money as decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field
from pydantic import BaseModel, ConfigDict

from yewu.common.schemas import Out, ReasonOut


class PriceDecisionOut(BaseModel):
    """A pricing decision (``Decision.as_dict``): its figures (guide price, baseline, floor …) follow as
    further keys."""

    model_config = ConfigDict(extra="allow")

    outcome: str = Field(..., description="allowed / needs_approval / refused")
    rule: str | None = None
    message: str = ""
    approvers: list[str] = Field(default_factory=list)
    reasons: list[ReasonOut] = Field(default_factory=list)
    min_price: Any = Field(None, description="最低可批价（元）")
    commission_delta: Any = Field(None, description="提成率变化（百分点）")


class QuoteLineOut(Out):
    position: int
    product_id: int | None = None
    code: str
    name: str
    specification: str
    unit: str
    kind: str
    quantity: str | None = None
    guide_price: str | None = None
    guide_source: str
    price_request_id: int | None = None
    unit_price: str | None = None
    fee_rate: str | None = None
    net_price: str | None = None
    baseline: str | None = None
    floor: str | None = None
    min_price: str | None = None
    discount_pct: str | None = None
    fee: str | None = None
    outcome: str
    commission_rate: str | None = None
    commission_delta: str | None = None
    amount: str | None = None
    reasons: list[dict[str, Any]]
    message: str


class CoachingOut(Out):
    id: int
    quote_id: int
    number: str
    salesperson: str
    coach: str | None = None
    reason: str
    due_at: datetime
    note: str
    done_by: str | None = None
    done_at: datetime | None = None
    rule: str


class CoachingList(Out):
    items: list[CoachingOut]


class QuoteOut(Out):
    id: int
    number: str
    customer_id: int
    customer: str
    owner_id: int
    owner: str
    state: str
    state_label: str
    quote_date: date
    valid_until: date
    vat_invoice: str
    fee_rate: str | None = None
    total: str | None = None
    received_at: datetime
    response_due_at: datetime | None = None
    needs_sm: bool
    needs_gm: bool
    current_step: str | None = Field(None, description="等待的一步：SM / GM")
    sm_approved_by: str | None = None
    gm_approved_by: str | None = None
    sent_at: datetime | None = None
    lost_reason: str
    reject_comment: str
    notes: str
    policy_version: int
    coaching_task: CoachingOut | None = Field(None, description="丢单时的辅导任务（daily.shortfall_coaching）")
    lines: list[QuoteLineOut] | None = Field(None, description="列表中没有此项")


class QuoteList(Out):
    count: int
    limit: int
    offset: int
    items: list[QuoteOut]
