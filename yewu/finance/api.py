"""Money API: receipts (回款), invoices (开票申请/发票), receivables aging, deferrals. Thin handlers; rules and
access live in services and selectors."""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from yewu.common import parsers
from yewu.common.errors import NotFound, ValidationError
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, PDF, XLSX, binary, file_op
from yewu.policy.receivables import BUCKETS

from . import documents, selectors, services
from .models import Invoice, InvoiceRequest, Receipt
from .schemas import (
    AgingOut,
    DeferralOut,
    InvoiceOut,
    InvoiceRequestList,
    InvoiceRequestOut,
    MonthlyArOut,
    ReceiptList,
    ReceiptOut,
    UninvoicedOut,
    WriteOffOut,
)

receipts_router = Router(tags=["finance"])
invoices_router = Router(tags=["finance"])
reports_router = Router(tags=["finance"])
deferrals_router = Router(tags=["finance"])


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
        "customer_balance": str(selectors.customer_credit_balance(r.customer_id)),
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


# --- invoices ---------------------------------------------------------------------------------------------------


class InvoiceLineIn(Schema):
    order_id: int
    amount: MoneyInput


class InvoiceRequestIn(Schema):
    customer_id: int
    kind: str
    lines: list[InvoiceLineIn] | None = None
    note: str = ""


class IssueIn(Schema):
    tax_number: str = ""
    issued_on: date | None = None


class RedIn(Schema):
    reason: str = ""
    tax_number: str = ""


def request_out(q: InvoiceRequest) -> dict:
    return {
        "id": q.pk, "number": q.number, "customer_id": q.customer_id, "customer": q.customer.name, "kind": q.kind,
        "kind_label": q.get_kind_display(), "amount": str(q.amount), "state": q.state, "state_label": q.get_state_display(),
        "rule": (q.reason or {}).get("rule"), "message": (q.reason or {}).get("message", ""),
        "reasons": (q.reason or {}).get("reasons", []),
        "merged_into": q.merged_into.number if q.merged_into_id else None,
        "merged": [m.number for m in q.merged.all()],
        "lines": [{"order_id": ln.order_id, "order": ln.order.number, "amount": str(ln.amount),
                   "first_request": ln.first_request.number} for ln in q.lines.select_related("order", "first_request")],
        "invoices": [invoice_out(i) for i in q.invoices.all()],
    }


def invoice_out(i: Invoice) -> dict:
    return {"id": i.pk, "tax_number": i.tax_number, "issued_on": i.issued_on.isoformat(), "kind": i.kind,
            "amount": str(i.amount), "net_amount": str(i.net_amount), "tax_amount": str(i.tax_amount),
            "vat_rate_pct": str(i.vat_rate_pct), "state": i.state, "red_of": i.red_of_id,
            "signed_on": i.signed_on.isoformat() if i.signed_on else None}


@invoices_router.post("", response={201: InvoiceRequestOut, **ERRORS}, summary="开票申请单: VAT special < 5,000.00 waits and accumulates (invoice.vat_min_5000)")
def create_invoice_request(request, payload: InvoiceRequestIn):
    lines = None if payload.lines is None else [(x.order_id, x.amount) for x in payload.lines]
    q = services.request_invoice(request.auth, customer_id=payload.customer_id, kind=payload.kind, lines=lines,
                                 note=payload.note)
    return Status(201, request_out(q))


@invoices_router.get("", response={200: InvoiceRequestList, **ERRORS}, summary="Invoice requests visible to me")
def list_invoice_requests(request, customer_id: int | None = None, state: str = ""):
    qs = selectors.invoice_requests_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if state:
        qs = qs.filter(state=state)
    return {"count": qs.count(), "items": [request_out(q) for q in qs[:200]]}


@invoices_router.get("/uninvoiced", response={200: list[UninvoicedOut], **ERRORS}, summary="Per customer: delivered, claimed, un-invoiced and waiting amounts")
def uninvoiced(request):
    return [{"customer_id": r["customer"].pk, "customer": r["customer"].name, "delivered": str(r["delivered"]),
             "in_flow": str(r["in_flow"]), "unrequested": str(r["unrequested"]), "uninvoiced": str(r["uninvoiced"]),
             "waiting": str(r["waiting"])}
            for r in selectors.uninvoiced_summary(request.auth)]


