"""Output shapes of the treasury API (yewu/expenses/api.py). Amounts are strings of yuan with two places."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field

from yewu.common.schemas import Out, ReasonOut

YUAN = "元，两位小数"


class ExpenseStepOut(Out):
    order: int
    role: str
    state: str
    decided_by: str | None = None
    due_at: datetime | None = None
    comment: str


class ExpenseLineOut(Out):
    incurred_on: date
    description: str
    amount: str
    attachments: int


class DocOut(Out):
    id: int
    number: str
    kind: str = Field(..., description="payment（付款审批单）/ expense（费用报销单）")
    kind_label: str
    applicant: str
    category: str
    purpose: str
    payee: str
    amount: str = Field(..., description=YUAN)
    payable: str
    method: str
    payment_date: date | None = None
    large_cash_notified_on: date | None = None
    prior_approval_id: int | None = None
    advance_id: int | None = None
    state: str
    state_label: str
    approval_id: int | None = None
    approval_state: str | None = None
    steps: list[ExpenseStepOut]
    paid_at: datetime | None = None
    paid_by: str | None = None
    voucher_reviewed: bool
    void_reason: str
    decision: dict[str, Any] = Field(..., description="提交时的规则判定（pay.approval_chain）")
    lines: list[ExpenseLineOut]


class DocPaid(DocOut):
    warnings: list[ReasonOut] = Field(..., description="库存现金提示（cash.max_on_hand_5000）")


class AdvanceOut(Out):
    id: int
    number: str
    borrower: str
    purpose_kind: str
    purpose: str
    amount: str = Field(..., description=YUAN)
    due_date: date
    state: str
    state_label: str
    approval_id: int | None = None
    steps: list[ExpenseStepOut]
    repaid_amount: str
    claim_offset: str
    decision: dict[str, Any]


class AdvancePaid(AdvanceOut):
    warnings: list[ReasonOut]


class PayQueue(Out):
    documents: list[DocOut]
    advances: list[AdvanceOut]


class ExpenseRequestOut(Out):
    id: int
    number: str
    requester: str
    purpose: str
    amount: str = Field(..., description=YUAN)
    planned_on: date
    state: str
    approval_id: int | None = None
    approved_at: datetime | None = None


class CashEntryOut(Out):
    id: int
    number: str
    entry_date: date
    direction: str
    amount: str = Field(..., description=YUAN)
    summary: str
    source: str
    reverses: int | None = Field(None, description="红冲的原凭证 id")
    balance: str = Field(..., description="该日结存（元）")
    warnings: list[ReasonOut] | None = Field(None, description="过账时的提示（cash.max_on_hand_5000）")


class JournalDay(Out):
    day: date
    opening: str
    in_: str = Field(..., alias="in")
    out: str
    closing: str
    warning: str


class JournalOut(Out):
    opening: str
    closing: str
    limit: str
    entries: list[CashEntryOut]
    days: list[JournalDay]


class CountOut(Out):
    id: int
    number: str
    day: date
    kind: str
    denominations: dict[str, int] = Field(..., description="面额 → 张数")
    counted: str
    book: str
    difference: str
    explanation: str
    cashier: str
    witness: str | None = None


class ReconOut(Out):
    id: int
    number: str
    account: str
    month: str
    book_balance: str
    bank_balance: str
    adjusted_balance: str
    items: dict[str, Any] = Field(..., description="未达账项（四类）")
