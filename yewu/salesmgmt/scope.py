"""The one row-level selector of sales management (`acl.sp_scope`, `acl.team_scope`): which salespeople's figures
a user sees. SP own, SM the teams they manage, GM and ADM all. Every sub-area's selectors cut rows through it."""

from __future__ import annotations

from django.db.models import QuerySet

from yewu.common.errors import PermissionDenied
from yewu.customers.models import Customer
from yewu.org.models import Team, User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids, salespeople


def visible_salespeople(user, team_id: int | None = None) -> QuerySet:
    """Active salespeople whose sales-management figures ``user`` may read (optionally one team)."""
    if not can(user, "sees_sales_figures"):
        return User.objects.none()
    qs = salespeople()
    if can(user, "sees_all_sales_figures"):
        pass
    elif can(user, "sees_team_sales_figures"):
        qs = qs.filter(team_id__in=managed_team_ids(user))
    else:
        qs = qs.filter(pk=user.pk)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return qs.select_related("team").order_by("team_id", "id")


def may_see(user, salesperson_id: int) -> bool:
    return visible_salespeople(user).filter(pk=salesperson_id).exists()


def require_sees(user, salesperson_id: int) -> None:
    if not may_see(user, salesperson_id):
        raise PermissionDenied("无权查看该业务员的数据", rule="acl.team_scope")


def manages(user, salesperson: User) -> bool:
    """The SM of the salesperson's team (or the GM)."""
    if can(user, "manages_every_team"):
        return True
    return bool(salesperson.team_id) and salesperson.team_id in managed_team_ids(user)


def visible_teams(user):
    if can(user, "sees_all_sales_figures"):
        return Team.objects.all().order_by("id")
    if can(user, "sees_team_sales_figures"):
        return Team.objects.filter(pk__in=managed_team_ids(user)).order_by("id")
    if getattr(user, "team_id", None):
        return Team.objects.filter(pk=user.team_id)
    return Team.objects.none()


def own_customers(user) -> QuerySet:
    """The customers a user works as their own in sales management (call log, plan items, route visits, the pickers
    of those pages): the ones they own (`acl.sp_scope`)."""
    return Customer.objects.filter(owner=user)
