"""Row-level access for quotes (SPEC §1.2, one place): which customers a user may quote for, which quotes they see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yewu.customers.selectors import customers_visible_to
from yewu.org.permissions import can

from ..models import Quote


def customers_for_user(user) -> QuerySet:
    """Customers the user may quote for / see: the customers area's one rule."""
    return customers_visible_to(user)


def quotes_visible_to(user) -> QuerySet:
    """acl.sp_scope / acl.team_scope / acl.finance_scope: SP own quotes and quotes of own customers; SM
    the team's (owner's team at creation, or the customer's owner in the team); GM, FIN, FD all."""
    qs = Quote.objects.select_related("customer", "owner", "team")
    if can(user, "sees_all_quotes"):
        return qs
    q = Q(owner=user) | Q(customer__owner=user)
    if can(user, "sees_team_quotes"):
        teams = list(user.managed_teams.values_list("id", flat=True))
        if teams:
            q |= Q(team_id__in=teams) | Q(owner__team_id__in=teams) | Q(customer__owner__team_id__in=teams)
    if not can(user, "makes_quotes"):
        return qs.none()
    return qs.filter(q)
