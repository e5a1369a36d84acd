"""Shipments over the API: ``POST /api/v1/orders/{order_id}/shipments`` ships against a ready order;
``/api/v1/shipments``: one shipment, its goods-issue note PDF (出仓单), the customer-signed copy, and the list of
the goods-issue notes of the orders the caller sees (`acl.*_scope`), so an API client can find a shipment and record
its delivery. A shipment carries quantities only, never prices (`acl.ops_scope`: the warehouse reads it as everyone
else does)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from yewu.common.errors import NotFound
from yewu.common.parsers import QuantityInput
from yewu.common.schemas import ERRORS, PDF, binary, file_op

from ..attachments import FileIn
from ..documents.pdf import goods_issue_note_pdf
from ..ordering.api import order_out
from ..ordering.api import router as orders_router
from ..outputs import day, file_response, sees_prices
from ..schemas import ShipmentCreated, ShipmentOut
from ..visibility import shipment_for, shipments_visible_to, visible_order
from . import services

shipments_router = Router(tags=["orders"])


class ShipLine(Schema):
    line_id: int
    quantity: QuantityInput


class ShipmentIn(Schema):
    lines: list[ShipLine]
    note: str = ""


@orders_router.post("/{order_id}/shipments", response={201: ShipmentCreated, **ERRORS}, exclude_unset=True, summary="Ship (出仓单) against a ready order; partial allowed")
def ship(request, order_id: int, payload: ShipmentIn):
    visible_order(request.auth, order_id)
    s = services.create_shipment(request.auth, order_id, [services.ShipLineIn(x.line_id, x.quantity) for x in payload.lines],
                                 payload.note)
    return Status(201, {"id": s.pk, "number": s.number, "order": order_out(s.order, request.auth)})


def shipment_out(s) -> dict:
    return {"id": s.pk, "number": s.number, "order_id": s.order_id, "order": s.order.number,
            "shipped_at": timezone.localtime(s.shipped_at).isoformat(), "delivered_on": day(s.delivered_on),
            "signed_by_name": s.signed_by_name, "e_signature": s.e_signature, "has_signed_copy": bool(s.signed_copy_id),
            "order_status": s.order.status,
            "lines": [{"line_id": sl.order_line_id, "product": str(sl.order_line.product), "quantity": str(sl.quantity)}
                      for sl in s.lines.select_related("order_line__product")]}


def _ship(request, shipment_id: int):
    s = shipment_for(request.auth, shipment_id)
    if s is None:
        raise NotFound("出仓单不存在或无权查看")
    return s


@shipments_router.get("/{shipment_id}", response={200: ShipmentOut, **ERRORS}, summary="One shipment (出仓单)")
def shipment(request, shipment_id: int):
    return shipment_out(_ship(request, shipment_id))


@shipments_router.get("/{shipment_id}/note.pdf", **file_op(PDF), summary="Goods-issue note PDF (出仓单), 3 copies (ship.goods_issue_note)")
def note_pdf(request, shipment_id: int):
    s = _ship(request, shipment_id)
    return file_response(goods_issue_note_pdf(s, prices=sees_prices(request.auth)), f"{s.number}.pdf")


@shipments_router.post("/{shipment_id}/delivered", response={200: ShipmentOut, **ERRORS}, summary="Record the customer-signed copy (photo or e-signature): sets the delivery date")
def delivered(request, shipment_id: int, delivered_on: date = Form(...), signed_by_name: str = Form(""),
              e_signature: bool = Form(False), signed_copy: UploadedFile | None = File(None)):
    _ship(request, shipment_id)
    f = None
    if signed_copy is not None:
        f = FileIn(signed_copy.name or "signed", signed_copy.content_type or "", signed_copy.read())
    s = services.confirm_delivery(request.auth, shipment_id, delivered_on=delivered_on, signed_by_name=signed_by_name,
                                  e_signature=e_signature, signed_copy=f)
    s.order.refresh_from_db()
    return shipment_out(s)


@shipments_router.get("/{shipment_id}/signed-copy", response=ERRORS, openapi_extra=binary("application/octet-stream", "the uploaded file, in its own content type"), summary="The customer-signed copy as uploaded")
def signed_copy(request, shipment_id: int):
    s = _ship(request, shipment_id)
    if not s.signed_copy_id:
        raise NotFound("没有上传签收联")
    a = s.signed_copy
    return file_response(bytes(a.content), a.name, a.content_type)


MAX_ID = 2**63 - 1


class ShipmentListLineOut(Schema):
    line_id: int
    product: str
    quantity: str


class ShipmentListItemOut(Schema):
    id: int
    number: str
    order_id: int
    order: str
    order_status: str
    customer_id: int
    customer: str
    delivery_address: str
    shipped_at: str
    delivered_on: str | None
    signed_by_name: str
    e_signature: bool
    has_signed_copy: bool
    note: str
    lines: list[ShipmentListLineOut]


class ShipmentListOut(Schema):
    count: int
    items: list[ShipmentListItemOut]


def shipment_list_out(s) -> dict:
    return {**shipment_out(s), "customer_id": s.order.customer_id, "customer": s.order.customer.name,
            "delivery_address": s.order.delivery_address, "note": s.note}


@shipments_router.get("", response={200: ShipmentListOut, **ERRORS},
                      summary="Shipments (出仓单) of the orders I see, newest first; delivered=false: awaiting the signed copy")
def list_shipments(request, order_id: int | None = Query(None, ge=1, le=MAX_ID), delivered: bool | None = None,
                   limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = shipments_visible_to(request.auth)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    if delivered is not None:
        qs = qs.filter(delivered_on__isnull=not delivered)
    return {"count": qs.count(), "items": [shipment_list_out(s) for s in qs[offset:offset + limit]]}
