"""Reads: process definitions and `process.monitoring` (SPEC §8.4).

Instances are derived from the records that already carry the times — no parallel log:
- approval requests of the engine (entered = request created for the first stage, else when the previous stage
  was decided; decided = step decided; due = the step's due time), mapped to processes by document type
  (:data:`yewu.policy.processes.DOC_PROCESS`);
- web leads (P01): allocation (received → assigned, due `cust.web_lead_allocation`) and first contact
  (assigned → first logged contact, due `cust.first_contact_1w`).
Access: GM all; SM the instances of own teams (web leads: own teams' and the unassigned pool); CSM the CS
processes (P05, P06, P09); anyone else 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yewu.approvals.models import ApprovalRequest, ApprovalStep
from yewu.common import xlsx
from yewu.common.errors import PermissionDenied, ValidationError
from yewu.customers.models import Customer, Source
from yewu.customers.tasks import lead_allocation_deadline
from yewu.orders.models import ReturnRequest
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids
from yewu.policy.calendar import TZ
from yewu.policy.customers import first_contact_deadline
from yewu.policy.processes import (
    CS_PROCESSES,
    DOC_PROCESS,
    Instance,
    ProcessStats,
    StepTiming,
    finding_overdue,
    step_due,
    summarize,
)

from .models import Finding, ProcessDefinition, ProcessReview, Suggestion

RULE = "process.monitoring"


def definitions():
    """Latest row per code first: the published version and any open draft/submitted version, plus history."""
    return ProcessDefinition.objects.select_related("administrator").order_by("code", "-version")


def current_list() -> list[dict]:
    by_code: dict[str, dict] = {}
    for d in definitions():
        row = by_code.setdefault(d.code, {"code": d.code, "published": None, "open": None, "latest": d})
        if d.status == ProcessDefinition.Status.PUBLISHED:
            row["published"] = d
        elif d.status in ("draft", "submitted", "gm_approved") and row["open"] is None:
            row["open"] = d
    return list(by_code.values())


def parse_month(month: str | None) -> tuple[date, date]:
    if not month:
        first = timezone.localdate().replace(day=1)
    else:
        try:
            y, m = (int(x) for x in month.split("-"))
            first = date(y, m, 1)
        except (ValueError, TypeError) as e:
            raise ValidationError("月份格式应为 YYYY-MM", fields={"month": "如 2026-03"}, rule=RULE) from e
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt


@dataclass(frozen=True)
class Scope:
    all: bool = False
    sm: bool = False
    team_ids: frozenset[int] = frozenset()
    cs: bool = False

    def processes(self) -> set[str] | None:
        """None = every process."""
        if self.all or self.sm:
            return None
        return set(CS_PROCESSES)


def can_monitor(user: User) -> bool:
    """`process.monitoring` is for the GM, the SMs and the CS manager."""
    return can(user, "monitors_processes")


def scope_for(user: User) -> Scope:
    if can(user, "oversees_all_processes"):
        return Scope(all=True)
    if can_monitor(user):
        return Scope(sm=can(user, "monitors_team_processes"), team_ids=managed_team_ids(user),
                     cs=can(user, "monitors_service_processes"))
    raise PermissionDenied("流程监控仅限总经理、业务经理和客服经理查看", rule=RULE)


def _aware(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=TZ)


def _role_label(code: str) -> str:
    return Role(code).label if code in Role.values else code


def _approval_instances(scope: Scope, start: date, end: date) -> list[Instance]:
    qs = (ApprovalRequest.objects.filter(doc_type__in=list(DOC_PROCESS), created_at__gte=_aware(start),
                                         created_at__lt=_aware(end))
          .exclude(state=ApprovalRequest.State.CANCELLED)
          .select_related("process_version", "chain").prefetch_related("steps", "process_version__steps"))
    if not scope.all:
        cond = Q(pk__in=[])
        if scope.sm:
            cond |= Q(team_id__in=scope.team_ids)
        if scope.cs:
            cond |= Q(doc_type__in=[t for t, p in DOC_PROCESS.items() if p in CS_PROCESSES])
        qs = qs.filter(cond)
    out = []
    for req in qs.order_by("created_at", "id"):
        steps = sorted(req.steps.all(), key=lambda s: s.order)
        pstep = {}
        if req.process_version is not None:
            for ps in req.process_version.steps.all():
                if ps.is_approval and ps.role not in pstep:
                    pstep[ps.role] = ps
        timings = []
        for s in steps:
            if s.state in (ApprovalStep.State.WAITING, ApprovalStep.State.SKIPPED):
                continue
            earlier = [x.decided_at for x in steps if x.stage < s.stage]
            entered = req.created_at if not earlier else max((x for x in earlier if x), default=None)
            if entered is None:
                continue
            ps = pstep.get(s.role)
            label = f"{ps.code} {ps.action}" if ps else f"{_role_label(s.role)}审批"
            timings.append(StepTiming(key=s.role, label=label, entered=entered, decided=s.decided_at, due=s.due_at))
        chain = f"审批链 v{req.chain.version}" if req.chain_id else "审批链按规则生成（已快照）"
        out.append(Instance(process=DOC_PROCESS[req.doc_type], ref=f"{req.doc_type}:{req.doc_id}",
                            label=req.doc_label or f"{req.doc_type} {req.doc_id}", link=req.link or "/approvals/",
                            started=req.created_at, steps=tuple(timings),
                            version=req.process_version.label if req.process_version_id else "",
                            chain_version=chain))
    return out


def _lead_instances(scope: Scope, start: date, end: date) -> list[Instance]:
    procs = scope.processes()
    if procs is not None and "P01" not in procs:
        return []
    qs = Customer.objects.filter(source=Source.WEB, lead_received_at__gte=_aware(start), lead_received_at__lt=_aware(end))
    if not scope.all:
        qs = qs.filter(Q(owner__team_id__in=scope.team_ids) | Q(owner__isnull=True))
    cal, cfg = get_calendar(), get_policy()
    current = ProcessDefinition.objects.filter(code="P01", status=ProcessDefinition.Status.PUBLISHED).first()
    out = []
    for c in qs.order_by("lead_received_at", "id"):
        steps = [StepTiming("allocate", "s3 分配业务员", c.lead_received_at, c.assigned_at,
                            lead_allocation_deadline(c.lead_received_at, cal, cfg))]
        if c.assigned_at:
            steps.append(StepTiming("first_contact", "s4 首次联系", c.assigned_at, c.first_contact_at,
                                    first_contact_deadline(c.assigned_at, cal, cfg)))
        out.append(Instance(process="P01", ref=f"lead:{c.pk}", label=f"网络线索 {c.name}", link=f"/customers/{c.pk}/",
                            started=c.lead_received_at, steps=tuple(steps),
                            version=current.label if current else "", chain_version=""))
    return out


# return.flow history actions -> the P10 step they complete; the status -> the step now open
RETURN_STEPS = (("确认退货申请", "s2"), ("质检", "s3"), ("业务经理批准", "s4"), ("总经理批准", "s4gm"), ("收货入库", "s5"),
                ("红字发票", "s6"))
RETURN_OPEN = {"applied": "s2", "confirmed": "s3", "inspected": "s4", "awaiting_gm": "s4gm", "approved": "s5",
               "received": "s6"}


def _return_instances(scope: Scope, start: date, end: date) -> list[Instance]:
    """P10 from the return requests' own history (`return.flow`): each step is entered when the previous one was
    logged; its limit is the published P10 step's (the GM's late-return approval: 1 WD like the SM's)."""
    procs = scope.processes()
    if procs is not None and "P10" not in procs:
        return []
    qs = ReturnRequest.objects.filter(created_at__gte=_aware(start), created_at__lt=_aware(end)).select_related("order")
    if not scope.all:
        qs = qs.filter(order__salesperson__team_id__in=scope.team_ids)
    current = ProcessDefinition.objects.filter(code="P10", status=ProcessDefinition.Status.PUBLISHED).first()
    pdef = {s.code: s for s in current.steps.all()} if current else {}
    cal = get_calendar()

    def timing(code, entered, decided):
        ps = pdef.get("s4" if code == "s4gm" else code)
        label = "总经理批准（送达超 30 天）" if code == "s4gm" else (f"{ps.code} {ps.action}" if ps else code)
        due = step_due(ps.limit_kind, ps.limit_n, entered, cal) if ps else None
        return StepTiming(code, label, entered, decided, due)

    out = []
    for r in qs.order_by("created_at", "id"):
        steps, entered, expected = [], r.created_at, "s2"
        for h in r.history[1:]:
            action = h.get("action", "")
            code = next((c for key, c in RETURN_STEPS if key in action), expected if "驳回" in action else None)
            at = datetime.fromisoformat(h["at"])
            if code:
                steps.append(timing(code, entered, at))
                expected = {"s2": "s3", "s3": "s4", "s4": "s4gm" if r.needs_gm else "s5", "s4gm": "s5", "s5": "s6"}.get(code)
            entered = at
        nxt = RETURN_OPEN.get(r.status)
        if nxt and not (nxt == "s6" and r.exchange):
            steps.append(timing(nxt, entered, None))
        out.append(Instance(process="P10", ref=f"return:{r.pk}", label=f"退货 {r.number}", link=f"/orders/{r.order_id}/",
                            started=r.created_at, steps=tuple(steps), version=current.label if current else ""))
    return out


