from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yewu.common.errors import NotFound, RuleRefused
from yewu.common.parsers import MoneyInput, PriceInput, QuantityInput
from yewu.common.schemas import ERRORS, PDF, XLSX, binary, file_op
from yewu.org.permissions import can, require
from yewu.policy import orders as rules

from . import selectors, services
from .models import Order
from .schemas import (
    ContractList,
    ContractOut,
    CustomLines,
    DisputeOut,
    LateLines,
    LoanOut,
    OrderList,
    OrderOut,
    RegisterConfirmed,
    RegisterOut,
    ReturnList,
    ReturnOut,
    ShipmentCreated,
    ShipmentOut,
)

router = Router(tags=["orders"])
shipments_router = Router(tags=["orders"])
contracts_router = Router(tags=["contracts"])
returns_router = Router(tags=["returns"])


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


class ShipLine(Schema):
    line_id: int
    quantity: QuantityInput


class ShipmentIn(Schema):
    lines: list[ShipLine]
    note: str = ""


class PaymentIn(Schema):
    amount: MoneyInput
    arrived_on: date | None = None
    reference: str = ""


def order_out(o: Order, user) -> dict:
    out = _order_out(o)
    return out if sees_prices(user) else _without_prices(out)


MONEY_KEYS = ("total", "deposit_required", "paid_amount", "returned_amount", "unpaid", "unit_price", "guide_price",
              "line_total", "price_outcome", "reasons", "fee", "amount", "amount_at_stake")


def sees_prices(user) -> bool:
    """`acl.ops_scope`: warehouse, production and QC see orders, contracts and returns without prices."""
    return can(user, "sees_prices")


def _priced(out: dict, user) -> dict:
    """``out`` without its money keys unless ``user`` sees prices (the one decision: permissions.sees_prices)."""
    return out if sees_prices(user) else {k: v for k, v in out.items() if k not in MONEY_KEYS}


def _without_prices(out: dict) -> dict:
    out = {k: v for k, v in out.items() if k not in MONEY_KEYS}
    out["lines"] = [{k: v for k, v in ln.items() if k not in MONEY_KEYS} for ln in out["lines"]]
    if "approvals" in out:  # the approval reasons quote the amounts (approve.*, credit.over_limit)
        out["approvals"] = [{k: v for k, v in a.items() if k != "message"} for a in out["approvals"]]
    return out


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
    return {
        "id": o.pk, "number": o.number, "customer_id": o.customer_id, "customer": o.customer.name,
        "salesperson": o.salesperson.name, "status": o.status, "status_label": o.get_status_display(),
        "settlement": o.settlement, "term_days": o.term_days, "total": str(o.total),
        "deposit_required": str(o.deposit_required), "paid_amount": str(o.paid_amount),
        "returned_amount": str(o.returned_amount), "unpaid": str(o.unpaid),
        "is_new_customer": o.is_new_customer, "delivery_address": o.delivery_address,
        "promised_date": o.promised_ship_on.isoformat() if o.promised_ship_on else None,
        "target_date": o.target_ship_on.isoformat() if o.target_ship_on else None,
        "approval_id": o.approval_id, "quote_id": o.quote_id, "invoice_choice": o.invoice_choice,
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
            "fee_rate": str(ln.fee_rate), "fee": str(ln.fee),
            "shipped_qty": str(ln.shipped_qty), "returned_qty": str(ln.returned_qty), "open_qty": str(ln.open_qty),
            "target_date": _d(ln.target_ship_on), "promised_date": _d(ln.promised_ship_on),
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
         "line": line_out(x.line) if sees_prices(request.auth) else _without_prices({"lines": [line_out(x.line)]})["lines"][0], "rule": x.reason.rule,
         "message": x.reason.message, "days_late": x.reason.figures["days_late"]} for x in items]}


