"""Receivables pages: the aging table with collection tasks, deferrals, reconciliations and write-offs."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.finance import access
from yewu.org.permissions import can
from yewu.policy.receivables import BUCKET_LABELS, BUCKETS

from .. import documents
from ..pages import parse_date, show_error
from . import selectors, services


@login_required
def ar(request):
    u = request.user
    as_of = parse_date(request.GET.get("as_of"), timezone.localdate())
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
        "today": timezone.localdate(),
        "can_defer": can(u, "requests_deferrals"),
    })


@login_required
@require_POST
def deferral_new(request):
    try:
        services.request_deferral(request.user, customer_id=int(request.POST.get("customer_id") or 0),
                                  new_due_on=parse_date(request.POST.get("new_due_on"), timezone.localdate()),
                                  reason=request.POST.get("reason", ""))
        messages.success(request, "推迟付款申请已登记，等待业务经理决定（默认不同意）")
    except YewuError as e:
        show_error(request, e)
    return redirect("finance:ar")


@login_required
@require_POST
def deferral_decide(request, pk):
    try:
        d = services.decide_deferral(request.user, pk, request.POST.get("grant") == "1", request.POST.get("comment", ""))
        messages.success(request, f"已{d.get_outcome_display()}")
    except YewuError as e:
        show_error(request, e)
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
        show_error(request, e)
    return redirect("finance:ar")


@login_required
@require_POST
def write_off_new(request, customer_id):
    c = access.money_customers(request.user).filter(pk=customer_id).first()
    if c is None:
        raise Http404
    oid = request.POST.get("order_id") or ""
    try:
        w = services.request_write_off(request.user, int(oid) if oid.isdigit() else 0, request.POST.get("amount", ""),
                                       request.POST.get("reason", ""))
        messages.success(request, f"坏账核销 {w.number} 已提交：业务经理 → 财务总监 → 总经理审批；核销后继续追收")
    except YewuError as e:
        show_error(request, e)
    return redirect("finance:statement", customer_id=c.pk)
