"""行动计划表 page: the SP writes next month's plan or the week's items, the SM adds instructions, the SP records
actuals with cause and countermeasure for a variance (`plan.monthly_action`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from yewu.common.errors import YewuError
from yewu.org.permissions import can, require

from ..daily.selectors import parse_day
from ..documents import sheets
from ..documents.paper import file_response
from . import selectors, services


def _fail(request, e):
    messages.error(request, e.message + (f"（{e.rule}：{'、'.join(e.fields)}）" if e.rule else ""))


@login_required
def plans(request):
    require(request.user, "sees_sales_figures")
    if request.method == "POST":
        act = request.POST.get("action")
        try:
            if act == "submit":
                items = []
                for line in (request.POST.get("items") or "").splitlines():
                    if line.strip():
                        text, _, planned = line.partition("|")
                        items.append({"text": text.strip(), "planned": planned.strip() or 0})
                texts, planned, custs = (request.POST.getlist(k) for k in ("item_text", "item_planned", "item_customer"))
                for t, pl, cu in zip(texts, planned, custs, strict=False):
                    if t.strip():
                        items.append({"text": t.strip(), "planned": pl.strip() or 0, "customer_id": cu or None})
                services.submit_plan(request.user, request.POST.get("kind", ""), parse_day(request.POST.get("start")), items)
                messages.success(request, "计划已提交")
            elif act == "instruct":
                services.instruct(request.user, int(request.POST.get("plan_id") or 0), request.POST.get("instructions", ""))
                messages.success(request, "经理指示已保存")
            elif act == "actual":
                services.record_actual(request.user, int(request.POST.get("item_id") or 0), request.POST.get("actual"),
                                       request.POST.get("cause", ""), request.POST.get("countermeasure", ""))
                messages.success(request, "实际已记录")
        except YewuError as e:
            _fail(request, e)
        return redirect("salesmgmt:plans")
    today = timezone.localdate()
    nxt = (today.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    items = list(selectors.plans(request.user, request.GET.get("kind") or None))
    fmt = request.GET.get("format")
    if fmt in ("pdf", "xlsx"):  # 行动计划表
        return file_response(sheets.action_plans(items, fmt), fmt, f"action-plans-{today:%Y-%m-%d}")
    for p in items:
        p.links = selectors.week_links(request.user, p)
        for i in p.items.all():
            i.link = p.links["items"].get(i.pk)
    return render(request, "salesmgmt/plans.html", {
        "plans": items, "next_monday": today + timezone.timedelta(days=7 - today.weekday()),
        "blank_rows": range(5), "may_write": can(request.user, "writes_action_plans"),
        "may_instruct": can(request.user, "instructs_plans"), "next_month": nxt, "today": today,
        "me": request.user.pk})
