"""Plain inserts of many rows (the Excel import): the values ``bulk_create`` would send, without its per-object
machinery.

:class:`Table` prepares each column as ``bulk_create`` does — the field's ``pre_save(obj, add=True)`` (so
``auto_now`` / ``auto_now_add`` stamp the instance), then its ``get_db_prep_save`` — except that a plain value
(``str``, ``int``, ``bool``, ``None``) of a text, integer, boolean or foreign-key column is passed as it is, and an
empty (``None``) date, time, decimal or JSON value as NULL: what ``get_db_prep_save`` returns for them anyway. The
rows are sent with ``executemany`` on SQLite (one compiled statement) and with ``COPY … FROM STDIN`` on PostgreSQL
(psycopg's ``write_row``: the same dumpers as bound parameters). Nothing is read back: callers that need the new ids
read them by a unique column (:meth:`Table.ids_by`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

_PLAIN_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField, models.ForeignKey)
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
# fields whose get_db_prep_save(None) is None (their to_python / adapt_*_value pass None through; JSONField returns
# it first thing): an empty date or amount after pre_save is sent as NULL without the calls
_NONE_IS_NULL = (models.DateField, models.TimeField, models.DecimalField, models.JSONField)


def _is_plain(f: models.Field) -> bool:
    if isinstance(f, models.ForeignKey):
        return isinstance(f.target_field, (models.AutoField, models.BigAutoField, models.IntegerField))
    return isinstance(f, _PLAIN_FIELDS) and not isinstance(f, AutoFieldMixin)


class _Values:
    """What a field's ``pre_save`` reads and stamps (``getattr`` / ``setattr`` of its attname)."""


class Table:
    """The insert of one model's rows (every concrete column except an auto-increment primary key, unless
    ``with_pk``: then the rows carry ids taken beforehand, e.g. by :func:`yewu.common.numbering.reserve`)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str] | None = None, with_pk: bool = False):
        meta = model._meta
        chosen = [f for f in meta.concrete_fields if with_pk or not isinstance(f, AutoFieldMixin)]
        if fields is not None:
            chosen = [meta.get_field(n) for n in fields]
        for f in chosen:
            if f.has_db_default():
                raise ValueError(f"{model.__name__}.{f.name} has a database default: use bulk_create")
        self.model, self.fields = model, chosen
        self.table = meta.db_table
        self._plain = [_is_plain(f) for f in chosen]
        self._none_is_null = [isinstance(f, _NONE_IS_NULL) for f in chosen]
        self._auto = [bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in chosen]

    def row(self, obj: models.Model) -> tuple:
        """The column values of an unsaved instance, prepared as ``bulk_create`` prepares them."""
        out: list[Any] = []
        conn = connection
        for f, plain, none_is_null in zip(self.fields, self._plain, self._none_is_null, strict=True):
            if plain:
                v = getattr(obj, f.attname)
                if type(v) in _PLAIN_TYPES:
                    out.append(v)
                    continue
            v = f.pre_save(obj, True)
            out.append(None if v is None and none_is_null else f.get_db_prep_save(v, conn))
        return tuple(out)

    def row_of(self, values: dict[str, Any]) -> tuple:
        """The row ``row(Model(**values))`` gives, without building the instance (the import's contacts, history,
        audit entries and row results): ``values`` by attname (``customer_id``, not ``customer``); a column
        without a value gets its field's default, an ``auto_now`` / ``auto_now_add`` one the time now."""
        out: list[Any] = []
        conn = connection
        ns = None
        for f, plain, none_is_null, auto in zip(self.fields, self._plain, self._none_is_null, self._auto, strict=True):
            v = values[f.attname] if f.attname in values else f.get_default()
            if auto:  # pre_save stamps the time on the object it is given
                if ns is None:
                    ns = _Values()
                setattr(ns, f.attname, v)
                v = f.pre_save(ns, True)
            elif plain and type(v) in _PLAIN_TYPES:
                out.append(v)
                continue
            out.append(None if v is None and none_is_null else f.get_db_prep_save(v, conn))
        return tuple(out)

    def column_index(self, attname: str) -> int:
        """Where a field's value is in this table's rows."""
        return next(i for i, f in enumerate(self.fields) if f.attname == attname)

    def statement(self, rows: Sequence[Sequence[Any]]) -> tuple[str, list]:
        """One ``INSERT … VALUES`` of these prepared rows, for :func:`yewu.common.inserts.insert_all`."""
        qn = connection.ops.quote_name
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        return (f"INSERT INTO {qn(self.table)} ({', '.join(qn(f.column) for f in self.fields)}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(rows))}", [v for r in rows for v in r])

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        return insert_rows(self.table, [f.column for f in self.fields], rows)

    def ids_by(self, column: str, values: Sequence[Any], pk: str = "id") -> dict[Any, int]:
        """``{value: id}`` of the rows whose unique ``column`` holds one of ``values``."""
        qn = connection.ops.quote_name
        out: dict[Any, int] = {}
        step = 900
        with connection.cursor() as cur:
            for i in range(0, len(values), step):
                part = list(values[i:i + step])
                cur.execute(f"SELECT {qn(column)}, {qn(pk)} FROM {qn(self.table)} "  # noqa: S608 - our names
                            f"WHERE {qn(column)} IN ({', '.join(['%s'] * len(part))})", part)
                out.update(cur.fetchall())
        return out


