from django.utils import timezone

from yewu.policy import PolicyConfig
from yewu.policy import versions as pv
from yewu.policy.calendar import WorkCalendar

from .models import PolicyVersion, Role, User
from .permissions import roles_with
from .policy_cache import (
    file_overrides,  # noqa: F401  (re-exported: the settings page reads it from here)
    fold,
    snapshot,
    unit_memo,
)


def get_policy(at=None) -> PolicyConfig:
    """The settings in force at ``at`` (default now): SPEC defaults, the settings file's overrides, then every
    effective version's changes in effective order. ``version`` = the last effective version's id (0 = none);
    decisions store it and are never recomputed. Now: the process's snapshot, checked once per request
    (``policy_cache``); at another moment: read from the versions."""
    if at is None:
        return snapshot().policy
    return fold(list(PolicyVersion.objects.filter(effective_at__lte=at).order_by("effective_at", "id")
                     .values_list("id", "values")))


def get_calendar() -> WorkCalendar:
    """The working-day calendar (chinese-calendar + the company holiday table), from the same snapshot."""
    return snapshot().calendar


def salespeople(team=None):
    qs = users_with_role(Role.SP)
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def users_with_role(role: str):
    ids = [u.id for u in User.objects.filter(is_active=True).only("id", "roles") if role in (u.roles or [])]
    return User.objects.filter(id__in=ids).order_by("id")


def users_with_ability(name: str):
    """Active users whose roles carry ``name`` (who gets told: the roles come from the ABILITIES table)."""
    codes = roles_with(name)
    ids = [u.id for u in User.objects.filter(is_active=True).only("id", "roles") if codes & set(u.roles or [])]
    return User.objects.filter(id__in=ids).order_by("id")


def managed_team_ids(user: User) -> frozenset[int]:
    if not roles_with("leads_teams") & user.role_set:  # the roles alone, as before: a deactivated SM keeps the teams
        return frozenset()
    memo = unit_memo()
    key = ("managed_teams", user.pk)
    if memo is not None and key in memo:
        return memo[key]
    ids = frozenset(user.managed_teams.values_list("id", flat=True))
    if memo is not None:
        memo[key] = ids
    return ids


def version_history(limit: int | None = None) -> list[dict]:
    """Versions newest first, with their changes (label, old → new) and whether each is in force yet."""
    now = timezone.now()
    current = get_policy().version
    out = []
    qs = PolicyVersion.objects.select_related("created_by").order_by("-effective_at", "-id")
    for v in qs[:limit] if limit else qs:
        changes = []
        for k, new in (v.values or {}).items():
            known = k in pv.DEFAULTS
            changes.append({"key": k, "label": pv.setting(k).label if known else k,
                            "old": pv.display((v.old_values or {}).get(k), k if known else None),
                            "new": pv.display(new, k if known else None), "unit": pv.setting(k).unit if known else ""})
        out.append({"v": v, "changes": changes, "current": v.pk == current,
                    "state": "待生效" if v.effective_at > now else ("现行" if v.pk == current else "已生效")})
    return out
