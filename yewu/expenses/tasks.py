"""Nightly treasury job (SPEC §10 "Jobs", 01:00): end-of-day cash limit, daily count, overdue advances.
The logic is :func:`yewu.expenses.cash.services.run_nightly`; the schedule is in :mod:`yewu.common.jobs`."""

from django_tasks import task

from .cash.services import run_nightly


@task()
def nightly() -> dict:
    out = run_nightly()
    return {k: int(v) for k, v in out.items()}
