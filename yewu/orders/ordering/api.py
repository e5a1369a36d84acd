"""``/api/v1/orders``: create, list, read, change lines, submit, PROD's custom ship dates, late and custom lines,
and the order's paper documents (销售订单, 货品欠发单, 超信销货申请表). Shipping adds ``POST /{order_id}/shipments``
(:mod:`yewu.orders.shipping.api`); finance the payments (:mod:`yewu.finance.order_payments`)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from ninja import Router, Schema, Status

from yewu.common.errors import RuleRefused
from yewu.common.parsers import PriceInput, QuantityInput
from yewu.common.schemas import ERRORS, PDF, file_op
from yewu.org.permissions import require
from yewu.policy import orders as rules

from ..documents.pdf import backorder_pdf as render_backorder
from ..documents.pdf import backorder_rows, over_credit_figures
from ..documents.pdf import order_pdf as render_order
from ..documents.pdf import over_credit_pdf as render_over_credit
from ..models import Order
from ..outputs import day, file_response, sees_prices, without_prices
from ..schemas import CustomLines, LateLines, OrderList, OrderOut
from ..shipping.check import ship_hold
from ..visibility import orders_visible_to, visible_order
from . import selectors, services

router = Router(tags=["orders"])


class LineInSchema(Schema):
    product_id: int
    quantity: QuantityInput
    unit_price: PriceInput


class OrderIn(Schema):
    customer_id: int
    settlement: str
    lines: list[LineInSchema]
    term_days: int | None = None
    delivery_address: str = ""
    note: str = ""
    quote_id: int | None = None
    # quote.deviation_reapproval: a price below the accepted quote's is refused unless this asks for SM re-approval
    reapproval: bool = False


def order_out(o: Order, user) -> dict:
    out = _order_out(o)
    return out if sees_prices(user) else without_prices(out)


def _order_out(o: Order) -> dict:
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
    hold = ship_hold(o)  # 待付定金 / 待签合同 / …: the order list's word, never 可发货 for an order the warehouse refuses
    return {
        "id": o.pk, "number": o.number, "customer_id": o.customer_id, "customer": o.customer.name,
        "salesperson": o.salesperson.name, "status": o.status,
        "status_label": hold or o.get_status_display(), "ship_hold": hold,
        "settlement": o.settlement, "term_days": o.term_days, "total": str(o.total),
        "deposit_required": str(o.deposit_required), "paid_amount": str(o.paid_amount),
        "returned_amount": str(o.returned_amount), "unpaid": str(o.unpaid),
        "is_new_customer": o.is_new_customer, "delivery_address": o.delivery_address,
        "promised_date": o.promised_ship_on.isoformat() if o.promised_ship_on else None,
        "target_date": o.target_ship_on.isoformat() if o.target_ship_on else None,
        "approval_id": o.approval_id, "quote_id": o.quote_id, "invoice_choice": o.invoice_choice,
        "approvals": approvals,
        "reasons": (o.decision or {}).get("reasons", []),
        "deposit_arrived_on": day(o.deposit_arrived_on), "delivered_on": day(o.delivered_on),
        "lines": [line_out(ln) for ln in (o.lines.all() if "lines" in getattr(o, "_prefetched_objects_cache", {})
                                          else o.lines.select_related("product"))],
    }


def line_out(ln) -> dict:
    today = timezone.localdate()
    late = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
    return {"id": ln.id, "product_id": ln.product_id, "product": str(ln.product), "kind": ln.kind,
            "quantity": str(ln.quantity), "unit_price": str(ln.unit_price), "guide_price": str(ln.guide_price),
            "line_total": str(ln.line_total), "price_outcome": ln.price_outcome,
            "fee_rate": str(ln.fee_rate), "fee": str(ln.fee),
            "shipped_qty": str(ln.shipped_qty), "returned_qty": str(ln.returned_qty), "open_qty": str(ln.open_qty),
            "target_date": day(ln.target_ship_on), "promised_date": day(ln.promised_ship_on),
            "promise_rule": "delivery.custom_production" if ln.is_custom else "delivery.standard_3_4d",
            "prod_date_due_at": timezone.localtime(ln.prod_date_due_at).isoformat() if ln.prod_date_due_at else None,
            "late": late.as_dict() if late else None}


@router.post("", response={200: OrderOut, 201: OrderOut, **ERRORS}, exclude_unset=True, summary="Create an order (Idempotency-Key header makes a repeat return the first order)")
def create(request, payload: OrderIn):
    order, created = services.create_order(
        request.auth, customer_id=payload.customer_id, settlement=payload.settlement, term_days=payload.term_days,
        delivery_address=payload.delivery_address, note=payload.note, quote_id=payload.quote_id,
        lines=[services.LineIn(ln.product_id, ln.quantity, ln.unit_price) for ln in payload.lines],
        idempotency_key=request.headers.get("Idempotency-Key"), reapproval=payload.reapproval,
    )
    return Status(201 if created else 200, order_out(order, request.auth))


class ShipDateIn(Schema):
    ship_on: date


class LinesIn(Schema):
    lines: list[LineInSchema]
    reapproval: bool = False


@router.get("/late", response={200: LateLines, **ERRORS}, exclude_unset=True, summary="Late lines: unshipped after their promised day (delivery.standard_3_4d, delivery.custom_production)")
def late(request):
    items = selectors.late_lines(request.auth)
    return {"count": len(items), "items": [
        {"order_id": x.line.order_id, "order": x.line.order.number, "customer": x.line.order.customer.name,
         "salesperson": x.line.order.salesperson.name,
         "line": line_out(x.line) if sees_prices(request.auth) else without_prices({"lines": [line_out(x.line)]})["lines"][0], "rule": x.reason.rule,
         "message": x.reason.message, "days_late": x.reason.figures["days_late"]} for x in items]}


@router.get("/custom-lines", response={200: CustomLines, **ERRORS}, exclude_unset=True, summary="PROD: custom lines awaiting their ship date (delivery.custom_production)")
def custom_lines(request):
    now = timezone.now()
    items = []
    for ln in selectors.custom_lines_to_date(request.auth):
        row = {"order_id": ln.order_id, "order": ln.order.number, "customer": ln.order.customer.name,
               "deposit_arrived_on": day(ln.order.deposit_arrived_on), "line": line_out(ln),
               "entry_overdue": bool(ln.prod_date_due_at and now > ln.prod_date_due_at)}
        if not sees_prices(request.auth):
            row["line"] = without_prices({"lines": [row["line"]]})["lines"][0]
        items.append(row)
    return {"count": len(items), "items": items}


@router.get("", response={200: OrderList, **ERRORS}, exclude_unset=True,
            summary="Orders visible to me. `count` is exact up to 10,000 (or to the end of the page asked for); beyond "
                    "that `count_capped` is true and `count` a lower bound — `exact_count=true` counts them all")
def list_orders(request, status: str = "", late: bool = False, limit: int = 50, offset: int = 0,
                exact_count: bool = False):
    qs = selectors.late_orders(request.auth) if late else orders_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    rows, count, capped = selectors.page_rows(selectors.for_list(qs), max(0, offset), limit, count_qs=qs,
                                              cap=None if exact_count else selectors.LIST_COUNT_CAP)
    return {"count": count, "count_capped": capped, "items": [order_out(o, request.auth) for o in rows]}


def _get(request, order_id: int) -> Order:
    return visible_order(request.auth, order_id)


@router.get("/{order_id}", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="One order")
def get(request, order_id: int):
    return order_out(_get(request, order_id), request.auth)


@router.put("/{order_id}/lines", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="Replace the lines of an unshipped order; changed amounts void the approval (SPEC §4.1)")
def update_lines(request, order_id: int, payload: LinesIn):
    _get(request, order_id)
    return order_out(services.update_order_lines(
        request.auth, order_id, [services.LineIn(ln.product_id, ln.quantity, ln.unit_price) for ln in payload.lines],
        reapproval=payload.reapproval),
        request.auth)


@router.put("/{order_id}/lines/{line_id}/ship-date", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="PROD enters a custom line's ship date (delivery.custom_production)")
def custom_ship_date(request, order_id: int, line_id: int, payload: ShipDateIn):
    _get(request, order_id)
    services.set_custom_ship_date(request.auth, order_id, line_id, payload.ship_on)
    return order_out(_get(request, order_id), request.auth)


@router.post("/{order_id}/submit", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="Submit for approval")
def submit(request, order_id: int):
    _get(request, order_id)
    return order_out(services.submit_order(request.auth, order_id), request.auth)


@router.get("/{order_id}/pdf", **file_op(PDF), summary="Sales order PDF (销售订单)")
def order_pdf(request, order_id: int):
    o = _get(request, order_id)
    return file_response(render_order(o, prices=sees_prices(request.auth)), f"{o.number}.pdf")


@router.get("/{order_id}/backorder.pdf", **file_op(PDF), summary="Back-order note PDF (货品欠发单) for what a partial shipment left open")
def backorder_pdf(request, order_id: int):
    o = _get(request, order_id)
    if not o.shipments.exists() or not backorder_rows(o):
        raise RuleRefused("没有欠发货品：货品欠发单只在部分发货后打印", rule="ship.release_check")
    return file_response(render_backorder(o, prices=sees_prices(request.auth)), f"{o.number}-QF.pdf")


@router.get("/{order_id}/over-credit.pdf", **file_op(PDF), summary="Over-credit sales application PDF (超信销货申请表, credit.over_limit)")
def over_credit_pdf(request, order_id: int):
    o = _get(request, order_id)
    require(request.auth, "sees_prices")  # the whole form is amounts
    figures = over_credit_figures(o) if o.settlement == "CREDIT" else None
    if figures is None:
        raise RuleRefused("该订单未超过信用额度，无需超信销货申请表", rule="credit.over_limit")
    return file_response(render_over_credit(o, figures), f"{o.number}-CX.pdf")


