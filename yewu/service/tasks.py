"""Customer-service timers on the worker schedule (yewu.common.jobs.JOBS): every 5 minutes
`ticket.first_response_1wd`, `complaint.escalate_overdue` and `service.dispatch` (late repairs, unsolved on-site
problems); nightly `revisit.after_first_delivery_3d`,
`service.dispatch`, `service.survey_100pct` and `service.maintenance_renewal_1m`."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .complaints import services as complaints
from .jobs import services as jobs
from .revisits import services as revisits
from .tickets import services as tickets


def run_timers(now=None) -> dict:
    now = now or timezone.now()
    return {"tickets_overdue": tickets.flag_overdue(now), **complaints.escalate_overdue(now),
            **jobs.escalate_late(now), **jobs.escalate_unsolved(now)}


def run_nightly(now=None) -> dict:
    now = now or timezone.now()
    return {"first_delivery_tasks": revisits.first_delivery_tasks(now), **jobs.nightly(now)}


@task()
def timers() -> dict:
    return run_timers()


@task()
def nightly() -> dict:
    return run_nightly()
