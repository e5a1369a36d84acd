"""Several INSERTs of one write in a single round trip (issue 14): on PostgreSQL one statement of data-modifying
``WITH`` parts, elsewhere one statement after the other. No ids are read back and no signals are sent (as
``bulk_create``), so only for rows nothing reads again in the same write."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.db.models.sql import InsertQuery

from .prepared import statement_cursor


def insert_statement(objs: Sequence[models.Model]) -> tuple[str, list]:
    """The INSERT of these unsaved objects of one model (every concrete field but the primary key; ``auto_now_add``
    and defaults as ``save()`` would set them)."""
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    q = InsertQuery(model)
    q.insert_values(fields, objs)
    [(sql, params)] = q.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def insert_all(statements: Sequence[tuple[str, Sequence]], prepare: bool = False) -> None:
    """Run these INSERT statements (``insert_statement`` or raw ``INSERT … VALUES``): one round trip on PostgreSQL.
    ``prepare``: the statement has the same shape on most calls (the order create's), so PostgreSQL keeps it parsed
    and planned (:func:`yewu.common.prepared.statement_cursor`)."""
    statements = [(s, list(p)) for s, p in statements if s]
    if not statements:
        return
    with (statement_cursor(connection) if prepare else connection.cursor()) as cur:
        if connection.vendor == "postgresql" and len(statements) > 1:
            head = ", ".join(f"i{n} AS ({s})" for n, (s, _) in enumerate(statements[:-1]))
            cur.execute(f"WITH {head} {statements[-1][0]}", [x for _, p in statements for x in p])
            return
        for s, p in statements:
            cur.execute(s, p)
