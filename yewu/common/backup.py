"""Backup and restore of the whole database (``yewu backup PATH`` / ``yewu restore PATH``).

SQLite: SQLite's online backup API copies a consistent snapshot page by page while the server keeps running; the
backup is a plain SQLite file (journal mode DELETE, integrity-checked). Restore copies it back the same way, inside
one write lock, so readers see the old or the new database, never a mix.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --single-transaction``. Connection
details go to the tools through libpq environment variables (no password on a command line).

Both keep every value exactly (timestamps to the microsecond, decimals as stored), unlike ``dumpdata``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


def _conn(alias="default"):
    return connections[alias]


def vendor(alias="default") -> str:
    return _conn(alias).vendor


def _pg_env(alias="default") -> dict:
    s = _conn(alias).settings_dict
    env = os.environ.copy()
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"),
                     ("PGDATABASE", "NAME")):
        if s.get(key):
            env[var] = str(s[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (apt-get install postgresql-client)")
    return path


def backup(path: str | os.PathLike, alias="default") -> Path:
    """Write a backup of the database to ``path`` (replaced atomically when complete)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".yewu-backup-", dir=path.parent)
    os.close(fd)
    try:
        conn = _conn(alias)
        if conn.vendor == "sqlite":
            conn.ensure_connection()
            dest = sqlite3.connect(tmp)
            try:
                conn.connection.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dest.close()
            if ok != "ok":
                raise BackupError(f"backup failed its integrity check: {ok}")
        elif conn.vendor == "postgresql":
            r = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", tmp],
                               env=_pg_env(alias), capture_output=True, text=True)
            if r.returncode:
                raise BackupError(f"pg_dump failed: {r.stderr.strip()}")
        else:
            raise BackupError(f"backup is not supported for {conn.vendor}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def restore(path: str | os.PathLike, alias="default") -> None:
    """Replace the database's contents with the backup at ``path``. Stop the servers and workers first."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    with path.open("rb") as f:
        head = f.read(16)
    conn = _conn(alias)
    if conn.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not a SQLite backup (made on another database?)")
        src = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            ok = src.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"{path} fails its integrity check: {ok}")
            conn.close()
            conn.ensure_connection()
            src.backup(conn.connection)
        finally:
            src.close()
        conn.close()  # the next use reconnects and re-applies the connection's PRAGMAs
    elif conn.vendor == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format backup (made on another database?)")
        conn.close()
        r = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner",
                            "--no-privileges", "--exit-on-error", "--dbname", _pg_env(alias)["PGDATABASE"], str(path)],
                           env=_pg_env(alias), capture_output=True, text=True)
        if r.returncode:
            raise BackupError(f"pg_restore failed: {r.stderr.strip()}")
    else:
        raise BackupError(f"restore is not supported for {conn.vendor}")


def _plain(v):
    if isinstance(v, memoryview):
        return bytes(v)
    return v


def table_fingerprints(alias="default") -> dict[str, tuple[int, str]]:
    """{table: (row count, checksum of every row's values)} for every table; the checksum does not depend on row
    order. Used to show that a restore gives back exactly what was backed up."""
    conn = _conn(alias)
    out = {}
    with conn.cursor() as cur:
        for table in sorted(conn.introspection.table_names(cur, include_views=False)):
            cur.execute(f"SELECT * FROM {conn.ops.quote_name(table)}")
            n, acc = 0, 0
            while rows := cur.fetchmany(1000):
                for row in rows:
                    n += 1
                    digest = hashlib.sha256(repr(tuple(_plain(v) for v in row)).encode()).digest()
                    acc = (acc + int.from_bytes(digest[:16], "big")) % (1 << 128)
            out[table] = (n, f"{acc:032x}")
    return out
