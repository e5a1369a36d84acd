"""Output shapes of the money API (yewu/finance/api.py). Amounts are strings of yuan with two places."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field

from yewu.common.schemas import Out

YUAN = "元，两位小数"


class AllocationOut(Out):
    id: int
    order_id: int
    order: str
    amount: str = Field(..., description=YUAN)
    kind: str
    reversed_on: date | None = None


class ReceiptOut(Out):
    id: int
    number: str
    customer_id: int
    customer: str
    amount: str = Field(..., description=YUAN)
    allocated: str
    unallocated: str
    arrived_on: date
    method: str
    method_label: str
    reference: str
    status: str
    status_label: str
    recorded_by: str
    reversed_on: date | None = None
    reversal_reason: str
    customer_balance: str = Field(..., description="客户预收余额（元）")
    allocations: list[AllocationOut]


class ReceiptList(Out):
    count: int
    items: list[ReceiptOut]


class InvoiceOut(Out):
    id: int
    tax_number: str
    issued_on: date
    kind: str
    amount: str = Field(..., description=YUAN)
    net_amount: str
    tax_amount: str
    vat_rate_pct: str
    state: str
    red_of: int | None = Field(None, description="红字发票冲销的原发票 id")
    signed_on: date | None = None


class InvoiceRequestLineOut(Out):
    order_id: int
    order: str
    amount: str
    first_request: str


class InvoiceRequestOut(Out):
    id: int
    number: str
    customer_id: int
    customer: str
    kind: str
    kind_label: str
    amount: str = Field(..., description=YUAN)
    state: str
    state_label: str
    rule: str | None = None
    message: str
    reasons: list[dict[str, Any]]
    merged_into: str | None = None
    merged: list[str]
    lines: list[InvoiceRequestLineOut]
    invoices: list[InvoiceOut]


class InvoiceRequestList(Out):
    count: int
    items: list[InvoiceRequestOut]


class UninvoicedOut(Out):
    customer_id: int
    customer: str
    delivered: str
    in_flow: str
    unrequested: str
    uninvoiced: str
    waiting: str


class AgingBuckets(Out):
    not_due: str
    d1_30: str
    d31_60: str
    d61_90: str
    over_90: str


class AgingRowOut(Out):
    key: int | str | None = None
    label: str
    team: str | None = None
    salesperson: str | None = None
    buckets: AgingBuckets
    total: str
    written_off: str
    oldest_due: date | None = None


class AgingOut(Out):
    as_of: date
    group: str = Field(..., description="customer / salesperson / team")
    rule: str
    rows: list[AgingRowOut]
    total: AgingRowOut


class MonthlyFigures(Out):
    opening: str
    delivered: str
    collected: str
    closing: str
    overdue: str
    over_90: str


class MonthlyRow(MonthlyFigures):
    salesperson: str
    team: str | None = None


class MonthlyArOut(Out):
    month: str = Field(..., description="YYYY-MM")
    rows: list[MonthlyRow]
    total: MonthlyFigures


class WriteOffOut(Out):
    id: int
    number: str
    customer_id: int
    order_id: int
    order: str
    amount: str = Field(..., description=YUAN)
    reason: str
    state: str
    state_label: str
    recovered: str
    outstanding: str
    approval_id: int | None = None
    requested_by: str


class DeferralOut(Out):
    id: int
    customer_id: int
    customer: str
    order_id: int | None = None
    requested_on: date
    new_due_on: date
    reason: str
    outcome: str
    outcome_label: str
    credit_review: bool
    decided_by: str | None = None
