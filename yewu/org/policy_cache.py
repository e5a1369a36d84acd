"""The settings in force and the working calendar, kept once per process (issues 13 and 14).

Where: ``_PROCESS`` below, one per Python process (each gunicorn worker, each ``yewu worker``, a script). It holds a
``Snapshot``: the settings in force (``PolicyConfig``), the ``WorkCalendar`` (chinese-calendar, the company holiday
table, ``calendar.saturday_working``), the stamp both were read under and the moment the next future-dated settings
version takes effect.

Invalidation: the stamp is ONE statement that reads no rows — count, highest id and latest ``created_at`` of the
settings versions, count, highest id and latest ``updated_at`` of the holiday rows. A version created, a holiday
row added, saved or deleted, in this process or in another one (another server, another worker), changes it, and
the next check reads the tables again. The snapshot is also read again once the next version's ``effective_at``
has passed, and when ``YEWU_POLICY`` (the settings file's layer) changes. The stamp is read before the rows: a
change committed in between is newer than the stamp and is caught by the next check; a snapshot read inside a
transaction that is rolled back carries a stamp the database never shows again.

When it is checked: once per unit of work. A request (``PolicyPerRequestMiddleware``) or a ``policy_scope()``
block checks the stamp at its first ``get_policy()``/``get_calendar()`` and reuses the snapshot for the rest of the
unit; a save of a version, a holiday row or a team inside the unit forgets it, so the unit reads its own change.
Outside any unit every call checks the stamp (one statement).

Not seen: a ``QuerySet.update()`` of a holiday row that leaves ``updated_at`` alone. Edit holidays with ``save()``
(the admin does).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from yewu.policy import PolicyConfig
from yewu.policy import versions as pv
from yewu.policy.calendar import WorkCalendar
from yewu.policy.config import DEFAULTS

from .models import HolidayOverride, PolicyVersion, Team


@dataclass(frozen=True)
class Snapshot:
    stamp: tuple
    until: datetime | None  # the next version's effective_at (None: no version waits)
    policy: PolicyConfig
    calendar: WorkCalendar


_PROCESS: Snapshot | None = None

# The unit-of-work memo: the snapshot checked at the unit's first read, and other per-request reads
# (``selectors.managed_team_ids``). None outside a request or ``policy_scope()``.
_MEMO: ContextVar[dict | None] = ContextVar("yewu_policy_memo", default=None)


def file_overrides() -> dict:
    """The settings file's ``YEWU_POLICY`` (the base layer under the versions)."""
    return {k: v for k, v in (getattr(settings, "YEWU_POLICY", {}) or {}).items() if k in DEFAULTS}


def unit_memo() -> dict | None:
    return _MEMO.get()


@contextmanager
def policy_scope() -> Iterator[None]:
    """One unit of work: the settings and the calendar are checked once inside it (a request is one)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def forget_unit(*_args, **_kwargs) -> None:
    """A version, a holiday row or a team was saved: this unit reads them again (the stamp decides the rest)."""
    memo = _MEMO.get()
    if memo is not None:
        memo.clear()


def forget_process(*_args, setting: str = "", **_kwargs) -> None:
    global _PROCESS
    if setting in ("", "YEWU_POLICY"):
        _PROCESS = None
        forget_unit()


for _model in (PolicyVersion, HolidayOverride, Team):
    post_save.connect(forget_unit, sender=_model, dispatch_uid=f"policy-memo-save-{_model.__name__}")
    post_delete.connect(forget_unit, sender=_model, dispatch_uid=f"policy-memo-delete-{_model.__name__}")
setting_changed.connect(forget_process, dispatch_uid="policy-cache-setting-changed")


def _stamp_sql() -> str:
    q = connection.ops.quote_name
    v, h = q(PolicyVersion._meta.db_table), q(HolidayOverride._meta.db_table)
    return (f"SELECT * FROM (SELECT COUNT(*), MAX(id), MAX(created_at) FROM {v}) v, "  # noqa: S608
            f"(SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {h}) h")


def read_stamp() -> tuple:
    with connection.cursor() as cur:
        cur.execute(_stamp_sql())
        return tuple(cur.fetchone())


def fold(rows) -> PolicyConfig:
    """The config of versions ``rows`` ((id, values) in effective order) over the settings file's layer."""
    overrides = pv.fold(file_overrides(), ({k: x for k, x in (values or {}).items() if k in DEFAULTS}
                                           for _, values in rows))
    return PolicyConfig.from_overrides(overrides, version=rows[-1][0] if rows else 0)


def _load(stamp: tuple, now: datetime) -> Snapshot:
    rows = list(PolicyVersion.objects.order_by("effective_at", "id").values_list("id", "values", "effective_at"))
    cfg = fold([(i, values) for i, values, eff in rows if eff <= now])
    until = min((eff for _, _, eff in rows if eff > now), default=None)
    holidays = dict(HolidayOverride.objects.values_list("date", "is_working_day"))
    cal = WorkCalendar(overrides=holidays, saturday_working=bool(cfg["calendar.saturday_working"]))
    return Snapshot(stamp, until, cfg, cal)


def snapshot() -> Snapshot:
    """The settings in force now and the calendar, as of this unit's check of the stamp."""
    global _PROCESS
    memo = _MEMO.get()
    if memo is not None and "snapshot" in memo:
        return memo["snapshot"]
    now = timezone.now()
    stamp = read_stamp()  # before the rows (see the module doc)
    snap = _PROCESS
    if snap is None or snap.stamp != stamp or (snap.until is not None and now >= snap.until):
        snap = _PROCESS = _load(stamp, now)
    if memo is not None:
        memo["snapshot"] = snap
    return snap
