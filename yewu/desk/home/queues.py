"""Home pages of the roles that work from a queue outside sales and money: customer service (open tickets,
complaints past their step's deadline), the web-lead specialist (the pool), administration (approved visit
plans), and anyone else (approvals and the latest notifications). Constant queries: counts and capped lists."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from yewu.approvals.services import inbox
from yewu.common.models import Notification
from yewu.customers.models import VisitPlan
from yewu.customers.selectors import pool
from yewu.org.permissions import can
from yewu.service.complaints.selectors import complaints_visible_to
from yewu.service.models import Complaint, Ticket
from yewu.service.tickets.selectors import tickets_visible_to

from .blocks import Card, Home, ItemList


def _approvals(user, h: Home, limit: int = 8) -> None:
    steps = inbox(user)
    h.cards.append(Card("待我审批", len(steps), "/approvals/", alert=bool(steps)))
    h.lists.append(ItemList("待我审批", [{"label": s.request.doc_label or "审批", "sub": f"提交人 {s.request.submitter.name}",
                                      "due": timezone.localtime(s.due_at) if s.due_at else None,
                                      "late": bool(s.due_at and s.due_at < timezone.now()),
                                      "link": f"/approvals/{s.request_id}/"} for s in steps[:limit]],
                            "/approvals/", "没有等待您审批的单据", len(steps)))


def recent_notifications(user, h: Home, limit: int = 8) -> None:
    rows = list(Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
    h.lists.append(ItemList("最新通知", [{"label": n.message, "link": n.link or "/notifications/",
                                      "sub": f"{timezone.localtime(n.created_at):%m-%d %H:%M}"} for n in rows],
                            "/notifications/", "没有通知"))


def service_home(user, today: date) -> Home:
    """CS and CSM: open tickets (first response due, `ticket.first_response_1wd`) and complaints whose current
    step is past its deadline (`complaint.escalate_overdue`)."""
    now = timezone.now()
    h = Home("CS", "客服工作台")
    tickets = tickets_visible_to(user).filter(state=Ticket.State.OPEN)
    if not can(user, "sees_all_open_tickets"):
        tickets = tickets.filter(Q(assignee=user) | Q(assignee__isnull=True))
    t = tickets.aggregate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now)))
    listed = list(tickets.order_by("due_at", "id")[:8])
    complaints = complaints_visible_to(user).exclude(step=Complaint.Step.CLOSED)
    c = complaints.aggregate(n=Count("id"), late=Count("id", filter=Q(step_due_at__lt=now)))
    overdue = list(complaints.filter(step_due_at__lt=now).order_by("step_due_at", "id")[:8])
    h.cards += [Card("待处理工单", t["n"], "/service/", alert=t["late"] > 0, hint=f"{t['late']} 张已过答复期限"),
                Card("进行中的投诉", c["n"], "/service/complaints/", hint=f"{c['late']} 件本步逾期", alert=c["late"] > 0)]
    h.lists.append(ItemList("待处理工单（按答复期限）", [
        {"label": f"{x.number} · {x.customer.name if x.customer else (x.caller_name or '未知来电')}",
         "sub": x.get_type_display(), "due": timezone.localtime(x.due_at), "late": x.due_at < now,
         "link": f"/service/tickets/{x.pk}/"} for x in listed], "/service/", "没有待处理的工单", t["n"]))
    h.lists.append(ItemList("逾期的投诉", [
        {"label": f"{x.number} · {x.customer.name if x.customer else '—'}", "sub": x.get_step_display(),
         "due": timezone.localtime(x.step_due_at), "late": True, "link": f"/service/complaints/{x.pk}/"} for x in overdue],
        "/service/complaints/", "没有逾期的投诉", c["late"]))
    _approvals(user, h)
    return h


def leads_home(user, today: date) -> Home:
    """LS: the web leads waiting in the pool (`cust.web_lead_allocation`)."""
    h = Home("LS", "线索")
    waiting = pool(user)
    n = waiting.count()
    rows = list(waiting.order_by("created_at", "id")[:8])
    # the manager's work list allocates the pool; an LS follows its own leads on /leads/ (issue 15: no dead ends)
    more = "/worklist/" if can(user, "manages_customers") else "/leads/"
    h.cards.append(Card("公海待分配线索", n, more, alert=n > 0))
    h.lists.append(ItemList("待分配线索（最早的在前）", [{"label": c.name, "sub": f"登记于 {timezone.localtime(c.created_at):%m-%d %H:%M}",
                                                 "link": f"/customers/{c.pk}/"} for c in rows],
                            more, "公海里没有线索", n))
    recent_notifications(user, h)
    return h


def admin_home(user, today: date) -> Home:
    """ADM: the approved visit plans of the coming days (`visit.plan_approval`: ADM sees approved plans)."""
    h = Home("ADM", "行政")
    plans = VisitPlan.objects.filter(state=VisitPlan.State.APPROVED, ends_at__gte=timezone.now())
    n = plans.count()
    rows = list(plans.select_related("user").order_by("starts_at", "id")[:8])
    h.cards.append(Card("即将出行的拜访计划", n, "/visit-plans/"))
    h.lists.append(ItemList("已批准的拜访计划（按出发时间）", [
        {"label": f"{p.user.name} · {p.objectives[:30]}", "sub": f"{timezone.localtime(p.starts_at):%m-%d %H:%M} 出发",
         "link": "/visit-plans/"} for p in rows], "/visit-plans/", "没有即将出行的计划", n))
    _approvals(user, h)
    recent_notifications(user, h)
    return h
