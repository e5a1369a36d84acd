"""`/api/v1/daily`: activity (targets vs actuals), one-tap calls, work log (工作日志, PDF), SM corrections, the
部门管理表 (draft, submit before 09:00:00, PDF/Excel), shortfalls with coaching notes, SM supervision and the
weekly/monthly report (SPEC §7). Every operation has a typed output and declares its errors."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from yewu.common.errors import NotFound, PermissionDenied, ValidationError
from yewu.common.schemas import ERRORS, PDF, XLSX, Out, file_op
from yewu.org.models import Team
from yewu.org.permissions import require

from ..documents import department_table as docs
from ..documents import sheets
from ..reports import documents as rdocs
from ..reports import selectors as rsel
from ..scope import visible_teams
from ..targets.selectors import parse_month
from . import selectors, services
from . import supervision as sup

router = Router(tags=["sales management: daily"])


class CallIn(Schema):
    outcome: str
    customer_id: int | None = None
    note: str = ""


class CallOut(Out):
    id: int
    at: str
    outcome: str
    outcome_label: str
    customer: str | None
    calls_today: int


class WorkLogIn(Schema):
    day: str
    content: str


class CorrectionIn(Schema):
    salesperson_id: int
    day: str
    metric: str
    value: str | int
    reason: str = ""


class DraftIn(Schema):
    team_id: int
    day: str


class SubmitIn(Schema):
    notes: str = ""
    row_notes: dict[str, str] = {}
    submitted_at: str | None = None  # refused: the server clock decides


class CoachingIn(Schema):
    note: str


class SupervisionIn(Schema):
    salesperson_id: int
    kind: str
    result: str


class ActivityMetricOut(Out):
    metric: str
    label: str
    target: str | int
    actual: str | int
    mtd_target: str | int
    mtd_actual: str | int
    mtd_pct: str | None
    short: bool


class ShortfallOut(Out):
    metric: str
    label: str
    target: str | int
    actual: str | int
    gap: str | int


class ActivityRowOut(Out):
    salesperson_id: int
    salesperson: str
    has_target: bool
    metrics: list[ActivityMetricOut]
    shortfalls: list[ShortfallOut]
    work_log: str
    next_day: str
    next_targets: dict[str, str | int] | None
    note: str = ""


class ActivityOut(Out):
    day: str
    rule: str
    rows: list[ActivityRowOut]


class WorkLogOut(Out):
    day: str
    content: str


class CorrectionOut(Out):
    id: int
    salesperson_id: int
    metric: str
    value: str
    reason: str
    day: str


class CoachingTaskOut(Out):
    id: int
    salesperson: str
    day: str
    shortfall: list[ShortfallOut]
    due_at: str
    overdue: bool
    note: str
    coach: str | None
    done_at: str | None


class CoachingNoteOut(Out):
    id: int
    note: str
    late: bool


class SupervisionOut(Out):
    id: int
    kind: str
    in_window: bool
    at: str


class CallListCheckOut(Out):
    salesperson_id: int
    salesperson: str
    status: str
    status_label: str
    at: str | None
    result: str
    message: str


class AccompaniedWeekOut(Out):
    week: str
    count: int
    status: str
    status_label: str
    due_on: str
    message: str


class SupervisionEntryOut(Out):
    id: int
    manager: str
    salesperson: str
    kind: str
    kind_label: str
    at: str
    result: str
    in_window: bool


class SupervisionTeamOut(Out):
    team_id: int
    team: str
    manager: str | None
    checks: list[CallListCheckOut]
    weeks: list[AccompaniedWeekOut]


class SupervisionBoardOut(Out):
    rule: str
    day: str
    teams: list[SupervisionTeamOut]
    log: list[SupervisionEntryOut]


class ReportWorkOut(Out):
    salesperson: str
    orders: int
    sales: str
    collections: str
    visits: str
    calls: str
    new_intent: str
    met: str
    collections_target: str
    visits_target: str
    calls_target: str
    new_intent_target: str
    met_target: str
    collections_pct: str


class ReportSalesOut(Out):
    orders: int
    sales: str


class ReportRegionOut(ReportSalesOut):
    city: str


class ReportDealerOut(ReportSalesOut):
    customer: str


class ReportTargetCustomersOut(Out):
    city: str
    new_customers: int


class ReportOut(Out):
    rule: str
    kind: str
    start: str
    end: str
    due_at: str
    work: list[ReportWorkOut]
    regional: list[ReportRegionOut]
    dealers: list[ReportDealerOut]
    target_customers: list[ReportTargetCustomersOut]


class TableOut(Out):
    id: int
    team: str
    day: str
    state: str
    late: bool
    due_at: str
    drafted_at: str
    submitted_at: str | None
    submitted_by: str | None
    notes: str
    rows: list[ActivityRowOut]


def table_out(t) -> dict:
    return {"id": t.pk, "team": t.team.name, "day": t.day.isoformat(), "state": t.state, "late": t.late,
            "due_at": timezone.localtime(t.due_at).isoformat(), "drafted_at": timezone.localtime(t.drafted_at).isoformat(),
            "submitted_at": timezone.localtime(t.submitted_at).isoformat() if t.submitted_at else None,
            "submitted_by": t.submitted_by.name if t.submitted_by_id else None, "notes": t.notes, "rows": t.rows}


def _file(content: bytes, mime: str, name: str, inline: bool = False) -> HttpResponse:
    resp = HttpResponse(content, content_type=mime)
    resp["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return resp


@router.get("/activity", response={200: ActivityOut, **ERRORS},
            summary="Targets vs actuals per SP for a day (daily.quantified_activity)")
def activity(request, day: str = "", team_id: int | None = None):
    require(request.auth, "sees_sales_figures")
    d = selectors.parse_day(day)
    return {"day": d.isoformat(), "rule": "daily.quantified_activity", "rows": selectors.activity(request.auth, d, team_id)}


@router.post("/calls", response={200: CallOut, **ERRORS}, summary="Log one call with its outcome (one tap)")
def log_call(request, payload: CallIn):
    c = services.log_call(request.auth, payload.outcome, payload.customer_id, payload.note)
    return {"id": c.pk, "at": timezone.localtime(c.at).isoformat(), "outcome": c.outcome,
            "outcome_label": c.get_outcome_display(), "customer": c.customer.name if c.customer_id else None,
            "calls_today": selectors.calls(request.auth, c.day).count()}


@router.get("/worklog", response={200: WorkLogOut, **ERRORS}, summary="My work log (工作日志) of a day")
def get_work_log(request, day: str = ""):
    require(request.auth, "logs_calls")
    d = selectors.parse_day(day)
    return {"day": d.isoformat(), "content": selectors.work_log(request.auth, d)}


@router.put("/worklog", response={200: WorkLogOut, **ERRORS}, summary="Save the day's work log (工作日志)")
def work_log(request, payload: WorkLogIn):
    w = services.save_work_log(request.auth, selectors.parse_day(payload.day), payload.content)
    return {"day": w.day.isoformat(), "content": w.content}


@router.get("/worklog/pdf", **file_op(PDF, "工作日志 PDF"),
            summary="工作日志 PDF of one SP for a month (from live data: log, calls, actuals)")
def work_log_pdf(request, month: str = "", salesperson_id: int | None = None):
    require(request.auth, "sees_sales_figures")
    m = parse_month(month)
    data = selectors.work_log_month(request.auth, salesperson_id or request.auth.pk, m)
    return _file(sheets.work_log_pdf(data), PDF, f"worklog-{m:%Y-%m}.pdf", inline=True)


@router.post("/corrections", response={200: CorrectionOut, **ERRORS},
             summary="SM corrects an actual figure, with a reason (audited)")
def correct(request, payload: CorrectionIn):
    c = services.correct_actual(request.auth, payload.salesperson_id, selectors.parse_day(payload.day), payload.metric,
                                payload.value, payload.reason)
    return {"id": c.pk, "salesperson_id": c.salesperson_id, "metric": c.metric, "value": str(c.value),
            "reason": c.reason, "day": c.day.isoformat()}


@router.get("/tables", response={200: list[TableOut], **ERRORS}, summary="部门管理表 you may see (daily.table_by_0900)")
def tables(request, day: str = ""):
    require(request.auth, "sees_sales_figures")
    return [table_out(t) for t in selectors.tables(request.auth, selectors.parse_day(day) if day else None)[:200]]


@router.post("/tables/draft", response={200: TableOut, **ERRORS}, summary="Draft or refresh a team's table for a working day")
def draft(request, payload: DraftIn):
    team = visible_teams(request.auth).filter(pk=payload.team_id).first()
    if team is None or not selectors.may_review(request.auth, team):
        raise PermissionDenied("只有本团队业务经理或其代理人可以起草", rule="daily.table_by_0900")
    t = services.draft_table(Team.objects.get(pk=team.pk), selectors.parse_day(payload.day), request.auth)
    if t is None:
        raise ValidationError("该日不是工作日", fields={"day": "不是工作日"}, rule="daily.table_by_0900")
    return table_out(t)


@router.get("/tables/{table_id}", response={200: TableOut, **ERRORS}, summary="One 部门管理表")
def table(request, table_id: int):
    return table_out(selectors.table(request.auth, table_id))


@router.get("/tables/{table_id}/pdf", **file_op(PDF, "部门管理表 PDF"), summary="部门管理表 PDF")
def table_pdf(request, table_id: int):
    t = selectors.table(request.auth, table_id)
    return _file(docs.pdf(t), PDF, f"dept-table-{t.day}.pdf", inline=True)


@router.get("/tables/{table_id}/xlsx", **file_op(XLSX, "部门管理表 Excel"), summary="部门管理表 Excel")
def table_xlsx(request, table_id: int):
    t = selectors.table(request.auth, table_id)
    return _file(docs.xlsx(t), XLSX, f"dept-table-{t.day}.xlsx")


@router.post("/tables/{table_id}/submit", response={200: TableOut, **ERRORS},
             summary="Submit to ADM; before 09:00:00 next WD or late (the server clock decides)")
def submit(request, table_id: int, payload: SubmitIn):
    selectors.table(request.auth, table_id)
    t = services.submit_table(request.auth, table_id, notes=payload.notes, row_notes=payload.row_notes,
                              claimed_at=payload.submitted_at)
    return table_out(t)


@router.get("/shortfalls", response={200: list[CoachingTaskOut], **ERRORS},
            summary="The SM list: shortfalls waiting for a coaching note (daily.shortfall_coaching)")
def shortfalls(request, all: bool = False):
    require(request.auth, "sees_sales_figures")
    return [{"id": n.pk, "salesperson": n.salesperson.name, "day": n.day.isoformat(),
             "shortfall": [{k: s.get(k) for k in ("metric", "label", "target", "actual", "gap")} for s in n.shortfall],
             "due_at": timezone.localtime(n.due_at).isoformat(), "overdue": n.done_at is None and n.due_at < timezone.now(),
             "note": n.note, "coach": n.coach.name if n.coach_id else None,
             "done_at": timezone.localtime(n.done_at).isoformat() if n.done_at else None}
            for n in selectors.shortfall_list(request.auth, open_only=not all)[:500]]


@router.post("/shortfalls/{note_id}/coaching", response={200: CoachingNoteOut, **ERRORS}, summary="Record the coaching note")
def coaching(request, note_id: int, payload: CoachingIn):
    if not selectors.shortfall_list(request.auth, open_only=False).filter(pk=note_id).exists():
        raise NotFound("辅导任务不存在")
    n = services.record_coaching(request.auth, note_id, payload.note)
    return {"id": n.pk, "note": n.note, "late": n.done_at > n.due_at}


@router.post("/supervision", response={200: SupervisionOut, **ERRORS},
             summary="SM call-list check (09:20–09:30) or accompanied visit (daily.supervision)")
def supervision(request, payload: SupervisionIn):
    s = services.log_supervision(request.auth, payload.salesperson_id, payload.kind, payload.result)
    return {"id": s.pk, "kind": s.kind, "in_window": s.in_window, "at": timezone.localtime(s.at).isoformat()}


@router.get("/supervision", response={200: SupervisionBoardOut, **ERRORS},
            summary="SM supervision: each SP's call-list check of the day, accompanied visits per week (daily.supervision)")
def supervision_board(request, day: str = ""):
    return sup.board(request.auth, selectors.parse_day(day))


@router.get("/report", response={200: ReportOut, **ERRORS},
            summary="Weekly or monthly statistics from live data (report.weekly_monthly)")
def report(request, kind: str = "week", start: str = ""):
    require(request.auth, "sees_sales_figures")
    return rsel.report(request.auth, "month" if kind == "month" else "week", selectors.parse_day(start))


@router.get("/report/xlsx", **file_op(XLSX, "周报/月报 Excel"), summary="The weekly or monthly report as Excel")
def report_xlsx(request, kind: str = "week", start: str = ""):
    require(request.auth, "sees_sales_figures")
    rep = rsel.report(request.auth, "month" if kind == "month" else "week", selectors.parse_day(start))
    return _file(rdocs.xlsx(rep), XLSX, f"report-{kind}-{rep['start']}.xlsx")
