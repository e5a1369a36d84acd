from datetime import date

from django.utils import timezone
from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.policy import orders as rules

from . import selectors, services
from .models import Order

router = Router(tags=["orders"])


class LineInSchema(Schema):
    product_id: int
    quantity: str
    unit_price: str


class OrderIn(Schema):
    customer_id: int
    settlement: str
    lines: list[LineInSchema]
    term_days: int | None = None
    delivery_address: str = ""
    note: str = ""
    quote_id: int | None = None


class ShipLine(Schema):
    line_id: int
    quantity: str


class ShipmentIn(Schema):
    lines: list[ShipLine]
    note: str = ""


class PaymentIn(Schema):
    amount: str
    arrived_on: date | None = None
    reference: str = ""


def order_out(o: Order) -> dict:
    approvals = []
    decision = (o.decision or {}).get("approvals") or {}
    reasons = decision.get("reasons", [])
    if o.approval_id:
        for s in o.approval.steps.all():
            why = [r for r in reasons if s.role in ("SM", "GM")]
            approvals.append({
                "role": s.role, "state": s.state,
                "rule": why[0]["rule"] if why else "",
                "message": "；".join(r["message"] for r in why) if why else "",
                "due_at": s.due_at.isoformat() if s.due_at else None,
                "decided_by": s.decided_by.name if s.decided_by_id else None,
            })
    return {
        "id": o.pk, "number": o.number, "customer_id": o.customer_id, "customer": o.customer.name,
        "salesperson": o.salesperson.name, "status": o.status, "status_label": o.get_status_display(),
        "settlement": o.settlement, "term_days": o.term_days, "total": str(o.total),
        "deposit_required": str(o.deposit_required), "paid_amount": str(o.paid_amount),
        "is_new_customer": o.is_new_customer, "delivery_address": o.delivery_address,
        "promised_date": o.promised_ship_on.isoformat() if o.promised_ship_on else None,
        "target_date": o.target_ship_on.isoformat() if o.target_ship_on else None,
        "approval_id": o.approval_id,
        "approvals": approvals,
        "reasons": (o.decision or {}).get("reasons", []),
        "deposit_arrived_on": _d(o.deposit_arrived_on), "delivered_on": _d(o.delivered_on),
        "lines": [line_out(ln) for ln in o.lines.select_related("product")],
    }


def _d(v):
    return v.isoformat() if v else None


def line_out(ln) -> dict:
    today = timezone.localdate()
    late = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
    return {"id": ln.id, "product_id": ln.product_id, "product": str(ln.product), "kind": ln.kind,
            "quantity": str(ln.quantity), "unit_price": str(ln.unit_price), "guide_price": str(ln.guide_price),
            "line_total": str(ln.line_total), "price_outcome": ln.price_outcome,
            "shipped_qty": str(ln.shipped_qty), "returned_qty": str(ln.returned_qty), "open_qty": str(ln.open_qty),
            "target_date": _d(ln.target_ship_on), "promised_date": _d(ln.promised_ship_on),
            "promise_rule": "delivery.custom_production" if ln.is_custom else "delivery.standard_3_4d",
            "prod_date_due_at": timezone.localtime(ln.prod_date_due_at).isoformat() if ln.prod_date_due_at else None,
            "late": late.as_dict() if late else None}


@router.post("", response={200: dict, 201: dict}, summary="Create an order (Idempotency-Key header makes a repeat return the first order)")
def create(request, payload: OrderIn):
    order, created = services.create_order(
        request.auth, customer_id=payload.customer_id, settlement=payload.settlement, term_days=payload.term_days,
        delivery_address=payload.delivery_address, note=payload.note, quote_id=payload.quote_id,
        lines=[services.LineIn(ln.product_id, ln.quantity, ln.unit_price) for ln in payload.lines],
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return Status(201 if created else 200, order_out(order))


class ShipDateIn(Schema):
    ship_on: date


class LinesIn(Schema):
    lines: list[LineInSchema]


@router.get("/late", summary="Late lines: unshipped after their promised day (delivery.standard_3_4d, delivery.custom_production)")
def late(request):
    items = selectors.late_lines(request.auth)
    return {"count": len(items), "items": [
        {"order_id": x.line.order_id, "order": x.line.order.number, "customer": x.line.order.customer.name,
         "salesperson": x.line.order.salesperson.name, "line": line_out(x.line), "rule": x.reason.rule,
         "message": x.reason.message, "days_late": x.reason.figures["days_late"]} for x in items]}


@router.get("")
def list_orders(request, status: str = "", late: bool = False, limit: int = 50, offset: int = 0):
    qs = selectors.late_orders(request.auth) if late else selectors.orders_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    qs = qs.select_related("customer", "salesperson", "approval")
    return {"count": qs.count(), "items": [order_out(o) for o in qs[offset:offset + limit]]}


def _get(request, order_id: int) -> Order:
    o = selectors.order_for(request.auth, order_id)
    if o is None:
        raise NotFound("订单不存在或无权查看")
    return o


@router.get("/{order_id}")
def get(request, order_id: int):
    return order_out(_get(request, order_id))


@router.put("/{order_id}/lines", summary="Replace the lines of an unshipped order; changed amounts void the approval (SPEC §4.1)")
def update_lines(request, order_id: int, payload: LinesIn):
    _get(request, order_id)
    return order_out(services.update_order_lines(
        request.auth, order_id, [services.LineIn(ln.product_id, ln.quantity, ln.unit_price) for ln in payload.lines]))


@router.put("/{order_id}/lines/{line_id}/ship-date", summary="PROD enters a custom line's ship date (delivery.custom_production)")
def custom_ship_date(request, order_id: int, line_id: int, payload: ShipDateIn):
    _get(request, order_id)
    services.set_custom_ship_date(request.auth, order_id, line_id, payload.ship_on)
    return order_out(_get(request, order_id))


@router.post("/{order_id}/submit")
def submit(request, order_id: int):
    _get(request, order_id)
    return order_out(services.submit_order(request.auth, order_id))


@router.post("/{order_id}/payments", summary="Money arrived for this order (FIN/CA): deposit or payment")
def payment(request, order_id: int, payload: PaymentIn):
    _get(request, order_id)
    return order_out(services.record_payment(request.auth, order_id, payload.amount, payload.arrived_on, payload.reference))


@router.post("/{order_id}/shipments", response={201: dict}, summary="Ship (出仓单) against a ready order; partial allowed")
def ship(request, order_id: int, payload: ShipmentIn):
    _get(request, order_id)
    s = services.create_shipment(request.auth, order_id, [services.ShipLineIn(x.line_id, x.quantity) for x in payload.lines],
                                 payload.note)
    return Status(201, {"number": s.number, "order": order_out(s.order)})
