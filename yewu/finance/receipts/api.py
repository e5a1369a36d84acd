"""Receipt API (回款): record, list, read, allocate, reverse, the receipt PDF. Thin handlers."""

from datetime import date

from django.http import HttpResponse
from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, PDF, file_op
from yewu.finance.receivables import balances

from .. import documents
from ..models import Receipt
from ..schemas import (
    ReceiptList,
    ReceiptOut,
)
from . import selectors, services

receipts_router = Router(tags=["finance"])


class AllocationIn(Schema):
    order_id: int
    amount: MoneyInput


class ReceiptIn(Schema):
    customer_id: int
    amount: MoneyInput
    arrived_on: date | None = None
    method: str = "transfer"
    reference: str = ""
    payer: str = ""
    note: str = ""
    for_order_id: int | None = None
    allocations: list[AllocationIn] | None = None
    auto_allocate: bool = True


class ReceiptAllocateIn(Schema):
    allocations: list[AllocationIn] | None = None


class ReverseIn(Schema):
    reason: str = ""


def receipt_out(r: Receipt) -> dict:
    return {
        "id": r.pk, "number": r.number, "customer_id": r.customer_id, "customer": r.customer.name, "amount": str(r.amount),
        "allocated": str(r.allocated), "unallocated": str(r.unallocated), "arrived_on": r.arrived_on.isoformat(),
        "method": r.method, "method_label": r.get_method_display(), "reference": r.reference, "status": r.status,
        "status_label": r.get_status_display(), "recorded_by": r.recorded_by.name,
        "reversed_on": r.reversed_on.isoformat() if r.reversed_on else None, "reversal_reason": r.reversal_reason,
        "customer_balance": str(balances.customer_credit_balance(r.customer_id)),
        "allocations": [{"id": a.pk, "order_id": a.order_id, "order": a.order.number, "amount": str(a.amount), "kind": a.kind,
                         "reversed_on": a.reversed_on.isoformat() if a.reversed_on else None}
                        for a in r.allocations.select_related("order")],
    }


def _pairs(items):
    return None if items is None else [(a.order_id, a.amount) for a in items]


@receipts_router.post("", response={201: ReceiptOut, **ERRORS}, summary="Record a receipt (FIN/CA); allocated oldest due first unless allocations are given")
def create_receipt(request, payload: ReceiptIn):
    r = services.create_receipt(request.auth, customer_id=payload.customer_id, amount=payload.amount,
                                arrived_on=payload.arrived_on, method=payload.method, reference=payload.reference,
                                payer=payload.payer, note=payload.note, for_order_id=payload.for_order_id,
                                allocations=_pairs(payload.allocations), auto=payload.auto_allocate)
    return Status(201, receipt_out(r))


@receipts_router.get("", response={200: ReceiptList, **ERRORS}, summary="Receipts visible to me")
def list_receipts(request, customer_id: int | None = None, status: str = "", limit: int = 50, offset: int = 0):
    qs = selectors.receipts_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [receipt_out(r) for r in qs[offset:offset + limit]]}


def _receipt(request, pk: int) -> Receipt:
    r = selectors.receipt_for(request.auth, pk)
    if r is None:
        raise NotFound("回款不存在或无权查看")
    return r


@receipts_router.get("/{receipt_id}", response={200: ReceiptOut, **ERRORS}, summary="One receipt")
def get_receipt(request, receipt_id: int):
    return receipt_out(_receipt(request, receipt_id))


@receipts_router.post("/{receipt_id}/allocate", response={200: ReceiptOut, **ERRORS}, summary="Allocate the rest by hand (FIN) or oldest due first (no allocations)")
def allocate(request, receipt_id: int, payload: ReceiptAllocateIn):
    _receipt(request, receipt_id)
    return receipt_out(services.allocate(request.auth, receipt_id, _pairs(payload.allocations)))


@receipts_router.post("/{receipt_id}/reverse", response={200: ReceiptOut, **ERRORS}, summary="红冲: undo allocations, balances and commission; reason required")
def reverse(request, receipt_id: int, payload: ReverseIn):
    _receipt(request, receipt_id)
    return receipt_out(services.reverse_receipt(request.auth, receipt_id, payload.reason))


@receipts_router.get("/{receipt_id}/pdf", **file_op(PDF), summary="收据 PDF (amount in figures and 人民币大写)")
def receipt_pdf(request, receipt_id: int):
    r = _receipt(request, receipt_id)
    resp = HttpResponse(documents.receipt_pdf(r), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{r.number}.pdf"'
    return resp
