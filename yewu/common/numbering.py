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
