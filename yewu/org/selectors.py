from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from yewu.policy import PolicyConfig
from yewu.policy import versions as pv
from yewu.policy.calendar import WorkCalendar
from yewu.policy.config import DEFAULTS

from .models import HolidayOverride, PolicyVersion, Role, User
from .permissions import roles_with


def file_overrides() -> dict:
    """The settings file's ``YEWU_POLICY`` (the base layer under the versions)."""
    return {k: v for k, v in (getattr(settings, "YEWU_POLICY", {}) or {}).items() if k in DEFAULTS}


# Per-request memo of the settings in force now and the calendar (set by PolicyPerRequestMiddleware; cleared
# whenever a settings version, a holiday row or a team is saved, so a request that changes them reads the new ones).
_REQUEST_MEMO: ContextVar[dict | None] = ContextVar("yewu_policy_memo", default=None)


def clear_request_memo(*_args, **_kwargs) -> None:
    memo = _REQUEST_MEMO.get()
    if memo is not None:
        memo.clear()


def get_policy(at=None) -> PolicyConfig:
    """The settings in force at ``at`` (default now): SPEC defaults, the settings file's overrides, then every
    effective version's changes in effective order. ``version`` = the last effective version's id (0 = none);
    decisions store it and are never recomputed. Read once per request when ``at`` is not given."""
    memo = _REQUEST_MEMO.get() if at is None else None
    if memo is not None and "policy" in memo:
        return memo["policy"]
    cfg = _read_policy(at)
    if memo is not None:
        memo["policy"] = cfg
    return cfg


def _read_policy(at=None) -> PolicyConfig:
    rows = list(PolicyVersion.objects.filter(effective_at__lte=at or timezone.now()).order_by("effective_at", "id")
                .values_list("id", "values"))
    overrides = pv.fold(file_overrides(), ({k: x for k, x in (values or {}).items() if k in DEFAULTS}
                                                         for _, values in rows))
    return PolicyConfig.from_overrides(overrides, version=rows[-1][0] if rows else 0)


def get_calendar() -> WorkCalendar:
    memo = _REQUEST_MEMO.get()
    if memo is not None and "calendar" in memo:
        return memo["calendar"]
    table = {h.date: h.is_working_day for h in HolidayOverride.objects.all()}
    cal = _calendar(tuple(sorted(table.items())), bool(get_policy()["calendar.saturday_working"]))
    if memo is not None:
        memo["calendar"] = cal
    return cal


@lru_cache(maxsize=8)
def _calendar(items, saturday):
    return WorkCalendar(overrides=dict(items), saturday_working=saturday)


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
    memo = _REQUEST_MEMO.get()
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
