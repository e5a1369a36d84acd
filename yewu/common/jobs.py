"""Periodic jobs (SPEC §10 "Jobs"): the registry and the scheduler that turns it into queued tasks.

``JOBS`` maps a job name to the dotted path of a ``@task`` and its cadence: every N seconds, or daily at a
local (Asia/Shanghai) time. ``yewu worker`` calls :func:`tick` about every 30 s. Each due job's
``ScheduledJob`` row is locked (``select_for_update(skip_locked=True)``; on SQLite the IMMEDIATE transaction
serialises the whole tick) and re-checked inside the transaction, the task is enqueued and ``next_run_at``
advanced in the same transaction — so however many workers run, one due run is enqueued once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, ScheduledJob
from .push import queue_for

logger = logging.getLogger("yewu.jobs")
TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Job:
    task: str  # dotted path of a django_tasks Task
    every_seconds: int | None = None
    daily_at: time | None = None  # Asia/Shanghai wall-clock time

    def next_after(self, now: datetime, previous: datetime | None = None) -> datetime:
        """The first run strictly after ``now``. Interval jobs stay on their grid (``previous`` + k·interval)
        and skip runs missed while no worker was up; daily jobs fire at the next local ``daily_at``."""
        if self.daily_at is not None:
            local = now.astimezone(TZ)
            cand = datetime.combine(local.date(), self.daily_at, tzinfo=TZ)
            while cand <= local:
                cand = datetime.combine(cand.date() + timedelta(days=1), self.daily_at, tzinfo=TZ)
            return cand.astimezone(UTC)
        step = timedelta(seconds=self.every_seconds or 300)
        if previous is None or previous > now:
            return now + step
        k = (now - previous) // step + 1
        return previous + k * step

    def first_run(self, now: datetime) -> datetime:
        """When a job first seen by a worker should run: interval jobs at once, daily jobs at the next slot."""
        return now if self.daily_at is None else self.next_after(now)


JOBS: dict[str, Job] = {
    # deadline timers (cust.first_contact_1w, cust.web_lead_allocation, quote deadlines): every 5 minutes
    "scan_deadlines": Job("yewu.customers.tasks.scan_deadlines", every_seconds=300),
    # nightly at 01:00 Asia/Shanghai (cust.confidentiality expiry, cust.key_customer suggestions, ...)
    "nightly": Job("yewu.customers.tasks.nightly", daily_at=time(1, 0)),
    # orders: custom ship-date entry and contract.filing_1wd (every 5 min); nightly: late lines, overdue contract
    # take-outs (contract.filing_1wd), unconfirmed monthly contract register after the 5th (contract.monthly_register)
    "orders_timers": Job("yewu.orders.tasks.timers", every_seconds=300),
    "orders_nightly": Job("yewu.orders.tasks.nightly", daily_at=time(1, 0)),
    # approval.overdue: remind the approver, escalate to the superior 1 WD later (every 5 min)
    "approvals_overdue": Job("yewu.approvals.tasks.overdue", every_seconds=300),
    "expenses_nightly": Job("yewu.expenses.tasks.nightly", daily_at=time(1, 0)),  # cash.max_on_hand_5000, cash.daily_count, overdue advances
    # ar.collection_task, ar.reconcile_semiannual (issue 5)
    "finance_nightly": Job("yewu.finance.tasks.nightly", daily_at=time(1, 0)),
    # process.evaluation_audit: due evaluations (quarterly) / audits (half-yearly), overdue findings
    "processes_nightly": Job("yewu.processes.tasks.nightly", daily_at=time(1, 0)),
    # notifications to WeCom / DingTalk robots and e-mail, with retries (issue 15)
    "push_deliveries": Job("yewu.common.tasks.deliver_pushes", every_seconds=60),
    # customer service: ticket.first_response_1wd, complaint.escalate_overdue, service.dispatch (every 5 min);
    # nightly: revisit.after_first_delivery_3d, service.survey_100pct, service.maintenance_renewal_1m
    "service_timers": Job("yewu.service.tasks.timers", every_seconds=300),
    "service_nightly": Job("yewu.service.tasks.nightly", daily_at=time(1, 0)),
    # daily.table_by_0900: the 部门管理表 of each team is drafted from the hour of the setting
    # daily.table_by_0900.draft_hour (D 18:00; checked every 5 minutes); overdue tables, coaching notes and
    # missing monthly targets (target.monthly_set) every 5 minutes
    "salesmgmt_draft": Job("yewu.salesmgmt.tasks.draft_tables", every_seconds=300),
    "salesmgmt_timers": Job("yewu.salesmgmt.tasks.timers", every_seconds=300),
    # quote deadlines (sales.services.scan_quote_deadlines), every 5 minutes; was part of scan_deadlines
    "quote_deadlines": Job("yewu.desk.worklist.tasks.quote_deadlines", every_seconds=300),
}


def sync_jobs(now: datetime | None = None, jobs: dict[str, Job] | None = None) -> None:
    """Create a ``ScheduledJob`` row for each registered job (and keep its cadence columns current)."""
    now = now or timezone.now()
    for name, job in (jobs or JOBS).items():
        row = ScheduledJob.objects.filter(name=name).first()
        if row is None:
            try:
                with transaction.atomic():
                    ScheduledJob.objects.create(
                        name=name, interval_seconds=job.every_seconds or 0, at_local_time=job.daily_at,
                        next_run_at=job.first_run(now),
                    )
            except IntegrityError:  # another worker created it first
                pass
            continue
        if row.interval_seconds != (job.every_seconds or 0) or row.at_local_time != job.daily_at:
            row.interval_seconds, row.at_local_time = job.every_seconds or 0, job.daily_at
            row.next_run_at = job.first_run(now)
            row.save(update_fields=["interval_seconds", "at_local_time", "next_run_at"])


def tick(now: datetime | None = None, jobs: dict[str, Job] | None = None) -> list[str]:
    """Enqueue every due job once; return the names enqueued by *this* call."""
    jobs = jobs or JOBS
    now = now or timezone.now()
    sync_jobs(now, jobs)
    enqueued = []
    for name, job in jobs.items():
        with transaction.atomic():
            row = (
                ScheduledJob.objects.select_for_update(skip_locked=True)
                .filter(name=name, next_run_at__lte=now)
                .first()
            )
            if row is None:  # not due, or another worker holds it right now
                continue
            result = import_string(job.task).enqueue()
            row.last_run_at = now
            row.last_enqueued_id = str(getattr(result, "id", ""))[:64]
            row.next_run_at = job.next_after(now, row.next_run_at)
            row.save(update_fields=["last_run_at", "last_enqueued_id", "next_run_at"])
            enqueued.append(name)
            logger.info("enqueued %s (next run %s)", name, row.next_run_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S %Z"))
    return enqueued


def notify(user, key: str, message: str, *, rule: str = "", link: str = "") -> bool:
    """Create an in-app notification once per (user, key); return whether it is new. Safe under concurrency."""
    key = key[:200]
    if Notification.objects.filter(user=user, key=key).exists():
        return False
    try:
        with transaction.atomic():
            n = Notification.objects.create(user=user, key=key, message=message, rule=rule, link=link[:300])
            queue_for(n)  # WeCom / DingTalk / e-mail copies, posted later by the worker
    except IntegrityError:
        return False
    return True