@router.get("/custom-lines", response={200: CustomLines, **ERRORS}, exclude_unset=True, summary="PROD: custom lines awaiting their ship date (delivery.custom_production)")
def custom_lines(request):
    now = timezone.now()
    items = []
    for ln in selectors.custom_lines_to_date(request.auth):
        row = {"order_id": ln.order_id, "order": ln.order.number, "customer": ln.order.customer.name,
               "deposit_arrived_on": _d(ln.order.deposit_arrived_on), "line": line_out(ln),
               "entry_overdue": bool(ln.prod_date_due_at and now > ln.prod_date_due_at)}
        if not sees_prices(request.auth):
            row["line"] = _without_prices({"lines": [row["line"]]})["lines"][0]
        items.append(row)
    return {"count": len(items), "items": items}


@router.get("", response={200: OrderList, **ERRORS}, exclude_unset=True, summary="Orders visible to me")
def list_orders(request, status: str = "", late: bool = False, limit: int = 50, offset: int = 0):
    qs = selectors.late_orders(request.auth) if late else selectors.orders_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    qs = qs.select_related("customer", "salesperson", "approval")
    return {"count": qs.count(), "items": [order_out(o, request.auth) for o in qs[offset:offset + limit]]}


def _get(request, order_id: int) -> Order:
    o = selectors.order_for(request.auth, order_id)
    if o is None:
        raise NotFound("订单不存在或无权查看")
    return o


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


@router.post("/{order_id}/payments", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="Money arrived for this order (FIN/CA): deposit or payment")
def payment(request, order_id: int, payload: PaymentIn):
    _get(request, order_id)
    return order_out(services.record_payment(request.auth, order_id, payload.amount, payload.arrived_on, payload.reference), request.auth)


@router.post("/{order_id}/shipments", response={201: ShipmentCreated, **ERRORS}, exclude_unset=True, summary="Ship (出仓单) against a ready order; partial allowed")
def ship(request, order_id: int, payload: ShipmentIn):
    _get(request, order_id)
    s = services.create_shipment(request.auth, order_id, [services.ShipLineIn(x.line_id, x.quantity) for x in payload.lines],
                                 payload.note)
    return Status(201, {"id": s.pk, "number": s.number, "order": order_out(s.order, request.auth)})


def _pdf(data: bytes, filename: str, content_type: str = "application/pdf", inline: bool = True) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return resp


@router.get("/{order_id}/pdf", **file_op(PDF), summary="Sales order PDF (销售订单)")
def order_pdf(request, order_id: int):
    from .pdf import order_pdf as render

    o = _get(request, order_id)
    return _pdf(render(o, prices=sees_prices(request.auth)), f"{o.number}.pdf")


@router.get("/{order_id}/backorder.pdf", **file_op(PDF), summary="Back-order note PDF (货品欠发单) for what a partial shipment left open")
def backorder_pdf(request, order_id: int):
    from .pdf import backorder_pdf as render
    from .pdf import backorder_rows

    o = _get(request, order_id)
    if not o.shipments.exists() or not backorder_rows(o):
        raise RuleRefused("没有欠发货品：货品欠发单只在部分发货后打印", rule="ship.release_check")
    return _pdf(render(o, prices=sees_prices(request.auth)), f"{o.number}-QF.pdf")


@router.get("/{order_id}/over-credit.pdf", **file_op(PDF), summary="Over-credit sales application PDF (超信销货申请表, credit.over_limit)")
def over_credit_pdf(request, order_id: int):
    from .pdf import over_credit_figures
    from .pdf import over_credit_pdf as render

    o = _get(request, order_id)
    require(request.auth, "sees_prices")  # the whole form is amounts
    figures = over_credit_figures(o) if o.settlement == "CREDIT" else None
    if figures is None:
        raise RuleRefused("该订单未超过信用额度，无需超信销货申请表", rule="credit.over_limit")
    return _pdf(render(o, figures), f"{o.number}-CX.pdf")


