"""Money pages (Chinese, phone-usable): receipts, invoices (un-invoiced accumulation, requests), receivables aging,
deferrals, collection tasks, reconciliations, customer statements. Thin: services write, selectors read."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.approvals.models import ApprovalRequest
from yewu.common.errors import YewuError
from yewu.customers.models import Customer
from yewu.policy.receivables import BUCKET_LABELS, BUCKETS, RECEIPT_METHODS

from . import documents, selectors, services
from .models import InvoiceKind, ReceiptStatus, RequestState


def _err(request, e: YewuError):
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def _date(s: str | None, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(s) if s else default
    except ValueError:
        return default


def _customers(request):
    return selectors.money_customers(request.user).order_by("name")[:1000]


@login_required
def home(request):
    return redirect("finance:receipts")


@login_required
def receipt_list(request):
    qs = selectors.receipts_visible_to(request.user)
    cid = request.GET.get("customer") or ""
    st = request.GET.get("status") or ""
    if cid.isdigit():
        qs = qs.filter(customer_id=int(cid))
    if st in ReceiptStatus.values:
        qs = qs.filter(status=st)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "finance/receipt_list.html", {
        "page": page, "customers": _customers(request), "cid": cid, "st": st, "statuses": ReceiptStatus.choices,
        "can_record": request.user.has_role(*services.RECORDERS),
    })


@login_required
def receipt_new(request):
    if not request.user.has_role(*services.RECORDERS):
        messages.error(request, "回款只能由财务或出纳登记（sod.receipt_recorder）")
        return redirect("finance:receipts")
    data = {"arrived_on": timezone.localdate().isoformat(), "method": "transfer", "auto": "1",
            **{k: v for k in ("customer_id", "for_order_id") if (v := request.GET.get(k, "")).isdigit()}}  # from an order
    if request.method == "POST":
        data = request.POST.dict()
        try:
            r = services.create_receipt(
                request.user, customer_id=int(data.get("customer_id") or 0), amount=data.get("amount", ""),
                arrived_on=_date(data.get("arrived_on")), method=data.get("method", "transfer"),
                reference=data.get("reference", ""), payer=data.get("payer", ""), note=data.get("note", ""),
                for_order_id=int(data["for_order_id"]) if (data.get("for_order_id") or "").isdigit() else None,
                auto=bool(data.get("auto")))
            messages.success(request, f"回款 {r.number} 已登记，分配 {r.allocated:,.2f}，客户余额 "
                                      f"{selectors.customer_credit_balance(r.customer_id):,.2f}")
            return redirect("finance:receipt", pk=r.pk)
        except YewuError as e:
            _err(request, e)
    return render(request, "finance/receipt_new.html", {
        "data": data, "customers": Customer.objects.order_by("name")[:2000], "methods": RECEIPT_METHODS.items()})


@login_required
def receipt_detail(request, pk):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    opens = selectors.open_orders(r.customer_id) if r.status == ReceiptStatus.POSTED else []
    return render(request, "finance/receipt_detail.html", {
        "r": r, "allocations": r.allocations.select_related("order", "created_by"), "opens": opens,
        "balance": selectors.customer_credit_balance(r.customer_id),
        "can_allocate": request.user.has_role("FIN") and r.unallocated > 0,
        "can_auto": request.user.has_role(*services.RECORDERS) and r.unallocated > 0 and bool(opens),
        "can_reverse": request.user.has_role(*services.RECORDERS) and r.status == ReceiptStatus.POSTED,
    })


@login_required
@require_POST
def receipt_action(request, pk, action):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    try:
        if action == "allocate":
            pairs = [(int(k[6:]), v) for k, v in request.POST.items() if k.startswith("alloc_") and v.strip()]
            services.allocate(request.user, pk, pairs)
            messages.success(request, "已按手工分配入账")
        elif action == "auto":
            services.allocate(request.user, pk, None)
            messages.success(request, "已按到期先后自动分配")
        elif action == "reverse":
            services.reverse_receipt(request.user, pk, request.POST.get("reason", ""))
            messages.success(request, "已红冲：分配、订单余额和提成已全部冲回")
        else:
            raise Http404
    except YewuError as e:
        _err(request, e)
    return redirect("finance:receipt", pk=pk)


@login_required
def receipt_pdf(request, pk):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    resp = HttpResponse(documents.receipt_pdf(r), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{r.number}.pdf"'
    return resp


# --- invoices ---------------------------------------------------------------------------------------------------


@login_required
def invoices(request):
    u = request.user
    if request.method == "POST":
        try:
            q = services.request_invoice(u, customer_id=int(request.POST.get("customer_id") or 0),
                                         kind=request.POST.get("kind", ""), note=request.POST.get("note", ""))
            if q.state == RequestState.WAITING:
                messages.warning(request, f"开票申请 {q.number} 累计中：{q.reason.get('message', '')}")
            else:
                messages.success(request, f"开票申请 {q.number} 已提交（{q.get_state_display()}），金额 {q.amount:,.2f}")
        except YewuError as e:
            _err(request, e)
        return redirect("finance:invoices")
    reqs = list(selectors.invoice_requests_visible_to(u).exclude(state=RequestState.MERGED)
                .prefetch_related("lines__order", "invoices", "merged")[:100])
    pending_ap = {int(a.doc_id): a for a in ApprovalRequest.objects.filter(
        doc_type="invoice_request", state=ApprovalRequest.State.PENDING, doc_id__in=[str(q.pk) for q in reqs])}
    return render(request, "finance/invoices.html", {
        "summary": selectors.uninvoiced_summary(u), "requests": reqs, "pending_ap": pending_ap,
        "kinds": InvoiceKind.choices, "customers": _customers(request), "is_fin": u.has_role("FIN"),
        "can_request": u.has_role("SP", "SM", "FIN", "GM"), "today": timezone.localdate(),
    })


@login_required
@require_POST
def invoice_action(request, pk, action):
    try:
        if action == "issue":
            services.issue_invoice(request.user, pk, request.POST.get("tax_number", ""), _date(request.POST.get("issued_on")))
            messages.success(request, "已开票登记")
        elif action == "red":
            services.red_reverse_invoice(request.user, pk, request.POST.get("reason", ""), request.POST.get("tax_number", ""))
            messages.success(request, "已开具红字发票，对应金额可重新申请开票")
        else:
            raise Http404
    except YewuError as e:
        _err(request, e)
    return redirect("finance:invoices")


@login_required
def invoice_register(request):
    qs = selectors.invoices_visible_to(request.user).order_by("issued_on", "id")
    resp = HttpResponse(documents.invoice_register_xlsx(list(qs)),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = 'attachment; filename="invoice-register.xlsx"'
    return resp


@login_required
def invoice_request_pdf(request, pk):
    q = selectors.invoice_requests_visible_to(request.user).filter(pk=pk).first()
    if q is None:
        raise Http404
    return HttpResponse(documents.invoice_request_pdf(q), content_type="application/pdf")


# --- receivables ------------------------------------------------------------------------------------------------


@login_required
def ar(request):
    u = request.user
    as_of = _date(request.GET.get("as_of"), timezone.localdate())
    group = request.GET.get("group") if request.GET.get("group") in ("customer", "salesperson", "team") else "customer"
    rows, total = selectors.aging(u, as_of, group)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(documents.aging_xlsx(rows, total, as_of, group),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="ar-aging-{as_of:%Y%m%d}.xlsx"'
        return resp
    tasks = selectors.collection_tasks_visible_to(u).filter(closed_on__isnull=True)
    return render(request, "finance/ar.html", {
        "rows": rows, "total": total, "as_of": as_of, "group": group, "buckets": [(b, BUCKET_LABELS[b]) for b in BUCKETS],
        "tasks": tasks, "deferrals": selectors.deferrals_visible_to(u)[:50],
        "recons": selectors.reconciliations_visible_to(u).filter(state="pending")[:50],
        "write_offs": selectors.write_offs_visible_to(u)[:50],
        "customers": _customers(request), "is_sm": u.has_role("SM"), "today": timezone.localdate(),
        "can_defer": u.has_role("SP", "SM"),
    })


@login_required
@require_POST
def deferral_new(request):
    try:
        services.request_deferral(request.user, customer_id=int(request.POST.get("customer_id") or 0),
                                  new_due_on=_date(request.POST.get("new_due_on"), timezone.localdate()),
                                  reason=request.POST.get("reason", ""))
        messages.success(request, "推迟付款申请已登记，等待业务经理决定（默认不同意）")
    except YewuError as e:
        _err(request, e)
    return redirect("finance:ar")


@login_required
@require_POST
def deferral_decide(request, pk):
    try:
        d = services.decide_deferral(request.user, pk, request.POST.get("grant") == "1", request.POST.get("comment", ""))
        messages.success(request, f"已{d.get_outcome_display()}")
    except YewuError as e:
        _err(request, e)
    return redirect("finance:ar")


@login_required
@require_POST
def reconciliation_record(request, pk):
    try:
        agreed = request.POST.get("agreed") == "1"
        services.record_reconciliation(request.user, pk, agreed, request.POST.get("customer_balance"),
                                       request.POST.get("note", ""))
        messages.success(request, "对账结果已记录")
    except YewuError as e:
        _err(request, e)
    return redirect("finance:ar")


@login_required
def customer_statement(request, customer_id):
    c = selectors.money_customers(request.user).filter(pk=customer_id).select_related("owner").first()
    if c is None:
        raise Http404
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), today)
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
        "s": s, "c": c, "balance": selectors.customer_credit_balance(c.pk), "zero": Decimal("0"),
        "orders": selectors.customer_order_balances(request.user, c.pk),
        "write_offs": selectors.write_offs_visible_to(request.user).filter(customer=c)[:50],
        "can_write_off": request.user.has_role("SP", "SM", "FIN"), "wo_order": request.GET.get("order", ""),
    })


@login_required
@require_POST
def write_off_new(request, customer_id):
    c = selectors.money_customers(request.user).filter(pk=customer_id).first()
    if c is None:
        raise Http404
    oid = request.POST.get("order_id") or ""
    try:
        w = services.request_write_off(request.user, int(oid) if oid.isdigit() else 0, request.POST.get("amount", ""),
                                       request.POST.get("reason", ""))
        messages.success(request, f"坏账核销 {w.number} 已提交：业务经理 → 财务总监 → 总经理审批；核销后继续追收")
    except YewuError as e:
        _err(request, e)
    return redirect("finance:statement", customer_id=c.pk)
