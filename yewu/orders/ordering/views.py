"""Order pages (SPEC §4): list, new order with the live settlement check, detail with the approval chain (and
the contract, returns, shipments and documents sections of the other sub-areas), submit, PROD's custom ship dates
and the late lines. Thin: reads through selectors, writes through services."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.approvals import services as approvals
from yewu.catalog.selectors import chosen_products
from yewu.common.errors import YewuError
from yewu.common.views import picker_answer
from yewu.customers.selectors import pick
from yewu.org.models import Role
from yewu.org.permissions import can

from ..contracts.views import contract_context
from ..documents.pdf import over_credit_figures
from ..models import OrderStatus, Settlement
from ..pages import order_or_404, posted_date, show_error
from ..returns.views import returns_context
from ..shipping.check import hold_word, ship_hold, with_ship_facts
from ..visibility import SHIPPABLE, orders_visible_to
from . import selectors, services


@login_required
def order_list(request):
    u = request.user
    status, q, late = request.GET.get("status", ""), request.GET.get("q", "").strip(), request.GET.get("late") == "1"
    qs = selectors.late_orders(u) if late else orders_visible_to(u)
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    rows = selectors.narrow_joins(with_ship_facts(qs.select_related("customer", "salesperson")))
    page = selectors.list_page(rows.order_by("-created_at", "-id"), request.GET.get("page"), 30, count_qs=qs,
                               cap=selectors.LIST_COUNT_CAP)
    for o in page:  # ship.release_check from the row and its joined facts: 可发货 only when the check passes
        o.ship_hold = ship_hold(o)
    return render(request, "orders/order_list.html", {
        "page": page, "status": status, "q": q, "late": late, "states": OrderStatus.choices,
        "can_create": can(u, "places_orders"),
        "today": timezone.localdate(),
    })


def _posted_lines(post) -> list[tuple[str, str, str]]:
    pids, qtys, prices = post.getlist("product_id"), post.getlist("quantity"), post.getlist("unit_price")
    out = []
    for i, pid in enumerate(pids):
        qty = (qtys[i] if i < len(qtys) else "").strip()
        price = (prices[i] if i < len(prices) else "").strip()
        if pid or qty or price:
            out.append((pid, qty, price))
    return out


def _quote_lines(request, quote_id):
    quote = selectors.accepted_quotes(request.user).filter(pk=quote_id).first() if str(quote_id).isdigit() else None
    if quote is None:
        return None, []
    return quote, [(str(ln.product_id), f"{ln.quantity.normalize():f}", f"{ln.unit_price:f}") for ln in quote.lines.all()]


@login_required
def order_new(request):
    u = request.user
    if not can(u, "places_orders"):
        messages.error(request, "只有业务员、业务经理或总经理可以下单（acl.sp_scope）")
        return redirect("orders:list")
    data = {"lines": [], "idem": uuid.uuid4().hex}
    quote = None
    if request.method == "POST":
        p = request.POST
        data = {k: p.get(k, "").strip() for k in ("customer_id", "settlement", "term_days", "delivery_address", "note",
                                                   "quote_id", "idem")}
        data["lines"] = _posted_lines(p)
        data["reapproval"] = p.get("reapproval") == "1"
        if data["quote_id"]:
            quote = selectors.accepted_quotes(u).filter(pk=data["quote_id"]).first() if data["quote_id"].isdigit() else None
        try:
            if not data["customer_id"].isdigit():
                raise YewuError("请选择客户", fields={"customer_id": "必填"})
            if not data["settlement"]:
                raise YewuError("请选择结算方式", fields={"settlement": "必填"})
            term = data["term_days"]
            if term and not term.isdigit():
                raise YewuError("账期天数须为整数", fields={"term_days": "整数"})
            order, created = services.create_order(
                u, customer_id=int(data["customer_id"]), settlement=data["settlement"],
                term_days=int(term) if term else None, delivery_address=data["delivery_address"], note=data["note"],
                quote_id=data["quote_id"] or None, idempotency_key=data["idem"] or None, reapproval=data["reapproval"],
                lines=[services.LineIn(int(pid) if pid.isdigit() else 0, qty, price) for pid, qty, price in data["lines"]],
            )
            messages.success(request, f"订单 {order.number} 已保存为草稿，请核对后提交" if created
                             else f"订单 {order.number} 已保存过（重复提交未再建单）")
            return redirect("orders:detail", pk=order.pk)
        except YewuError as e:
            show_error(request, e)
            data["errors"] = e.fields
            data["deviation"] = e.rule == "quote.deviation_reapproval"
    elif request.GET.get("quote"):
        quote, lines = _quote_lines(request, request.GET["quote"])
        if quote is None:
            messages.error(request, "报价单不存在、未被客户接受或已转为订单")
        else:
            data.update(customer_id=str(quote.customer_id), quote_id=str(quote.pk), lines=lines)
    elif request.GET.get("customer"):
        data["customer_id"] = request.GET["customer"]
    # the pickers search as you type (customer_search, /api/v1/products/search): the page carries only what is chosen
    mine = selectors.order_customers(u)
    cid = str(data.get("customer_id") or "")
    return render(request, "orders/order_form.html", {
        "data": data, "quote": quote, "quotes": selectors.accepted_quotes(u)[:100],
        "customers": list(mine.filter(pk=int(cid))) if cid.isdigit() else [], "has_customers": mine.exists(),
        "products": chosen_products([ln[0] for ln in data["lines"]], timezone.localdate()),
        "settlements": Settlement.choices, "blank_rows": range(2 if not data["lines"] else 1),
    })


@login_required
@require_GET
def customer_search(request):
    """JSON for the order form's customer picker: the customers the user may order for (never the pool) matching
    ``q`` (name, pinyin initials, phone), with the delivery address and invoice choice the form fills in."""
    return picker_answer(lambda: pick(selectors.order_customers(request.user), request.GET.get("q", ""),
                                      extra=("delivery_address", "invoice_choice")))


@login_required
@require_GET
def settlement_options(request):
    """JSON for the order form: which settlements this customer may have for this total and address, and why."""
    g = request.GET
    lines = list(zip(g.getlist("product_id"), g.getlist("quantity"), g.getlist("unit_price"), strict=False))
    out = selectors.settlement_preview(request.user, g.get("customer_id", ""), lines, g.get("delivery_address", ""))
    if out is None:
        return JsonResponse({"error": "not_found", "message": "客户不存在或不是您负责的客户", "fields": {"customer_id": "无权下单"},
                             "rule": "acl.sp_scope"}, status=404)
    return JsonResponse(out)


def _unique(reasons: list[dict]) -> list[dict]:
    """The settlement check and the approval routing may state the same rule; show it once."""
    seen, out = set(), []
    for r in reasons:
        key = (r.get("rule"), r.get("message"))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


@login_required
def order_detail(request, pk):
    u = request.user
    o = order_or_404(request, pk)
    now = timezone.now()
    history = selectors.approval_history(o, now)
    decide_step = None
    if o.approval_id and o.approval.state == "pending":
        step = o.approval.steps.filter(state="pending").first()
        if step is not None and approvals.can_decide(u, step).allowed:
            decide_step = step
    lines = list(o.lines.select_related("product"))
    decision = o.decision or {}
    shipments = list(o.shipments.select_related("shipped_by", "signed_copy").prefetch_related(
        "lines__order_line__product").order_by("id"))
    block = selectors.release_block(o, with_money=can(u, "sees_prices"))
    return render(request, "orders/order_detail.html", {
        # ship.release_check: a ready order the warehouse may not ship shows why, as the order list does
        "ship_hold": hold_word(o, block[1]) if block and (o.status in SHIPPABLE or o.status == OrderStatus.AWAITING_PAYMENT) else "",
        **contract_context(u, o), **returns_context(u, o, lines), **_documents_context(u, o, lines, shipments),
        "o": o, "lines": lines, "history": history, "decide_step": decide_step,
        "decide_label": Role(decide_step.role).label if decide_step and decide_step.role in Role.values else "",
        "reasons": _unique(decision.get("reasons", []) + (decision.get("approvals") or {}).get("reasons", [])),
        "payments": o.payments.select_related("recorded_by").order_by("arrived_on", "id"),
        "shipments": shipments,
        "can_submit": o.status in (OrderStatus.DRAFT, OrderStatus.REJECTED)
        and (u.id in (o.created_by_id, o.salesperson_id) or can(u, "handles_team_orders")),
        "can_pay": can(u, "records_order_receipts") and o.unpaid > 0
        and o.status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.REJECTED),
        "can_ship": can(u, "ships_orders") and any(ln.open_qty > 0 for ln in lines)
        and o.status not in (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED),
        "release_block": block, "today": timezone.localdate(),
        "can_enter_dates": can(u, "enters_custom_ship_dates") and o.deposit_arrived_on is not None
        and o.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED),
        "late_line_ids": {ln.pk for ln in lines if o.status in SHIPPABLE and ln.open_qty > 0
                          and ln.promised_ship_on and ln.promised_ship_on < timezone.localdate()},
        "late": o.promised_ship_on and o.promised_ship_on < timezone.localdate()
        and o.status in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED),
    })


@login_required
@require_POST
def order_submit(request, pk):
    o = order_or_404(request, pk)
    try:
        o = services.submit_order(request.user, o.pk)
        if o.status == OrderStatus.PENDING_APPROVAL:
            roles = "、".join(Role(s.role).label for s in o.approval.steps.all())
            messages.success(request, f"已提交审批：{roles}")
        else:
            messages.success(request, f"已提交，无需审批，状态：{o.get_status_display()}")
    except YewuError as e:
        show_error(request, e)
    return redirect("orders:detail", pk=pk)


# --- paper documents (SPEC §9.1) offered on the order page --------------------------------------------------

def _documents_context(u, o, lines, shipments) -> dict:
    prices = can(u, "sees_prices")
    return {
        "doc_order_pdf": prices and o.status != OrderStatus.DRAFT,
        "doc_backorder": bool(shipments) and any(ln.open_qty > 0 for ln in lines),
        "doc_over_credit": prices and o.settlement == Settlement.CREDIT and over_credit_figures(o) is not None,
        "can_record_delivery": can(u, "records_deliveries"),
    }


# --- PROD: custom ship dates (`delivery.custom_production`) and the late lines -------------------------------------


@login_required
def custom_dates(request):
    u = request.user
    now = timezone.now()
    rows = [{"ln": ln, "overdue": bool(ln.prod_date_due_at and now > ln.prod_date_due_at)}
            for ln in selectors.custom_lines_to_date(u)]
    return render(request, "orders/custom_dates.html", {"rows": rows, "can_enter": can(u, "enters_custom_ship_dates"),
                                                        "today": timezone.localdate()})


@login_required
@require_POST
def line_ship_date(request, pk, line_id):
    o = order_or_404(request, pk)
    nxt = "/orders/custom-dates/" if request.POST.get("back") == "list" else f"/orders/{pk}/"
    try:
        ship_on = posted_date(request.POST.get("ship_on", ""), "ship_on", "交期")
        services.set_custom_ship_date(request.user, o.pk, line_id, ship_on)
        o.refresh_from_db()
        messages.success(request, f"订单 {o.number} 定制产品交期已录入：{ship_on:%Y-%m-%d}"
                         + (f"，订单承诺发货日 {o.promised_ship_on:%Y-%m-%d}" if o.promised_ship_on else ""))
    except YewuError as e:
        show_error(request, e)
    return redirect(nxt)


@login_required
def late_lines(request):
    u = request.user
    return render(request, "orders/late_lines.html", {"items": selectors.late_lines(u), "today": timezone.localdate()})
