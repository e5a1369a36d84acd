"""Pages of the daily loop: my day (targets vs actuals, one-tap calls, work log), the 部门管理表 (list, review and
submit, PDF/Excel), the shortfall/coaching list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can, require
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol

from ..documents import department_table as docs
from ..models import CallOutcome, DepartmentTable
from ..scope import visible_teams
from . import selectors, services
from . import supervision as sup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fail(request, e: YewuError):
    messages.error(request, f"{e.message}" + (f"（{e.rule}）" if e.rule else ""))


@login_required
def my_day(request):
    require(request.user, "sees_sales_figures")
    day = selectors.parse_day(request.GET.get("day"))
    rows = selectors.activity(request.user, day)
    return render(request, "salesmgmt/my_day.html", {
        "day": day, "rows": rows, "outcomes": CallOutcome.choices, "is_sp": can(request.user, "logs_calls"),
        "calls": selectors.calls(request.user, day)[:20] if can(request.user, "logs_calls") else [],
        "calls_count": selectors.calls(request.user, day).count() if can(request.user, "logs_calls") else 0,
        "work_log": selectors.work_log(request.user, day), "working": get_calendar().is_working_day(day),
        "metrics": pol.METRICS, "supervision_warnings": sup.missing_for_manager(request.user, timezone.localdate())})


@login_required
@require_POST
def log_call(request):
    try:
        c = services.log_call(request.user, request.POST.get("outcome", ""), None, request.POST.get("note", ""))
        messages.success(request, f"已登记电话：{c.get_outcome_display()}")
    except YewuError as e:
        _fail(request, e)
    return redirect("salesmgmt:my_day")


@login_required
@require_POST
def work_log(request):
    try:
        services.save_work_log(request.user, selectors.parse_day(request.POST.get("day")), request.POST.get("content", ""))
        messages.success(request, "工作日志已保存")
    except YewuError as e:
        _fail(request, e)
    return redirect("salesmgmt:my_day")


@login_required
@require_POST
def correct(request):
    try:
        services.correct_actual(request.user, int(request.POST.get("salesperson_id") or 0),
                                selectors.parse_day(request.POST.get("day")), request.POST.get("metric", ""),
                                request.POST.get("value", ""), request.POST.get("reason", ""))
        messages.success(request, "已更正（原因已记入审计日志）")
    except YewuError as e:
        _fail(request, e)
    return redirect(f"/salesmgmt/?day={request.POST.get('day', '')}")


@login_required
def tables(request):
    require(request.user, "sees_sales_figures")
    now = timezone.now()
    items = list(selectors.tables(request.user)[:60])
    for t in items:
        t.overdue = t.state == DepartmentTable.State.DRAFT and now >= t.due_at
    teams = [t for t in visible_teams(request.user) if selectors.may_review(request.user, t)]
    return render(request, "salesmgmt/tables.html", {"tables": items, "teams": teams, "today": timezone.localdate()})


@login_required
@require_POST
def draft(request):
    try:
        team = next(t for t in visible_teams(request.user) if str(t.pk) == request.POST.get("team_id"))
        if not selectors.may_review(request.user, team):
            raise YewuError("只有本团队业务经理或其代理人可以起草", rule="daily.table_by_0900")
        t = services.draft_table(team, selectors.parse_day(request.POST.get("day")), request.user)
        if t is None:
            raise YewuError("该日不是工作日", rule="daily.table_by_0900")
        return redirect("salesmgmt:table", pk=t.pk)
    except StopIteration:
        messages.error(request, "团队不存在")
    except YewuError as e:
        _fail(request, e)
    return redirect("salesmgmt:tables")


@login_required
def table(request, pk: int):
    t = selectors.table(request.user, pk)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        resp = HttpResponse(docs.xlsx(t), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="dept-table-{t.day}.xlsx"'
        return resp
    if fmt == "pdf":
        resp = HttpResponse(docs.pdf(t), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="dept-table-{t.day}.pdf"'
        return resp
    now = timezone.now()
    return render(request, "salesmgmt/table.html", {
        "t": t, "may_submit": t.state == DepartmentTable.State.DRAFT and selectors.may_review(request.user, t.team),
        "overdue": t.state == DepartmentTable.State.DRAFT and now >= t.due_at, "now": now})


@login_required
@require_POST
def submit(request, pk: int):
    selectors.table(request.user, pk)
    row_notes = {k.split("_", 1)[1]: v for k, v in request.POST.items() if k.startswith("note_")}
    try:
        t = services.submit_table(request.user, pk, notes=request.POST.get("notes", ""), row_notes=row_notes,
                                  claimed_at=request.POST.get("submitted_at"))
        if t.late:
            messages.warning(request, f"已提交，但逾期（期限 {timezone.localtime(t.due_at):%m-%d %H:%M} 前）")
        else:
            messages.success(request, "已按时提交行政部")
    except YewuError as e:
        _fail(request, e)
    return redirect("salesmgmt:table", pk=pk)


@login_required
def coaching(request):
    require(request.user, "sees_sales_figures")
    return render(request, "salesmgmt/coaching.html", {
        "notes": selectors.shortfall_list(request.user, open_only=False)[:100], "now": timezone.now(),
        "may_coach": can(request.user, "coaches_salespeople")})


@login_required
@require_POST
def coach(request, pk: int):
    try:
        if not selectors.shortfall_list(request.user, open_only=False).filter(pk=pk).exists():
            raise YewuError("辅导任务不存在", rule="daily.shortfall_coaching")
        services.record_coaching(request.user, pk, request.POST.get("note", ""))
        messages.success(request, "辅导记录已保存")
    except YewuError as e:
        _fail(request, e)
    return redirect("salesmgmt:coaching")
