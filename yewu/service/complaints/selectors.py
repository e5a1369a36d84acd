"""Reads for complaints. :func:`complaints_visible_to` is THE row-level scope of complaints: CS/CSM and the GM see
all; a department leader (and the department's members) the complaints dispatched to the department; an SM those
of the team's customers; an SP those of own customers. :func:`timeline` gives each step's due time and holder."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from yewu.org.models import Department, User
from yewu.org.permissions import can, roles_with
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids
from yewu.policy import service as rules
from yewu.policy.calendar import TZ

from ..models import Complaint

S = Complaint.Step


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("customer", "department", "leader", "ticket", "ticket__assignee",
                                          "selected_solution")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can(user, "sees_all_tickets"):
        return qs
    q = Q(leader=user) | Q(department__manager=user)
    if user.department_id:
        q |= Q(department_id=user.department_id, dispatched_at__isnull=False)
    if can(user, "sees_team_service"):
        q |= Q(customer__owner__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_customers_service"):
        q |= Q(customer__owner=user)
    return qs.filter(q).distinct()


def complaint_for(user: User, pk: int) -> Complaint | None:
    return complaints_visible_to(user).filter(pk=pk).first()


def list_complaints(user: User, *, step: str = "", open_only: bool = False, limit: int = 200):
    qs = complaints_visible_to(user)
    if step:
        qs = qs.filter(step=step)
    if open_only:
        qs = qs.exclude(step=S.CLOSED)
    return qs[:limit]


def departments() -> list[Department]:
    return list(Department.objects.select_related("manager").order_by("name"))


def _gm_names() -> str:
    roles = roles_with("decides_major_complaints")
    return "、".join(u.name for u in User.objects.filter(is_active=True) if set(u.roles or ()) & roles) or "总经理"


def holder(c: Complaint) -> str:
    """Who holds the current step."""
    cs = c.ticket.assignee.name if c.ticket_id and c.ticket.assignee_id else "客服"
    leader = f"{c.department.name} {c.leader.name}" if c.department_id and c.leader_id else "责任部门"
    return {
        S.INTAKE: f"客服 {cs}", S.PROPOSING: leader, S.SELECTING: f"总经理 {_gm_names()}" if c.major else leader,
        S.GM_REVIEW: f"总经理 {_gm_names()}", S.CONSULTING: f"客服 {cs}", S.IMPLEMENTING: leader,
        S.FOLLOWUP: f"客服 {cs}", S.CLOSED: "—",
    }[c.step]


def timeline(c: Complaint, now=None) -> list[dict]:
    """The five steps with each clock: label, rule, due, done (time or None), state (done / current / late / todo)."""
    now = now or timezone.now()
    cal, cfg = get_calendar(), get_policy()
    sols = list(c.solutions.all())
    first_visit = c.visits.filter(visited_at__gte=c.implemented_at).order_by("visited_at").first() if c.implemented_at else None
    dispatch_due = rules.dispatch_due(c.judged_at).due_at if c.judged_at else None
    sol_due = rules.solution_due(c.dispatched_at, cal, cfg).due_at if c.dispatched_at else None
    if c.step == S.PROPOSING:
        sol_due = c.step_due_at
    fu_due = rules.followup_due(c.implemented_at, cal, cfg).due_at if c.implemented_at else None
    rows = [
        ("1 受理判定（客户投诉记录表）", "complaint.intake", c.reply_due_at, c.judged_at, S.INTAKE),
        ("2 转交责任部门（投诉传递单）", "complaint.dispatch_same_day", dispatch_due, c.dispatched_at, None),
        ("3 部门提出方案", "complaint.solution_3wd", sol_due,
         max((s.proposed_at for s in sols), default=None) if c.step not in (S.PROPOSING,) else None, S.PROPOSING),
        ("4 选定方案" + ("（总经理）" if c.major else "（部门经理）"), "complaint.solution_review", c.reply_due_at,
         c.selected_at if c.step not in (S.PROPOSING, S.SELECTING, S.GM_REVIEW) else None, S.SELECTING),
        ("5 征求客户意见 / 实质答复（客户意见表）", "complaint.reply_5wd", c.reply_due_at, c.replied_at, S.CONSULTING),
        ("6 实施", "complaint.customer_consult", c.promised_resolution_at, c.implemented_at, S.IMPLEMENTING),
        ("7 首次回访", "complaint.followup_5wd", fu_due, first_visit.visited_at if first_visit else None, S.FOLLOWUP),
        ("8 满意后结案", "complaint.close_satisfied", None, c.closed_at, None),
    ]
    if c.step == S.GM_REVIEW:
        rows.insert(4, ("总经理处理（客户第二次不同意）", "complaint.customer_consult", c.step_due_at, None, S.GM_REVIEW))
    out = []
    for label, rule, due, done, step in rows:
        current = step is not None and step == c.step
        if done:
            state = "late" if due and done > due else "done"
        elif current:
            state = "overdue" if due and now > due else "current"
        else:
            state = "todo"
        out.append({"label": label, "rule": rule, "due_at": due, "done_at": done, "state": state,
                    "holder": holder(c) if current else ""})
    return out


def monthly_analysis(year: int, month: int) -> dict:
    """`complaint.monthly_analysis` (客户投诉分析表): by category and department, causes, days to close, reopens
    and the handling rate (closed ÷ received)."""
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=TZ)
    end = datetime.combine(date(year + (month == 12), month % 12 + 1, 1), time(0), tzinfo=TZ)
    qs = list(Complaint.objects.filter(received_at__gte=start, received_at__lt=end).select_related("department"))
    rows = []
    for c in qs:
        days = (c.closed_at - c.received_at).days if c.closed_at else None
        rows.append({"number": c.number, "category": c.get_category_display(), "department": c.department.name if c.department_id else "",
                     "cause": c.cause or c.finding[:40], "days_to_close": days, "reopens": c.reopens,
                     "closed": c.step == S.CLOSED, "major": c.major})
    by_cat: dict[str, int] = {}
    by_dept: dict[str, int] = {}
    for r in rows:
        by_cat[r["category"]] = by_cat.get(r["category"], 0) + 1
        if r["department"]:
            by_dept[r["department"]] = by_dept.get(r["department"], 0) + 1
    closed = [r for r in rows if r["closed"]]
    rate = (len(closed) * 100 / len(rows)) if rows else 100.0
    avg = (sum(r["days_to_close"] for r in closed) / len(closed)) if closed else None
    return {"year": year, "month": month, "rows": rows, "by_category": by_cat, "by_department": by_dept,
            "received": len(rows), "closed": len(closed), "handling_rate": round(rate, 1),
            "avg_days_to_close": round(avg, 1) if avg is not None else None,
            "reopens": sum(r["reopens"] for r in rows),
            "due_on": rules.analysis_due(year, month, get_calendar(), get_policy())}
