"""Reads of the pool and the manager's customer work items: pool summary, overdue first contacts, late entries,
archives awaiting review, a user's leads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from yewu.customers.archive.selectors import customers_visible_to, pool
from yewu.customers.models import Customer, ReviewState
from yewu.org.models import User
from yewu.org.permissions import roles_with
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy.customers import first_contact_deadline


def pool_summary(user: User):
    """`acl.sp_scope`: an SP sees the pool as a summary: name, city, industry, source, date."""
    return pool(user).values("id", "name", "city", "industry", "source", "created_at").order_by("-created_at")


def first_contact_overdue(qs: QuerySet[Customer], now=None) -> list[tuple[Customer, object]]:
    """`cust.first_contact_1w`: assigned customers with no logged contact by the deadline."""
    now = now or timezone.now()
    cfg, cal = get_policy(), get_calendar()
    out = []
    for c in qs.filter(owner__isnull=False, assigned_at__isnull=False, first_contact_at__isnull=True).select_related("owner"):
        due = first_contact_deadline(c.assigned_at, cal, cfg)
        if now > due:
            out.append((c, due))
    return out


def manager_worklist(user: User, now=None) -> dict:
    """SM work list (SPEC §9.1): pool, overdue first contacts, late entries, pending reviews."""
    now = now or timezone.now()
    visible = customers_visible_to(user).select_related("owner")
    return {
        "pool": list(pool(user).order_by("-created_at")[:200]),
        "first_contact_overdue": first_contact_overdue(visible, now),
        "late_entries": list(visible.filter(late_entry=True, review_state=ReviewState.PENDING).order_by("-created_at")[:200]),
        "pending_review": list(visible.filter(review_state=ReviewState.PENDING).order_by("-created_at")[:200]),
    }


def leads_for(user: User) -> QuerySet[Customer]:
    """`cust.web_lead_intake`: an LS sees own leads and their status; SM/GM see the pool awaiting allocation."""
    roles = user.role_set
    if roles & roles_with("allocates_leads"):
        return customers_visible_to(user).filter(pk__in=pool(user).values("pk")).select_related("owner")
    if roles & roles_with("enters_web_leads"):
        return customers_visible_to(user).filter(created_by=user, is_web_lead=True).select_related("owner")
    return Customer.objects.none()
