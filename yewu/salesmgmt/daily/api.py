"""`/api/v1/daily`: activity (targets vs actuals), one-tap calls, work log, SM corrections, the 部门管理表 (draft,
submit before 09:00:00, PDF/Excel), shortfalls with coaching notes and SM supervision (SPEC §7)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from yewu.common.errors import NotFound, PermissionDenied, ValidationError
from yewu.org.models import Team
from yewu.org.permissions import require

from ..documents import department_table as docs
from ..scope import visible_teams
from . import selectors, services

router = Router(tags=["sales management: daily"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CallIn(Schema):
    outcome: str
    customer_id: int | None = None
    note: str = ""


class CallOut(Schema):
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


class TableOut(Schema):
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
    rows: list[dict]


def table_out(t) -> dict:
    return {"id": t.pk, "team": t.team.name, "day": t.day.isoformat(), "state": t.state, "late": t.late,
            "due_at": timezone.localtime(t.due_at).isoformat(), "drafted_at": timezone.localtime(t.drafted_at).isoformat(),
            "submitted_at": timezone.localtime(t.submitted_at).isoformat() if t.submitted_at else None,
            "submitted_by": t.submitted_by.name if t.submitted_by_id else None, "notes": t.notes, "rows": t.rows}


@router.get("/activity", summary="Targets vs actuals per SP for a day (daily.quantified_activity)")
def activity(request, day: str = "", team_id: int | None = None):
    require(request.auth, "sees_sales_figures")
    d = selectors.parse_day(day)
    return {"day": d.isoformat(), "rule": "daily.quantified_activity", "rows": selectors.activity(request.auth, d, team_id)}


@router.post("/calls", response=CallOut, summary="Log one call with its outcome (one tap)")
def log_call(request, payload: CallIn):
    c = services.log_call(request.auth, payload.outcome, payload.customer_id, payload.note)
    return {"id": c.pk, "at": timezone.localtime(c.at).isoformat(), "outcome": c.outcome,
            "outcome_label": c.get_outcome_display(), "customer": c.customer.name if c.customer_id else None,
            "calls_today": selectors.calls(request.auth, c.day).count()}


@router.put("/worklog", summary="Save the day's work log (工作日志)")
def work_log(request, payload: WorkLogIn):
    w = services.save_work_log(request.auth, selectors.parse_day(payload.day), payload.content)
    return {"day": w.day.isoformat(), "content": w.content}


@router.post("/corrections", summary="SM corrects an actual figure, with a reason (audited)")
def correct(request, payload: CorrectionIn):
    c = services.correct_actual(request.auth, payload.salesperson_id, selectors.parse_day(payload.day), payload.metric,
                                payload.value, payload.reason)
    return {"id": c.pk, "metric": c.metric, "value": str(c.value), "reason": c.reason, "day": c.day.isoformat()}


@router.get("/tables", response=list[TableOut], summary="部门管理表 you may see (daily.table_by_0900)")
def tables(request, day: str = ""):
    require(request.auth, "sees_sales_figures")
    return [table_out(t) for t in selectors.tables(request.auth, selectors.parse_day(day) if day else None)[:200]]


@router.post("/tables/draft", response=TableOut, summary="Draft or refresh a team's table for a working day")
def draft(request, payload: DraftIn):
    team = visible_teams(request.auth).filter(pk=payload.team_id).first()
    if team is None or not selectors.may_review(request.auth, team):
        raise PermissionDenied("只有本团队业务经理或其代理人可以起草", rule="daily.table_by_0900")
    t = services.draft_table(Team.objects.get(pk=team.pk), selectors.parse_day(payload.day), request.auth)
    if t is None:
        raise ValidationError("该日不是工作日", fields={"day": "不是工作日"}, rule="daily.table_by_0900")
    return table_out(t)


@router.get("/tables/{table_id}", response={200: TableOut}, summary="One table; format=xlsx or pdf for the form")
def table(request, table_id: int, format: str = "json"):
    t = selectors.table(request.auth, table_id)
    if format == "xlsx":
        resp = HttpResponse(docs.xlsx(t), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="dept-table-{t.day}.xlsx"'
        return resp
    if format == "pdf":
        resp = HttpResponse(docs.pdf(t), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="dept-table-{t.day}.pdf"'
        return resp
    return table_out(t)


@router.post("/tables/{table_id}/submit", response=TableOut, summary="Submit to ADM; before 09:00:00 next WD or late")
def submit(request, table_id: int, payload: SubmitIn):
    selectors.table(request.auth, table_id)
    t = services.submit_table(request.auth, table_id, notes=payload.notes, row_notes=payload.row_notes,
                              claimed_at=payload.submitted_at)
    return table_out(t)


@router.get("/shortfalls", summary="The SM list: shortfalls waiting for a coaching note (daily.shortfall_coaching)")
def shortfalls(request, all: bool = False):
    require(request.auth, "sees_sales_figures")
    return [{"id": n.pk, "salesperson": n.salesperson.name, "day": n.day.isoformat(), "shortfall": n.shortfall,
             "due_at": timezone.localtime(n.due_at).isoformat(), "overdue": n.done_at is None and n.due_at < timezone.now(),
             "note": n.note, "coach": n.coach.name if n.coach_id else None,
             "done_at": timezone.localtime(n.done_at).isoformat() if n.done_at else None}
            for n in selectors.shortfall_list(request.auth, open_only=not all)[:500]]


@router.post("/shortfalls/{note_id}/coaching", summary="Record the coaching note")
def coaching(request, note_id: int, payload: CoachingIn):
    if not selectors.shortfall_list(request.auth, open_only=False).filter(pk=note_id).exists():
        raise NotFound("辅导任务不存在")
    n = services.record_coaching(request.auth, note_id, payload.note)
    return {"id": n.pk, "note": n.note, "late": n.done_at > n.due_at}


@router.post("/supervision", summary="SM call-list check (09:20–09:30) or accompanied visit (daily.supervision)")
def supervision(request, payload: SupervisionIn):
    s = services.log_supervision(request.auth, payload.salesperson_id, payload.kind, payload.result)
    return {"id": s.pk, "kind": s.kind, "in_window": s.in_window, "at": timezone.localtime(s.at).isoformat()}


@router.get("/report", summary="Weekly or monthly statistics from live data (report.weekly_monthly); format=xlsx")
def report(request, kind: str = "week", start: str = "", format: str = "json"):
    from ..reports import documents as rdocs
    from ..reports import selectors as rsel

    require(request.auth, "sees_sales_figures")
    rep = rsel.report(request.auth, "month" if kind == "month" else "week", selectors.parse_day(start))
    if format == "xlsx":
        resp = HttpResponse(rdocs.xlsx(rep), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="report-{kind}-{rep["start"]}.xlsx"'
        return resp
    return rep