def shipment_out(s) -> dict:
    return {"id": s.pk, "number": s.number, "order_id": s.order_id, "order": s.order.number,
            "shipped_at": timezone.localtime(s.shipped_at).isoformat(), "delivered_on": _d(s.delivered_on),
            "signed_by_name": s.signed_by_name, "e_signature": s.e_signature, "has_signed_copy": bool(s.signed_copy_id),
            "order_status": s.order.status,
            "lines": [{"line_id": sl.order_line_id, "product": str(sl.order_line.product), "quantity": str(sl.quantity)}
                      for sl in s.lines.select_related("order_line__product")]}


def _ship(request, shipment_id: int):
    s = selectors.shipment_for(request.auth, shipment_id)
    if s is None:
        raise NotFound("出仓单不存在或无权查看")
    return s


@shipments_router.get("/{shipment_id}", response={200: ShipmentOut, **ERRORS}, summary="One shipment (出仓单)")
def shipment(request, shipment_id: int):
    return shipment_out(_ship(request, shipment_id))


@shipments_router.get("/{shipment_id}/note.pdf", **file_op(PDF), summary="Goods-issue note PDF (出仓单), 3 copies (ship.goods_issue_note)")
def note_pdf(request, shipment_id: int):
    from .pdf import goods_issue_note_pdf

    s = _ship(request, shipment_id)
    return _pdf(goods_issue_note_pdf(s, prices=sees_prices(request.auth)), f"{s.number}.pdf")


@shipments_router.post("/{shipment_id}/delivered", response={200: ShipmentOut, **ERRORS}, summary="Record the customer-signed copy (photo or e-signature): sets the delivery date")
def delivered(request, shipment_id: int, delivered_on: date = Form(...), signed_by_name: str = Form(""),
              e_signature: bool = Form(False), signed_copy: UploadedFile | None = File(None)):
    _ship(request, shipment_id)
    f = None
    if signed_copy is not None:
        f = services.FileIn(signed_copy.name or "signed", signed_copy.content_type or "", signed_copy.read())
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
    return _pdf(bytes(a.content), a.name, a.content_type)


# --- contracts (销售合同, SPEC §4.4) ---------------------------------------------------------------------------


class ContractIn(Schema):
    order_id: int
    due_diligence: dict = {}
    terms: str = ""


class ContractSubmitIn(Schema):
    due_diligence: dict | None = None


class ContractReviewIn(Schema):
    approve: bool
    checklist: dict = {}
    credit_opinion: str = ""
    comment: str = ""


class SignIn(Schema):
    signed_on: date | None = None


def contract_out(c, user) -> dict:
    steps = []
    if c.approval_id:
        for s in c.approval.steps.select_related("decided_by"):
            steps.append({"role": s.role, "stage": s.stage, "state": s.state,
                          "due_at": timezone.localtime(s.due_at).isoformat() if s.due_at else None,
                          "decided_by": s.decided_by.name if s.decided_by_id else None, "comment": s.comment,
                          "escalated_to": s.escalated_to or None, **(s.data or {})})
    return _priced({"id": c.pk, "number": c.number, "order_id": c.order_id, "order": c.order.number, "customer": c.customer.name,
            "amount": str(c.amount), "status": c.status, "status_label": c.get_status_display(), "is_major": c.is_major,
            "due_diligence": c.due_diligence, "terms": c.terms, "approval_id": c.approval_id, "reviews": steps,
            "signed_on": _d(c.signed_on),
            "filing_due_at": timezone.localtime(c.filing_due_at).isoformat() if c.filing_due_at else None,
            "filed_at": timezone.localtime(c.filed_at).isoformat() if c.filed_at else None,
            "filing_overdue": bool(c.filing_flagged_at), "custody": _custody_label(c),
            "in_litigation": c.disputes.filter(status="litigation").exists()}, user)


def _custody_label(c) -> str:
    from .contract_records import custody_state

    return custody_state(c)[1]


