"""Treasury pages (Chinese, phone-usable). Thin: services write, selectors decide who sees what."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.approvals import services as approvals
from yewu.common.errors import YewuError
from yewu.org.models import Role
from yewu.org.selectors import get_policy
from yewu.policy.expenses import CASH_DENOMINATIONS

from . import documents, selectors, services
from .models import (
    BankReconciliation,
    CashAdvance,
    CashCount,
    CashException,
    Category,
    DepositTask,
    ExpenseRequest,
    Method,
    PaymentDoc,
)


def _err(request, e: YewuError):
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def _warn(request, decision):
    for r in decision.reasons:
        messages.warning(request, f"{r.message}（{r.rule}）")


def _cash_staff(request):
    if not selectors.sees_all_money(request.user):
        raise Http404


@login_required
def index(request):
    u = request.user
    mine = PaymentDoc.objects.filter(applicant=u).select_related("approval")[:50]
    advs = CashAdvance.objects.filter(borrower=u)[:50]
    reqs = ExpenseRequest.objects.filter(requester=u)[:50]
    team = []
    if u.has_role(Role.SM) and not selectors.sees_all_money(u):
        team = selectors.docs_visible_to(u).exclude(applicant=u)[:50]
    return render(request, "expenses/index.html", {
        "mine": mine, "advances": advs, "requests": reqs, "team_docs": team, "today": services.today(),
        "inbox_count": len(selectors.expense_inbox(u)), "is_cash": u.has_role(Role.CA), "sees_all": selectors.sees_all_money(u),
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
            _err(request, e)
    cfg = get_policy()
    return render(request, "expenses/doc_form.html", {
        "kind": kind, "kind_label": PaymentDoc.Kind(kind).label, "data": data, "categories": Category.choices,
        "methods": Method.choices, "prior": selectors.approved_requests_of(request.user),
        "open_advances": CashAdvance.objects.filter(borrower=request.user, state=CashAdvance.State.PAID),
        "rows": range(max(3, len(data.get("lines") or []))), "large": cfg["cash.large_withdrawal_notice_3d.amount"],
        "large_days": cfg["cash.large_withdrawal_notice_3d.days"], "today": services.today(),
    })


@login_required
def doc_detail(request, pk):
    d = get_object_or_404(selectors.docs_visible_to(request.user), pk=pk)
    u = request.user
    step = d.approval.steps.filter(state="pending").first() if d.approval_id else None
    can_decide = bool(step and approvals.can_decide(u, step).allowed)
    return render(request, "expenses/doc_detail.html", {
        "d": d, "steps": d.approval.steps.select_related("decided_by") if d.approval_id else [], "can_decide": can_decide,
        "can_pay": u.has_role(Role.CA) and d.state == PaymentDoc.State.APPROVED,
        "can_review": u.has_role(Role.FIN, Role.FD) and d.state == PaymentDoc.State.PAID and not d.voucher_reviewed_at,
        "can_void": d.state != PaymentDoc.State.VOIDED and (u.has_role(Role.FIN, Role.FD) or (u.pk == d.applicant_id and d.state != PaymentDoc.State.PAID)),
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
            _warn(request, on_hand)
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
        _err(request, e)
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
            _err(request, e) if isinstance(e, YewuError) else messages.error(request, "无效的审批")
        return redirect("expenses:inbox")
    return render(request, "expenses/inbox.html", {"steps": steps})


# --- cash advances -----------------------------------------------------------------------------------------------

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
            _err(request, e)
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
        "can_decide": bool(step and approvals.can_decide(u, step).allowed), "today": services.today(),
        "can_pay": u.has_role(Role.CA) and a.state == CashAdvance.State.APPROVED,
        "can_settle": u.has_role(Role.CA) and a.state == CashAdvance.State.PAID, "claims": claims,
        "can_void": a.state in ("pending", "approved", "rejected") and (u.pk == a.borrower_id or u.has_role(Role.FIN, Role.FD)),
        "overdue": a.state == CashAdvance.State.PAID and a.due_date < services.today(),
    })


@login_required
@require_POST
def advance_action(request, pk, action):
    a = get_object_or_404(selectors.advances_visible_to(request.user), pk=pk)
    try:
        if action == "pay":
            a, on_hand = services.pay_advance(request.user, pk)
            messages.success(request, f"{a} 已付款")
            _warn(request, on_hand)
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
        _err(request, e)
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
    t = services.today()
    rows = [{"a": a, "days": (t - a.due_date).days} for a in selectors.overdue_advances(t) if a.pk in visible]
    return render(request, "expenses/overdue.html", {"rows": rows, "today": services.today()})


@login_required
def register_xlsx(request):
    """Registers of the payment requests / expense claims (with where their approval stands) and the cash advances
    (overdue ones marked, `cash.advance_max_3000`) the user may see: finance all, an SM the team's, others their own."""
    t = services.today()
    docs = (selectors.docs_visible_to(request.user).select_related("team", "paid_by", "voucher_reviewed_by")
            .prefetch_related("approval__steps__decided_by").order_by("created_at", "id"))
    advs = (selectors.advances_visible_to(request.user).select_related("team", "approval", "paid_by")
            .prefetch_related("approval__steps__decided_by").order_by("created_at", "id"))
    overdue_ids = set(selectors.overdue_advances(t).values_list("id", flat=True))
    return _xlsx(documents.register_xlsx(docs, advs, overdue_ids, t), f"expense-register-{t}")


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
            _err(request, e)
    return render(request, "expenses/request_form.html", {"data": data})


