"""Pages of payment requests, expense claims and prior approvals: the treasury home, new / detail / actions,
the approval inbox, the printed form, the register."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yewu.approvals import services as approvals
from yewu.common.errors import YewuError
from yewu.expenses import access, base
from yewu.expenses.advances import selectors as advance_reads
from yewu.org.permissions import can
from yewu.org.selectors import get_policy

from .. import documents
from ..handlers import show_error, show_warnings, xlsx_response
from ..models import (
    CashAdvance,
    Category,
    ExpenseRequest,
    Method,
    PaymentDoc,
)
from . import selectors, services


@login_required
def index(request):
    u = request.user
    mine = PaymentDoc.objects.filter(applicant=u).select_related("approval")[:50]
    advs = CashAdvance.objects.filter(borrower=u)[:50]
    reqs = ExpenseRequest.objects.filter(requester=u)[:50]
    team = []
    if can(u, "sees_team_money") and not access.sees_all_money(u):
        team = selectors.docs_visible_to(u).exclude(applicant=u)[:50]
    return render(request, "expenses/index.html", {
        "mine": mine, "advances": advs, "requests": reqs, "team_docs": team, "today": base.today(),
        "inbox_count": len(selectors.expense_inbox(u)), "is_cash": can(u, "keeps_cash"), "sees_all": access.sees_all_money(u),
    })


def _doc_form_data(post) -> dict:
    data = {k: post.get(k, "") for k in ("kind", "category", "purpose", "payee", "payee_account", "amount", "method",
                                         "payment_date", "prior_approval_id", "advance_id")}
    lines = []
    for d, desc, amt, att in zip(post.getlist("line_date"), post.getlist("line_desc"), post.getlist("line_amount"),
                                 post.getlist("line_att"), strict=False):
        if d or desc or amt:
            lines.append({"incurred_on": d, "description": desc, "amount": amt, "attachments": att or 0})
    data["lines"] = lines
    if data["kind"] == "expense":
        data["amount"] = ""
    return data


@login_required
def doc_new(request, kind):
    if kind not in PaymentDoc.Kind.values:
        raise Http404
    data = {"kind": kind, "method": "transfer" if kind == "payment" else "cash", "lines": []}
    if request.method == "POST":
        data = _doc_form_data(request.POST)
        data["kind"] = kind
        try:
            d = services.create_payment_doc(request.user, data)
            messages.success(request, f"{d} 已提交审批")
            for r in (d.decision or {}).get("reasons", []):
                if r.get("rule") == "expense.prior_approval":
                    messages.warning(request, f"{r['message']}（{r['rule']}）")
            return redirect("expenses:doc", pk=d.pk)
        except YewuError as e:
            show_error(request, e)
    cfg = get_policy()
    return render(request, "expenses/doc_form.html", {
        "kind": kind, "kind_label": PaymentDoc.Kind(kind).label, "data": data, "categories": Category.choices,
        "methods": Method.choices, "prior": selectors.approved_requests_of(request.user),
        "open_advances": CashAdvance.objects.filter(borrower=request.user, state=CashAdvance.State.PAID),
        "rows": range(max(3, len(data.get("lines") or []))), "large": cfg["cash.large_withdrawal_notice_3d.amount"],
        "large_days": cfg["cash.large_withdrawal_notice_3d.days"], "today": base.today(),
    })


@login_required
def doc_detail(request, pk):
    d = get_object_or_404(selectors.docs_visible_to(request.user), pk=pk)
    u = request.user
    step = d.approval.steps.filter(state="pending").first() if d.approval_id else None
    can_decide = bool(step and approvals.can_decide(u, step).allowed)
    return render(request, "expenses/doc_detail.html", {
        "d": d, "steps": d.approval.steps.select_related("decided_by") if d.approval_id else [], "can_decide": can_decide,
        "can_pay": can(u, "keeps_cash") and d.state == PaymentDoc.State.APPROVED,
        "can_review": can(u, "reviews_vouchers") and d.state == PaymentDoc.State.PAID and not d.voucher_reviewed_at,
        "can_void": d.state != PaymentDoc.State.VOIDED and (can(u, "voids_payment_docs") or (u.pk == d.applicant_id and d.state != PaymentDoc.State.PAID)),
        "can_resubmit": u.pk == d.applicant_id and d.state == PaymentDoc.State.REJECTED,
        "reasons": (d.decision or {}).get("reasons", []),
    })


@login_required
@require_POST
def doc_action(request, pk, action):
    get_object_or_404(selectors.docs_visible_to(request.user), pk=pk)
    try:
        if action == "pay":
            d, on_hand = services.pay_doc(request.user, pk, request.POST.get("method") or None)
            messages.success(request, f"{d} 已付讫 ¥{d.payable:,.2f}")
            show_warnings(request, on_hand)
        elif action == "review":
            services.review_voucher(request.user, pk)
            messages.success(request, "凭证已审核")
        elif action == "void":
            services.void_doc(request.user, pk, request.POST.get("reason", ""))
            messages.success(request, "已作废")
        elif action == "resubmit":
            services.resubmit(request.user, pk)
            messages.success(request, "已重新提交审批")
        elif action in ("approve", "reject"):
            d = PaymentDoc.objects.get(pk=pk)
            approvals.decide(request.user, d.approval_id, action == "approve", request.POST.get("comment", ""))
            messages.success(request, "已同意" if action == "approve" else "已驳回")
        else:
            raise Http404
    except YewuError as e:
        show_error(request, e)
    nxt = request.POST.get("next", "")
    return redirect(nxt) if nxt.startswith("/expenses/") else redirect("expenses:doc", pk=pk)


@login_required
def doc_pdf(request, pk):
    d = get_object_or_404(selectors.docs_visible_to(request.user), pk=pk)
    resp = HttpResponse(documents.payment_doc_pdf(d), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{d.number}.pdf"'
    return resp


@login_required
def inbox(request):
    steps = selectors.expense_inbox(request.user)
    if request.method == "POST":
        try:
            approvals.decide(request.user, int(request.POST["request_id"]), request.POST.get("decision") == "approve",
                             request.POST.get("comment", ""))
            messages.success(request, "已同意" if request.POST.get("decision") == "approve" else "已驳回")
        except (YewuError, ValueError, KeyError) as e:
            show_error(request, e) if isinstance(e, YewuError) else messages.error(request, "无效的审批")
        return redirect("expenses:inbox")
    return render(request, "expenses/inbox.html", {"steps": steps})


@login_required
def request_new(request):
    data = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("purpose", "amount", "planned_on")}
        try:
            er = services.create_expense_request(request.user, data)
            messages.success(request, f"{er} 已提交业务经理审批")
            return redirect("expenses:index")
        except YewuError as e:
            show_error(request, e)
    return render(request, "expenses/request_form.html", {"data": data})


@login_required
def register_xlsx(request):
    """Registers of the payment requests / expense claims (with where their approval stands) and the cash advances
    (overdue ones marked, `cash.advance_max_3000`) the user may see: finance all, an SM the team's, others their own."""
    t = base.today()
    docs = (selectors.docs_visible_to(request.user).select_related("team", "paid_by", "voucher_reviewed_by")
            .prefetch_related("approval__steps__decided_by").order_by("created_at", "id"))
    advs = (advance_reads.advances_visible_to(request.user).select_related("team", "approval", "paid_by")
            .prefetch_related("approval__steps__decided_by").order_by("created_at", "id"))
    overdue_ids = set(advance_reads.overdue_advances(t).values_list("id", flat=True))
    return xlsx_response(documents.register_xlsx(docs, advs, overdue_ids, t), f"expense-register-{t}")