def _contract(request, contract_id: int):
    c = selectors.contracts_visible_to(request.auth).filter(pk=contract_id).first()
    if c is None:
        raise NotFound("合同不存在或无权查看")
    return c


@contracts_router.post("", response={201: ContractOut, **ERRORS}, exclude_unset=True, summary="Draft the sales contract of an order")
def contract_create(request, payload: ContractIn):
    from . import contracts

    _get(request, payload.order_id)
    c = contracts.create_contract(request.auth, payload.order_id, due_diligence=payload.due_diligence, terms=payload.terms)
    return Status(201, contract_out(c, request.auth))


@contracts_router.get("", response={200: ContractList, **ERRORS}, exclude_unset=True, summary="Contracts visible to me")
def contract_list(request, status: str = "", limit: int = 50, offset: int = 0):
    qs = selectors.contracts_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [contract_out(c, request.auth) for c in qs[offset:offset + limit]]}


@contracts_router.get("/ledger.xlsx", **file_op(XLSX), summary="Contract ledger (合同台账) as Excel; month=YYYY-MM filters by signing date")
def contract_ledger(request, month: str = ""):
    from yewu.common.errors import ValidationError

    from .pdf import contract_ledger_xlsx

    qs = selectors.contracts_visible_to(request.auth).exclude(number__isnull=True).order_by("signed_on", "number")
    if month:
        try:
            y, m = (int(x) for x in month.split("-"))
            qs = qs.filter(signed_on__year=y, signed_on__month=m)
        except ValueError:
            raise ValidationError("month 格式应为 YYYY-MM", fields={"month": "YYYY-MM"}) from None
    data = contract_ledger_xlsx(qs.select_related("order__salesperson", "approval"), prices=sees_prices(request.auth))
    return _pdf(data, f"contract-ledger{'-' + month if month else ''}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", inline=False)


# --- custody take-out, monthly register, disputes (contract.filing_1wd, contract.monthly_register, contract.dispute)


def _dt(v):
    return timezone.localtime(v).isoformat() if v else None


def loan_out(loan) -> dict:
    from yewu.policy.contracts import takeout_overdue

    late = takeout_overdue(loan.due_back_on, timezone.localdate(), loan.returned_at is not None) if loan.due_back_on else None
    return {"id": loan.pk, "contract_id": loan.contract_id, "contract": loan.contract.number, "borrower": loan.borrower.name,
            "purpose": loan.purpose, "status": loan.status, "status_label": loan.get_status_display(),
            "approval_id": loan.approval_id, "requested_due_on": _d(loan.requested_due_on), "out_at": _dt(loan.out_at),
            "due_back_on": _d(loan.due_back_on), "returned_at": _dt(loan.returned_at),
            "overdue": late is not None, "overdue_reason": late.as_dict() if late else None}


def dispute_out(d, user) -> dict:
    return _priced({"id": d.pk, "contract_id": d.contract_id, "contract": d.contract.number, "kind": d.kind,
            "kind_label": d.get_kind_display(), "description": d.description, "amount_at_stake": str(d.amount_at_stake),
            "occurred_on": _d(d.occurred_on), "owner": d.owner.name, "status": d.status, "status_label": d.get_status_display(),
            "resolution": d.resolution, "rule": "contract.dispute"}, user)


class TakeoutIn(Schema):
    purpose: str
    requested_due_on: date | None = None


class CustodyReturnIn(Schema):
    note: str = ""


class DisputeIn(Schema):
    kind: str
    description: str
    amount_at_stake: MoneyInput = Decimal("0")
    occurred_on: date


class DisputeMoveIn(Schema):
    status: str
    resolution: str = ""


class MonthIn(Schema):
    month: str


@contracts_router.post("/{contract_id}/takeout", response={201: LoanOut, **ERRORS},
                       summary="Ask to take the signed original out of CS custody: GM approval + return date (contract.filing_1wd)")
