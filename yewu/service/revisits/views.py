"""Return-visit pages (SPEC §6.3): the visits list with the due visit tasks and a record form, one visit's page
(回访记录表), the quarterly key-customer campaigns (`revisit.key_customers_100pct`) with each member's state,
failed attempts, CSM sign-off, close and the 回访总结报告."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.policy import service as rules

from ..complaints.selectors import complaints_visible_to, departments
from ..documents import sheet, visit_sheets
from ..models import Campaign
from ..web import need, refused
from . import selectors, services


def _visit_in(p, **extra) -> services.VisitIn:
    return services.VisitIn(
        channel=p.get("channel", ""), contact=p.get("contact", ""), visited_at=p.get("visited_at") or timezone.now(),
        satisfaction=p.get("satisfaction", ""), opinion=p.get("opinion", ""), evaluation=p.get("evaluation", ""),
        suggestions=p.get("suggestions", ""), needs=p.get("needs", ""), followup=p.get("followup", ""),
        improvement_department_id=p.get("improvement_department_id") or None, **extra)


def _record(request, data: services.VisitIn) -> bool:
    try:
        _, warnings = services.record_visit(request.user, data)
    except YewuError as e:
        refused(request, e)
        return False
    for w in warnings:
        messages.warning(request, f"{w['message']} [{w['rule']}]")
    messages.success(request, "回访记录已保存 [revisit.record_complete]")
    return True


def _form_ctx() -> dict:
    return {"channels": rules.CHANNELS, "satisfaction": rules.SATISFACTION, "departments": departments(),
            "windows": get_policy()["revisit.quiet_hours.windows"]}


@login_required
def visit_list(request):
    need(request.user, "records_return_visits")
    if request.method == "POST":
        if _record(request, _visit_in(request.POST, customer_id=request.POST.get("customer_id") or None)):
            return redirect("/service/visits/")
    return render(request, "service/visits.html", {
        "rows": selectors.visits_visible_to(request.user)[:100], "tasks": selectors.due_tasks(50),
        "form": request.POST, **_form_ctx()})


@login_required
def visit(request, pk: int):
    v = selectors.visits_visible_to(request.user).filter(pk=pk).first()
    if v is None:
        raise Http404
    # links only to the pages that open for this reader (issue 15): the department asked to improve reads the visit,
    # not necessarily its complaint or the campaign
    opens_complaint = bool(v.complaint_id) and complaints_visible_to(request.user).filter(pk=v.complaint_id).exists()
    return render(request, "service/visit.html", {"v": v, "opens_complaint": opens_complaint})


@login_required
def visit_document(request, pk: int, fmt: str):
    """回访记录表 (PDF / Excel)."""
    v = selectors.visits_visible_to(request.user).select_related("complaint", "campaign", "job",
                                                                  "improvement_department").filter(pk=pk).first()
    if v is None or fmt not in ("pdf", "xlsx"):
        raise Http404
    return sheet.response(visit_sheets.visit_record(v), fmt)


@login_required
def campaign_list(request):
    need(request.user, "records_return_visits")
    if request.method == "POST":
        p = request.POST
        try:
            camp = services.create_campaign(request.user, p.get("name", ""), date.fromisoformat(p.get("starts_on", "")),
                                            date.fromisoformat(p.get("ends_on", "")))
        except ValueError:
            messages.error(request, "请填写开始和结束日期（YYYY-MM-DD） [revisit.key_customers_100pct]")
        except YewuError as e:
            refused(request, e)
        else:
            messages.success(request, f"已建立回访活动，包含全部 {camp.members.count()} 家重点客户 [revisit.key_customers_100pct]")
            return redirect(f"/service/campaigns/{camp.pk}/")
    today = timezone.localdate()
    q = (today.month - 1) // 3
    starts = date(today.year, 3 * q + 1, 1)
    ends = date(today.year + (q == 3), (3 * q + 3) % 12 + 1, 1) - (date(2000, 1, 2) - date(2000, 1, 1))
    return render(request, "service/campaigns.html", {
        "rows": [selectors.campaign_summary(c) for c in Campaign.objects.all()[:40]],
        "default_name": f"{today.year}年第{q + 1}季度重点客户回访", "starts_on": starts, "ends_on": ends})


@login_required
def campaign(request, pk: int):
    need(request.user, "records_return_visits")
    camp = Campaign.objects.filter(pk=pk).first()
    if camp is None:
        raise Http404
    return render(request, "service/campaign.html", {"camp": camp, "s": selectors.campaign_summary(camp),
                                                     "visits": selectors.campaign_visits(camp), "form": request.POST,
                                                     "may_manage": can(request.user, "manages_service"), **_form_ctx()})


@login_required
@require_POST
def campaign_act(request, pk: int, action: str):
    need(request.user, "records_return_visits")
    if not Campaign.objects.filter(pk=pk).exists():
        raise Http404
    p, u = request.POST, request.user
    try:
        cid = int(p.get("customer_id") or 0)
    except ValueError:
        cid = 0
    try:
        if action == "visit":
            _record(request, _visit_in(p, customer_id=cid or None, campaign_id=pk))
        elif action == "attempt":
            m = services.failed_attempt(u, pk, cid, p.get("note", ""))
            messages.success(request, f"已记录未接通（第 {len(m.failed_attempts)} 次）")
        elif action == "signoff":
            services.sign_off(u, pk, cid)
            messages.success(request, "已签认 [revisit.key_customers_100pct]")
        elif action == "close":
            services.close_campaign(u, pk, p.get("summary", ""))
            messages.success(request, "回访活动已结束，回访总结报告已生成")
        else:
            raise Http404
    except YewuError as e:
        refused(request, e)
    return redirect(f"/service/campaigns/{pk}/")


@login_required
def campaign_report(request, pk: int, fmt: str):
    """回访总结报告 (PDF / Excel), from live data at any time (final once the campaign is closed)."""
    need(request.user, "records_return_visits")
    camp = Campaign.objects.filter(pk=pk).select_related("closed_by").first()
    if camp is None or fmt not in ("pdf", "xlsx"):
        raise Http404
    return sheet.response(visit_sheets.campaign_report(camp, selectors.campaign_members(camp)), fmt)
