"""WAL checkpoints off the request path (yewu/common/sqlite_backend/checkpoint.py, issue 14): a write's commit wakes
a thread that checkpoints; the commit itself does not wait for it; and the WAL stays bounded by SQLite's automatic
checkpoint (the safety net) even when no thread and no `yewu worker` checkpoints."""

import os
import sqlite3
import threading
import time
from contextlib import closing

import pytest
from django.db import connections, transaction

from yewu.common.sqlite_backend import checkpoint

PAGE = 4096


@pytest.fixture
def filedb(tmp_path, django_db_blocker):
    alias = "checkpoint_test"
    path = str(tmp_path / "c.sqlite3")
    cfg = dict(connections["default"].settings_dict) if connections["default"].vendor == "sqlite" else {}
    cfg.update({"ENGINE": "yewu.common.sqlite_backend", "NAME": path, "TEST": {}, "CONN_MAX_AGE": 0,
                "CONN_HEALTH_CHECKS": False, "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "TIME_ZONE": None,
                "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30,
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}})
    connections.settings[alias] = cfg
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cur:
            cur.execute(f"PRAGMA page_size = {PAGE}")
            cur.execute("CREATE TABLE t (n INTEGER, b BLOB)")
        yield alias, path
        connections[alias].close()
    checkpoint._CHECKPOINTERS.pop(os.path.abspath(path), None)
    del connections[alias]
    del connections.settings[alias]


def write(alias: str, n: int, pages: int = 10) -> None:
    """``n`` write transactions of about ``pages`` pages each, through the backend (the writers' queue)."""
    for i in range(n):
        with transaction.atomic(using=alias):
            connections[alias].cursor().execute("INSERT INTO t VALUES (%s, randomblob(%s))", [i, pages * PAGE - 200])


def wal_pages(path: str) -> int:
    return os.path.getsize(path + "-wal") // PAGE if os.path.exists(path + "-wal") else 0


def test_every_connection_keeps_the_automatic_checkpoint_as_a_safety_net(filedb):
    alias, _ = filedb
    with connections[alias].cursor() as cur:
        cur.execute("PRAGMA wal_autocheckpoint")
        assert cur.fetchone()[0] == checkpoint.AUTOCHECKPOINT_PAGES != 1000


def test_without_the_thread_the_wal_stays_bounded_by_the_safety_net(filedb, monkeypatch):
    """No checkpointer thread (and no worker): 1,500 pages written, the WAL never holds more than the safety net's
    pages plus one transaction's (it would reach ~1,500 without one, ~1,000 at SQLite's default)."""
    alias, path = filedb
    monkeypatch.setattr(checkpoint, "ENABLED", False)
    monkeypatch.setattr(checkpoint, "AUTOCHECKPOINT_PAGES", 100)
    connections[alias].close()  # the next connection gets the safety net at 100 pages
    most = 0
    for _ in range(15):
        write(alias, 10, pages=10)
        most = max(most, wal_pages(path))
    assert 100 <= most <= 100 + 2 * 11 + 2, most  # header page, one transaction's pages and its index pages
    assert checkpoint.checkpointer_for(path).runs == 0


def test_a_commit_wakes_the_thread_and_does_not_wait_for_its_checkpoint(filedb, monkeypatch):
    alias, path = filedb
    cp = checkpoint.checkpointer_for(path)
    started, release = threading.Event(), threading.Event()
    real = checkpoint.Checkpointer.checkpoint

    def slow(self):
        started.set()
        assert release.wait(30)
        return real(self)

    monkeypatch.setattr(checkpoint.Checkpointer, "checkpoint", slow)
    write(alias, 1)
    assert started.wait(30)  # the thread is checkpointing ...
    write(alias, 3)  # ... and writers commit meanwhile, on their own thread, without waiting for it
    assert cp.thread is not None and cp.thread is not threading.current_thread()
    assert connections[alias].cursor().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 4
    release.set()


def test_the_thread_copies_the_wal_back_into_the_database(filedb):
    """After writes, the thread's passive checkpoints copy every page of the WAL, and the next writer starts it over
    (the WAL then holds only the pages written since)."""
    alias, path = filedb
    cp = checkpoint.checkpointer_for(path)
    write(alias, 30)
    deadline = time.monotonic() + 30  # the thread checkpoints after the last commit, then waits for the next one
    while not (cp.idle.is_set() and not cp.wake.is_set() and cp.last) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cp.runs >= 1 and cp.last[2] == cp.last[1] > 0, cp.last
    write(alias, 1)
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 31
        busy, log, done = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert log <= 2 * 11 + 2, (busy, log, done)  # started over: one transaction's pages, not 31