def contract_takeout(request, contract_id: int, payload: TakeoutIn):
    from . import contract_records as cr

    return Status(201, loan_out(cr.request_takeout(request.auth, contract_id, purpose=payload.purpose,
                                                   requested_due_on=payload.requested_due_on)))


@contracts_router.get("/custody", response={200: list[LoanOut], **ERRORS}, summary="Custody log (借阅登记); overdue=1: take-outs past their return date")
def custody_list(request, overdue: bool = False):
    from . import contract_records as cr

    qs = cr.loans_visible_to(request.auth)
    if overdue:
        qs = cr.overdue_loans(timezone.localdate(), qs)
    return [loan_out(x) for x in qs[:500]]


@contracts_router.post("/custody/{loan_id}/hand-out", response={200: LoanOut, **ERRORS}, summary="CS hands the original over after GM approval; return date set")
def custody_hand_out(request, loan_id: int):
    from . import contract_records as cr

    return loan_out(cr.hand_out(request.auth, loan_id))


@contracts_router.post("/custody/{loan_id}/return", response={200: LoanOut, **ERRORS}, summary="CS records the original's return")
def custody_return(request, loan_id: int, payload: CustodyReturnIn | None = None):
    from . import contract_records as cr

    return loan_out(cr.record_return(request.auth, loan_id, payload.note if payload else ""))


def _register(request, month: str):
    from . import contract_records as cr

    m = cr.parse_month(month)
    return m, cr.register_rows(m, selectors.contracts_visible_to(request.auth)), cr.register_status(m)


@contracts_router.get("/register", response={200: RegisterOut, **ERRORS}, exclude_unset=True, summary="Monthly numbered contract register (contract.monthly_register); month=YYYY-MM, default last month")
def register_get(request, month: str = ""):
    m, rows, st = _register(request, month)
    reg = st["reg"]
    return {"month": f"{m:%Y-%m}", "due": st["due"].date().isoformat(), "confirmed": st["confirmed"],
            "confirmed_by": reg.confirmed_by.name if st["confirmed"] else None,
            "confirmed_at": _dt(reg.confirmed_at) if st["confirmed"] else None,
            "overdue": st["overdue"].as_dict() if st["overdue"] else None, "added_after_confirmation": st["added_after"],
            "items": [_priced({"seq": r["seq"], "number": r["c"].number, "customer": r["c"].customer.name,
                               "amount": str(r["c"].amount), "signed_on": _d(r["c"].signed_on), "filing": r["filing"],
                               "custody": r["custody"]}, request.auth) for r in rows]}


@contracts_router.post("/register/confirm", response={200: RegisterConfirmed, **ERRORS}, summary="CS confirms a finished month's register (by the 5th of the next month)")
def register_confirm(request, payload: MonthIn):
    from . import contract_records as cr

    reg = cr.confirm_register(request.auth, cr.parse_month(payload.month))
    return {"month": f"{reg.month:%Y-%m}", "confirmed_by": reg.confirmed_by.name, "confirmed_at": _dt(reg.confirmed_at),
            "numbers": reg.numbers}


@contracts_router.get("/register.xlsx", **file_op(XLSX), summary="Monthly contract register as Excel")
def register_xlsx(request, month: str = ""):
    from .pdf import contract_register_xlsx

    m, rows, st = _register(request, month)
    return _pdf(contract_register_xlsx(m, rows, st, prices=sees_prices(request.auth)), f"contract-register-{m:%Y-%m}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", inline=False)


@contracts_router.get("/register.pdf", **file_op(PDF), summary="Monthly contract register as PDF")
def register_pdf(request, month: str = ""):
    from .pdf import contract_register_pdf

    m, rows, st = _register(request, month)
    return _pdf(contract_register_pdf(m, rows, st, prices=sees_prices(request.auth)), f"contract-register-{m:%Y-%m}.pdf")


