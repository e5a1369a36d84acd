"""Treasury reads. Row-level access (`acl.finance_scope`, `acl.team_scope`, `acl.sp_scope`) is decided here:
FIN, FD, CA and GM see every money record; an SM sees own team's; everybody else only their own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, Sum

from yewu.approvals.models import ApprovalStep
from yewu.approvals.services import inbox
from yewu.org.models import Role, User
from yewu.org.selectors import managed_team_ids
from yewu.policy.calendar import TZ

from .models import CashAdvance, CashEntry, ExpenseRequest, PaymentDoc

EXPENSE_DOC_TYPES = ("payment", "expense", "cash_advance", "expense_request")


def sees_all_money(user: User) -> bool:
    return user.has_role(Role.FIN, Role.FD, Role.CA, Role.GM)


def _scope(qs, user: User, owner_field: str):
    if sees_all_money(user):
        return qs
    teams = managed_team_ids(user)
    return qs.filter(Q(**{owner_field: user}) | Q(team_id__in=teams))


def docs_visible_to(user: User):
    return _scope(PaymentDoc.objects.select_related("applicant", "approval"), user, "applicant")


def advances_visible_to(user: User):
    return _scope(CashAdvance.objects.select_related("borrower"), user, "borrower")


def requests_visible_to(user: User):
    return _scope(ExpenseRequest.objects.select_related("requester"), user, "requester")


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


def overdue_advances(on: date):
    """`cash.advance_max_3000`: paid, not settled, past the repayment/claim date as of ``on``."""
    return (CashAdvance.objects.filter(state=CashAdvance.State.PAID, due_date__lt=on)
            .select_related("borrower").order_by("due_date", "id"))


# --- the cash journal ------------------------------------------------------------------------------------------

def _sum(qs) -> Decimal:
    ins = qs.filter(direction=CashEntry.Direction.IN).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    outs = qs.filter(direction=CashEntry.Direction.OUT).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return (ins - outs).quantize(Decimal("0.01"))


def balance_total() -> Decimal:
    return _sum(CashEntry.objects.all())


def balance_at(day: date) -> Decimal:
    """Cash on hand at the end of ``day`` by the book."""
    return _sum(CashEntry.objects.filter(entry_date__lte=day))


def reserved_for_large_payments(day: date) -> Decimal:
    """Cash drawn for pre-announced large payments that are not paid out by the end of ``day``
    (excluded from `cash.max_on_hand_5000`)."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    total = Decimal("0")
    for e in CashEntry.objects.filter(entry_date__lte=day, direction=CashEntry.Direction.IN, reverses=None).exclude(
            for_payment=None).select_related("for_payment"):
        if CashEntry.objects.filter(reverses=e, entry_date__lte=day).exists():
            continue
        p = e.for_payment
        if p.state == PaymentDoc.State.VOIDED or (p.paid_at is not None and p.paid_at < end):
            continue
        total += e.amount
    return total.quantize(Decimal("0.01"))


def journal(start: date, end: date) -> dict:
    """Entries between two dates with the running balance and a per-day summary (opening, in, out, closing,
    over the limit or not)."""
    from yewu.org.selectors import get_policy
    from yewu.policy.expenses import cash_on_hand

    cfg = get_policy()
    opening = balance_at(start - timedelta(days=1))
    bal = opening
    rows, days = [], []
    cur = None
    for e in CashEntry.objects.filter(entry_date__range=(start, end)).select_related("recorded_by", "reverses").order_by("entry_date", "id"):
        if cur is None or cur["day"] != e.entry_date:
            if cur:
                days.append(cur)
            cur = {"day": e.entry_date, "opening": bal, "in": Decimal("0"), "out": Decimal("0")}
        bal += e.signed
        if e.direction == CashEntry.Direction.IN:
            cur["in"] += e.amount
        else:
            cur["out"] += e.amount
        cur["closing"] = bal
        rows.append({"entry": e, "balance": bal})
    if cur:
        days.append(cur)
    for d in days:
        dec = cash_on_hand(balance=d["closing"], reserved=reserved_for_large_payments(d["day"]), cfg=cfg)
        d["warning"] = dec.reasons[0].message if dec.reasons else ""
    return {"opening": opening, "closing": bal, "rows": rows, "days": days, "limit": cfg["cash.max_on_hand_5000.max_amount"]}
