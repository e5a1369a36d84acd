"""线路拜访 on a phone: the 8 steps in order, the stock check with the suggested order, the order confirmed into a
draft order, the next visit date (mandatory); the list and its Excel (线路拜访表)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from yewu.catalog.models import Product
from yewu.common.errors import YewuError
from yewu.common.views import picker_answer
from yewu.customers.selectors import pick
from yewu.orders.visibility import orders_visible_to
from yewu.org.permissions import require
from yewu.policy.salesmgmt import ROUTE_STEPS

from ..documents import sheets
from ..documents.paper import file_response
from ..scope import own_customers
from . import selectors, services


@login_required
def route_visit(request):
    require(request.user, "sees_sales_figures")
    if request.method == "POST":
        require(request.user, "records_route_visits")
        steps = [{"step": int(k.split("_")[1]), "note": request.POST.get(f"note_{k.split('_')[1]}", "")}
                 for k in sorted((k for k in request.POST if k.startswith("step_")), key=lambda k: int(k.split("_")[1]))]
        lines = []
        if request.POST.get("product_id"):
            lines.append({"product_id": request.POST.get("product_id"), "on_hand": request.POST.get("on_hand") or 0,
                          "pack": request.POST.get("pack") or 1, "delivered_since_previous": request.POST.get("delivered") or 0,
                          **({"qty": request.POST["qty"]} if request.POST.get("qty") else {})})
        try:
            nxt = date.fromisoformat(request.POST["next_visit_on"]) if request.POST.get("next_visit_on") else None
            v = services.record_visit(request.user, customer_id=int(request.POST.get("customer_id") or 0), steps=steps,
                                      lines=lines, next_visit_on=nxt, confirm_order=bool(request.POST.get("confirm")),
                                      settlement=request.POST.get("settlement") or "CASH")
            messages.success(request, "线路拜访已记录" + (f"，已生成订单 {v.order.number}" if v.order_id else ""))
            return redirect("salesmgmt:route_visit")
        except ValueError:
            messages.error(request, "日期格式错误")
        except YewuError as e:
            messages.error(request, e.message + (f"（{e.rule}：{'、'.join(e.fields)}）" if e.rule else ""))
    visits = list(selectors.visits(request.user, 50))
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        return file_response(sheets.route_visits(visits, fmt), fmt, "route-visits")
    # the confirmed order is a link only for who may open it (ADM reads the visits, not the orders)
    openable = set(orders_visible_to(request.user).filter(pk__in=[v.order_id for v in visits if v.order_id])
                   .values_list("pk", flat=True))
    return render(request, "salesmgmt/route_visit.html", {
        "steps": ROUTE_STEPS.items(), "visits": visits, "today": timezone.localdate(), "openable": openable,
        "has_customers": own_customers(request.user).exists(),
        "products": Product.objects.order_by("code")[:200],
        "due": selectors.due_next_visits(request.user, timezone.localdate())[:20]})


@login_required
@require_GET
def my_customers(request):
    """JSON for the customer pickers of the route-visit and plan pages: the user's own customers matching ``q``
    (name, phone, pinyin initials), however many they own — the pages no longer list them all."""
    return picker_answer(lambda: pick(own_customers(request.user), request.GET.get("q", "")))
