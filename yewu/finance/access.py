"""The ONE place deciding whose money records a user reads (`acl.finance_scope`: FIN, FD, CA and GM see all
money; `acl.team_scope`: an SM sees the team's customers'; `acl.sp_scope`: an SP only their own customers'), and
the system reader the nightly jobs use."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids


def sees_all_money(user: User) -> bool:
    return can(user, "sees_all_money")


def money_customers(user: User) -> QuerySet[Customer]:
    """Customers whose money records ``user`` may read."""
    if sees_all_money(user):
        return Customer.objects.all()
    if not user.is_authenticated:
        return Customer.objects.none()
    q = Q(pk__in=[])
    if can(user, "sees_team_money"):
        q |= Q(owner__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_money"):
        q |= Q(owner=user)
    return customers_visible_to(user).filter(q)


class _System:
    """Reads as finance: the jobs see every customer's money."""

    is_authenticated = True
    id = None
    pk = None

    is_active = True
    roles = ("FIN",)

    def has_role(self, *codes):
        return "FIN" in codes


SYSTEM = _System()