# --- cashier ------------------------------------------------------------------------------------------------------

@login_required
def cashier(request):
    _cash_staff(request)
    docs, advs = selectors.pay_queue()
    return render(request, "expenses/cashier.html", {
        "docs": docs, "advs": advs, "vouchers": selectors.vouchers_to_review()[:50], "today": services.today(),
        "balance": selectors.balance_total(), "is_cash": request.user.has_role(Role.CA),
        "tasks": DepositTask.objects.filter(done_at=None),
    })


def _range(request):
    t = services.today()
    try:
        start = date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else t.replace(day=1)
        end = date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else t
    except ValueError:
        start, end = t.replace(day=1), t
    return start, end


@login_required
def journal(request):
    _cash_staff(request)
    if request.method == "POST":
        kind = request.POST.get("direction")
        amt = request.POST.get("amount", "")
        data = {"receipt": amt if kind == "in" else None, "payment": amt if kind == "out" else None,
                "summary": request.POST.get("summary", ""), "source": request.POST.get("source", "other"),
                "for_payment_id": request.POST.get("for_payment_id") or None}
        try:
            e, on_hand = services.post_entry(request.user, data)
            messages.success(request, f"已登记 {e.number}")
            _warn(request, on_hand)
        except YewuError as e:
            _err(request, e)
        return redirect("expenses:journal")
    start, end = _range(request)
    j = selectors.journal(start, end)
    return render(request, "expenses/journal.html", {
        "j": j, "start": start, "end": end, "is_cash": request.user.has_role(Role.CA),
        "tasks": DepositTask.objects.filter(done_at=None), "exceptions": CashException.objects.all()[:20],
        "large_docs": PaymentDoc.objects.filter(method="cash", state__in=["approved", "pending"]).exclude(large_cash_notified_on=None),
    })


