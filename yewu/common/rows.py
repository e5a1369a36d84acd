"""Plain rows of a ``values_list`` queryset for reports over thousands of rows: the same values as iterating the
queryset, but each column's database converters (SQLite's float → Decimal quantized to the field's places, text →
date, …) run once per distinct raw value instead of once per row — report columns such as rates, dates and kinds
repeat a few values over thousands of rows; columns whose values barely repeat are converted value by value, and
SQLite's money columns (amounts) through their exact text instead of Django's float → Decimal converter."""

from __future__ import annotations

import array
import datetime
import decimal
import gc
import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.models import F, Func, QuerySet
from django.db.models.expressions import Col
from django.db.models.sql.constants import MULTI


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a report builds its rows (usable as a decorator): with hundreds
    of thousands of live lists and tuples every full collection walks them all again, which took about as long as
    the report's own Python work (aging at 200 k orders). Reports make no reference cycles worth collecting meanwhile;
    memory is still freed by reference counting. Re-enabled at the end if it was on (nested or threaded uses leave it
    to the outermost)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# Converted values that may be shared between rows (a JSON dict may not: a row's change would show in the others).
_IMMUTABLE = (decimal.Decimal, datetime.date, datetime.time, datetime.timedelta, int, float, str, bytes, uuid.UUID)


class Unparsed(Func):
    """A date or datetime column read as its stored text where the database driver would parse it on every row
    (Django's sqlite3 connection parses columns declared ``date``/``datetime`` itself), for :func:`value_rows` to
    parse once per distinct value through the field's converter — the same values. Elsewhere the column as is."""

    template = "%(expressions)s"

    def __init__(self, name: str):
        super().__init__(F(name))

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context)


# Types whose equal values are the same value (so a value's conversion may stand for every equal one); floats but
# for 0.0 / -0.0 and NaN, checked apart. Not Decimal (1.0 == 1.00), datetime (equal across time zones), bool/int mixes.
_PLAIN_KEYS = (int, str, bytes, float)


def _sqlite_money(convs: list, expr, conn) -> tuple[int, float] | None:
    """(places, bound) when ``convs`` is exactly Django's SQLite converter of a ``DecimalField`` column (the stored
    float → 15 significant digits → quantized to the field's places), for :func:`_money_column`."""
    if conn.vendor != "sqlite" or len(convs) != 1 or not isinstance(expr, Col):
        return None
    f = expr.output_field
    if f.get_internal_type() != "DecimalField" or getattr(convs[0], "__qualname__", "") != (
            "DatabaseOperations.get_decimalfield_converter.<locals>.converter"):
        return None
    places = f.decimal_places
    # below the bound a value with `places` decimals fits the field and has at most 15 significant digits
    return places, float(10 ** (min(f.max_digits, 15) - places))


def _money_column(col: tuple, places: int, bound: float, conv, expr, conn) -> list:
    """A SQLite ``DecimalField`` column (nearly all values distinct, e.g. amounts) as Django's converter gives it,
    without running it on every value. A stored float ``v`` whose ``places``-decimal text ``s`` reads back as ``v``
    itself (``float(s) == v``) is the double nearest to ``s``; ``s`` has at most 15 significant digits
    (|v| < bound), so ``v`` rounded to 15 digits — the converter's first step — is ``s`` again (any decimal of ≤ 15
    digits survives a round trip through a double), and quantizing it to ``places`` gives ``Decimal(s)``: same
    digits, same exponent, same sign (-0.0 → "-0.00"). Ints (whole amounts stored as INTEGER) likewise. Every other
    value (more places, None, text, NaN, out of bounds) goes through the converter. Checked for a whole column at
    once: the formatting, parsing and comparing run in C."""
    fmt = f"%.{places}f".__mod__
    try:
        texts = list(map(fmt, col))
        if -bound < min(col) and max(col) < bound and list(map(float, texts)) == list(col):
            return list(map(decimal.Decimal, texts))
    except (TypeError, ValueError):  # None, text: value by value below
        pass
    out = []
    for v in col:
        if v.__class__ in (float, int) and -bound < v < bound:
            s = fmt(v)
            if float(s) == v:
                out.append(decimal.Decimal(s))
                continue
        out.append(conv(v, expr, conn))
    return out


def _repeated_money(col: tuple, distinct: set, conv, expr, conn) -> list | None:
    """A SQLite ``DecimalField`` column of a few repeating values (rates, mostly-zero fees) converted once per
    distinct value — or None (then value by value). Django's converter turns equal numbers into the same Decimal
    (an int and a float of the same value alike: the float's exact value is the int) except for the sign of zero,
    so the memo may be keyed by value when the column holds no -0.0: its zeros, as doubles, have no sign bit."""
    zeros = list(itertools.filterfalse(None, col))  # the falsy values: 0, 0.0, -0.0, None, ""
    kinds = set(map(type, zeros))
    if not kinds <= {int, float}:  # None, text: value by value
        return None
    if float in kinds and b"\x80" in array.array("d", zeros).tobytes():  # a -0.0: all 0 bytes but the sign bit
        return None
    memo = {v: conv(v, expr, conn) for v in distinct}
    return list(map(memo.__getitem__, col))