@dataclass
class Monitoring:
    month: str
    start: date
    end: date
    rows: list[tuple[ProcessDefinition | None, ProcessStats]]
    now: datetime

    @property
    def active(self):
        return [(d, ps) for d, ps in self.rows if ps.instances]

    @property
    def idle(self):
        return [(d, ps) for d, ps in self.rows if not ps.instances]

    @property
    def overdue(self):
        return [(d, inst, bad) for d, ps in self.rows for inst, bad in ps.overdue]


def monitoring(user: User, month: str | None = None, now: datetime | None = None) -> Monitoring:
    """`process.monitoring` for one month (instances started in it), scoped to the user."""
    scope = scope_for(user)
    start, end = parse_month(month)
    now = now or timezone.now()
    insts = (_approval_instances(scope, start, end) + _lead_instances(scope, start, end)
             + _return_instances(scope, start, end))
    stats = summarize(insts, get_calendar(), now)
    allowed = scope.processes()
    current = {d.code: d for d in ProcessDefinition.objects.filter(status=ProcessDefinition.Status.PUBLISHED)}
    codes = sorted(set(stats) | {c for c in current if allowed is None or c in allowed})
    rows = [(current.get(c), stats.get(c) or ProcessStats(c)) for c in codes if allowed is None or c in allowed]
    return Monitoring(month=f"{start:%Y-%m}", start=start, end=end, rows=rows, now=now)


