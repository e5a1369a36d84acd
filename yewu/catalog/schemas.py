"""Output shapes of /api/v1/products (yewu/catalog/api.py). Prices appear only for readers who may see them."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field

from yewu.common.schemas import Out


class ProductOut(Out):
    id: int
    code: str
    name: str
    specification: str
    unit: str
    pack_size: int | None = None
    kind: str
    kind_label: str
    on_guide_list: bool
    price_source: str
    active: bool
    guide_price: str | None = Field(None, description="今日有效的指导价（看不到价格的角色没有此项）")
    guide_effective_from: date | None = None


class ProductList(Out):
    count: int
    limit: int
    offset: int
    items: list[ProductOut]


class ProductPick(Out):
    id: int
    code: str
    name: str
    specification: str
    unit: str
    kind: str
    kind_label: str
    price_source: str
    guide_price: str | None = Field(None, description="今日有效的指导价；没有指导价为 null；看不到价格的角色没有此项")


class ProductPickList(Out):
    items: list[ProductPick] = Field(..., description="最多 20 个")


class PriceRequestOut(Out):
    id: int
    product_id: int
    product: str
    customer_id: int | None = None
    customer: str | None = None
    quantity: str | None = None
    note: str
    requested_by: str
    state: str
    state_label: str
    created_at: datetime
    received_at: datetime
    due_at: datetime | None = None
    age_hours: float
    answer_price: str | None = None
    answer_scope: str
    answer_effective_from: date | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    reject_reason: str


class PriceRequestList(Out):
    count: int
    items: list[PriceRequestOut]


class GuidePriceOut(Out):
    price: str
    effective_from: date
    source: str
    note: str
    created_by: str | None = None
    created_at: datetime


class PriceHistory(Out):
    product_id: int
    items: list[GuidePriceOut]


class PriceSet(Out):
    product_id: int
    price: str
    effective_from: date


class PriceImportCounts(Out):
    created: int
    updated: int
    unchanged: int
    error: int


class PriceImportRow(Out):
    row: int
    code: str
    status: str = Field(..., description="created / updated / unchanged / error")
    message: str


class PriceImportReport(Out):
    dry_run: bool
    counts: PriceImportCounts
    rows: list[PriceImportRow]
