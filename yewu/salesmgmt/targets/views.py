"""The target grid page (目标分解表): the SM sets the team's month in one form; everyone sees own/team progress."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yewu.common.errors import ValidationError, YewuError
from yewu.org.permissions import can, require
from yewu.policy import salesmgmt as pol

from ..documents import sheets
from ..documents.paper import file_response
from . import selectors, services


@login_required
def grid(request):
    require(request.user, "sees_sales_figures")
    month = selectors.parse_month(request.GET.get("month"))
    g = selectors.month_grid(request.user, month)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):  # 目标分解表
        rows = [{"salesperson": r["salesperson"].name, "target": r["target"], "days": list(r["target"].days.all())}
                for r in g["rows"] if r["target"]]
        return file_response(sheets.targets(month, rows, fmt), fmt, f"targets-{month:%Y-%m}")
    sp = request.GET.get("sp")
    detail = selectors.target_days(request.user, int(sp), month) if sp and sp.isdigit() else None
    metric = request.GET.get("metric") if request.GET.get("metric") in pol.METRICS else "collections"
    for d in (detail or {}).get("days", []):
        d["cells"] = [(d["actuals"][m], d["targets"][m]) for m in pol.METRICS]
        d["value"] = d["targets"][metric]
    return render(request, "salesmgmt/targets.html", {
        "g": g, "month": month, "metrics": pol.METRICS, "may_set": can(request.user, "sets_targets"),
        "kinds": pol.CHANGE_KINDS, "detail": detail, "metric": metric,
        "month_total": getattr(detail["target"], metric) if detail and detail["target"] else None,
        "may_move": bool(detail and detail["target"] and can(request.user, "sets_targets")), "form": request.session.pop("targets_form", None)})


@login_required
@require_POST
def save(request):
    month = selectors.parse_month(request.POST.get("month"))
    ids = request.POST.getlist("salesperson_id")
    rows = [{"salesperson_id": i, **{m: request.POST.get(f"{m}_{i}", "") for m in pol.METRICS}} for i in ids]
    try:
        res = services.set_month_targets(request.user, month, rows, kind=request.POST.get("kind", ""),
                                         reason=request.POST.get("reason", ""))
        if res["change"] and res["change"].state == "approved":
            messages.success(request, "目标变更已生效（总经理变更部门总目标，原因已记入审计日志）")
        elif res["change"]:
            who = "总经理" if res["change"].department_total_changes else "业务经理"
            messages.warning(request, f"目标变更已提交{who}审批，批准后生效（plan.change_reason）")
        else:
            messages.success(request, f"目标已保存（新设 {res['set']} 人）" + ("；已过设定期限，记为逾期" if res["late"] else ""))
    except YewuError as e:
        request.session["targets_form"] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        messages.error(request, e.message + (f"（{e.rule}：{'、'.join(e.fields)}）" if e.rule else ""))
    return redirect(f"/salesmgmt/targets/?month={month:%Y-%m}")


@login_required
@require_POST
def move(request, pk: int):
    """The SM moves a metric's amounts between the month's working days (`target.daily_decomposition`): the days
    must still sum exactly to the month; a refusal names the day and changes nothing."""
    metric = request.POST.get("metric", "")
    split, bad = {}, None
    for k, v in request.POST.items():
        if k.startswith("day_"):
            try:
                split[date.fromisoformat(k[4:])] = v
            except ValueError:
                bad = k[4:]
    t = selectors.target_for_move(request.user, pk)
    try:
        if bad:
            raise ValidationError("日期格式错误", fields={f"days.{bad}": "日期格式错误"}, rule="target.daily_decomposition")
        services.move_days(request.user, pk, metric, split)
        messages.success(request, f"已调整每日{pol.METRICS.get(metric, '')}目标，各日合计仍等于月目标")
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}：{'、'.join(e.fields)}）" if e.rule else ""))
    return redirect(f"/salesmgmt/targets/?month={t.month:%Y-%m}&sp={t.salesperson_id}&metric={metric}")
