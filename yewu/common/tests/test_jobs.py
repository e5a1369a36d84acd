"""The periodic-job scheduler (SPEC §10 "Jobs") and the worker command."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from yewu.common import jobs
from yewu.common.models import ScheduledJob

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def probe() -> int:
    return 42


PROBE = {"probe": jobs.Job("yewu.common.tests.test_jobs.probe", every_seconds=300)}


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_BACKEND


def utc(*a):
    return datetime(*a, tzinfo=UTC)


def enqueued_probes() -> int:
    return DBTaskResult.objects.filter(task_path="yewu.common.tests.test_jobs.probe").count()


# --- next run ---------------------------------------------------------------------------------------


def test_daily_job_runs_at_0100_shanghai():
    nightly = jobs.Job("x", daily_at=time(1, 0))
    # 2025-09-30 16:59 UTC = 10-01 00:59 in Shanghai -> 01:00 the same Shanghai day = 17:00 UTC
    assert nightly.next_after(utc(2025, 9, 30, 16, 59)) == utc(2025, 9, 30, 17, 0)
    # exactly at the slot -> the next day's
    assert nightly.next_after(utc(2025, 9, 30, 17, 0)) == utc(2025, 10, 1, 17, 0)
    # 10:00 Shanghai -> 01:00 tomorrow Shanghai
    assert nightly.next_after(utc(2025, 10, 1, 2, 0)) == utc(2025, 10, 1, 17, 0)
    # a new daily job waits for its slot; an interval job runs at once
    assert nightly.first_run(utc(2025, 10, 1, 2, 0)) == utc(2025, 10, 1, 17, 0)
    assert PROBE["probe"].first_run(utc(2025, 10, 1, 2, 0)) == utc(2025, 10, 1, 2, 0)


def test_interval_job_stays_on_its_grid_and_skips_missed_runs():
    every5 = jobs.Job("x", every_seconds=300)
    prev = utc(2025, 10, 1, 12, 0)
    assert every5.next_after(utc(2025, 10, 1, 12, 0, 20), prev) == utc(2025, 10, 1, 12, 5)
    # worker down for an hour: one run now, next on the grid (no burst of 12 catch-up runs)
    assert every5.next_after(utc(2025, 10, 1, 13, 2), prev) == utc(2025, 10, 1, 13, 5)


def test_registry_has_the_spec_jobs():
    assert jobs.JOBS["scan_deadlines"].every_seconds == 300
    assert jobs.JOBS["nightly"].daily_at == time(1, 0)


# --- enqueue exactly once -----------------------------------------------------------------------------


def test_tick_enqueues_a_due_job_once(db, db_tasks):
    now = utc(2025, 10, 1, 4, 0)
    assert jobs.tick(now, PROBE) == ["probe"]
    assert jobs.tick(now, PROBE) == []  # a second scheduler (or a second check) at the same moment
    assert jobs.tick(now + timedelta(seconds=299), PROBE) == []
    assert enqueued_probes() == 1
    row = ScheduledJob.objects.get(name="probe")
    assert row.next_run_at == now + timedelta(minutes=5) and row.last_run_at == now
    assert jobs.tick(now + timedelta(minutes=5), PROBE) == ["probe"]
    assert enqueued_probes() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_enqueue_each_run_once(db_tasks):
    """Several workers tick at the same moment: exactly one enqueues. Threads need real row locks
    (PostgreSQL); SQLite's shared in-memory test database is checked sequentially above."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locking is exercised on PostgreSQL")
    jobs.sync_jobs(utc(2025, 10, 1, 4, 0), PROBE)
    for round_ in range(5):
        now = utc(2025, 10, 1, 4, 0) + timedelta(minutes=5 * round_)
        barrier = threading.Barrier(4)
        results, errors = [], []

        def run(now=now, barrier=barrier, results=results, errors=errors):
            try:
                barrier.wait()
                results.extend(jobs.tick(now, PROBE))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert results == ["probe"], f"round {round_}: {results}"
    assert enqueued_probes() == 5


@pytest.mark.django_db(transaction=True)
def test_worker_once_enqueues_and_runs_the_deadline_scan(db_tasks):
    call_command("yewu_worker", "--once", verbosity=0)
    done = DBTaskResult.objects.get(task_path="yewu.customers.tasks.scan_deadlines")
    assert done.status == "SUCCESSFUL"
    # (the quote deadlines are their own job now, desk's `quote_deadlines`)
    assert done.return_value == {"first_contact": 0, "lead_allocation": 0, "minutes": 0}
    assert not DBTaskResult.objects.filter(task_path="yewu.customers.tasks.nightly").exists()  # waits for 01:00
    # a second worker right after finds nothing due
    call_command("yewu_worker", "--once", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="yewu.customers.tasks.scan_deadlines").count() == 1
