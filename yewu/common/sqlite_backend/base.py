"""Django's SQLite backend with a queue for writers (issue 14: 8 clients creating orders without second-long tails).

SQLite lets one writer in at a time; a ``BEGIN IMMEDIATE`` that finds the database locked is retried by SQLite's busy
handler, which sleeps 1, 2, 5, 10 … 100 ms between tries. Under load the lock is often free while every waiter
sleeps, and an unlucky waiter loses the race again and again: in bench/bench_orders.py (8 clients, `yewu serve`)
BEGIN IMMEDIATE alone waited up to 835 ms and the 99th percentile request 450 ms. Here a writer first queues for
the write lock outside SQLite — a lock per database file shared by the threads of a process, then an ``flock`` on
``<database>.writer`` shared by the processes (server workers, `yewu worker`, several `yewu serve`) — so it is woken
as soon as the writer before it commits or rolls back, and SQLite's own lock is then free. SQLite's lock stays
what guarantees correctness: a process outside the queue (the sqlite3 shell, an autocommit statement) still meets
the busy handler as before. In-memory databases (the test suite's) have no queue.

A write transaction's commit also wakes the process's checkpointer (``checkpoint.py``): the WAL is copied back into
the database file on a thread of its own rather than inside the commit of every ~10th filing.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from . import checkpoint

WAIT_SECONDS = 30.0  # as the busy timeout: then "database is locked", as SQLite would say


class WriterQueue:
    """One per database file and process: a thread lock, then a file lock across processes."""

    def __init__(self, path: str):
        self.path = path + ".writer"
        self.threads = threading.Lock()
        self.fd: int | None = None
        self.pid = -1

    def _file(self) -> int | None:
        if self.pid != os.getpid():  # after a fork: the parent's descriptor shares its lock, open our own
            self.fd, self.pid = None, os.getpid()
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # a read-only directory: the threads still queue, processes meet SQLite's busy handler
                self.fd = None
        return self.fd

    def acquire(self, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for the writer before this one)")
        try:
            fd = self._file()
            if fd is None:
                return
            pause = 0.0002
            while True:  # one thread per process polls here; the others wait on the thread lock without polling
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked (waited for another process's writer)") from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except BaseException:
            self.threads.release()
            raise

    def release(self) -> None:
        try:
            if self.fd is not None and self.pid == os.getpid():
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def queue_for(path: str) -> WriterQueue:
    path = os.path.abspath(path)
    with _QUEUES_LOCK:
        if path not in _QUEUES:
            _QUEUES[path] = WriterQueue(path)
        return _QUEUES[path]


class DatabaseWrapper(base.DatabaseWrapper):
    _queued: WriterQueue | None = None

    def _writer_queue(self) -> WriterQueue | None:
        mode = str((self.settings_dict.get("OPTIONS") or {}).get("transaction_mode") or "").upper()
        if mode != "IMMEDIATE" or self.is_in_memory_db():
            return None  # only IMMEDIATE transactions take the write lock up front
        return queue_for(str(self.settings_dict["NAME"]))

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():  # the safety net of the checkpointer thread (checkpoint.py)
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint.AUTOCHECKPOINT_PAGES)}").fetchall()
        return conn

    def _start_transaction_under_autocommit(self):
        q = self._writer_queue()
        if q is not None and self._queued is None:
            q.acquire()
            self._queued = q
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        q, self._queued = self._queued, None
        if q is not None:
            q.release()

    def _commit(self):
        wrote = self._queued is not None
        try:
            return super()._commit()
        finally:
            self._leave_queue()
            if wrote:  # after the queue is let go: the next writer does not wait for this
                checkpoint.checkpointer_for(str(self.settings_dict["NAME"])).written()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