@contracts_router.post("/{contract_id}/disputes", response={201: DisputeOut, **ERRORS}, exclude_unset=True, summary="Record a breach/dispute (contract.dispute)")
def dispute_create(request, contract_id: int, payload: DisputeIn):
    from . import contract_records as cr

    return Status(201, dispute_out(cr.record_dispute(request.auth, contract_id, kind=payload.kind,
                                                     description=payload.description,
                                                     amount_at_stake=payload.amount_at_stake, occurred_on=payload.occurred_on),
                                   request.auth))


@contracts_router.get("/disputes", response={200: list[DisputeOut], **ERRORS}, exclude_unset=True, summary="Contract disputes visible to me")
def dispute_list(request, status: str = ""):
    from . import contract_records as cr

    qs = cr.disputes_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [dispute_out(d, request.auth) for d in qs[:500]]


@contracts_router.post("/disputes/{dispute_id}/status", response={200: DisputeOut, **ERRORS}, exclude_unset=True, summary="open → resolved | litigation; litigation → resolved (SM owner or GM)")
def dispute_move(request, dispute_id: int, payload: DisputeMoveIn):
    from . import contract_records as cr

    return dispute_out(cr.move_dispute(request.auth, dispute_id, payload.status, payload.resolution), request.auth)


@contracts_router.get("/{contract_id}", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="One contract")
def contract_get(request, contract_id: int):
    return contract_out(_contract(request, contract_id), request.auth)


@contracts_router.post("/{contract_id}/submit", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="Send to review: CS ‖ FIN (1 WD each), GM when major (contract.review_1wd)")
def contract_submit(request, contract_id: int, payload: ContractSubmitIn | None = None):
    from . import contracts

    _contract(request, contract_id)
    return contract_out(contracts.submit_review(request.auth, contract_id,
                                                due_diligence=payload.due_diligence if payload else None), request.auth)


@contracts_router.post("/{contract_id}/review", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="A reviewer's decision with checklist and credit opinion")
def contract_review(request, contract_id: int, payload: ContractReviewIn):
    from . import contracts

    _contract(request, contract_id)
    return contract_out(contracts.review(request.auth, contract_id, payload.approve, checklist=payload.checklist,
                                         credit_opinion=payload.credit_opinion, comment=payload.comment), request.auth)


@contracts_router.post("/{contract_id}/sign", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="Sign after all reviews passed; assigns YWXS-YYYYMMDD-NN (contract.number_format)")
def contract_sign(request, contract_id: int, payload: SignIn | None = None):
    from . import contracts

    _contract(request, contract_id)
    return contract_out(contracts.sign(request.auth, contract_id, payload.signed_on if payload else None), request.auth)


@contracts_router.post("/{contract_id}/file", response={200: ContractOut, **ERRORS}, exclude_unset=True, summary="CS takes the signed original (scan) into custody (contract.filing_1wd)")
def contract_file(request, contract_id: int, scan: UploadedFile = File(...)):
    from . import contracts

    _contract(request, contract_id)
    f = services.FileIn(scan.name or "scan", scan.content_type or "", scan.read())
    return contract_out(contracts.file_signed(request.auth, contract_id, f), request.auth)


@contracts_router.get("/{contract_id}/review.pdf", **file_op(PDF), summary="Contract review form PDF (合同评审单)")
def contract_review_pdf(request, contract_id: int):
    from .pdf import contract_review_pdf as render

    c = _contract(request, contract_id)
    return _pdf(render(c, prices=sees_prices(request.auth)), f"{c.number or c.order.number}-PS.pdf")


# --- returns and exchanges (return.flow, SPEC §4.6) ----------------------------------------------------------


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
    return _priced({"id": r.pk, "number": r.number, "order_id": r.order_id, "order": r.order.number, "line_id": r.line_id,
            "product": str(r.line.product), "quantity": str(r.quantity), "amount": str(r.amount), "reason": r.reason,
            "quality_defect": r.quality_defect, "exchange": r.exchange, "status": r.status,
            "status_label": r.get_status_display(), "needs_gm": r.needs_gm, "days_after_delivery": r.days_after_delivery,
            "qc_is_ours": r.qc_is_ours, "qc_condition": r.qc_condition, "red_note_number": r.red_note_number,
            "credit_reference": r.credit_reference, "reasons": (r.decision or {}).get("reasons", []), "history": r.history,
            "line_returned_qty": str(r.line.returned_qty), "line_open_qty": str(r.line.open_qty)}, user)