@invoices_router.get("/register.xlsx", **file_op(XLSX), summary="发票登记 (invoice register) as Excel")
def register_xlsx(request, year: int | None = None):
    qs = selectors.invoices_visible_to(request.auth)
    if year is not None:
        qs = qs.filter(issued_on__year=parsers.year(year))
    return _xlsx(documents.invoice_register_xlsx(list(qs.order_by("issued_on", "id"))), "发票登记.xlsx")


@invoices_router.get("/{request_id}", response={200: InvoiceRequestOut, **ERRORS}, summary="One invoice request")
def get_invoice_request(request, request_id: int):
    q = selectors.invoice_requests_visible_to(request.auth).filter(pk=request_id).first()
    if q is None:
        raise NotFound("开票申请不存在或无权查看")
    return request_out(q)


@invoices_router.post("/{request_id}/issue", response={200: InvoiceRequestOut, **ERRORS}, summary="FIN issues the invoice: tax-system number and date")
def issue(request, request_id: int, payload: IssueIn):
    inv = services.issue_invoice(request.auth, request_id, payload.tax_number, payload.issued_on)
    return request_out(inv.request)


@invoices_router.post("/issued/{invoice_id}/red", response={200: InvoiceOut, **ERRORS}, summary="Red-letter reversal (红字发票) of an issued invoice")
def red(request, invoice_id: int, payload: RedIn):
    red_inv = services.red_reverse_invoice(request.auth, invoice_id, payload.reason, payload.tax_number)
    return invoice_out(red_inv)


class SignedIn(Schema):
    signed_on: date | None = None


@invoices_router.post("/issued/{invoice_id}/signed", response={200: InvoiceOut, **ERRORS}, summary="The customer signed for the invoice")
def signed(request, invoice_id: int, payload: SignedIn):
    return invoice_out(services.mark_invoice_signed(request.auth, invoice_id, payload.signed_on))


# --- reports ----------------------------------------------------------------------------------------------------


