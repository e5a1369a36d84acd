"""Output shapes of the orders, shipments, contracts and returns API (yewu/orders/api.py).

Money keys are optional: readers who may not see prices (``acl.ops_scope``) get the same objects without them
(the routes use ``exclude_unset``, so an absent key stays absent). Stored JSON documents (a decision's reasons,
a return's history, a contract's due diligence) stay free-form objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field
from pydantic import BaseModel, ConfigDict

from yewu.common.schemas import Out, ReasonOut

MONEY = "元，两位小数（看不到价格的角色没有此项）"


class LineOut(Out):
    id: int
    product_id: int
    product: str
    kind: str
    quantity: str
    unit_price: str | None = Field(None, description=MONEY)
    guide_price: str | None = Field(None, description=MONEY)
    line_total: str | None = Field(None, description=MONEY)
    price_outcome: str | None = None
    fee_rate: str | None = None
    fee: str | None = None
    shipped_qty: str
    returned_qty: str
    open_qty: str
    target_date: date | None = None
    promised_date: date | None = None
    promise_rule: str
    prod_date_due_at: datetime | None = None
    late: ReasonOut | None = Field(None, description="逾期未发（delivery.standard_3_4d / delivery.custom_production）")


class OrderApprovalOut(Out):
    role: str
    state: str
    rule: str
    message: str
    due_at: datetime | None = None
    decided_by: str | None = None


class OrderOut(Out):
    id: int
    number: str
    customer_id: int
    customer: str
    salesperson: str
    status: str
    status_label: str
    ship_hold: str = Field("", description="why a ready order may not ship now (待付定金、待付款、待签合同、合同诉讼中、已暂停供货; "
                                           "ship.release_check), empty when it may or has nothing left to ship")
    settlement: str
    term_days: int | None = None
    total: str | None = Field(None, description=MONEY)
    deposit_required: str | None = Field(None, description=MONEY)
    paid_amount: str | None = Field(None, description=MONEY)
    returned_amount: str | None = Field(None, description=MONEY)
    unpaid: str | None = Field(None, description=MONEY)
    is_new_customer: bool
    delivery_address: str
    promised_date: date | None = None
    target_date: date | None = None
    approval_id: int | None = None
    quote_id: int | None = None
    invoice_choice: str
    approvals: list[OrderApprovalOut]
    reasons: list[dict[str, Any]] | None = Field(None, description="下单时的规则判定（看不到价格的角色没有此项）")
    deposit_arrived_on: date | None = None
    delivered_on: date | None = None
    lines: list[LineOut]


class OrderList(Out):
    count: int
    count_capped: bool = False  # True: more than `count` orders match (ask with exact_count=true for all)
    items: list[OrderOut]


class LateLineItem(Out):
    order_id: int
    order: str
    customer: str
    salesperson: str
    line: LineOut
    rule: str
    message: str
    days_late: int


class LateLines(Out):
    count: int
    items: list[LateLineItem]


class CustomLineItem(Out):
    order_id: int
    order: str
    customer: str
    deposit_arrived_on: date | None = None
    line: LineOut
    entry_overdue: bool


class CustomLines(Out):
    count: int
    items: list[CustomLineItem]


class ShipmentCreated(Out):
    id: int
    number: str
    order: OrderOut


class ShipmentLineOut(Out):
    line_id: int
    product: str
    quantity: str


class ShipmentOut(Out):
    id: int
    number: str
    order_id: int
    order: str
    shipped_at: datetime
    delivered_on: date | None = None
    signed_by_name: str
    e_signature: bool
    has_signed_copy: bool
    order_status: str
    lines: list[ShipmentLineOut]


class ContractReviewOut(BaseModel):
    """One review step; the reviewer's checklist and credit opinion follow as further keys."""

    model_config = ConfigDict(extra="allow")

    role: str
    stage: int | None = None
    state: str
    due_at: datetime | None = None
    decided_by: str | None = None
    comment: str = ""
    escalated_to: str | None = None


class ContractOut(Out):
    id: int
    number: str | None = Field(None, description="签订后编号 YWXS-YYYYMMDD-NN")
    order_id: int
    order: str
    customer: str
    amount: str | None = Field(None, description=MONEY)
    status: str
    status_label: str
    is_major: bool
    due_diligence: dict[str, Any]
    terms: str
    approval_id: int | None = None
    reviews: list[ContractReviewOut]
    signed_on: date | None = None
    filing_due_at: datetime | None = None
    filed_at: datetime | None = None
    filing_overdue: bool
    custody: str
    in_litigation: bool


class ContractList(Out):
    count: int
    items: list[ContractOut]


class LoanOut(Out):
    id: int
    contract_id: int
    contract: str | None = None
    borrower: str
    purpose: str
    status: str
    status_label: str
    approval_id: int | None = None
    requested_due_on: date | None = None
    out_at: datetime | None = None
    due_back_on: date | None = None
    returned_at: datetime | None = None
    overdue: bool
    overdue_reason: ReasonOut | None = None


class RegisterItem(Out):
    seq: int
    number: str
    customer: str
    amount: str | None = Field(None, description=MONEY)
    signed_on: date | None = None
    filing: str
    custody: str


class RegisterOut(Out):
    month: str = Field(..., description="YYYY-MM")
    due: date
    confirmed: bool
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    overdue: ReasonOut | None = None
    added_after_confirmation: list[str]
    items: list[RegisterItem]


class RegisterConfirmed(Out):
    month: str
    confirmed_by: str
    confirmed_at: datetime | None = None
    numbers: list[str]


class DisputeOut(Out):
    id: int
    contract_id: int
    contract: str | None = None
    kind: str
    kind_label: str
    description: str
    amount_at_stake: str | None = Field(None, description=MONEY)
    occurred_on: date | None = None
    owner: str
    status: str
    status_label: str
    resolution: str
    rule: str


class ReturnOut(Out):
    id: int
    number: str
    order_id: int
    order: str
    line_id: int
    product: str
    quantity: str
    amount: str | None = Field(None, description=MONEY)
    reason: str
    quality_defect: bool
    exchange: bool
    status: str
    status_label: str
    needs_gm: bool
    days_after_delivery: int | None = None
    qc_is_ours: bool | None = None
    qc_condition: str
    red_note_number: str
    credit_reference: str
    reasons: list[dict[str, Any]] | None = None
    history: list[dict[str, Any]]
    line_returned_qty: str
    line_open_qty: str


class ReturnList(Out):
    count: int
    items: list[ReturnOut]
