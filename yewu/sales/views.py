from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.catalog.selectors import chosen_products
from yewu.common.errors import YewuError
from yewu.common.views import picker_answer
from yewu.customers.selectors import pick
from yewu.org.permissions import can
from yewu.org.selectors import get_policy

from .approval import services as approval
from .documents import quote_pdf as render_pdf
from .documents import quote_xlsx as render_xlsx
from .followup import services as followup
from .followup.selectors import coaching_tasks_for
from .models import CoachingTask, InvoiceChoice, QuoteState
from .pricing import services as pricing
from .quotes import services as quotes
from .quotes.selectors import customers_for_user, quotes_visible_to


@login_required
def quote_list(request):
    state = request.GET.get("state", "")
    q = request.GET.get("q", "").strip()
    qs = quotes_visible_to(request.user)
    if state in QuoteState.values:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    pending = [x for x in quotes_visible_to(request.user).filter(state=QuoteState.SUBMITTED)
               if approval.can_approve(request.user, x)[0]]
    coaching = [t for t in coaching_tasks_for(request.user).filter(done_at__isnull=True).order_by("due_at")[:50]
                if followup.can_coach(request.user, t)[0]]
    return render(request, "sales/quote_list.html", {
        "page": page, "state": state, "q": q, "states": QuoteState.choices, "pending": pending, "coaching": coaching,
        "can_create": can(request.user, "makes_quotes"), "now": timezone.now(),
    })


def _form_data(post) -> dict:
    data = {k: post.get(k, "") for k in ("vat_invoice", "fee_rate", "valid_until", "received_at", "notes")}
    if data["received_at"]:
        data["received_at"] = data["received_at"].replace("T", " ")
    else:
        data.pop("received_at")
    pids, qtys, prices = post.getlist("product_id"), post.getlist("quantity"), post.getlist("unit_price")
    reqs = post.getlist("price_request_id")
    lines = []
    for i, pid in enumerate(pids):
        qty = qtys[i] if i < len(qtys) else ""
        price = prices[i] if i < len(prices) else ""
        if not pid and not qty and not price:
            continue
        lines.append({"product_id": pid, "quantity": qty, "unit_price": price,
                      "price_request_id": (reqs[i] if i < len(reqs) else "") or None})
    data["lines"] = lines
    return data


def _form_ctx(request, quote=None, data=None):
    # the pickers search as you type (quote_customers, /api/v1/products/search): the page carries only what is chosen
    data = data or {}
    products = chosen_products([ln.get("product_id") for ln in data.get("lines", [])], timezone.localdate())
    cid = str(data.get("customer_id") or "")
    cfg = get_policy()
    return {
        "quote": quote, "data": data, "products": products, "invoices": InvoiceChoice.choices,
        "customers": (list(customers_for_user(request.user).filter(pk=int(cid))) if cid.isdigit() else [])
        if quote is None else None,
        "max_fee": cfg["price.fee_grossup.max_pct"], "validity_days": cfg["quote.validity_days"],
        "blank_rows": range(3 if not data.get("lines") else 1),
    }


@login_required
@require_GET
def quote_customers(request):
    """JSON for the quote form's customer picker: the customers the user may quote for matching ``q`` (name, pinyin
    initials, phone), with the invoice choice the form fills in."""
    return picker_answer(lambda: pick(customers_for_user(request.user), request.GET.get("q", ""),
                                      extra=("invoice_choice",)))


@login_required
def quote_new(request):
    # the default validity (quote.validity_days) shown filled in, not as an empty mm/dd/yyyy box
    data = {"lines": [], "valid_until": (timezone.localdate() + timedelta(days=int(get_policy()["quote.validity_days"]))).isoformat()}
    if request.method == "POST":
        data = _form_data(request.POST)
        data["customer_id"] = request.POST.get("customer_id")
        try:
            q = quotes.create_quote(request.user, data)
            messages.success(request, f"报价单 {q.number} 已保存为草稿")
            return redirect("sales:quote", pk=q.pk)
        except YewuError as e:
            messages.error(request, e.message)
    return render(request, "sales/quote_form.html", _form_ctx(request, None, data))


