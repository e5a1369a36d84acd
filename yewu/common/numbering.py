"""Document numbers (`contract.number_format`): {company}{type}-{YYYYMMDD}-{NN}, per type and day, never reused.

One statement takes the next number: an upsert on the (kind, day) row that returns the new counter, on SQLite and
PostgreSQL alike. Inside the caller's transaction the row stays locked until commit, so two writers never get the
same number; a rolled-back transaction gives its number back to nobody else before it ends (and a committed gap is
allowed: numbers are never reused, not necessarily dense).
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import timezone

from yewu.policy.orders import document_number

from .models import DocumentSequence
from .policy_source import current_policy
from .prepared import statement_cursor


def next_number(kind: str, day: date | None = None) -> str:
    day = day or timezone.localdate()
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (kind, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (kind, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [kind, day],
        )
        seq = cur.fetchone()[0]
    return document_number(kind, day, seq, current_policy())


_SEQUENCES: dict[str, str] = {}


def _id_sequence(table: str) -> str:
    """The sequence behind ``table``'s ``id`` identity column (PostgreSQL), looked up once per process."""
    seq = _SEQUENCES.get(table)
    if seq is None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [connection.ops.quote_name(table)])
            seq = _SEQUENCES[table] = cur.fetchone()[0]
    return seq


def reserve(kind: str, counts: dict[str, int], day: date | None = None) -> tuple[str, dict[str, list[int]]]:
    """PostgreSQL: the next ``kind`` number and ``counts[table]`` new ids of each table, in one statement, so that a
    writer can insert a document, its lines and their audit entry with one more statement (``inserts.insert_all``).

    Outside a transaction the number is taken for good at once: should the insert then fail, the number is a gap
    (allowed: never reused, not necessarily dense). The counter's commit need not wait for the disk: the insert's own
    commit flushes the log past it, and if that never happens no document carries the number."""
    day = day or timezone.localdate()
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    parts, params = [], [kind, day]
    for t, n in counts.items():
        parts.append("ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))")
        params += [_id_sequence(t), n]
    quick = "" if connection.in_atomic_block else ", set_config('synchronous_commit', 'off', true)"
    with statement_cursor(connection) as cur:
        cur.execute(
            f"WITH n AS (INSERT INTO {table} (kind, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - our names
            f"ON CONFLICT (kind, day) DO UPDATE SET last = {table}.last + 1 RETURNING last) "
            f"SELECT n.last, {', '.join(parts)}{quick} FROM n",
            params,
        )
        seq, *ids = cur.fetchone()[:len(counts) + 1]
    return document_number(kind, day, seq, current_policy()), dict(zip(counts, ids, strict=True))
