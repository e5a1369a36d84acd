"""SM pages of the daily loop beyond the table: the supervision log (`daily.supervision`: the 09:20–09:30
call-list check per SP with its result, accompanied deal-closing visits per week, missing/late shown), training
records with the gaps of `training.cadence`, and the 工作日志 PDF/Excel of one SP's month."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.utils import timezone

from yewu.common.errors import ValidationError, YewuError
from yewu.org.models import User
from yewu.org.permissions import can, require

from ..documents import sheets
from ..documents.paper import file_response
from ..models import SupervisionLog, TrainingRecord
from ..scope import visible_salespeople, visible_teams
from ..targets.selectors import parse_month
from ..training import selectors as training_selectors
from ..training import services as training_services
from . import selectors, services
from . import supervision as sup


def _fail(request, e: YewuError):
    messages.error(request, e.message + (f"（{e.rule}：{'、'.join(e.fields)}）" if e.rule and e.fields else
                                         f"（{e.rule}）" if e.rule else ""))


@login_required
def supervision(request):
    if not sup.may_see(request.user):
        raise Forbidden("无权查看督导记录（daily.supervision）")
    if request.method == "POST":
        try:
            services.log_supervision(request.user, int(request.POST.get("salesperson_id") or 0),
                                     request.POST.get("kind", ""), request.POST.get("result", ""))
            messages.success(request, "督导记录已保存")
        except YewuError as e:
            _fail(request, e)
        return redirect("salesmgmt:supervision")
    day = selectors.parse_day(request.GET.get("day"))
    return render(request, "salesmgmt/supervision.html", {
        "b": sup.board(request.user, day), "day": day, "kinds": SupervisionLog.Kind.choices,
        "may_log": can(request.user, "coaches_salespeople"),
        "warnings": sup.missing_for_manager(request.user, timezone.localdate())})


@login_required
def training(request):
    if not training_selectors.may_read(request.user):
        raise Forbidden("无权查看培训记录（training.cadence）")
    if request.method == "POST":
        try:
            require(request.user, "records_training")
            try:
                day = date.fromisoformat(request.POST.get("day") or "")
                days = int(request.POST.get("days") or 0)
                trainer_id = int(request.POST.get("trainer_id") or 0)
                attendees = [int(x) for x in request.POST.getlist("attendee_ids")]
                process_id = int(request.POST.get("process_id") or 0) or None
                team_id = int(request.POST.get("team_id") or 0) or None
            except ValueError:
                raise ValidationError("日期、天数或人员无效", fields={"day": "格式错误"}, rule="training.cadence") from None
            training_services.record_training(request.user, kind=request.POST.get("kind", ""),
                                              title=request.POST.get("title", ""), day=day, days=days,
                                              trainer_id=trainer_id, attendee_ids=attendees, team_id=team_id,
                                              process_id=process_id)
            messages.success(request, "培训记录已保存")
        except YewuError as e:
            _fail(request, e)
        return redirect("salesmgmt:training")
    today = timezone.localdate()
    return render(request, "salesmgmt/training.html", {
        "gaps": training_selectors.gaps(request.user, today), "records": training_selectors.records(request.user)[:100],
        "kinds": TrainingRecord.Kind.choices, "today": today, "teams": visible_teams(request.user),
        "people": visible_salespeople(request.user), "processes": training_selectors.published_processes(),
        "trainers": User.objects.filter(is_active=True).order_by("id")[:200],
        "may_record": can(request.user, "records_training")})


@login_required
def work_log_document(request):
    """工作日志 of one SP for a month (own, or the team's for an SM), PDF or Excel."""
    require(request.user, "sees_sales_figures")
    month = parse_month(request.GET.get("month"))
    sp = request.GET.get("sp")
    sp_id = int(sp) if sp and sp.isdigit() else request.user.pk
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "pdf"
    data = selectors.work_log_month(request.user, sp_id, month)
    return file_response(sheets.work_log(data, fmt), fmt, f"worklog-{month:%Y-%m}")
