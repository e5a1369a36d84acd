"""Row-level access to treasury records, decided here only (`acl.finance_scope`, `acl.team_scope`,
`acl.sp_scope`): FIN, FD, CA and GM see every money record; an SM sees own team's; everybody else only their own."""

from __future__ import annotations

from django.db.models import Q

from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids


def sees_all_money(user: User) -> bool:
    return can(user, "sees_all_money")


def scope(qs, user: User, owner_field: str):
    if sees_all_money(user):
        return qs
    teams = managed_team_ids(user)
    return qs.filter(Q(**{owner_field: user}) | Q(team_id__in=teams))
