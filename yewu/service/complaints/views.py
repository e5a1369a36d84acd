"""The complaint page: each step with its due time, rule and holder, and the action of the current step for the
person who may take it; the monthly analysis (客户投诉分析表)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can
from yewu.policy import service as rules

from ..documents import analysis as doc
from ..documents import complaint_sheets, sheet
from ..revisits import services as visits
from ..web import need, refused
from . import selectors, services


@login_required
def complaint_list(request):
    rows = selectors.list_complaints(request.user, step=request.GET.get("step", ""))
    now = timezone.now()
    return render(request, "service/complaints.html", {
        "rows": [{"c": c, "holder": selectors.holder(c), "overdue": bool(c.step_due_at and c.step_due_at < now)}
                 for c in rows], "steps": services.S.choices})


@login_required
def complaint(request, pk: int):
    c = selectors.complaint_for(request.user, pk)
    if c is None:
        raise Http404
    u = request.user
    dept_side = services._is_department_side(u, c)
    return render(request, "service/complaint.html", {
        "c": c, "steps": selectors.timeline(c), "holder": selectors.holder(c), "solutions": list(c.solutions.all()),
        "consultations": list(c.consultations.all()), "visits": list(c.visits.all()),
        "departments": selectors.departments(), "cs": can(u, "handles_complaints"), "dept_side": dept_side,
        "may_select": (can(u, "decides_major_complaints") if (c.major or c.step == "gm_review") else u.id == c.leader_id
                       or can(u, "decides_major_complaints")),
        "satisfaction": rules.SATISFACTION, "channels": rules.CHANNELS, "now": timezone.now(),
        "required": rules.followups_required(c.category), "documents": complaint_sheets.KINDS})


@login_required
@require_POST
def act(request, pk: int, action: str):
    if selectors.complaint_for(request.user, pk) is None:
        raise Http404
    p, u = request.POST, request.user
    try:
        if action == "judge":
            services.judge(u, pk, valid=p.get("valid") == "1", finding=p.get("finding", ""),
                           department_id=p.get("department_id") or None)
        elif action == "propose":
            lines = [x.strip() for x in p.get("solutions", "").splitlines() if x.strip()]
            services.propose(u, pk, [{"text": x, "responsible": p.get("responsible", "")} for x in lines])
        elif action == "select":
            services.select(u, pk, p.get("solution_id"))
        elif action == "consult":
            services.consult(u, pk, agrees=p.get("agrees") == "1", opinion=p.get("opinion", ""))
        elif action == "implement":
            services.implement(u, pk, p.get("note", ""))
        elif action == "visit":
            v, warnings = visits.record_visit(u, visits.VisitIn(
                complaint_id=pk, channel=p.get("channel", ""), contact=p.get("contact", ""),
                visited_at=p.get("visited_at") or timezone.now(), satisfaction=p.get("satisfaction", ""),
                opinion=p.get("opinion", ""), suggestions=p.get("suggestions", "")))
            for w in warnings:
                messages.warning(request, f"{w['message']} [{w['rule']}]")
        elif action == "close":
            services.close(u, pk)
        elif action == "major":
            services.flag_major(u, pk, p.get("major") == "1")
        else:
            raise Http404
        messages.success(request, "已保存")
    except YewuError as e:
        refused(request, e)
    return redirect(f"/service/complaints/{pk}/")


@login_required
def analysis(request):
    need(request.user, "manages_service")
    today = timezone.localdate()
    raw = request.GET.get("month") or f"{today.year}-{today.month:02d}"
    try:
        y, m = (int(x) for x in raw.split("-")[:2])
        if not (2000 <= y <= 2100 and 1 <= m <= 12):
            raise ValueError
    except ValueError:
        messages.error(request, "月份应为 YYYY-MM [complaint.monthly_analysis]")
        return redirect("/service/complaints/analysis/")
    data = selectors.monthly_analysis(y, m)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        return doc.response(data, fmt)
    return render(request, "service/analysis.html", {"d": data, "month": f"{y}-{m:02d}"})


@login_required
def document(request, pk: int, kind: str, fmt: str):
    """The complaint's paper forms from live data: 客户投诉记录表, 投诉调查表, 投诉传递单, 客户意见表, 客户投诉处理表
    (PDF or Excel)."""
    c = selectors.complaint_for(request.user, pk)
    if c is None or kind not in complaint_sheets.KINDS or fmt not in ("pdf", "xlsx"):
        raise Http404
    return sheet.response(complaint_sheets.sheet(c, kind), fmt)
