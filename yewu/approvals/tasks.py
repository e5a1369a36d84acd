"""`approval.overdue` timer (every 5 minutes, see yewu.common.jobs.JOBS["approvals_overdue"])."""

from django_tasks import task

from .services import scan_overdue


@task()
def overdue() -> dict:
    return scan_overdue()
