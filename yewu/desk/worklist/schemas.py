"""Output schemas of the manager work list API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from yewu.customers.schemas import CustomerOut


class WorklistOverdue(Schema):
    customer: CustomerOut
    due: datetime
    rule: str = "cust.first_contact_1w"


class PendingApprovalItem(Schema):
    request_id: int
    label: str
    link: str
    role: str
    due_at: datetime | None = None
    rule: str


class LateOrderItem(Schema):
    order_id: int
    number: str
    customer: str
    salesperson: str
    promised: date
    days_late: int
    lines: int
    rules: list[str]
    link: str


class OverdueReceivableItem(Schema):
    order_id: int
    number: str
    customer: str
    salesperson: str
    due_on: date
    days_past_due: int
    open: str = Field(..., description="未收金额（元）")
    rule: str
    link: str


class WorklistOut(Schema):
    pool: list[CustomerOut]
    first_contact_overdue: list[WorklistOverdue]
    late_entries: list[CustomerOut]
    pending_review: list[CustomerOut]
    # SPEC §9.1: pending approvals (approval.inbox), late orders (delivery.standard_3_4d / delivery.custom_production),
    # receivables > 30 days past due (ar.collection_task), each item with its link and rule id
    pending_approvals: list[PendingApprovalItem] = []
    late_orders: list[LateOrderItem] = []
    overdue_receivables: list[OverdueReceivableItem] = []
