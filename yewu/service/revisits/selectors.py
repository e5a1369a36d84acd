"""Reads for return visits and campaigns. Return visits are CS records: CS/CSM and the GM see all; others see
the visits of complaints they may see (the complaints scope)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yewu.org.models import User
from yewu.org.permissions import can
from yewu.policy import service as rules

from ..complaints.selectors import complaints_visible_to
from ..models import Campaign, ReturnVisit, VisitTask


def visits_visible_to(user: User, complaint_id: int | None = None) -> QuerySet[ReturnVisit]:
    qs = ReturnVisit.objects.select_related("customer", "recorded_by").order_by("-visited_at", "-id")
    if not user.is_authenticated:
        return qs.none()
    if not can(user, "sees_all_tickets"):
        # the manager of the department asked to improve after an unsatisfied visit reads that visit
        qs = qs.filter(Q(complaint__in=complaints_visible_to(user)) | Q(improvement_department__manager=user))
    if complaint_id is not None:
        qs = qs.filter(complaint_id=complaint_id)
    return qs


def due_tasks(limit: int = 50):
    return VisitTask.objects.filter(done_visit__isnull=True).select_related("customer").order_by("due_at")[:limit]


def campaign_members(camp: Campaign) -> list[rules.CampaignMember]:
    visited = set(camp.visits.values_list("customer_id", flat=True))
    return [rules.CampaignMember(m.customer_id, m.customer.name, m.customer_id in visited, len(m.failed_attempts),
                                 m.signed_off_by_id is not None) for m in camp.members.select_related("customer")]


def campaign_summary(c: Campaign) -> dict:
    members = campaign_members(c)
    d = rules.check_campaign_close(members)
    return {"id": c.pk, "name": c.name, "starts_on": c.starts_on, "ends_on": c.ends_on, "closed": bool(c.closed_at),
            "key_customers": len(members), "visited": sum(1 for m in members if m.has_record), "kpi": str(d.data["kpi"]),
            "may_close": d.allowed, "blocking": d.message() if d.refused else "",
            "members": [{"customer_id": m.customer_id, "name": m.name, "visited": m.has_record,
                         "failed_attempts": m.failed_attempts, "signed_off": m.csm_signed_off} for m in members]}


def campaign_visits(camp: Campaign) -> dict[int, ReturnVisit]:
    """The latest visit of each member customer in the campaign."""
    out: dict[int, ReturnVisit] = {}
    for v in camp.visits.select_related("recorded_by").order_by("visited_at", "id"):
        out[v.customer_id] = v
    return out
