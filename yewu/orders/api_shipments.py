"""``GET /api/v1/shipments``: the goods-issue notes (出仓单) of the orders the caller sees (`acl.*_scope` via
:func:`yewu.orders.selectors.shipments_visible_to`), so an API client can find a shipment and record its delivery
(``POST /api/v1/shipments/{id}/delivered``). A shipment carries quantities only, never prices (`acl.ops_scope`:
the warehouse reads it as everyone else does). Registered on the shipments router of :mod:`yewu.orders.api`."""

from __future__ import annotations

from ninja import Query, Schema

from yewu.common.schemas import ERRORS

from . import selectors
from .api import shipment_out, shipments_router

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
    qs = selectors.shipments_visible_to(request.auth)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    if delivered is not None:
        qs = qs.filter(delivered_on__isnull=not delivered)
    return {"count": qs.count(), "items": [shipment_list_out(s) for s in qs[offset:offset + limit]]}
