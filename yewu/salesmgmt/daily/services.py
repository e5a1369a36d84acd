"""The daily loop (writes): one-tap call log, work log, SM corrections with a reason
(`daily.quantified_activity`), the 18:00 draft and the before-09:00 submission of the 部门管理表
(`daily.table_by_0900`), coaching notes (`daily.shortfall_coaching`) and SM supervision (`daily.supervision`).
Each public function is one transaction and writes the audit log."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.text import clean_text
from yewu.org.models import Role, Team, User
from yewu.org.permissions import require
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy import salesmgmt as pol

from .. import actuals as act
from ..models import ActualCorrection, CallLog, CallOutcome, CoachingNote, DepartmentTable, SupervisionLog, WorkLog
from ..scope import manages, own_customers
from . import selectors


def _refuse(dec, field: str):
    err = RuleRefused.from_decision(dec)
    err.fields = {field: dec.reasons[0].message}
    return err


# --- records of the day ---------------------------------------------------------------------------------------


@transaction.atomic
def log_call(actor, outcome: str, customer_id: int | None = None, note: str = "") -> CallLog:
    """One tap per call: the outcome, optionally the customer (own customers only) and a short note."""
    require(actor, "logs_calls")
    if outcome not in CallOutcome.values:
        raise ValidationError("请选择通话结果", fields={"outcome": "无效的通话结果"}, rule="daily.quantified_activity")
    customer = None
    if customer_id:
        customer = own_customers(actor).filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError("只能登记自己客户的电话", fields={"customer_id": "不是您的客户"}, rule="acl.sp_scope")
    now = timezone.now()
    c = CallLog.objects.create(salesperson=actor, customer=customer, at=now, day=timezone.localdate(now), outcome=outcome,
                               note=clean_text(note, field="note", label="备注", max_len=200))
    record(actor=actor, action="create", obj=c, after=snapshot(c), rule="daily.quantified_activity")
    return c


@transaction.atomic
def save_work_log(actor, day: date, content: str) -> WorkLog:
    require(actor, "logs_calls")
    content = clean_text(content, field="content", label="工作日志", max_len=4000, required=True)
    if day > timezone.localdate():
        raise ValidationError("不能填写未来日期的工作日志", fields={"day": "未来日期"}, rule="daily.quantified_activity")
    w = WorkLog.objects.select_for_update().filter(salesperson=actor, day=day).first()
    before = snapshot(w) if w else None
    if w is None:
        w = WorkLog(salesperson=actor, day=day)
    w.content = content
    w.save()
    record(actor=actor, action="update" if before else "create", obj=w, before=before, after=snapshot(w),
           rule="daily.quantified_activity")
    return w


@transaction.atomic
def correct_actual(actor, salesperson_id: int, day: date, metric: str, value, reason: str) -> ActualCorrection:
    """The SM corrects one figure; the reason is required and kept with before/after in the audit log."""
    require(actor, "corrects_actuals")
    sp = User.objects.filter(pk=salesperson_id).first()
    if sp is None or not manages(actor, sp):
        raise PermissionDenied("只能更正本团队业务员的数据", rule="daily.quantified_activity",
                               fields={"salesperson_id": "不在您的团队"})
    if metric not in pol.METRICS:
        raise ValidationError("未知指标", fields={"metric": "未知指标"}, rule="daily.quantified_activity")
    dec = pol.check_correction(metric, value, reason)
    if dec.refused:
        raise _refuse(dec, dec.reasons[0].figures["field"])
    if day > timezone.localdate():
        raise ValidationError("不能更正未来日期", fields={"day": "未来日期"}, rule="daily.quantified_activity")
    reason = clean_text(reason, field="reason", label="原因", max_len=300)
    recorded = act.daily_actuals([sp.pk], day, day, corrections=False).get((sp.pk, day)) or act.empty()
    c = ActualCorrection.objects.select_for_update().filter(salesperson=sp, day=day, metric=metric).first()
    before = {"value": str(c.value) if c else str(recorded[metric]), "from_records": str(recorded[metric])}
    if c is None:
        c = ActualCorrection(salesperson=sp, day=day, metric=metric)
    c.value, c.reason, c.by = dec.data["value"], reason, actor
    c.save()
    record(actor=actor, action="update", obj=c, before=before, after={"value": str(c.value), "metric": metric,
                                                                      "day": day.isoformat()},
           rule="daily.quantified_activity", reason=reason)
    return c


# --- the department table -------------------------------------------------------------------------------------


@transaction.atomic
def draft_table(team: Team, day: date, actor=None) -> DepartmentTable | None:
    """Draft (or refresh, while still a draft) the team's table for working day D; open coaching notes for the
    SPs with a shortfall, due by the end of the next working day."""
    cal, cfg = get_calendar(), get_policy()
    if not cal.is_working_day(day):
        return None
    existing = DepartmentTable.objects.select_for_update().filter(team=team, day=day).first()
    if existing and existing.state == DepartmentTable.State.SUBMITTED:
        raise Conflict("部门管理表已提交，不能重新起草", rule="daily.table_by_0900")
    rows = selectors.compute_rows(selectors.team_salespeople(team), day)
    if existing:
        notes = {r["salesperson_id"]: r.get("note", "") for r in existing.rows}
        for r in rows:
            r["note"] = notes.get(r["salesperson_id"], "")
    t = existing or DepartmentTable(team=team, day=day, due_at=pol.table_due(day, cal, cfg))
    t.rows, t.drafted_at = rows, timezone.now()
    t.save()
    record(actor=actor, action="update" if existing else "create", obj=t, after={"rows": len(rows), "day": day.isoformat()},
           rule="daily.table_by_0900")
    due = pol.coaching_due(day, cal, cfg)
    for r in rows:
        if r["shortfalls"]:
            note, created = CoachingNote.objects.get_or_create(
                salesperson_id=r["salesperson_id"], day=day,
                defaults={"team": team, "shortfall": r["shortfalls"], "due_at": due})
            if not created and note.done_at is None:
                note.shortfall = r["shortfalls"]
                note.save(update_fields=["shortfall"])
            elif created:
                record(actor=actor, action="create", obj=note, after=snapshot(note), rule="daily.shortfall_coaching")
                if team.manager_id:
                    notify(team.manager, f"shortfall:{note.pk}", f"{r['salesperson']} {day:%m-%d} 未达标，请在 "
                           f"{due.astimezone(pol.TZ):%m-%d %H:%M} 前记录辅导", rule="daily.shortfall_coaching",
                           link="/salesmgmt/coaching/")
    return t


@transaction.atomic
def submit_table(actor, table_id: int, *, notes: str = "", row_notes: dict | None = None,
                 claimed_at: str | None = None) -> DepartmentTable:
    """The SM (or a delegate) reviews and submits to ADM. The server clock decides: before 09:00:00 of the next
    working day is on time, 09:00:00 or later is saved as late. A client-given submission time is refused."""
    if claimed_at:
        raise ValidationError("提交时间以服务器时钟为准，不能自行填写", fields={"submitted_at": "不可填写"},
                              rule="daily.table_by_0900")
    t = DepartmentTable.objects.select_for_update().select_related("team").filter(pk=table_id).first()
    if t is None:
        raise NotFound("部门管理表不存在")
    if not selectors.may_review(actor, t.team):
        raise PermissionDenied("只有本团队业务经理或其代理人可以提交部门管理表", rule="daily.table_by_0900")
    if t.state == DepartmentTable.State.SUBMITTED:
        raise Conflict("部门管理表已提交", rule="daily.table_by_0900")
    now = timezone.now()
    dec = pol.check_table_submission(t.day, now, get_calendar(), get_policy())
    if dec.refused:
        raise _refuse(dec, "day")
    before = snapshot(t, fields=["state", "notes"])
    row_notes = row_notes or {}
    rows = []
    for r in t.rows:
        r = dict(r)
        key = str(r["salesperson_id"])
        if key in row_notes:
            r["note"] = clean_text(row_notes[key], field=f"row_notes.{key}", label="备注", max_len=300)
        rows.append(r)
    t.rows = rows
    t.notes = clean_text(notes, field="notes", label="备注", max_len=2000)
    t.state, t.submitted_by, t.submitted_at, t.late = DepartmentTable.State.SUBMITTED, actor, now, bool(dec.data["late"])
    t.save()
    record(actor=actor, action="submit", obj=t, before=before, after=snapshot(t, fields=["state", "late", "submitted_at"]),
           rule="daily.table_by_0900", decision=dec)
    for u in users_with_role(Role.ADM):
        notify(u, f"dept-table:{t.pk}:submitted", f"{t.team} {t.day:%m-%d} 部门管理表已提交" + ("（逾期）" if t.late else ""),
               rule="daily.table_by_0900", link=f"/salesmgmt/tables/{t.pk}/")
    return t


# --- coaching and supervision ---------------------------------------------------------------------------------


@transaction.atomic
def record_coaching(actor, note_id: int, text: str) -> CoachingNote:
    require(actor, "coaches_salespeople")
    n = CoachingNote.objects.select_for_update().select_related("salesperson").filter(pk=note_id).first()
    if n is None:
        raise NotFound("辅导任务不存在")
    if not manages(actor, n.salesperson) or actor.pk == n.salesperson_id:
        raise PermissionDenied("只有该业务员的业务经理可以记录辅导", rule="daily.shortfall_coaching")
    if n.done_at is not None:
        raise Conflict("该辅导已记录", rule="daily.shortfall_coaching")
    text = clean_text(text, field="note", label="辅导记录", max_len=2000, required=True)
    before = snapshot(n)
    n.note, n.coach, n.done_at = text, actor, timezone.now()
    n.save()
    record(actor=actor, action="update", obj=n, before=before, after=snapshot(n), rule="daily.shortfall_coaching",
           reason="逾期记录" if n.done_at > n.due_at else "")
    return n


@transaction.atomic
def log_supervision(actor, salesperson_id: int, kind: str, result: str) -> SupervisionLog:
    """`daily.supervision`: the SM's call-list check (09:20–09:30, by the server clock) or an accompanied visit."""
    require(actor, "coaches_salespeople")
    sp = User.objects.filter(pk=salesperson_id).first()
    if sp is None or not manages(actor, sp):
        raise PermissionDenied("只能记录本团队业务员", rule="daily.supervision", fields={"salesperson_id": "不在您的团队"})
    if kind not in SupervisionLog.Kind.values:
        raise ValidationError("无效的类型", fields={"kind": "无效"}, rule="daily.supervision")
    result = clean_text(result, field="result", label="结果", max_len=300, required=True)
    at = timezone.now()
    dec = pol.check_call_list_time(at) if kind == SupervisionLog.Kind.CALL_LIST else None
    s = SupervisionLog.objects.create(manager=actor, salesperson=sp, kind=kind, at=at, result=result,
                                      in_window=dec.data["in_window"] if dec else True)
    record(actor=actor, action="create", obj=s, after=snapshot(s), rule="daily.supervision", decision=dec)
    return s
