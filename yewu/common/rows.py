"""Plain rows of a ``values_list`` queryset for reports over thousands of rows: the same values as iterating the
queryset, but each column's database converters (SQLite's float → Decimal quantized to the field's places, text →
date, …) run once per distinct raw value instead of once per row — report columns such as rates, dates and kinds
repeat a few values over thousands of rows."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI

# Converted values that may be shared between rows (a JSON dict may not: a row's change would show in the others).
_IMMUTABLE = (decimal.Decimal, datetime.date, datetime.time, datetime.timedelta, int, float, str, bytes, uuid.UUID)


def value_rows(qs: QuerySet) -> list[tuple]:
    """The rows of ``qs`` (a ``values_list()`` queryset, not flat, not named) as tuples, with the values iterating
    it gives. Only immutable results are shared; zeros are told apart by type and sign (0, 0.0 and -0.0 are equal
    but may convert differently)."""
    compiler = qs.query.get_compiler(using=qs.db)
    conn = connections[qs.db]
    rows: list = []
    for chunk in compiler.execute_sql(MULTI, chunk_size=2000):
        rows.extend(chunk)
    if not rows:
        return []
    n = compiler.col_count
    fields = [s[0] for s in compiler.select[0:n]]
    converters = compiler.get_converters(fields)
    if not converters:
        return [tuple(r[:n]) for r in rows]
    cols = list(zip(*rows, strict=True))[:n]  # column by column: one tight loop per converted column
    for pos, (convs, expr) in converters.items():
        memo: dict = {}
        out = []
        for v in cols[pos]:
            key = v if v is None or v != 0 else (v.__class__, str(v))  # 0, 0.0, -0.0, False: distinct keys
            try:
                out.append(memo[key])
                continue
            except KeyError:
                pass
            except TypeError:  # unhashable: converted each time
                key = None
            c = v
            for f in convs:
                c = f(c, expr, conn)
            if key is not None and isinstance(c, _IMMUTABLE):
                memo[key] = c
            out.append(c)
        cols[pos] = out
    return list(zip(*cols, strict=True))