def _xlsx(data: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


def _as_of(s: str | None) -> date:
    if not s:
        return timezone.localdate()
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise ValidationError(f"日期格式应为 YYYY-MM-DD（现为 {s}）", fields={"as_of": "YYYY-MM-DD"}) from None


@reports_router.get("/ar-aging", response={200: AgingOut, **ERRORS}, openapi_extra=binary(XLSX, "JSON, or the workbook with format=xlsx", json_schema={"$ref": "#/components/schemas/AgingOut"}), summary="应收账款账龄表 (ar.aging): group=customer|salesperson|team, as_of=YYYY-MM-DD, format=xlsx")
def ar_aging(request, as_of: str = "", group: str = "customer", format: str = "json"):
    if group not in ("customer", "salesperson", "team"):
        raise ValidationError("group 应为 customer、salesperson 或 team", fields={"group": "customer/salesperson/team"})
    day = _as_of(as_of)
    rows, total = selectors.aging(request.auth, day, group)
    if format == "xlsx":
        return _xlsx(documents.aging_xlsx(rows, total, day, group), f"应收账款账龄表-{day:%Y%m%d}.xlsx")

    def row(r):
        return {"key": r.key if isinstance(r.key, (int, str)) else str(r.key), "label": r.label, "team": r.team,
                "salesperson": r.salesperson.name if r.salesperson else None,
                "buckets": {b: str(r.buckets[b]) for b in BUCKETS}, "total": str(r.total),
                "written_off": str(r.written_off),
                "oldest_due": r.oldest_due.isoformat() if r.oldest_due else None}

    return {"as_of": day.isoformat(), "group": group, "rule": "ar.aging", "rows": [row(r) for r in rows], "total": row(total)}


@reports_router.get("/ar-monthly", response={200: MonthlyArOut, **ERRORS}, openapi_extra=binary(XLSX, "JSON, or the workbook with format=xlsx", json_schema={"$ref": "#/components/schemas/MonthlyArOut"}), summary="业务部应收账款月报表 per salesperson: month=YYYY-MM, format=xlsx")
def ar_monthly(request, month: str = "", format: str = "json"):
    from yewu.performance.selectors import parse_month

    m = parse_month(month, timezone.localdate())
    rows, total = selectors.monthly_ar(request.auth, m)
    if format == "xlsx":
        return _xlsx(documents.monthly_ar_xlsx(rows, total, m), f"应收账款月报表-{m:%Y-%m}.xlsx")
    keys = ("opening", "delivered", "collected", "closing", "overdue", "over_90")
    return {"month": f"{m:%Y-%m}", "rows": [{"salesperson": x["salesperson"].name, "team": x["team"],
                                            **{k: str(x[k]) for k in keys}} for x in rows],
            "total": {k: str(total[k]) for k in keys}}


@reports_router.get("/deferrals.xlsx", **file_op(XLSX), summary="推迟付款登记 (ar.deferral log) as Excel")
def deferrals_xlsx(request):
    return _xlsx(documents.deferrals_xlsx(list(selectors.deferrals_visible_to(request.auth))), "推迟付款登记.xlsx")


class WriteOffIn(Schema):
    order_id: int
    amount: MoneyInput
    reason: str = ""


def write_off_out(w) -> dict:
    return {"id": w.pk, "number": w.number, "customer_id": w.customer_id, "order_id": w.order_id, "order": w.order.number,
            "amount": str(w.amount), "reason": w.reason, "state": w.state, "state_label": w.get_state_display(),
            "recovered": str(w.recovered), "outstanding": str(w.outstanding), "approval_id": w.approval_id,
            "requested_by": w.requested_by.name}


@reports_router.post("/write-offs", response={201: WriteOffOut, **ERRORS}, summary="ar.bad_debt: propose a write-off (SM → FD → GM)")
def write_off(request, payload: WriteOffIn):
    w = services.request_write_off(request.auth, payload.order_id, payload.amount, payload.reason)
    return Status(201, write_off_out(w))


@reports_router.get("/write-offs", response={200: list[WriteOffOut], **ERRORS}, summary="ar.bad_debt: write-offs visible to the caller, with what was recovered")
def write_offs(request, customer_id: int | None = None):
    qs = selectors.write_offs_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return [write_off_out(w) for w in qs[:200]]


# --- deferrals --------------------------------------------------------------------------------------------------


class DeferralIn(Schema):
    customer_id: int
    new_due_on: date
    reason: str = ""
    order_id: int | None = None


class DeferralDecideIn(Schema):
    grant: bool
    comment: str = ""


def deferral_out(d) -> dict:
    return {"id": d.pk, "customer_id": d.customer_id, "customer": d.customer.name, "order_id": d.order_id,
            "requested_on": d.requested_on.isoformat(), "new_due_on": d.new_due_on.isoformat(), "reason": d.reason,
            "outcome": d.outcome, "outcome_label": d.get_outcome_display(), "credit_review": d.credit_review,
            "decided_by": d.decided_by.name if d.decided_by_id else None}


@deferrals_router.post("", response={201: DeferralOut, **ERRORS}, summary="推迟付款申请 (ar.deferral)")
def create_deferral(request, payload: DeferralIn):
    d = services.request_deferral(request.auth, customer_id=payload.customer_id, new_due_on=payload.new_due_on,
                                  reason=payload.reason, order_id=payload.order_id)
    return Status(201, deferral_out(d))


@deferrals_router.post("/{deferral_id}/decide", response={200: DeferralOut, **ERRORS}, summary="SM grants or refuses")
def decide_deferral(request, deferral_id: int, payload: DeferralDecideIn):
    return deferral_out(services.decide_deferral(request.auth, deferral_id, payload.grant, payload.comment))


@deferrals_router.get("", response={200: list[DeferralOut], **ERRORS}, summary="Deferral requests visible to me")
def list_deferrals(request, customer_id: int | None = None):
    qs = selectors.deferrals_visible_to(request.auth)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return [deferral_out(d) for d in qs[:200]]