@login_required
def journal_xlsx(request):
    _cash_staff(request)
    start, end = _range(request)
    resp = HttpResponse(documents.journal_xlsx(selectors.journal(start, end), start, end),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="cash-journal-{start}-{end}.xlsx"'
    return resp


@login_required
def journal_pdf(request):
    """现金日记账 for the chosen period as PDF (the same period as the page and the Excel export)."""
    _cash_staff(request)
    start, end = _range(request)
    return _pdf(documents.journal_pdf(selectors.journal(start, end), start, end), f"cash-journal-{start}-{end}")


@login_required
def counts(request):
    _cash_staff(request)
    if request.method == "POST":
        denoms = {f: request.POST.get(f"d_{f}") or 0 for f in CASH_DENOMINATIONS}
        try:
            c = services.record_count(request.user, {"kind": request.POST.get("kind", "daily"), "denominations": denoms,
                                                     "explanation": request.POST.get("explanation", "")})
            messages.success(request, f"盘点已保存：实点 {c.counted}，账面 {c.book}，差额 {c.difference}")
            return redirect("expenses:count", pk=c.pk)
        except YewuError as e:
            _err(request, e)
    return render(request, "expenses/counts.html", {
        "rows": CashCount.objects.select_related("cashier", "witness")[:60], "faces": CASH_DENOMINATIONS,
        "book": selectors.balance_at(services.today()), "is_cash": request.user.has_role(Role.CA),
    })


@login_required
def count_detail(request, pk):
    _cash_staff(request)
    c = get_object_or_404(CashCount, pk=pk)
    if request.method == "POST":
        try:
            services.witness_count(request.user, pk)
            messages.success(request, "已监盘签字")
        except YewuError as e:
            _err(request, e)
        return redirect("expenses:count", pk=pk)
    if request.GET.get("pdf"):
        return count_pdf(request, pk)
    faces = [(f, int(c.denominations.get(f, 0))) for f in CASH_DENOMINATIONS]
    return render(request, "expenses/count_detail.html", {
        "c": c, "faces": faces, "can_witness": c.kind == "monthly" and not c.witness_id and request.user.has_role(Role.FD, Role.FIN)
        and request.user.pk != c.cashier_id})


def _count(request, pk) -> CashCount:
    _cash_staff(request)
    return get_object_or_404(CashCount.objects.select_related("cashier", "witness"), pk=pk)


@login_required
def count_pdf(request, pk):
    """现金盘点表 PDF (`cash.daily_count`; the month-end formal count carries the witness's signature)."""
    c = _count(request, pk)
    return _pdf(documents.count_pdf(c), c.number)


@login_required
def count_xlsx(request, pk):
    """现金盘点表 as Excel — the same content as its PDF."""
    c = _count(request, pk)
    return _xlsx(documents.count_xlsx(c), c.number)


def _recon_form(request) -> dict:
    data = {k: request.POST.get(k, "") for k in ("account", "month", "book_balance", "bank_balance")}
    for key in services.RECON_GROUPS:
        data[key] = [{"date": d, "description": desc, "amount": amt}
                     for d, desc, amt in zip(request.POST.getlist(f"{key}_date"), request.POST.getlist(f"{key}_desc"),
                                             request.POST.getlist(f"{key}_amount"), strict=False) if desc or amt]
    return data


def _pdf(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return resp


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp


def _saved_recon(request, pk) -> dict:
    _cash_staff(request)
    r = BankReconciliation.objects.filter(pk=pk).select_related("prepared_by").first()
    if r is None:
        raise Http404
    return {"number": r.number, "account": r.account, "month": r.month, "book": r.book_balance, "bank": r.bank_balance,
            "items": r.items, "made_on": timezone.localdate(r.created_at), "prepared_by": r.prepared_by.name}


@login_required
def bank_xlsx(request, pk):
    """The saved 银行存款余额调节表 as Excel — the same content as its PDF."""
    x = _saved_recon(request, pk)
    return _xlsx(documents.recon_xlsx(**x), x["number"])


@login_required
@require_POST
def bank_preview_xlsx(request):
    """The table as entered, before saving, as Excel — an unbalanced one carries its 不平 line."""
    return _draft_recon(request, documents.recon_xlsx, _xlsx)


def _draft_recon(request, build, respond):
    """The reconciliation as typed, checked but not saved, as a draft document (PDF or Excel)."""
    _cash_staff(request)
    try:
        x = services.check_reconciliation(request.user, _recon_form(request))
    except YewuError as e:
        _err(request, e)
        return redirect("expenses:bank")
    return respond(build(number="（草稿，未保存）", account=x["account"], month=x["month"], book=x["book"], bank=x["bank"],
                         items=x["items"], made_on=timezone.localdate(), prepared_by=request.user.name, draft=True),
                   f"recon-{x['month']}-draft")


@login_required
def bank_pdf(request, pk):
    """银行存款余额调节表 PDF of a saved table (`bank.monthly_reconciliation`)."""
    x = _saved_recon(request, pk)
    return _pdf(documents.recon_pdf(**x), x["number"])


@login_required
@require_POST
def bank_preview(request):
    """Print the table as entered, before saving — an unbalanced one prints with its 不平 mark."""
    return _draft_recon(request, documents.recon_pdf, _pdf)


@login_required
def bank(request):
    _cash_staff(request)
    data: dict = {}
    if request.method == "POST":
        data = _recon_form(request)
        try:
            rec = services.save_reconciliation(request.user, data)
            messages.success(request, f"调节表 {rec.number} 已保存：调节后余额 {rec.adjusted_balance}")
            return redirect("expenses:bank")
        except YewuError as e:
            _err(request, e)
    return render(request, "expenses/bank.html", {
        "rows": BankReconciliation.objects.filter(voided=False)[:36], "groups": services.RECON_GROUPS.items(), "data": data,
        "blank": range(2),
    })