def _convert_column(col: tuple, convs: list, expr, conn) -> list:
    """One column's values through its converters: once per distinct value where they repeat."""
    try:
        distinct = set(col)
    except TypeError:  # unhashable (JSON): each value converted
        distinct = None
    money = _sqlite_money(convs, expr, conn)
    if distinct is None or len(distinct) * 4 > len(col) * 3:  # (nearly) all distinct, e.g. amounts: no memo
        if money is not None:
            return _money_column(col, *money, convs[0], expr, conn)
        out = col
        for f in convs:
            out = [f(v, expr, conn) for v in out]
        return out
    if money is not None:
        out = _repeated_money(col, distinct, convs[0], expr, conn)
        if out is not None:
            return out
    kinds = {v.__class__ for v in distinct if v is not None}
    if len(kinds) == 1 and kinds.pop() in _PLAIN_KEYS and not any(v == 0 or v != v for v in distinct if v is not None):
        memo = {}
        for v in distinct:
            c = v
            for f in convs:
                c = f(c, expr, conn)
            memo[v] = c
        if all(c is None or isinstance(c, _IMMUTABLE) for c in memo.values()):
            return list(map(memo.__getitem__, col))  # one dict lookup per value, in C
    memo = {}
    out = []
    for v in col:
        key = v if v is None or v != 0 else (v.__class__, str(v))  # 0, 0.0, -0.0, False: distinct keys
        try:
            out.append(memo[key])
            continue
        except KeyError:
            pass
        c = v
        for f in convs:
            c = f(c, expr, conn)
        if isinstance(c, _IMMUTABLE):
            memo[key] = c
        out.append(c)
    return out


def value_columns(qs: QuerySet) -> list[list]:
    """The columns of ``qs`` (a ``values_list()`` queryset, not flat, not named), each a list of the values iterating
    the queryset gives, row by row — for building many row objects at once (``map(Row, *columns)``). Only immutable
    results are shared; zeros are told apart by type and sign (0, 0.0 and -0.0 are equal but may convert
    differently). An empty list when there are no rows."""
    compiler = qs.query.get_compiler(using=qs.db)
    conn = connections[qs.db]
    rows: list = []
    for chunk in compiler.execute_sql(MULTI, chunk_size=2000):
        rows.extend(chunk)
    if not rows:
        return []
    n = compiler.col_count
    cols = list(zip(*rows, strict=True))[:n]  # column by column: one tight loop per converted column
    fields = [s[0] for s in compiler.select[0:n]]
    for pos, (convs, expr) in compiler.get_converters(fields).items():
        cols[pos] = _convert_column(cols[pos], convs, expr, conn)
    return cols


def value_rows(qs: QuerySet) -> list[tuple]:
    """The rows of ``qs`` (a ``values_list()`` queryset, not flat, not named) as tuples, with the values iterating
    it gives (see :func:`value_columns`)."""
    cols = value_columns(qs)
    return list(zip(*cols, strict=True)) if cols else []


def raw_rows(qs: QuerySet, chunk_size: int = 5000) -> tuple[Iterator[tuple], dict[int, Callable]]:
    """The rows of ``qs`` (a ``values_list()`` queryset) as the database driver gives them, fetched in chunks, and
    per column that has converters a function running them on one value — for loops that convert only what they
    use (the values iterating the queryset gives are ``convert[pos](row[pos])``)."""
    compiler = qs.query.get_compiler(using=qs.db)
    conn = connections[qs.db]
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=chunk_size)
    convert: dict[int, Callable] = {}
    if compiler.select is not None and compiler.col_count is not None:  # (not so for a query known to be empty)
        for pos, (convs, expr) in compiler.get_converters([s[0] for s in compiler.select[0:compiler.col_count]]).items():
            def run(v, convs=convs, expr=expr):
                for f in convs:
                    v = f(v, expr, conn)
                return v
            convert[pos] = run
    return itertools.chain.from_iterable(chunks), convert


_HOUR = datetime.timedelta(hours=1, microseconds=-1)


class LocalDates:
    """The local date in ``tz`` of raw datetime values (see :func:`raw_rows`): a datetime column read through
    :class:`Unparsed` comes from SQLite as its stored naive text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in the connection's
    time zone; its date is worked out once per hour of that text — when the hour's first and last instant fall on
    the same local date with the same offsets (no change of offset inside it) — and is then the same as converting
    each value. Any other value (an aware datetime from PostgreSQL, another text) goes through the column's
    converters and ``astimezone(tz).date()``."""

    def __init__(self, tz, convert: Callable | None, db_tz):
        self.tz, self.convert, self.db_tz = tz, convert, db_tz
        self.hours: dict[str, datetime.date] = {}

    def __call__(self, v) -> datetime.date:
        if v.__class__ is str and v[13:14] == ":" and (len(v) == 19 or (len(v) == 26 and v[19] == "." and v[20:].isdigit())):
            hour = v[:13]
            d = self.hours.get(hour)
            if d is not None:
                return d
            start = datetime.datetime.fromisoformat(hour)
            a = start.replace(tzinfo=self.db_tz).astimezone(self.tz)
            b = (start + _HOUR).replace(tzinfo=self.db_tz).astimezone(self.tz)
            if a.date() == b.date() and a.utcoffset() == b.utcoffset() and b - a == _HOUR:
                self.hours[hour] = d = a.date()
                return d
        if self.convert is not None:
            v = self.convert(v)
        return v.astimezone(self.tz).date()
