"""Cash advance pages (`cash.advance_max_3000`): new, detail with actions, the printed form, the overdue list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yewu.approvals import services as approvals
from yewu.common.errors import YewuError
from yewu.expenses import base
from yewu.org.permissions import can
from yewu.org.selectors import get_policy

from .. import documents
from ..handlers import show_error, show_warnings
from ..models import (
    CashAdvance,
    PaymentDoc,
)
from . import selectors, services


@login_required
def advance_new(request):
    data = {"purpose_kind": "travel"}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("purpose_kind", "purpose", "amount", "due_date")}
        try:
            a = services.create_advance(request.user, data)
            messages.success(request, f"{a} 已提交审批")
            return redirect("expenses:advance", pk=a.pk)
        except YewuError as e:
            show_error(request, e)
    return render(request, "expenses/advance_form.html", {"data": data, "purposes": CashAdvance.Purpose.choices,
                                                          "cap": get_policy()["cash.advance_max_3000.max_amount"]})


@login_required
def advance_detail(request, pk):
    a = get_object_or_404(selectors.advances_visible_to(request.user), pk=pk)
    u = request.user
    step = a.approval.steps.filter(state="pending").first() if a.approval_id else None
    claims = PaymentDoc.objects.filter(applicant=a.borrower, kind="expense", state=PaymentDoc.State.APPROVED, advance=None)
    return render(request, "expenses/advance_detail.html", {
        "a": a, "steps": a.approval.steps.select_related("decided_by") if a.approval_id else [],
        "can_decide": bool(step and approvals.can_decide(u, step).allowed), "today": base.today(),
        "can_pay": can(u, "keeps_cash") and a.state == CashAdvance.State.APPROVED,
        "can_settle": can(u, "keeps_cash") and a.state == CashAdvance.State.PAID, "claims": claims,
        "can_void": a.state in ("pending", "approved", "rejected") and (u.pk == a.borrower_id or can(u, "voids_payment_docs")),
        "overdue": a.state == CashAdvance.State.PAID and a.due_date < base.today(),
    })


@login_required
@require_POST
def advance_action(request, pk, action):
    a = get_object_or_404(selectors.advances_visible_to(request.user), pk=pk)
    try:
        if action == "pay":
            a, on_hand = services.pay_advance(request.user, pk)
            messages.success(request, f"{a} 已付款")
            show_warnings(request, on_hand)
        elif action == "settle":
            services.settle_advance(request.user, pk, repaid=request.POST.get("repaid") or "0",
                                    claim_id=request.POST.get("claim_id") or None)
            messages.success(request, "借支已结清")
        elif action == "void":
            services.void_advance(request.user, pk, request.POST.get("reason", ""))
            messages.success(request, "已作废")
        elif action in ("approve", "reject"):
            approvals.decide(request.user, a.approval_id, action == "approve", request.POST.get("comment", ""))
            messages.success(request, "已同意" if action == "approve" else "已驳回")
        else:
            raise Http404
    except YewuError as e:
        show_error(request, e)
    return redirect("expenses:advance", pk=pk)


@login_required
def advance_pdf(request, pk):
    a = get_object_or_404(selectors.advances_visible_to(request.user), pk=pk)
    resp = HttpResponse(documents.advance_pdf(a), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{a.number}.pdf"'
    return resp


@login_required
def overdue(request):
    visible = set(selectors.advances_visible_to(request.user).values_list("id", flat=True))
    t = base.today()
    rows = [{"a": a, "days": (t - a.due_date).days} for a in selectors.overdue_advances(t) if a.pk in visible]
    return render(request, "expenses/overdue.html", {"rows": rows, "today": base.today()})
