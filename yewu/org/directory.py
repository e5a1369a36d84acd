"""Who may see whom in the user directory (``GET /api/v1/users``): enough for an API client to find the user ids
a transfer or an allocation needs, and nothing about users outside the caller's reach. The GM (and the system
administrator, who manages users) see every active user; everyone else sees themselves and their team's SM; an
SM also sees the members of the teams they manage (`acl.team_scope`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import User
from .permissions import ABILITIES, can
from .selectors import managed_team_ids


def users_visible_to(user: User) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True).select_related("team").order_by("id")
    if can(user, "sees_all_users"):
        return qs
    q = Q(pk=user.pk)
    if user.team_id and user.team.manager_id:
        q |= Q(pk=user.team.manager_id)
    teams = managed_team_ids(user)
    if teams:
        q |= Q(team_id__in=teams)
    return qs.filter(q)


def with_role(qs: QuerySet[User], role: str) -> QuerySet[User]:
    """Users of ``qs`` holding ``role`` (roles are a JSON list: filtered in Python, portable to SQLite)."""
    ids = [u.pk for u in qs.select_related(None).only("id", "roles") if role in (u.roles or [])]
    return qs.filter(pk__in=ids)


def abilities_of(user: User) -> list[str]:
    return sorted(name for name in ABILITIES if can(user, name))
