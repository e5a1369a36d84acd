"""Invoice pages: the un-invoiced accumulation and requests, issue / red-letter actions, the register and the
printed request."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.approvals.models import ApprovalRequest
from yewu.common.errors import YewuError
from yewu.org.permissions import can

from .. import documents
from ..models import InvoiceKind, RequestState
from ..pages import parse_date, show_error
from . import selectors, services


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
            show_error(request, e)
        return redirect("finance:invoices")
    reqs = list(selectors.invoice_requests_visible_to(u).exclude(state=RequestState.MERGED)
                .prefetch_related("lines__order", "invoices", "merged")[:100])
    pending_ap = {int(a.doc_id): a for a in ApprovalRequest.objects.filter(
        doc_type="invoice_request", state=ApprovalRequest.State.PENDING, doc_id__in=[str(q.pk) for q in reqs])}
    return render(request, "finance/invoices.html", {
        "summary": selectors.uninvoiced_summary(u), "requests": reqs, "pending_ap": pending_ap,
        "kinds": InvoiceKind.choices,
        "can_request": can(u, "requests_invoices"), "today": timezone.localdate(),
        # a charge's 服务单 link only for those the service-job page opens for (service.close_signature; issue 15)
        "opens_service_jobs": any(can(u, a) for a in SERVICE_JOB_READERS),
    })


# the abilities under which the service-job page shows a paid job of a customer whose money this user sees
SERVICE_JOB_READERS = ("reads_paid_service_jobs", "sees_all_tickets", "sees_team_service", "sees_own_customers_service")


@login_required
@require_POST
def invoice_action(request, pk, action):
    try:
        if action == "issue":
            services.issue_invoice(request.user, pk, request.POST.get("tax_number", ""), parse_date(request.POST.get("issued_on")))
            messages.success(request, "已开票登记")
        elif action == "red":
            services.red_reverse_invoice(request.user, pk, request.POST.get("reason", ""), request.POST.get("tax_number", ""))
            messages.success(request, "已开具红字发票，对应金额可重新申请开票")
        else:
            raise Http404
    except YewuError as e:
        show_error(request, e)
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
