"""SQLite writers queue outside SQLite (yewu/common/sqlite_backend, issue 14): a writer waits for the one before it
instead of sleeping in SQLite's busy handler, and the queue is let go on every way a transaction ends."""

import os
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError, connections, transaction

from yewu.common.sqlite_backend import base as backend

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("held")
"""


def held(path: str) -> str:
    """Whether another process finds the writers' queue taken."""
    return subprocess.run([sys.executable, "-c", PROBE, path + ".writer"], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def filedb(tmp_path, django_db_blocker):
    alias = "writer_queue_test"
    path = str(tmp_path / "w.sqlite3")
    cfg = dict(connections["default"].settings_dict) if connections["default"].vendor == "sqlite" else {}
    cfg.update({"ENGINE": "yewu.common.sqlite_backend", "NAME": path, "TEST": {}, "CONN_MAX_AGE": 0,
                "CONN_HEALTH_CHECKS": False, "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "TIME_ZONE": None,
                "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30}})
    connections.settings[alias] = cfg
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cur:
            cur.execute("CREATE TABLE t (n INTEGER)")
        yield alias, path
        connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def test_a_write_transaction_holds_the_queue_until_it_commits(filedb):
    alias, path = filedb
    assert held(path) == "free"
    with transaction.atomic(using=alias):
        with transaction.atomic(using=alias):  # a savepoint: the same place in the queue
            connections[alias].cursor().execute("INSERT INTO t VALUES (1)")
        assert held(path) == "held"
    assert held(path) == "free"
    assert connections[alias].cursor().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1


def test_the_queue_is_let_go_on_rollback_and_on_close(filedb):
    alias, path = filedb
    with pytest.raises(ZeroDivisionError), transaction.atomic(using=alias):
        connections[alias].cursor().execute("INSERT INTO t VALUES (1)")
        1 / 0  # noqa: B018
    assert held(path) == "free"
    assert connections[alias].cursor().execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
    atomic = transaction.atomic(using=alias)
    atomic.__enter__()
    assert held(path) == "held"
    connections[alias].close()  # e.g. a worker thread that ends mid-transaction
    assert held(path) == "free"
    connections[alias].needs_rollback = False
    connections[alias].in_atomic_block = False


def test_a_second_writer_waits_for_the_first_and_then_goes_in(filedb):
    alias, path = filedb
    order = []

    def second():
        with transaction.atomic(using=alias):
            order.append("second in")
            connections[alias].cursor().execute("INSERT INTO t VALUES (2)")
        connections[alias].close()

    with transaction.atomic(using=alias):
        connections[alias].cursor().execute("INSERT INTO t VALUES (1)")
        t = threading.Thread(target=second)
        t.start()
        t.join(0.3)
        assert t.is_alive() and order == []  # queued behind the open transaction
        order.append("first commits")
    t.join(10)
    assert order == ["first commits", "second in"]
    assert sorted(r[0] for r in connections[alias].cursor().execute("SELECT n FROM t").fetchall()) == [1, 2]


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(filedb, monkeypatch):
    alias, path = filedb
    monkeypatch.setattr(backend, "WAIT_SECONDS", 0.3)
    monkeypatch.setattr(backend.WriterQueue.acquire, "__defaults__", (0.3,))
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
                               " fcntl.flock(fd, fcntl.LOCK_EX); print('ok', flush=True); time.sleep(30)",
                               path + ".writer"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic(using=alias):
            pass
        assert not os.path.exists(path + "-journal")
    finally:
        holder.kill()
        holder.wait()
    with transaction.atomic(using=alias):  # the queue works again once the other process is gone
        connections[alias].cursor().execute("INSERT INTO t VALUES (3)")


def test_in_memory_databases_have_no_queue():
    from django.db.backends.sqlite3.base import DatabaseWrapper as Plain

    w = backend.DatabaseWrapper({**dict(connections["default"].settings_dict), "NAME": ":memory:",
                                 "OPTIONS": {"transaction_mode": "IMMEDIATE"}}, alias="mem")
    assert isinstance(w, Plain) and w._writer_queue() is None
