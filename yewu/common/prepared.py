"""Reads whose SQL is compiled once (issue 14 "Lean order writes").

Building a queryset and compiling it costs more than running it: the customer an order is written for, with its
order figures and its owner, takes ~1.5 ms of query building and compiling against ~0.1 ms in SQLite. A read whose
shape is the same on every call (only some whole numbers and dates change) is compiled once per database connection
and ``key``: :func:`fetch` calls ``build`` with marker values standing for the call's values, compiles it, notes where
each marker landed among the parameters, and from then on runs that SQL with the call's values in those places. The
rows become model instances exactly as the queryset's own iteration makes them (the same ``from_db``, the
select_related objects, the annotations, the database converters).

The values a plan takes: ``int`` (0 ≤ n < 2³¹), ``date``, ``str`` (up to 200 characters, no control characters:
compared with ``=`` — a lookup that transforms the string, such as ``__icontains``, is refused when planned), and
lists or tuples of distinct such ``int``; a call with any other value (``None``, a bool, a negative id, a long
string) runs ``build(*values)`` the ordinary way, so Django's own handling of odd input stays. ``key`` must name whatever else ``build`` depends on; the lengths of list values
are added to it. Only plain querysets of model instances qualify (no values(), no prefetch, no extra select).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from datetime import date, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable, QuerySet, get_related_populators

_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database connection → {key: _Plan}
_MARK = -2_000_000_000  # markers: whole numbers within every integer column's range that no id or count takes
_INT_TOP = 2**31
_DAY = date(1001, 1, 1)


class _Plan:
    __slots__ = ("annotations", "compiler", "consts", "converters", "db", "end", "init_list", "model", "populators",
                 "slots", "sql", "start")


def _flat(values) -> list | None:
    """The scalar values in order (lists spread out), or None if one is of a type plans do not take."""
    out = []
    for v in values:
        if type(v) in (list, tuple):
            if len(set(v)) != len(v):
                return None
            out.extend(v)
        else:
            out.append(v)
    for v in out:
        if not ((type(v) is int and 0 <= v < _INT_TOP) or type(v) is date
                or (type(v) is str and len(v) <= 200 and v.isprintable())):
            return None
    return out


def _markers(values) -> tuple[list, list]:
    """(the values for ``build`` with a marker for each scalar, the markers flat): whole numbers counting down from
    ``_MARK``, days counting up from 1001-01-01, strings ``\\x1fprepared<n>\\x1f``."""
    ints, days, strs = 0, 0, 0
    args, flat = [], []
    for v in values:
        if type(v) in (list, tuple):
            ms = [_MARK - ints - i for i in range(len(v))]
            ints += len(v)
            args.append(type(v)(ms))
            flat.extend(ms)
        elif type(v) is int:
            args.append(_MARK - ints)
            flat.append(_MARK - ints)
            ints += 1
        elif type(v) is str:  # a control character no value taken here can hold (isprintable)
            args.append(f"\x1fprepared{strs}\x1f")
            flat.append(f"\x1fprepared{strs}\x1f")
            strs += 1
        else:
            args.append(_DAY + timedelta(days=days))
            flat.append(_DAY + timedelta(days=days))
            days += 1
    return args, flat


def _prep(v, connection):
    return connection.ops.adapt_datefield_value(v) if type(v) is date else v


def _plan(build: Callable[..., QuerySet], values, connection) -> _Plan | None:
    args, flat = _markers(values)
    qs = build(*args)
    if (qs._iterable_class is not ModelIterable or qs._prefetch_related_lookups or qs._known_related_objects
            or qs.query.extra_select or qs.query.deferred_loading != (frozenset(), True)):
        raise TypeError("prepared.fetch takes a plain queryset of model instances")
    compiler = qs.query.get_compiler(using=qs.db)
    if compiler.connection is not connection:
        raise TypeError(f"prepared.fetch: the queryset reads {qs.db!r}")
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    if compiler.has_extra_select or compiler.has_composite_fields([s[0] for s in compiler.select]):
        raise TypeError("prepared.fetch takes a plain queryset of model instances")
    where = {_prep(m, connection): i for i, m in enumerate(flat)}
    slots = [(pos, where[p]) for pos, p in enumerate(params) if type(p) in (int, str, date) and p in where]
    if sorted({i for _, i in slots}) != list(range(len(flat))) or any(str(m) in sql for m in where):
        raise TypeError("prepared.fetch: a value of the call does not reach the SQL as a parameter")
    plan = _Plan()
    plan.sql, plan.consts, plan.slots, plan.compiler, plan.db = sql, list(params), slots, compiler, qs.db
    klass_info, select = compiler.klass_info, compiler.select
    plan.converters = compiler.get_converters([s[0] for s in select[0:compiler.col_count]])
    plan.model = klass_info["model"]
    plan.start, plan.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    plan.init_list = [f[0].target.attname for f in select[plan.start:plan.end]]
    plan.populators = get_related_populators(klass_info, select, qs.db)
    plan.annotations = list(compiler.annotation_col_map.items())
    return plan


def statement_cursor(connection):
    """A cursor for a statement whose SQL is the same on every call: prepared on the server on PostgreSQL
    (``yewu.common.postgresql_backend``: parsed and planned once per connection), the ordinary one elsewhere."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def fetch(key: Hashable, build: Callable[..., QuerySet], *values, using: str = "default") -> list:
    """``list(build(*values))``, with ``build``'s SQL compiled once per connection and ``key``."""
    flat = _flat(values)
    if flat is None:
        return list(build(*values))
    connection = connections[using]
    plans = _PLANS.setdefault(connection, {})
    full_key = (key, tuple(len(v) if type(v) in (list, tuple) else -1 for v in values))
    if full_key not in plans:
        plans[full_key] = _plan(build, values, connection)
    plan = plans[full_key]
    if plan is None:  # the query can never match (Django sends no statement)
        return []
    params = list(plan.consts)
    for pos, i in plan.slots:
        params[pos] = _prep(flat[i], connection)
    with statement_cursor(connection) as cur:
        cur.execute(plan.sql, params)
        rows = cur.fetchall()
    if plan.converters:
        rows = plan.compiler.apply_converters(rows, plan.converters)
    out = []
    for row in rows:
        obj = plan.model.from_db(plan.db, plan.init_list, row[plan.start:plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, pos in plan.annotations:
            setattr(obj, name, row[pos])
        out.append(obj)
    return out
