"""Order pages (SPEC §4): list, new order with the live settlement check, detail with the approval chain,
submit, payments (FIN/CA), shipments (WH) with their forms and signed delivery, the sales contract (§4.4),
returns (§4.6), PROD's custom ship dates and the late lines. Thin: reads through selectors, writes through
services (contracts.py, returns.py)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.approvals import services as approvals
from yewu.catalog.models import Product
from yewu.common.errors import YewuError
from yewu.org.models import Role
from yewu.org.permissions import can

from . import selectors, services
from .models import ContractStatus, OrderStatus, ReturnStatus, Settlement


def _error(request, e: YewuError) -> None:
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def _order_or_404(request, pk):
    o = selectors.order_for(request.user, pk)
    if o is None:
        raise Http404("订单不存在或无权查看")
    return o


@login_required
def order_list(request):
    u = request.user
    status, q, late = request.GET.get("status", ""), request.GET.get("q", "").strip(), request.GET.get("late") == "1"
    qs = selectors.late_orders(u) if late else selectors.orders_visible_to(u)
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    page = Paginator(qs.select_related("customer", "salesperson").order_by("-created_at", "-id"), 30).get_page(
        request.GET.get("page"))
    return render(request, "orders/order_list.html", {
        "page": page, "status": status, "q": q, "late": late, "states": OrderStatus.choices,
        "can_create": u.has_role(*selectors.ALL_ORDER_ROLES),
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
    if not u.has_role(*selectors.ALL_ORDER_ROLES):
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
            _error(request, e)
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
    customers = list(selectors.order_customers(u)[:1000])
    return render(request, "orders/order_form.html", {
        "data": data, "quote": quote, "customers": customers, "quotes": selectors.accepted_quotes(u)[:100],
        "products": Product.objects.filter(active=True).order_by("code")[:2000],
        "settlements": Settlement.choices, "blank_rows": range(2 if not data["lines"] else 1),
    })


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
    o = _order_or_404(request, pk)
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
    return render(request, "orders/order_detail.html", {
        **_contract_context(u, o), **_returns_context(u, o, lines), **_documents_context(u, o, lines, shipments),
        "o": o, "lines": lines, "history": history, "decide_step": decide_step,
        "decide_label": Role(decide_step.role).label if decide_step and decide_step.role in Role.values else "",
        "reasons": _unique(decision.get("reasons", []) + (decision.get("approvals") or {}).get("reasons", [])),
        "payments": o.payments.select_related("recorded_by").order_by("arrived_on", "id"),
        "shipments": shipments,
        "can_submit": o.status in (OrderStatus.DRAFT, OrderStatus.REJECTED)
        and (u.id in (o.created_by_id, o.salesperson_id) or u.has_role(Role.SM, Role.GM)),
        "can_pay": u.has_role(Role.FIN, Role.CA) and o.unpaid > 0
        and o.status not in (OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.REJECTED),
        "can_ship": u.has_role(Role.WH, Role.SM, Role.GM) and any(ln.open_qty > 0 for ln in lines)
        and o.status not in (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED),
        "release_block": selectors.release_block(o, with_money=can(u, "sees_prices")), "today": timezone.localdate(),
        "can_enter_dates": u.has_role(Role.PROD) and o.deposit_arrived_on is not None
        and o.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED),
        "late_line_ids": {ln.pk for ln in lines if o.status in selectors.SHIPPABLE and ln.open_qty > 0
                          and ln.promised_ship_on and ln.promised_ship_on < timezone.localdate()},
        "late": o.promised_ship_on and o.promised_ship_on < timezone.localdate()
        and o.status in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED),
    })


@login_required
@require_POST
def order_submit(request, pk):
    o = _order_or_404(request, pk)
    try:
        o = services.submit_order(request.user, o.pk)
        if o.status == OrderStatus.PENDING_APPROVAL:
            roles = "、".join(Role(s.role).label for s in o.approval.steps.all())
            messages.success(request, f"已提交审批：{roles}")
        else:
            messages.success(request, f"已提交，无需审批，状态：{o.get_status_display()}")
    except YewuError as e:
        _error(request, e)
    return redirect("orders:detail", pk=pk)


@login_required
@require_POST
def order_payment(request, pk):
    o = _order_or_404(request, pk)
    p = request.POST
    try:
        arrived = p.get("arrived_on") or None
        if arrived:
            from datetime import date

            try:
                arrived = date.fromisoformat(arrived)
            except ValueError:
                raise YewuError("到账日期格式应为 YYYY-MM-DD", fields={"arrived_on": "日期"}) from None
        o = services.record_payment(request.user, o.pk, p.get("amount", ""), arrived, p.get("reference", ""))
        messages.success(request, f"已登记到账，累计已收 {o.paid_amount:,.2f}，状态：{o.get_status_display()}")
    except YewuError as e:
        _error(request, e)
    return redirect("orders:detail", pk=pk)


@login_required
@require_POST
def order_ship(request, pk):
    o = _order_or_404(request, pk)
    p = request.POST
    lines = []
    for ln in o.lines.all():
        v = p.get(f"ship-{ln.pk}", "").strip()
        if v and v not in ("0", "0.0", "0.000"):
            lines.append(services.ShipLineIn(ln.pk, v))
    try:
        s = services.create_shipment(request.user, o.pk, lines, p.get("note", ""))
        s.order.refresh_from_db()
        messages.success(request, f"出仓单 {s.number} 已生成，订单状态：{s.order.get_status_display()}")
    except YewuError as e:
        _error(request, e)
    return redirect("orders:detail", pk=pk)


# --- forms (SPEC §9.1) and the customer-signed delivery (`ship.goods_issue_note`) -------------------------------

DELIVERY_ROLES = (Role.WH, Role.SP, Role.SM, Role.CS, Role.GM)  # services.confirm_delivery


def _documents_context(u, o, lines, shipments) -> dict:
    from .pdf import over_credit_figures

    prices = can(u, "sees_prices")
    return {
        "doc_order_pdf": prices and o.status != OrderStatus.DRAFT,
        "doc_backorder": bool(shipments) and any(ln.open_qty > 0 for ln in lines),
        "doc_over_credit": prices and o.settlement == Settlement.CREDIT and over_credit_figures(o) is not None,
        "can_record_delivery": u.has_role(*DELIVERY_ROLES),
    }


def _date(value: str, field: str, label: str):
    from datetime import date

    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise YewuError(f"{label}格式应为 YYYY-MM-DD", fields={field: "日期"}) from None


def _upload(f, field: str):
    if f is None:
        return None
    return services.FileIn(f.name or field, f.content_type or "", f.read())


@login_required
@require_POST
def shipment_delivered(request, pk, shipment_id):
    """The customer-signed copy of a goods-issue note: a photo/scan or the e-signature flag; sets the delivery date."""
    o = _order_or_404(request, pk)
    s = selectors.shipment_for(request.user, shipment_id)
    if s is None or s.order_id != o.pk:
        raise Http404("出仓单不存在或无权查看")
    p = request.POST
    try:
        s = services.confirm_delivery(request.user, s.pk, delivered_on=_date(p.get("delivered_on", ""), "delivered_on", "签收日期"),
                                      signed_by_name=p.get("signed_by_name", ""), e_signature=p.get("e_signature") == "1",
                                      signed_copy=_upload(request.FILES.get("signed_copy"), "signed_copy"))
        s.order.refresh_from_db()
        messages.success(request, f"出仓单 {s.number} 已登记客户签收（{s.delivered_on:%Y-%m-%d}），订单状态：{s.order.get_status_display()}")
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#ship-{shipment_id}")


# --- sales contract (SPEC §4.4: contract.required, contract.review_1wd, contract.number_format, contract.filing_1wd)


def _contract_context(u, o) -> dict:
    from yewu.policy import orders as rules

    from . import contracts

    why = contracts.contract_reason(o)
    c = selectors.contracts_visible_to(u).filter(order=o).select_related("approval", "signed_by", "filed_by").first()
    from .views_contracts import order_section

    if why is None and c is None:
        return {"contract_why": None, "contract": None, **order_section(u, o, None)}
    owner = u.id in (o.salesperson_id, o.created_by_id) or u.has_role(Role.SM, Role.GM)
    reviews = []
    if c is not None and c.approval_id:
        for s in c.approval.steps.select_related("decided_by").order_by("order"):
            data = s.data or {}
            reviews.append({"s": s, "role_label": Role(s.role).label if s.role in Role.values else s.role,
                            "checklist": [(label, (data.get("checklist") or {}).get(k, "")) for k, label in rules.REVIEW_CHECKLIST.items()]
                            if data.get("checklist") else [], "credit_opinion": data.get("credit_opinion", "")})
    dd = (c.due_diligence if c else {}) or {}
    return {
        "contract_why": why, "contract": c, "contract_reviews": reviews,
        "dd_fields": [(k, label, dd.get(k, "")) for k, label in rules.DUE_DILIGENCE.items()],
        "can_draft_contract": c is None and owner and o.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED),
        "can_submit_contract": c is not None and owner and c.status in (ContractStatus.DRAFT, ContractStatus.REJECTED),
        "can_sign_contract": c is not None and owner and c.status == ContractStatus.APPROVED,
        "can_file_contract": c is not None and c.status == ContractStatus.SIGNED and u.has_role(Role.CS, Role.CSM),
        **order_section(u, o, c),
    }


def _posted_dd(post) -> dict:
    from yewu.policy import orders as rules

    return {k: post.get(f"dd_{k}", "") for k in rules.DUE_DILIGENCE}


def _contract_of(request, pk):
    o = _order_or_404(request, pk)
    c = selectors.contracts_visible_to(request.user).filter(order=o).first()
    if c is None:
        raise Http404("合同不存在或无权查看")
    return o, c


def _review_started(c) -> str:
    roles = "、".join(Role(s.role).label for s in c.approval.steps.order_by("order"))
    return f"合同已送评审：{roles}（各 1 个工作日内，contract.review_1wd）"


@login_required
@require_POST
def contract_create(request, pk):
    """SP drafts the order's sales contract (terms; a new customer's due diligence) and may send it to review."""
    from . import contracts

    o = _order_or_404(request, pk)
    p = request.POST
    try:
        c = contracts.create_contract(request.user, o.pk, due_diligence=_posted_dd(p), terms=p.get("terms", ""))
        messages.success(request, "合同草稿已保存")
    except YewuError as e:
        _error(request, e)
        return redirect(f"/orders/{pk}/#contract")
    if p.get("and_submit") == "1":
        try:
            c = contracts.submit_review(request.user, c.pk)
            messages.success(request, _review_started(c))
        except YewuError as e:
            _error(request, e)
    return redirect(f"/orders/{pk}/#contract")


@login_required
@require_POST
def contract_submit(request, pk):
    from . import contracts

    _, c = _contract_of(request, pk)
    try:
        c = contracts.submit_review(request.user, c.pk, due_diligence=_posted_dd(request.POST)
                                    if any(k.startswith("dd_") for k in request.POST) else None)
        messages.success(request, _review_started(c))
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#contract")


@login_required
@require_POST
def contract_sign(request, pk):
    from . import contracts

    _, c = _contract_of(request, pk)
    try:
        v = request.POST.get("signed_on", "").strip()
        c = contracts.sign(request.user, c.pk, _date(v, "signed_on", "签订日期") if v else None)
        messages.success(request, f"合同已签订，编号 {c.number}；请于 {timezone.localtime(c.filing_due_at):%Y-%m-%d %H:%M} "
                                  "前将签字盖章原件交客服部归档（contract.filing_1wd）")
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#contract")


@login_required
@require_POST
def contract_file(request, pk):
    from . import contracts

    _, c = _contract_of(request, pk)
    try:
        scan = _upload(request.FILES.get("scan"), "scan")
        if scan is None:
            raise YewuError("请上传签字盖章合同的扫描件或照片", fields={"scan": "必填"}, rule="contract.filing_1wd")
        c = contracts.file_signed(request.user, c.pk, scan)
        messages.success(request, f"合同 {c.number} 已归档（客服部保管）")
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#contract")


@login_required
@require_GET
def contract_scan(request, pk):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    _, c = _contract_of(request, pk)
    if not can(request.user, "sees_prices"):  # acl.ops_scope: the signed contract states prices and amounts
        raise PermissionDenied("无权查看合同原件（acl.ops_scope）")
    if not c.scan_id:
        raise Http404("没有合同扫描件")
    resp = HttpResponse(bytes(c.scan.content), content_type=c.scan.content_type)
    resp["Content-Disposition"] = f'inline; filename="{c.number or "contract"}-scan"'
    return resp


# --- returns and exchanges (`return.flow`, SPEC §4.6) ------------------------------------------------------------

# which role acts on a return in each state, and the action the page offers (returns.py enforces who exactly)
RETURN_NEXT = {
    ReturnStatus.APPLIED: (Role.SM, "confirm", "业务经理确认"),
    ReturnStatus.CONFIRMED: (Role.QC, "inspect", "质检检验"),
    ReturnStatus.INSPECTED: (Role.SM, "approve", "业务经理批准"),
    ReturnStatus.AWAITING_GM: (Role.GM, "approve", "总经理批准"),
    ReturnStatus.APPROVED: (Role.WH, "receive", "仓库收货（红字出库单）"),
    ReturnStatus.RECEIVED: (Role.FIN, "credit", "财务开红字发票/贷项"),
}


def _returns_context(u, o, lines) -> dict:
    from .returns import RETURNABLE_STATES

    items = []
    for r in selectors.returns_visible_to(u).filter(order=o).select_related("line__product").order_by("id"):
        nxt = RETURN_NEXT.get(r.status)
        if r.status == ReturnStatus.RECEIVED and r.exchange:
            nxt = None
        items.append({"r": r, "next_label": nxt[2] if nxt else "", "action": nxt[1] if nxt and u.has_role(nxt[0]) else "",
                      "can_reject": nxt is not None and nxt[1] in ("confirm", "approve") and u.has_role(nxt[0]),
                      "can_reverse": r.status == ReturnStatus.RECEIVED and not r.exchange and u.has_role(Role.WH, Role.FIN)})
    may_apply = (o.status in RETURNABLE_STATES and u.has_role(Role.SP, Role.SM, Role.GM)
                 and (o.salesperson_id == u.id or u.has_role(Role.SM, Role.GM)))
    return {"returns": items, "return_lines": [ln for ln in lines if ln.returnable_qty > 0] if may_apply else []}


@login_required
@require_POST
def return_apply(request, pk):
    from . import returns

    o = _order_or_404(request, pk)
    p = request.POST
    try:
        if not p.get("line_id", "").isdigit():
            raise YewuError("请选择退货的产品", fields={"line_id": "必填"})
        r = returns.apply(request.user, order_id=o.pk, line_id=int(p["line_id"]), quantity=p.get("quantity", ""),
                          reason=p.get("reason", ""), quality_defect=p.get("quality_defect") == "1",
                          exchange=p.get("exchange") == "1")
        messages.success(request, f"{'换货' if r.exchange else '退货'}申请 {r.number} 已提交，待业务经理确认"
                         + ("；送达已超过 30 天，业务经理批准后还须总经理批准" if r.needs_gm else ""))
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#returns")


@login_required
@require_POST
def return_action(request, pk, return_id, action):
    from . import returns

    o = _order_or_404(request, pk)
    r = selectors.returns_visible_to(request.user).filter(pk=return_id, order=o).first()
    if r is None:
        raise Http404("退货单不存在或无权查看")
    p, u = request.POST, request.user
    try:
        if action == "confirm":
            r = returns.confirm(u, r.pk, p.get("comment", ""))
        elif action == "inspect":
            if p.get("is_ours") not in ("1", "0"):
                raise YewuError("请选择是否为本公司产品", fields={"is_ours": "必选"}, rule="return.flow")
            r = returns.inspect(u, r.pk, is_ours=p["is_ours"] == "1", condition=p.get("condition", ""))
        elif action == "approve":
            r = returns.approve(u, r.pk, p.get("comment", ""))
        elif action == "reject":
            r = returns.reject(u, r.pk, p.get("comment", ""))
        elif action == "receive":
            r = returns.receive(u, r.pk)
        elif action == "credit":
            r = returns.record_credit_note(u, r.pk, p.get("reference", ""))
        elif action == "reverse":
            r = returns.reverse_receive(u, r.pk, p.get("reason", ""))
        else:
            raise Http404("未知操作")
        messages.success(request, f"退货单 {r.number}：{r.get_status_display()}"
                         + (f"，红字出库单 {r.red_note_number}" if action == "receive" else ""))
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/{pk}/#ret-{return_id}")


# --- PROD: custom ship dates (`delivery.custom_production`) and the late lines -------------------------------------


@login_required
def custom_dates(request):
    u = request.user
    now = timezone.now()
    rows = [{"ln": ln, "overdue": bool(ln.prod_date_due_at and now > ln.prod_date_due_at)}
            for ln in selectors.custom_lines_to_date(u)]
    return render(request, "orders/custom_dates.html", {"rows": rows, "can_enter": u.has_role(Role.PROD),
                                                        "today": timezone.localdate()})


@login_required
@require_POST
def line_ship_date(request, pk, line_id):
    o = _order_or_404(request, pk)
    nxt = "/orders/custom-dates/" if request.POST.get("back") == "list" else f"/orders/{pk}/"
    try:
        ship_on = _date(request.POST.get("ship_on", ""), "ship_on", "交期")
        services.set_custom_ship_date(request.user, o.pk, line_id, ship_on)
        o.refresh_from_db()
        messages.success(request, f"订单 {o.number} 定制产品交期已录入：{ship_on:%Y-%m-%d}"
                         + (f"，订单承诺发货日 {o.promised_ship_on:%Y-%m-%d}" if o.promised_ship_on else ""))
    except YewuError as e:
        _error(request, e)
    return redirect(nxt)


@login_required
def late_lines(request):
    u = request.user
    return render(request, "orders/late_lines.html", {"items": selectors.late_lines(u), "today": timezone.localdate()})