# COPY's text format: these characters of a value are written as backslash escapes (PostgreSQL "COPY", "File Formats")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(rows: Sequence[Sequence[str | int]]) -> str:
    """Rows of only ``str`` and ``int`` values (no NULL, no bool) as the text of ``COPY … FROM STDIN``: what
    psycopg's ``write_row`` sends for them (its text dumpers: ``str(int)``, the string with COPY's escapes),
    composed at once instead of value by value (the import's ~50 search-index rows a customer). Escaping is
    needed only when some string holds a backslash, tab, newline or carriage return, which one scan tells."""
    strings = "".join([v for r in rows for v in r if type(v) is str])
    if "\\" in strings or "\t" in strings or "\n" in strings or "\r" in strings:
        esc = _COPY_ESCAPES
        return "".join(["\t".join([v.translate(esc) if type(v) is str else str(int(v)) for v in r]) + "\n"
                        for r in rows])
    return "".join(["\t".join(map(str, r)) + "\n" for r in rows])


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, plain: bool = False) -> int:
    """Insert prepared rows (values in ``columns`` order) into ``table``; returns how many. ``plain``: every value
    is a ``str`` or an ``int`` (not ``bool``, not ``None``), so PostgreSQL gets them as one :func:`copy_text` and
    SQLite as one JSON array."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608 - our names
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cur:
        if connection.vendor != "postgresql" and plain:
            # one statement over one JSON array: SQLite inserts every row in one step (sqlite3's executemany
            # binds and steps row by row, letting go of the GIL at each, which a busy importing thread then
            # holds on to for its switch interval); ->> gives back the same TEXT and INTEGER values
            picks = ", ".join(f"j.value ->> {i}" for i in range(len(columns)))
            cur.execute(f"{head[:-len(' VALUES ')]} SELECT {picks} FROM json_each(%s) AS j ORDER BY j.key",
                        [json.dumps(rows, ensure_ascii=False)])
            return len(rows)
        if connection.vendor != "postgresql":
            cur.executemany(head + one, rows)
            return len(rows)
        # COPY: every value goes through psycopg's own dumper for its type, as a bound parameter does
        with connection.wrap_database_errors, cur.cursor.copy(  # noqa: S608 - our names
                f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
            if plain:
                copy.write(copy_text(rows))
            else:
                for r in rows:
                    copy.write_row(r)
    return len(rows)


_ATTNAMES: dict[type[models.Model], frozenset[str]] = {}


def build(model: type[models.Model], values: dict[str, Any], **related: models.Model | None) -> models.Model:
    """``model(**values, **related)`` by Django's positional fast path (every concrete field in order, as
    ``from_db`` builds instances): ``values`` by attname, a missing one gets its field's default; ``related``
    objects are set afterwards, as the keyword form would cache them. The import builds a customer a row."""
    fields = model._meta.concrete_fields
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = frozenset(f.attname for f in fields)
    if not names.issuperset(values):
        raise TypeError(f"{model.__name__} has no field {sorted(set(values) - names)}")
    obj = model(*[values[f.attname] if f.attname in values else f.get_default() for f in fields])
    for name, value in related.items():
        setattr(obj, name, value)
    return obj


_TABLES: dict[tuple[type[models.Model], bool], Table] = {}


def table_for(model: type[models.Model], with_pk: bool = False) -> Table:
    """The :class:`Table` of every concrete column of ``model`` (built once)."""
    t = _TABLES.get((model, with_pk))
    if t is None:
        t = _TABLES[model, with_pk] = Table(model, with_pk=with_pk)
    return t