@login_required
def quote_edit(request, pk):
    quote = get_object_or_404(quotes_visible_to(request.user), pk=pk)
    if request.method == "POST":
        data = _form_data(request.POST)
        try:
            quotes.update_quote(request.user, quote, data)
            messages.success(request, "已保存")
            return redirect("sales:quote", pk=quote.pk)
        except YewuError as e:
            messages.error(request, e.message)
    else:
        data = {"vat_invoice": quote.invoice_choice, "fee_rate": quote.fee_rate.normalize(), "notes": quote.notes,
                "valid_until": quote.valid_until.isoformat(),
                "lines": [{"product_id": str(ln.product_id), "quantity": ln.quantity.normalize(), "unit_price": ln.unit_price,
                           "price_request_id": ln.price_request_id or ""} for ln in quote.lines.all()]}
    return render(request, "sales/quote_form.html", _form_ctx(request, quote, data))


@login_required
def quote_detail(request, pk):
    quote = get_object_or_404(quotes_visible_to(request.user).select_related("sm_approved_by", "gm_approved_by"), pk=pk)
    u = request.user
    mine = u.pk in (quote.owner_id, quote.created_by_id)
    lines = list(quote.lines.all())
    total_delta = None
    if lines and quote.total:
        total_delta = sum(ln.commission_delta * ln.amount for ln in lines) / quote.total
    coaching = CoachingTask.objects.filter(quote=quote).select_related("done_by").first()
    return render(request, "sales/quote_detail.html", {
        "coaching": coaching, "can_coach": bool(coaching) and followup.can_coach(u, coaching)[0],
        "invoice_lock": pricing.invoice_lock_note(quote, lines),
        "q": quote, "lines": lines, "approvals": quote.approvals.select_related("approver"),
        "engine_requests": approval.approval_requests(quote),
        "can_edit": mine and quote.state == QuoteState.DRAFT, "can_submit": mine and quote.state == QuoteState.DRAFT,
        "can_approve": approval.can_approve(u, quote)[0], "step": approval.current_step(quote),
        "waiting": approval.waiting_for(quote),
        "can_send": mine and quote.state == QuoteState.APPROVED, "can_accept": quote.state == QuoteState.SENT and (mine or can(u, "closes_team_quotes")),
        "can_lose": quote.state in (QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED, QuoteState.SENT) and (mine or can(u, "closes_team_quotes")),
        "now": timezone.now(), "weighted_delta": total_delta,
    })


@login_required
@require_POST
def quote_action(request, pk, action):
    quote = get_object_or_404(quotes_visible_to(request.user), pk=pk)
    u = request.user
    try:
        if action == "submit":
            q = approval.submit_quote(u, quote)
            messages.success(request, "已提交" + ("，等待审批" if q.state == QuoteState.SUBMITTED else "，无需审批，已批准"))
        elif action == "approve":
            approval.approve_quote(u, quote, request.POST.get("comment", ""))
            messages.success(request, "已批准")
        elif action == "reject":
            approval.reject_quote(u, quote, request.POST.get("comment", ""))
            messages.success(request, "已退回业务员")
        elif action == "send":
            quotes.send_quote(u, quote)
            messages.success(request, "已标记为发送给客户")
        elif action == "accept":
            followup.close_quote(u, quote, "accepted")
            messages.success(request, "客户已接受")
        elif action == "lose":
            followup.close_quote(u, quote, "lost", request.POST.get("reason", ""))
            messages.success(request, "已标记丢单，已为业务经理生成辅导任务")
        elif action == "coach":
            task = get_object_or_404(CoachingTask, quote=quote)
            followup.record_coaching(u, task, request.POST.get("note", ""))
            messages.success(request, "辅导记录已保存")
        else:
            messages.error(request, "未知操作")
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))
    return redirect("sales:quote", pk=quote.pk)


@login_required
def quote_pdf(request, pk):
    quote = get_object_or_404(quotes_visible_to(request.user), pk=pk)
    resp = HttpResponse(render_pdf(quote), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
    return resp


@login_required
def quote_xlsx(request, pk):
    quote = get_object_or_404(quotes_visible_to(request.user), pk=pk)
    resp = HttpResponse(render_xlsx(quote), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{quote.number}.xlsx"'
    return resp
