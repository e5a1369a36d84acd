from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from yewu.policy import PolicyConfig
from yewu.policy.calendar import WorkCalendar

from .models import HolidayOverride, PolicyVersion, Role, User


def get_policy() -> PolicyConfig:
    """Settings file overrides, then the latest effective admin version."""
    overrides = dict(getattr(settings, "YEWU_POLICY", {}) or {})
    v = PolicyVersion.objects.filter(effective_at__lte=timezone.now()).order_by("-effective_at", "-id").first()
    if v:
        overrides.update(v.values or {})
    return PolicyConfig.from_overrides(overrides, version=v.id if v else 0)


def get_calendar() -> WorkCalendar:
    table = {h.date: h.is_working_day for h in HolidayOverride.objects.all()}
    return _calendar(tuple(sorted(table.items())), bool(get_policy()["calendar.saturday_working"]))


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


def managed_team_ids(user: User) -> frozenset[int]:
    if not user.has_role(Role.SM):
        return frozenset()
    return frozenset(user.managed_teams.values_list("id", flat=True))
