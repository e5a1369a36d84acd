"""Reads of payment requests, expense claims and prior approvals: who sees which, the cashier's pay queue,
vouchers to review, the treasury approval inbox."""

from __future__ import annotations

from yewu.approvals.models import ApprovalStep
from yewu.approvals.services import inbox
from yewu.expenses.access import scope
from yewu.org.models import User

from ..models import CashAdvance, ExpenseRequest, PaymentDoc

EXPENSE_DOC_TYPES = ("payment", "expense", "cash_advance", "expense_request")


def docs_visible_to(user: User):
    return scope(PaymentDoc.objects.select_related("applicant", "approval"), user, "applicant")


def requests_visible_to(user: User):
    return scope(ExpenseRequest.objects.select_related("requester"), user, "requester")


def approved_requests_of(user: User):
    return ExpenseRequest.objects.filter(requester=user, state=ExpenseRequest.State.APPROVED).order_by("-approved_at")


def pay_queue():
    """Approved, unpaid documents and advances (the cashier's queue), oldest first."""
    docs = PaymentDoc.objects.filter(state=PaymentDoc.State.APPROVED).select_related("applicant").order_by("payment_date", "id")
    advs = CashAdvance.objects.filter(state=CashAdvance.State.APPROVED).select_related("borrower").order_by("id")
    return docs, advs


def vouchers_to_review():
    return PaymentDoc.objects.filter(state=PaymentDoc.State.PAID, voucher_reviewed_at=None).select_related("applicant", "paid_by")


def expense_inbox(user: User) -> list[ApprovalStep]:
    return [s for s in inbox(user) if s.request.doc_type in EXPENSE_DOC_TYPES]
