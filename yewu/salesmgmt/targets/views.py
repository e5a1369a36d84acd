"""The target grid page (目标分解表): the SM sets the team's month in one form; everyone sees own/team progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can, require
from yewu.policy import salesmgmt as pol

from . import selectors, services


@login_required
def grid(request):
    require(request.user, "sees_sales_figures")
    month = selectors.parse_month(request.GET.get("month"))
    g = selectors.month_grid(request.user, month)
    if request.GET.get("format") == "xlsx":  # 目标分解表
        from django.http import HttpResponse

        from ..documents.forms import targets_xlsx

        rows = [{"salesperson": r["salesperson"].name, "target": r["target"], "days": list(r["target"].days.all())}
                for r in g["rows"] if r["target"]]
        resp = HttpResponse(targets_xlsx(month, rows),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="targets-{month:%Y-%m}.xlsx"'
        return resp
    sp = request.GET.get("sp")
    detail = selectors.target_days(request.user, int(sp), month) if sp and sp.isdigit() else None
    for d in (detail or {}).get("days", []):
        d["cells"] = [(d["actuals"][m], d["targets"][m]) for m in pol.METRICS]
    return render(request, "salesmgmt/targets.html", {
        "g": g, "month": month, "metrics": pol.METRICS, "may_set": can(request.user, "sets_targets"),
        "kinds": pol.CHANGE_KINDS, "detail": detail, "form": request.session.pop("targets_form", None)})


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
