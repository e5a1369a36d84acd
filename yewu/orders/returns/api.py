"""``/api/v1/returns``: returns and exchanges (`return.flow`, SPEC §4.6): apply, confirm, inspect, approve or
reject, receive (and undo), the credit note, and the red-ink return note PDF."""

from __future__ import annotations

from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.parsers import QuantityInput
from yewu.common.schemas import ERRORS, PDF, file_op

from ..documents.pdf import return_note_pdf
from ..outputs import file_response, priced, sees_prices
from ..schemas import ReturnList, ReturnOut
from ..visibility import returns_visible_to, visible_order
from . import services

router = Router(tags=["returns"])


class ReturnIn(Schema):
    order_id: int
    line_id: int
    quantity: QuantityInput
    reason: str
    quality_defect: bool = False
    exchange: bool = False


class ReturnCommentIn(Schema):
    comment: str = ""


class InspectIn(Schema):
    is_ours: bool
    condition: str


class CreditIn(Schema):
    reference: str


class ReverseReasonIn(Schema):
    reason: str = ""


def return_out(r, user) -> dict:
    return priced({"id": r.pk, "number": r.number, "order_id": r.order_id, "order": r.order.number, "line_id": r.line_id,
            "product": str(r.line.product), "quantity": str(r.quantity), "amount": str(r.amount), "reason": r.reason,
            "quality_defect": r.quality_defect, "exchange": r.exchange, "status": r.status,
            "status_label": r.get_status_display(), "needs_gm": r.needs_gm, "days_after_delivery": r.days_after_delivery,
            "qc_is_ours": r.qc_is_ours, "qc_condition": r.qc_condition, "red_note_number": r.red_note_number,
            "credit_reference": r.credit_reference, "reasons": (r.decision or {}).get("reasons", []), "history": r.history,
            "line_returned_qty": str(r.line.returned_qty), "line_open_qty": str(r.line.open_qty)}, user)


def _return(request, return_id: int):
    r = returns_visible_to(request.auth).filter(pk=return_id).first()
    if r is None:
        raise NotFound("退货单不存在或无权查看")
    return r


def _ret_reload(request, return_id: int) -> dict:
    return return_out(_return(request, return_id), request.auth)


@router.post("", response={201: ReturnOut, **ERRORS}, exclude_unset=True, summary="Return/exchange application (退货申请单)")
def return_apply(request, payload: ReturnIn):
    visible_order(request.auth, payload.order_id)
    r = services.apply(request.auth, order_id=payload.order_id, line_id=payload.line_id, quantity=payload.quantity,
                      reason=payload.reason, quality_defect=payload.quality_defect, exchange=payload.exchange)
    return Status(201, return_out(r, request.auth))


@router.get("", response={200: ReturnList, **ERRORS}, exclude_unset=True, summary="Returns visible to me")
def return_list(request, status: str = "", limit: int = 50, offset: int = 0):
    qs = returns_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [return_out(r, request.auth) for r in qs[offset:offset + limit]]}


@router.get("/{return_id}", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="One return")
def return_get(request, return_id: int):
    return _ret_reload(request, return_id)


@router.post("/{return_id}/confirm", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM confirms the application")
def return_confirm(request, return_id: int, payload: ReturnCommentIn | None = None):
    _return(request, return_id)
    services.confirm(request.auth, return_id, payload.comment if payload else "")
    return _ret_reload(request, return_id)


@router.post("/{return_id}/inspect", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="QC: goods are ours? condition")
def return_inspect(request, return_id: int, payload: InspectIn):
    _return(request, return_id)
    services.inspect(request.auth, return_id, is_ours=payload.is_ours, condition=payload.condition)
    return _ret_reload(request, return_id)


@router.post("/{return_id}/approve", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM approves (then GM when > 30 days after delivery)")
def return_approve(request, return_id: int, payload: ReturnCommentIn | None = None):
    _return(request, return_id)
    services.approve(request.auth, return_id, payload.comment if payload else "")
    return _ret_reload(request, return_id)


@router.post("/{return_id}/reject", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM or GM rejects with a reason")
def return_reject(request, return_id: int, payload: ReturnCommentIn):
    _return(request, return_id)
    services.reject(request.auth, return_id, payload.comment)
    return _ret_reload(request, return_id)


@router.post("/{return_id}/receive", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="WH receives on a red-ink note; stock back, returned qty on the line")
def return_receive(request, return_id: int):
    _return(request, return_id)
    services.receive(request.auth, return_id)
    return _ret_reload(request, return_id)


@router.post("/{return_id}/reverse-receive", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="撤销收货: WH/FIN undo a received plain return (money back exactly)")
def return_reverse_receive(request, return_id: int, payload: ReverseReasonIn):
    _return(request, return_id)
    services.reverse_receive(request.auth, return_id, payload.reason)
    return _ret_reload(request, return_id)


@router.post("/{return_id}/credit-note", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="FIN records the credit note / red-letter invoice")
def return_credit(request, return_id: int, payload: CreditIn):
    _return(request, return_id)
    services.record_credit_note(request.auth, return_id, payload.reference)
    return _ret_reload(request, return_id)


@router.get("/{return_id}/note.pdf", **file_op(PDF), summary="Return note PDF (退货单, red ink)")
def return_note(request, return_id: int):
    r = _return(request, return_id)
    return file_response(return_note_pdf(r, prices=sees_prices(request.auth)), f"{r.number}.pdf")