def _fmt(v) -> str:
    return "" if v is None else str(v)


def monitoring_dict(m: Monitoring) -> dict:
    return {
        "month": m.month,
        "rule": RULE,
        "processes": [{
            "code": ps.process, "name": d.name if d else "", "version": d.version if d else None,
            "instances": ps.instances, "on_time_pct": _fmt(ps.on_time_pct), "overdue": ps.overdue_count,
            "steps": [{"key": s.key, "label": s.label, "decided": s.count, "median_hours": _fmt(s.median_hours),
                       "avg_hours": _fmt(s.avg_hours), "on_time": s.on_time, "late": s.late,
                       "on_time_pct": _fmt(s.on_time_pct)} for s in ps.steps],
            "overdue_list": [{"ref": inst.ref, "label": inst.label, "link": inst.link, "version": inst.version,
                              "chain_version": inst.chain_version, "started": inst.started.astimezone(TZ).isoformat(),
                              "steps": [{"label": t.label, "state": st,
                                         "due": t.due.astimezone(TZ).isoformat() if t.due else None,
                                         "decided": t.decided.astimezone(TZ).isoformat() if t.decided else None}
                                        for t, st in bad]} for inst, bad in ps.overdue],
        } for d, ps in m.rows],
    }


def monitoring_workbook(m: Monitoring) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "流程监控"
    xlsx.append(ws, [f"流程监控 {m.month}（process.monitoring；周期=进入→处理，工作小时）"])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx.append(ws, ["流程", "名称", "实例数", "步骤", "已处理", "周期中位数（工作小时）", "周期平均（工作小时）", "按时", "超时",
               "按时率（%）", "逾期实例"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for d, ps in m.rows:
        name = d.name if d else ""
        xlsx.append(ws, [ps.process, name, ps.instances, "（合计）", "", "", "", ps.on_time, ps.late,
                   ps.on_time_pct if ps.on_time_pct is not None else "", ps.overdue_count])
        for s in ps.steps:
            xlsx.append(ws, ["", "", "", s.label, s.count, s.median_hours, s.avg_hours, s.on_time, s.late,
                       s.on_time_pct if s.on_time_pct is not None else "", ""])
    ws2 = wb.create_sheet("逾期清单")
    xlsx.append(ws2, ["流程", "单据", "流程版本", "审批链", "开始", "逾期步骤", "期限", "处理时间"])
    for c in ws2[1]:
        c.font = Font(bold=True)
    for _d, inst, bad in m.overdue:
        for t, _st in bad:
            xlsx.append(ws2, [inst.process, inst.label, inst.version, inst.chain_version,
                        inst.started.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), t.label,
                        t.due.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if t.due else "",
                        t.decided.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if t.decided else "未处理"])
    for col, w in zip("ABCDEFGHIJK", (8, 16, 8, 22, 8, 14, 14, 8, 8, 10, 10), strict=True):
        ws.column_dimensions[col].width = w
    for col, w in zip("ABCDEFGH", (8, 36, 10, 18, 18, 22, 18, 18), strict=True):
        ws2.column_dimensions[col].width = w
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- process.evaluation_audit (SPEC §8.4) -----------------------------------------------------------------

def period_figures(code: str, start: date, end: date) -> dict:
    """The monitoring figures of one process over a review period (start … end inclusive), company-wide: the
    evaluation page prefills them and the completed review keeps them as a snapshot."""
    scope = Scope(all=True)
    stop = end + timedelta(days=1)
    insts = [i for i in (_approval_instances(scope, start, stop) + _lead_instances(scope, start, stop)
                         + _return_instances(scope, start, stop)) if i.process == code]
    ps = summarize(insts, get_calendar(), timezone.now()).get(code) or ProcessStats(code)
    return {"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", "instances": ps.instances,
            "on_time": ps.on_time, "late": ps.late, "on_time_pct": _fmt(ps.on_time_pct), "overdue": ps.overdue_count,
            "steps": [{"label": s.label, "decided": s.count, "median_hours": _fmt(s.median_hours),
                       "on_time_pct": _fmt(s.on_time_pct)} for s in ps.steps]}


def sees_all_improvement(user: User) -> bool:
    return can(user, "manages_processes")


def administered_codes(user: User) -> set[str]:
    return set(ProcessDefinition.objects.filter(administrator=user).values_list("code", flat=True))


def findings(user: User, code: str | None = None, open_only: bool = False) -> list:
    """Findings the user may see — GM/行政/系统: all; the process administrator: the process's; an owner: own —
    overdue first, then by due date."""
    qs = Finding.objects.select_related("review", "owner", "verified_by", "created_by")
    if not sees_all_improvement(user):
        qs = qs.filter(Q(owner=user) | Q(review__code__in=administered_codes(user)))
    if code:
        qs = qs.filter(review__code=code)
    if open_only:
        qs = qs.exclude(state=Finding.State.VERIFIED)
    today = timezone.localdate()
    rows = list(qs.order_by("due_date", "id"))
    for f in rows:
        f.overdue = finding_overdue(f.state, f.due_date, today)
    return sorted(rows, key=lambda f: (not f.overdue, f.state == Finding.State.VERIFIED, f.due_date, f.pk))


def suggestions(user: User, code: str | None = None) -> list:
    """Suggestions the user may see: GM/行政/系统 all; the process administrator the process's; anyone their own."""
    qs = Suggestion.objects.select_related("submitted_by", "decided_by", "new_version")
    if not sees_all_improvement(user):
        qs = qs.filter(Q(submitted_by=user) | Q(code__in=administered_codes(user)))
    if code:
        qs = qs.filter(code=code)
    return list(qs.order_by("-submitted_at", "-id"))


def reviews(code: str | None = None):
    qs = ProcessReview.objects.select_related("done_by", "definition")
    return qs.filter(code=code) if code else qs
