from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.policy import commission as tiers

from . import documents, selectors, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request):
    today = timezone.localdate()
    try:
        return selectors.parse_month(request.GET.get("month") or request.POST.get("month"), today)
    except YewuError:
        return today.replace(day=1)


@login_required
def commission(request):
    month = _month(request)
    cfg = get_policy()
    st = selectors.statement(request.user, month, cfg=cfg)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(documents.statement_xlsx(st, month), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="commission-{month:%Y-%m}.xlsx"'
        return resp
    ended = services.next_month(month) <= timezone.localdate()
    for s in st:
        doc = s["doc"]
        s["can_submit"] = ended and selectors.can_submit(request.user, s["salesperson"]) and not (doc and doc.closed)
    total = sum((s["amount"] for s in st), 0)
    return render(request, "performance/commission.html", {
        "st": st, "month": month, "total": total, "base": cfg["commission.base.rate_pct"],
        "schedule": tiers.rate_schedule(cfg), "tiers_on": tiers.tiers_enabled(cfg),
        "tier_table": tiers.tier_schedule(cfg) if tiers.tiers_enabled(cfg) else [],
        "can_payroll": can(request.user, "exports_payroll")})


@login_required
@require_POST
def submit_statement(request):
    month = _month(request)
    sp = request.POST.get("salesperson_id", "")
    try:
        st = services.submit_statement(request.user, int(sp) if sp.isdigit() else 0, month)
        messages.success(request, f"{st.salesperson.name} {month:%Y年%m月} 提成计算表已提交财务总监审批")
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))
    return redirect(f"/performance/commission/?month={month:%Y-%m}")


@login_required
def payroll(request):
    month = _month(request)
    try:
        rows = selectors.payroll(request.user, month)
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))
        return redirect("performance:commission")
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(documents.payroll_xlsx(rows, month), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="commission-payroll-{month:%Y-%m}.xlsx"'
        return resp
    return render(request, "performance/payroll.html", {
        "rows": rows, "month": month, "total": sum((r["net"] for r in rows), 0),
        "all_approved": bool(rows) and all(r["state"] == "approved" for r in rows)})
