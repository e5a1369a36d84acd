"""Cash advance API (`cash.advance_max_3000`)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from yewu.common.schemas import ERRORS
from yewu.expenses import base

from ..handlers import Money, VoidReasonIn, steps_out, visible_or_404
from ..models import CashAdvance
from ..schemas import (
    AdvanceOut,
    AdvancePaid,
)
from . import selectors, services

advances_router = Router(tags=["expenses"])


class AdvanceIn(Schema):
    purpose_kind: str | None = None
    purpose: str | None = None
    amount: Money = None
    due_date: str | None = None


class SettleIn(Schema):
    repaid: Money = None
    claim_id: int | None = None


def advance_out(a: CashAdvance) -> dict:
    return {"id": a.pk, "number": a.number, "borrower": a.borrower.name, "purpose_kind": a.purpose_kind, "purpose": a.purpose,
            "amount": str(a.amount), "due_date": a.due_date.isoformat(), "state": a.state, "state_label": a.get_state_display(),
            "approval_id": a.approval_id, "steps": steps_out(a.approval), "repaid_amount": str(a.repaid_amount),
            "claim_offset": str(a.claim_offset), "decision": a.decision}


@advances_router.post("", response={201: AdvanceOut, **ERRORS}, summary="Request a cash advance (cash.advance_max_3000)")
def create_advance(request, payload: AdvanceIn):
    return Status(201, advance_out(services.create_advance(request.auth, payload.dict())))


@advances_router.get("", response={200: list[AdvanceOut], **ERRORS}, summary="Cash advances I may see")
def list_advances(request, state: str = ""):
    qs = selectors.advances_visible_to(request.auth)
    if state:
        qs = qs.filter(state=state)
    return [advance_out(a) for a in qs[:200]]


@advances_router.get("/overdue", response={200: list[AdvanceOut], **ERRORS}, summary="Overdue advances (cash.advance_max_3000)")
def overdue(request):
    ids = set(selectors.advances_visible_to(request.auth).values_list("id", flat=True))
    return [advance_out(a) for a in selectors.overdue_advances(base.today()) if a.pk in ids]


@advances_router.get("/{adv_id}", response={200: AdvanceOut, **ERRORS}, summary="One cash advance")
def get_advance(request, adv_id: int):
    return advance_out(visible_or_404(selectors.advances_visible_to(request.auth), adv_id, "借支单"))


@advances_router.post("/{adv_id}/pay", response={200: AdvancePaid, **ERRORS}, summary="Cashier pays out an approved advance")
def pay_advance(request, adv_id: int):
    a, on_hand = services.pay_advance(request.auth, adv_id)
    return {**advance_out(a), "warnings": [r.as_dict() for r in on_hand.reasons]}


@advances_router.post("/{adv_id}/void", response={200: AdvanceOut, **ERRORS}, summary="Withdraw an unpaid advance with a reason")
def void_advance(request, adv_id: int, payload: VoidReasonIn):
    visible_or_404(selectors.advances_visible_to(request.auth), adv_id, "借支单")
    return advance_out(services.void_advance(request.auth, adv_id, payload.reason))


@advances_router.post("/{adv_id}/settle", response={200: AdvanceOut, **ERRORS}, summary="Settle by an expense claim and/or cash repaid")
def settle(request, adv_id: int, payload: SettleIn):
    return advance_out(services.settle_advance(request.auth, adv_id, repaid=payload.repaid, claim_id=payload.claim_id))
