"""Invoice reads (`invoice.flow`): requests and invoices a user sees, what each order may still be invoiced
(`invoice.vat_min_5000`), the un-invoiced accumulation per customer."""

from __future__ import annotations

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


def invoice_request_for_source(source: str) -> InvoiceRequest | None:
    """The invoice request asked for a charge (``source``, e.g. "service_job:12"); a VAT special request merged into
    a larger one is followed to the request that carries it now."""
    req = InvoiceRequest.objects.select_related("merged_into").filter(source=source).first()
    while req is not None and req.merged_into_id:
        req = req.merged_into
    return req


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