def _return(request, return_id: int):
    r = selectors.returns_visible_to(request.auth).filter(pk=return_id).first()
    if r is None:
        raise NotFound("退货单不存在或无权查看")
    return r


def _ret_reload(request, return_id: int) -> dict:
    return return_out(_return(request, return_id), request.auth)


@returns_router.post("", response={201: ReturnOut, **ERRORS}, exclude_unset=True, summary="Return/exchange application (退货申请单)")
def return_apply(request, payload: ReturnIn):
    from . import returns

    _get(request, payload.order_id)
    r = returns.apply(request.auth, order_id=payload.order_id, line_id=payload.line_id, quantity=payload.quantity,
                      reason=payload.reason, quality_defect=payload.quality_defect, exchange=payload.exchange)
    return Status(201, return_out(r, request.auth))


@returns_router.get("", response={200: ReturnList, **ERRORS}, exclude_unset=True, summary="Returns visible to me")
def return_list(request, status: str = "", limit: int = 50, offset: int = 0):
    qs = selectors.returns_visible_to(request.auth)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 200))
    return {"count": qs.count(), "items": [return_out(r, request.auth) for r in qs[offset:offset + limit]]}


@returns_router.get("/{return_id}", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="One return")
def return_get(request, return_id: int):
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/confirm", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM confirms the application")
def return_confirm(request, return_id: int, payload: ReturnCommentIn | None = None):
    from . import returns

    _return(request, return_id)
    returns.confirm(request.auth, return_id, payload.comment if payload else "")
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/inspect", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="QC: goods are ours? condition")
def return_inspect(request, return_id: int, payload: InspectIn):
    from . import returns

    _return(request, return_id)
    returns.inspect(request.auth, return_id, is_ours=payload.is_ours, condition=payload.condition)
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/approve", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM approves (then GM when > 30 days after delivery)")
def return_approve(request, return_id: int, payload: ReturnCommentIn | None = None):
    from . import returns

    _return(request, return_id)
    returns.approve(request.auth, return_id, payload.comment if payload else "")
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/reject", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="SM or GM rejects with a reason")
def return_reject(request, return_id: int, payload: ReturnCommentIn):
    from . import returns

    _return(request, return_id)
    returns.reject(request.auth, return_id, payload.comment)
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/receive", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="WH receives on a red-ink note; stock back, returned qty on the line")
def return_receive(request, return_id: int):
    from . import returns

    _return(request, return_id)
    returns.receive(request.auth, return_id)
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/reverse-receive", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="撤销收货: WH/FIN undo a received plain return (money back exactly)")
def return_reverse_receive(request, return_id: int, payload: ReverseReasonIn):
    from . import returns

    _return(request, return_id)
    returns.reverse_receive(request.auth, return_id, payload.reason)
    return _ret_reload(request, return_id)


@returns_router.post("/{return_id}/credit-note", response={200: ReturnOut, **ERRORS}, exclude_unset=True, summary="FIN records the credit note / red-letter invoice")
def return_credit(request, return_id: int, payload: CreditIn):
    from . import returns

    _return(request, return_id)
    returns.record_credit_note(request.auth, return_id, payload.reference)
    return _ret_reload(request, return_id)


@returns_router.get("/{return_id}/note.pdf", **file_op(PDF), summary="Return note PDF (退货单, red ink)")
def return_note(request, return_id: int):
    from .pdf import return_note_pdf

    r = _return(request, return_id)
    return _pdf(return_note_pdf(r, prices=sees_prices(request.auth)), f"{r.number}.pdf")
