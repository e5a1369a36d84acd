"""``yewu worker``: the periodic scheduler plus a django-tasks-db worker, in one process.

Loop: about every ``--schedule-interval`` seconds run :func:`yewu.common.jobs.tick` (enqueues each due job
exactly once even with several workers on one database), then run every ready task with django-tasks-db's
``Worker`` in batch mode (which claims each task under a row lock, so no task runs twice), then sleep
``--interval`` seconds. Any number of workers may run against one PostgreSQL database.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from yewu.common import jobs

logger = logging.getLogger("yewu.jobs")


class Command(BaseCommand):
    help = "Run background tasks and the periodic job schedule (deadline timers, nightly job)"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls for tasks (default 1)")
        parser.add_argument("--schedule-interval", type=float, default=30.0,
                            help="seconds between schedule checks (default 30)")
        parser.add_argument("--queue-name", default="*", help="queues to run, comma-separated; * = all (default)")
        parser.add_argument("--no-schedule", action="store_true", help="only run tasks; do not enqueue periodic jobs")
        parser.add_argument("--once", action="store_true", help="check the schedule once, run ready tasks, exit")
        parser.add_argument("--exit-with-parent", action="store_true",
                            help="exit when the parent process goes away (used by `yewu demo`)")

    def handle(self, *, interval, schedule_interval, queue_name, no_schedule, once, exit_with_parent, **opts):
        verbosity = opts.get("verbosity", 1)
        if verbosity and not logger.handlers:
            h = logging.StreamHandler(self.stdout)
            h.setFormatter(logging.Formatter("%(asctime)s worker %(message)s"))
            logger.addHandler(h)
            logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
            logger.propagate = False

        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        run_db_tasks = isinstance(backend, DatabaseBackend)
        worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        parent = os.getppid()
        self.stop = False
        self.current = None

        def on_signal(signum, frame):
            if self.stop:  # second signal: give up at once
                sys.exit(1)
            self.stop = True
            if self.current is not None and self.current.running_task:
                self.current.running = False  # finish the running task, then leave
                logger.info("signal %s: finishing the current task", signum)
            else:
                sys.exit(0)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        logger.info("started id=%s backend=%s schedule=%s", worker_id, type(backend).__name__,
                    "off" if no_schedule else f"every {schedule_interval:g}s")

        next_tick = 0.0
        while not self.stop:
            close_old_connections()
            if not no_schedule and time.monotonic() >= next_tick:
                try:
                    jobs.tick()
                except Exception:  # a database hiccup must not kill the worker
                    logger.exception("schedule check failed")
                next_tick = time.monotonic() + schedule_interval
            if run_db_tasks:
                self.current = Worker(
                    queue_names=queue_name.split(","), interval=interval, batch=True,
                    backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=False, max_tasks=None,
                    worker_id=worker_id, excluded_queue_names=[],
                )
                try:
                    self.current.run()
                except Exception:
                    logger.exception("task run failed")
                self.current = None
            close_old_connections()
            if once:
                break
            if exit_with_parent and os.getppid() != parent:
                logger.info("parent process gone; exiting")
                break
            time.sleep(interval)
