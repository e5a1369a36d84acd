"""Cash journal, counts and bank reconciliation API (`cash.no_netting`, `cash.daily_count`,
`bank.monthly_reconciliation`)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from yewu.common.schemas import ERRORS
from yewu.expenses import base

from ..handlers import Money, VoidReasonIn, api_for_cash_staff
from ..models import BankReconciliation, CashCount, CashEntry
from ..schemas import (
    CashEntryOut,
    CountOut,
    JournalOut,
    ReconOut,
)
from . import selectors, services

cash_router = Router(tags=["expenses"])


class EntryIn(Schema):
    receipt: Money = None
    payment: Money = None
    summary: str | None = None
    source: str | None = None
    entry_date: str | None = None
    for_payment_id: int | None = None


class CountIn(Schema):
    kind: str = "daily"
    denominations: dict[str, int] = {}
    explanation: str = ""


class ReconItem(Schema):
    date: str | None = None
    description: str | None = None
    amount: Money = None


class ReconIn(Schema):
    account: str | None = None
    month: str | None = None
    book_balance: Money = None
    bank_balance: Money = None
    bank_credited_not_booked: list[ReconItem] = []
    bank_debited_not_booked: list[ReconItem] = []
    booked_not_credited: list[ReconItem] = []
    booked_not_debited: list[ReconItem] = []


def entry_out(e: CashEntry, decision=None) -> dict:
    out = {"id": e.pk, "number": e.number, "entry_date": e.entry_date.isoformat(), "direction": e.direction,
           "amount": str(e.amount), "summary": e.summary, "source": e.source, "reverses": e.reverses_id,
           "balance": str(selectors.balance_at(e.entry_date))}
    if decision is not None:
        out["warnings"] = [r.as_dict() for r in decision.reasons]
    return out


@cash_router.get("/journal", response={200: JournalOut, **ERRORS}, exclude_unset=True, by_alias=True, summary="Cash journal with running and daily balances")
def journal(request, start: str = "", end: str = ""):
    api_for_cash_staff(request.auth)
    s = base.date_input(start, "start", "开始日期", required=False) or base.today().replace(day=1)
    e = base.date_input(end, "end", "结束日期", required=False) or base.today()
    j = selectors.journal(s, e)
    return {"opening": str(j["opening"]), "closing": str(j["closing"]), "limit": str(j["limit"]),
            "entries": [{**entry_out(r["entry"]), "balance": str(r["balance"])} for r in j["rows"]],
            "days": [{"day": d["day"].isoformat(), "opening": str(d["opening"]), "in": str(d["in"]), "out": str(d["out"]),
                      "closing": str(d["closing"]), "warning": d["warning"]} for d in j["days"]]}


@cash_router.post("/journal", response={201: CashEntryOut, **ERRORS}, exclude_unset=True, summary="Post a receipt or a payment (cash.no_netting, cash.max_on_hand_5000)")
def post_entry(request, payload: EntryIn):
    e, d = services.post_entry(request.auth, payload.dict())
    return Status(201, entry_out(e, d))


@cash_router.post("/journal/{entry_id}/reverse", response={201: CashEntryOut, **ERRORS}, exclude_unset=True, summary="红冲 a manual entry with a reason")
def reverse(request, entry_id: int, payload: VoidReasonIn):
    return Status(201, entry_out(services.reverse_entry(request.auth, entry_id, payload.reason)))


def count_out(c: CashCount) -> dict:
    return {"id": c.pk, "number": c.number, "day": c.day.isoformat(), "kind": c.kind, "denominations": c.denominations,
            "counted": str(c.counted), "book": str(c.book), "difference": str(c.difference), "explanation": c.explanation,
            "cashier": c.cashier.name, "witness": c.witness.name if c.witness_id else None}


@cash_router.post("/counts", response={201: CountOut, **ERRORS}, summary="Daily or month-end cash count (cash.daily_count)")
def create_count(request, payload: CountIn):
    return Status(201, count_out(services.record_count(request.auth, payload.dict())))


@cash_router.post("/counts/{count_id}/witness", response={200: CountOut, **ERRORS}, summary="Second signature (sod.count_witness)")
def witness(request, count_id: int):
    return count_out(services.witness_count(request.auth, count_id))


def recon_out(r: BankReconciliation) -> dict:
    return {"id": r.pk, "number": r.number, "account": r.account, "month": r.month, "book_balance": str(r.book_balance),
            "bank_balance": str(r.bank_balance), "adjusted_balance": str(r.adjusted_balance), "items": r.items}


@cash_router.post("/bank-reconciliations", response={201: ReconOut, **ERRORS}, summary="银行存款余额调节表 (bank.monthly_reconciliation)")
def create_recon(request, payload: ReconIn):
    return Status(201, recon_out(services.save_reconciliation(request.auth, payload.dict())))
