"""Sales-management timers on the worker schedule (yewu.common.jobs):

- ``draft_tables`` every 5 minutes (`daily.table_by_0900`): from the drafting hour of the policy setting
  ``daily.table_by_0900.draft_hour`` (D 18:00) on a working day, each team's 部门管理表 for today not yet drafted at
  or after that hour is drafted (a draft made by hand earlier in the day is refreshed); opens the coaching notes of
  the day's shortfalls (`daily.shortfall_coaching`). The hour is read on every run, so a new settings version
  moves the draft without touching the job registry.
- ``timers`` every 5 minutes: overdue tables (09:00:00 passed, not submitted → SM and ADM), overdue coaching notes
  (→ SM), missing monthly targets after their deadline (`target.monthly_set` → SM).

Plain functions taking ``now`` and idempotent (notification keys), so a run may repeat; the ``@task`` wrappers are
registered in yewu.common.jobs."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from yewu.common.errors import Conflict
from yewu.common.jobs import notify
from yewu.org.models import Role, Team
from yewu.org.selectors import get_calendar, get_policy, salespeople, users_with_role
from yewu.policy import salesmgmt as pol

from .daily import services as daily
from .models import CoachingNote, DepartmentTable, MonthlyTarget


def run_draft(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    n = 0
    if not get_calendar().is_working_day(day):
        return {"drafted": 0}
    draft_at = pol.table_draft_at(day, get_policy())
    if now < draft_at:
        return {"drafted": 0, "from": draft_at.isoformat()}
    done = set(DepartmentTable.objects.filter(day=day).filter(
        Q(drafted_at__gte=draft_at) | Q(state=DepartmentTable.State.SUBMITTED)).values_list("team_id", flat=True))
    for team in Team.objects.exclude(pk__in=done):
        try:
            n += int(daily.draft_table(team, day) is not None)
        except Conflict:  # submitted meanwhile
            pass
    return {"drafted": n}


def run_timers(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    counts = {"tables_overdue": 0, "coaching_overdue": 0, "targets_missing": 0}
    adms = list(users_with_role(Role.ADM))
    for t in DepartmentTable.objects.filter(state=DepartmentTable.State.DRAFT, due_at__lte=now).select_related("team__manager"):
        for u in ([t.team.manager] if t.team.manager_id else []) + adms:
            counts["tables_overdue"] += int(notify(u, f"dept-table:{t.pk}:overdue",
                                                   f"{t.team} {t.day:%m-%d} 部门管理表已逾期（期限 "
                                                   f"{timezone.localtime(t.due_at):%m-%d %H:%M} 前）",
                                                   rule="daily.table_by_0900", link=f"/salesmgmt/tables/{t.pk}/"))
    for c in CoachingNote.objects.filter(done_at__isnull=True, due_at__lt=now).select_related("team__manager", "salesperson"):
        if c.team_id and c.team.manager_id:
            counts["coaching_overdue"] += int(notify(c.team.manager, f"shortfall:{c.pk}:overdue",
                                                     f"{c.salesperson} {c.day:%m-%d} 未达标的辅导记录已逾期",
                                                     rule="daily.shortfall_coaching", link="/salesmgmt/coaching/"))
    local = timezone.localtime(now)
    cal = get_calendar()
    ny, nm = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    for y, m in ((local.year, local.month), (ny, nm)):
        month = local.date().replace(year=y, month=m, day=1)
        have = {str(i) for i in MonthlyTarget.objects.filter(month=month).values_list("salesperson_id", flat=True)}
        sps = list(salespeople().select_related("team__manager"))
        missing = set(pol.targets_missing(y, m, now, cal, have, [str(s.pk) for s in sps]))
        for sp in sps:
            if str(sp.pk) in missing and sp.team_id and sp.team.manager_id:
                counts["targets_missing"] += int(notify(sp.team.manager, f"targets:{month:%Y-%m}:{sp.pk}:missing",
                                                        f"{sp} {month:%Y-%m} 的月度目标尚未设定（期限已过）",
                                                        rule="target.monthly_set", link="/salesmgmt/targets/"))
    return counts


@task()
def draft_tables() -> dict:
    return run_draft()


@task()
def timers() -> dict:
    return run_timers()
