"""Invoice reads (`invoice.flow`): requests and invoices a user sees, what each order may still be invoiced
(`invoice.vat_min_5000`), the un-invoiced accumulation per customer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from yewu.customers.models import Customer
from yewu.finance.access import money_customers, sees_all_money
from yewu.finance.base import ZERO
from yewu.finance.receivables.balances import delivered_amount
from yewu.orders.models import Order, OrderStatus
from yewu.org.models import User
from yewu.policy.receivables import money

from ..models import CLAIMING_STATES, Invoice, InvoiceRequest, InvoiceRequestLine, RequestState


def invoice_requests_visible_to(user: User) -> QuerySet[InvoiceRequest]:
    qs = InvoiceRequest.objects.select_related("customer", "requested_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


@dataclass(frozen=True)
class ChargeInvoicing:
    """Where the invoice asked for one charge stands: the request asked for it, the request that carries it now
    (the same one, or the larger VAT special request it was merged into, `invoice.vat_min_5000`) and the invoices
    finance registered on that request (issued ones and red-letter reversals), newest first."""

    asked: InvoiceRequest
    carrier: InvoiceRequest
    invoices: list[Invoice]


def charge_invoicing(sources) -> dict[str, ChargeInvoicing]:
    """:class:`ChargeInvoicing` per charge ``source`` (e.g. "service_job:12") that has an invoice request, in a
    fixed number of queries whatever the number of sources."""
    asked = {r.source: r for r in InvoiceRequest.objects.filter(source__in=list(sources))}
    known = {r.pk: r for r in asked.values()}
    todo = {r.merged_into_id for r in known.values() if r.merged_into_id} - set(known)
    while todo:  # merges can chain (a waiting request merged into one that itself waited)
        more = {r.pk: r for r in InvoiceRequest.objects.filter(pk__in=todo)}
        known.update(more)
        todo = {r.merged_into_id for r in more.values() if r.merged_into_id} - set(known)

    def carrier(r: InvoiceRequest) -> InvoiceRequest:
        while r.merged_into_id and r.merged_into_id in known:
            r = known[r.merged_into_id]
        return r

    carriers = {s: carrier(r) for s, r in asked.items()}
    invoices: dict[int, list[Invoice]] = {}
    for inv in Invoice.objects.filter(request_id__in={c.pk for c in carriers.values()}).order_by("-created_at", "-id"):
        invoices.setdefault(inv.request_id, []).append(inv)
    return {s: ChargeInvoicing(asked[s], c, invoices.get(c.pk, [])) for s, c in carriers.items()}


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("customer", "request")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def invoice_claimed(order_ids) -> dict[int, Decimal]:
    rows = InvoiceRequestLine.objects.filter(order_id__in=list(order_ids), request__state__in=CLAIMING_STATES).values(
        "order_id").annotate(s=Sum("amount"))
    return {r["order_id"]: money(r["s"] or ZERO) for r in rows}


def invoiceable_by_order(customer_id: int) -> list[dict]:
    """Per order of the customer: delivered (net of returns and exchanges received, `invoice.vat_min_5000`),
    claimed by invoice requests, what may still be invoiced, and ``to_red`` — invoiced beyond what is now
    delivered (goods came back after invoicing: FIN issues a red-letter invoice)."""
    orders = list(Order.objects.filter(customer_id=customer_id).exclude(
        status__in=(OrderStatus.DRAFT, OrderStatus.CANCELLED)).prefetch_related("lines").order_by("created_at", "id"))
    claimed = invoice_claimed([o.pk for o in orders])
    out = []
    for o in orders:
        delivered = delivered_amount(o)
        c = claimed.get(o.pk, ZERO)
        if delivered > 0 or c > 0:
            out.append({"order": o, "delivered": delivered, "claimed": c, "invoiceable": max(money(delivered - c), ZERO),
                        "to_red": max(money(c - delivered), ZERO)})
    return out


def waiting_special_total(customer_id: int) -> Decimal:
    v = InvoiceRequest.objects.filter(customer_id=customer_id, state=RequestState.WAITING).aggregate(s=Sum("amount"))["s"]
    return money(v or ZERO)


def uninvoiced_summary(user: User) -> list[dict]:
    """Per visible customer with delivered goods: delivered; invoiced or in the flow (requested, reviewed, issued);
    accumulated un-invoiced = not yet requested + waiting for the VAT special minimum (`invoice.vat_min_5000`)."""
    cust_ids = set(Order.objects.filter(customer__in=money_customers(user), lines__shipped_qty__gt=0).values_list(
        "customer_id", flat=True))
    cust_ids |= set(InvoiceRequest.objects.filter(customer__in=money_customers(user), state=RequestState.WAITING)
                    .values_list("customer_id", flat=True))
    out = []
    for c in Customer.objects.filter(pk__in=cust_ids).select_related("owner").order_by("name"):
        rows = invoiceable_by_order(c.pk)
        waiting = waiting_special_total(c.pk)
        claimed = sum((r["claimed"] for r in rows), ZERO)
        unrequested = sum((r["invoiceable"] for r in rows), ZERO)
        out.append({"customer": c, "delivered": sum((r["delivered"] for r in rows), ZERO),
                    "claimed": claimed, "in_flow": claimed - waiting, "unrequested": unrequested,
                    "uninvoiced": unrequested + waiting, "waiting": waiting})
    return out
