"""The customer statement page (对账单) with its PDF and Excel, and the customer's order balances."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yewu.finance import access
from yewu.finance.receivables import balances
from yewu.finance.receivables import selectors as ar_reads
from yewu.org.permissions import can

from .. import documents
from ..pages import parse_date
from . import selectors


@login_required
def customer_statement(request, customer_id):
    c = access.money_customers(request.user).filter(pk=customer_id).select_related("owner").first()
    if c is None:
        raise Http404
    today = timezone.localdate()
    start = parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = parse_date(request.GET.get("end"), today)
    s = selectors.statement(c, start, end)
    fmt_ = request.GET.get("format")
    if fmt_ == "pdf":
        resp = HttpResponse(documents.statement_pdf(s), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="statement-{c.pk}-{end:%Y%m%d}.pdf"'
        return resp
    if fmt_ == "xlsx":
        resp = HttpResponse(documents.statement_xlsx(s),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="statement-{c.pk}-{end:%Y%m%d}.xlsx"'
        return resp
    return render(request, "finance/statement.html", {
        "s": s, "c": c, "balance": balances.customer_credit_balance(c.pk), "zero": Decimal("0"),
        "orders": ar_reads.customer_order_balances(request.user, c.pk),
        "write_offs": ar_reads.write_offs_visible_to(request.user).filter(customer=c)[:50],
        "can_write_off": can(request.user, "proposes_write_offs"), "wo_order": request.GET.get("order", ""),
    })
