"""Company settings versions (SPEC §8.5): each change is an effective-dated version — who, when, old → new,
reason — validated by the pure core (yewu.policy.versions) and written to the audit log. Versions are never
edited or deleted; decisions made under an earlier version keep it (`process.version_pinned`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record
from yewu.common import parsers
from yewu.common.errors import PermissionDenied, ValidationError
from yewu.common.locks import lock
from yewu.policy import versions as pv

from .models import PolicyVersion, User
from .permissions import ability, can
from .selectors import get_policy


def can_manage_settings(user) -> bool:
    """SPEC §1.1/§8.5: the GM and the system administrator (``changes_settings`` in yewu.org.permissions)."""
    return can(user, "changes_settings")


def effective_time(effective_at: datetime | None, now: datetime | None = None) -> datetime:
    """A version takes effect now or later: "now" (or a moment within the grace window just past) becomes now,
    so a version never slips in before decisions already made under the one in force."""
    now = now or timezone.now()
    if effective_at is None:
        return now
    if timezone.is_naive(effective_at):
        effective_at = timezone.make_aware(effective_at)
    return now if now - pv.EFFECTIVE_GRACE <= effective_at < now else effective_at


@transaction.atomic
def create_version(actor: User, *, changes: dict[str, Any], reason: str, effective_at: datetime | None = None) -> PolicyVersion:
    if not can_manage_settings(actor):
        raise PermissionDenied("只有总经理或系统管理员可以修改公司设置", rule=ability("changes_settings").rule)
    lock("policy-version")  # one version at a time: "old" is what is in force just before this one
    now = timezone.now()
    requested = effective_at
    eff = effective_time(effective_at, now)
    current = get_policy(at=eff)
    chk = pv.check_change(changes or {}, current.values, reason=reason, effective_at=requested or now, now=now)
    if not chk.ok:
        raise ValidationError(chk.message(), fields=chk.errors)
    old = {k: pv.stored(current[k]) for k in chk.values}
    new = {k: pv.stored(v) for k, v in chk.values.items()}
    version = PolicyVersion.objects.create(values=new, old_values=old, effective_at=eff, reason=reason.strip(),
                                           created_by=actor)
    record(actor=actor, action="create", obj=version, before=old, after={**new, "effective_at": eff},
           reason=reason.strip(), policy_version=version.pk)
    return version


def parse_effective(raw: str | None) -> datetime | None:
    """'' or 'now' → None (now); else an ISO date-time in Asia/Shanghai."""
    raw = (raw or "").strip()
    if not raw or raw == "now":
        return None
    return parsers.parse_datetime(raw, field="effective_at", label="生效时间")
