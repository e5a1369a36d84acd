"""Invoice API (开票申请/发票): requests, the un-invoiced summary, the register, issue, red-letter, signed."""

from datetime import date

from ninja import Router, Schema, Status

from yewu.common import parsers
from yewu.common.errors import NotFound
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, XLSX, file_op

from .. import documents
from ..models import Invoice, InvoiceRequest
from ..pages import xlsx_response
from ..schemas import (
    InvoiceOut,
    InvoiceRequestList,
    InvoiceRequestOut,
    UninvoicedOut,
)
from . import selectors, services

invoices_router = Router(tags=["finance"])


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
    return xlsx_response(documents.invoice_register_xlsx(list(qs.order_by("issued_on", "id"))), "发票登记.xlsx")


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
