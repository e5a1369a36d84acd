from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common import parsers
from yewu.common.errors import YewuError
from yewu.customers.selectors import customers_visible_to
from yewu.org.permissions import can
from yewu.org.selectors import get_policy

from . import selectors, services
from .excel import export_price_list, import_price_list
from .models import AnswerScope, Kind, PriceSource, Product, RequestState


@login_required
def product_list(request):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    qs = Product.objects.filter(active=True)
    if q:
        qs = qs.filter(selectors.matching(q))  # code, name, specification or pinyin initials, as the pickers search
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    prices = can(request.user, "sees_prices")
    rows = [(p, p.guide_price_on(today) if prices else None) for p in page]
    return render(request, "catalog/product_list.html", {
        "rows": rows, "page": page, "q": q, "kind": kind, "kinds": Kind.choices,
        "can_edit": can(request.user, "sets_guide_prices"),
        "can_request": can(request.user, "requests_prices"),
    })


@login_required
def product_detail(request, pk):
    p = get_object_or_404(Product, pk=pk)
    if request.method == "POST":
        try:
            eff = parsers.parse_date(request.POST.get("effective_from"), field="effective_from", label="生效日期", required=False)
            services.set_guide_price(request.user, p, request.POST.get("guide_price"), eff, note=request.POST.get("note", ""))
            messages.success(request, "指导价已保存")
            return redirect("catalog:product", pk=p.pk)
        except YewuError as e:
            messages.error(request, e.message)
    prices = can(request.user, "sees_prices")
    return render(request, "catalog/product_detail.html", {
        "p": p, "history": p.guide_prices.select_related("created_by") if prices else [],
        "current": services.current_guide_price(p) if prices else None,
        "can_edit": can(request.user, "sets_guide_prices"), "today": timezone.localdate(),
        "can_request": can(request.user, "requests_prices") and p.price_source == PriceSource.FINANCE,
    })


@login_required
def product_new(request):
    form = {}
    if request.method == "POST":
        form = request.POST.dict()
        data = {k: form.get(k, "") for k in ("code", "name", "specification", "unit", "kind", "guide_price", "effective_from")}
        data["on_guide_list"] = form.get("on_guide_list") == "on"
        try:
            p = services.create_product(request.user, data)
            messages.success(request, f"产品 {p.code} 已创建")
            return redirect("catalog:product", pk=p.pk)
        except YewuError as e:
            messages.error(request, e.message)
    return render(request, "catalog/product_form.html", {"form": form, "kinds": Kind.choices,
                                                          "is_editor": can(request.user, "edits_catalogue")})


@login_required
def request_list(request):
    state = request.GET.get("state", "pending")
    qs = services.requests_visible_to(request.user)
    if state in RequestState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # the pickers search as you type (/api/v1/products/search?source=finance, /api/v1/customers): only a product
    # named in the link (?product=) is carried as an option
    preselect = request.GET.get("product", "")
    products = [p for p in selectors.chosen_products([preselect], timezone.localdate())
                if p.active and p.price_source == PriceSource.FINANCE]
    return render(request, "catalog/request_list.html", {
        "page": page, "state": state, "states": RequestState.choices, "products": products,
        "is_finance": can(request.user, "answers_price_requests"), "can_request": can(request.user, "requests_prices"),
        "scopes": AnswerScope.choices, "today": timezone.localdate(),
        "preselect": preselect, "cfg": _deadline_settings(),
    })


def _deadline_settings() -> dict:
    cfg = get_policy()
    return {"hours": cfg["quote.nonstandard_24h.hours"], "lead_hours": cfg["price.finance_guide.lead_hours"],
            "working": cfg["quote.nonstandard_24h.mode"] == "working_hours"}


@login_required
@require_POST
def request_new(request):
    try:
        p = services.get_product(request.POST.get("product_id"))
        customer = None
        if request.POST.get("customer_id"):
            customer = customers_visible_to(request.user).filter(pk=request.POST["customer_id"]).first()
        services.request_price(request.user, p, customer=customer, quantity=request.POST.get("quantity") or None,
                               note=request.POST.get("note", ""))
        messages.success(request, "价格申请已提交给财务")
    except YewuError as e:
        messages.error(request, e.message)
    return redirect("catalog:requests")


@login_required
@require_POST
def request_action(request, pk, action):
    r = get_object_or_404(services.requests_visible_to(request.user), pk=pk)
    try:
        if action == "answer":
            eff = parsers.parse_date(request.POST.get("effective_from"), field="effective_from", label="生效日期", required=False)
            services.answer_price_request(request.user, r, price=request.POST.get("price"),
                                          scope=request.POST.get("scope", "product"), effective_from=eff)
            messages.success(request, f"价格申请 #{r.pk} 已答复")
        elif action == "reject":
            services.reject_price_request(request.user, r, reason=request.POST.get("reason", ""))
            messages.success(request, f"价格申请 #{r.pk} 已驳回")
    except YewuError as e:
        messages.error(request, f"#{r.pk}：{e.message}")
    return redirect("catalog:requests")


@login_required
def import_prices(request):
    report = None
    if request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            messages.error(request, "请选择 .xlsx 文件")
        else:
            try:
                report = import_price_list(request.user, f.read(), dry_run=request.POST.get("dry_run") == "on")
            except YewuError as e:
                messages.error(request, e.message)
    return render(request, "catalog/import.html", {"report": report,
                                                    "allowed": can(request.user, "sets_guide_prices")})


@login_required
def export_prices(request):
    if not can(request.user, "sees_prices"):
        return HttpResponse("无权查看价格（acl.ops_scope）", status=403)
    d = timezone.localdate()
    resp = HttpResponse(export_price_list(request.user, d),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="guide-prices-{d:%Y%m%d}.xlsx"'
    return resp
