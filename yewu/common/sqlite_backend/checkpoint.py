"""WAL checkpoints off the request path (issue 14: filing a customer p95 < 30 ms at 100 k customers).

In WAL mode a commit appends the transaction's pages to ``<database>-wal``; a *checkpoint* copies them back into the
database file (and syncs both files) so that the WAL can start over. By default the connection whose commit takes
the WAL past 1,000 pages runs that checkpoint itself, inside its commit: a filing writes ~95 pages (its ~60 search
index rows land on as many leaves of the token index), so every ~10th filing paid a 4 MB copy and two fsyncs —
most of the slowest 5 % in bench/phase_filing.py (session 8).

Here each process that writes has one thread per database file that checkpoints soon after writes commit
(``PRAGMA wal_checkpoint(PASSIVE)`` on a connection of its own): a passive checkpoint never waits for and never
blocks readers or writers (SQLite releases the GIL while it copies), it copies what was committed before it began,
and it runs again while commits arrived during the last one. When a writer begins and finds every page of the WAL
copied, SQLite starts the WAL over (readers permitting), so with writes apart the WAL stays small and a commit only
appends its pages. Every connection keeps SQLite's automatic checkpoint as a safety net at
:data:`AUTOCHECKPOINT_PAGES` (a process whose thread could not run, writes made outside the writers' queue): the WAL
never grows past it by more than one transaction, whether or not a `yewu worker` runs. Writes back to back (a
bench loop, an import) each begin before the thread's checkpoint of the one before ends, so the WAL is not started
over and grows to the safety net; the commit that reaches it then checkpoints in the request as before, but finds
only the pages the thread has not copied yet (those of the last :data:`DELAY` or so) instead of 1,000.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from urllib.parse import quote

logger = logging.getLogger("yewu.sqlite")

AUTOCHECKPOINT_PAGES = 4000  # the safety net (SQLite's default: 1,000): ~16 MB of WAL with 4 KB pages
DELAY = 0.05  # seconds after a commit before checkpointing: the commits of a burst share a checkpoint (fewer fsyncs)
MAX_ROUNDS = 8  # checkpoints in a row while commits keep arriving, then wait for the next commit
ENABLED = True


class Checkpointer:
    """One per database file and process: a daemon thread woken by commits (started at the first one; again after a
    fork, whose child has no threads)."""

    def __init__(self, path: str):
        self.path = path
        self.uri = f"file:{quote(path)}?mode=rw"  # never creates the file (e.g. a test database just deleted)
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.idle = threading.Event()  # set while the thread waits for a commit
        self.thread: threading.Thread | None = None
        self.pid = -1
        self.runs = 0  # checkpoints done by this process's thread (tests, benches)
        self.last: tuple[int, int, int] | None = None  # (busy, WAL pages, pages copied) of the last one

    def written(self) -> None:
        """A write transaction committed: checkpoint soon, on the thread."""
        if not ENABLED:
            return
        if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
            with self.lock:
                if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
                    self.pid, self.wake = os.getpid(), threading.Event()
                    self.thread = threading.Thread(target=self._run, args=(self.wake,), daemon=True,
                                                   name=f"wal-checkpoint {os.path.basename(self.path)}")
                    self.thread.start()
        self.wake.set()

    def _run(self, wake: threading.Event) -> None:
        while True:
            self.idle.set()
            wake.wait()
            self.idle.clear()
            try:
                for _ in range(MAX_ROUNDS):
                    time.sleep(DELAY)
                    wake.clear()
                    busy, log, done = self.checkpoint()
                    if not wake.is_set() and (busy or done >= log):
                        break  # caught up (or another checkpointer is at it): wait for the next commit
            except Exception:  # a missing or replaced file, a disk error: the safety net still checkpoints
                logger.warning("WAL checkpoint of %s failed", self.path, exc_info=True)
                wake.clear()
                time.sleep(1.0)

    def checkpoint(self) -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(PASSIVE)`` on a connection opened for it: (busy, pages in the WAL, pages copied)."""
        conn = sqlite3.connect(self.uri, uri=True, timeout=1.0, isolation_level=None, check_same_thread=False)
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
        self.runs += 1
        self.last = (int(row[0]), int(row[1]), int(row[2]))
        return self.last


_CHECKPOINTERS: dict[str, Checkpointer] = {}
_LOCK = threading.Lock()


def checkpointer_for(path: str) -> Checkpointer:
    path = os.path.abspath(path)
    with _LOCK:
        if path not in _CHECKPOINTERS:
            _CHECKPOINTERS[path] = Checkpointer(path)
        return _CHECKPOINTERS[path]
