"""SQLite money columns without Django's converter per value (issue 14, `rows._money_column`): the same Decimal —
digits, exponent and sign — as ``create_decimal_from_float(v).quantize(…)`` for every stored value: amounts of two
places, more places (1.005, 1.015, 0.125 round differently), -0.0 and 0, whole amounts stored as INTEGER, bounds,
NaN, None and text; whole columns and mixed ones, and through `value_rows` on a real table."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from hypothesis import given, settings
from hypothesis import strategies as st

from yewu.common.rows import _convert_column, _money_column, _sqlite_money, value_rows
from yewu.performance.models import CommissionEntry, CommissionStatement

from .test_value_rows import _exact


class _Conn:
    vendor = "sqlite"


def _column(name: str):
    col = CommissionEntry._meta.get_field(name).get_col("e")
    conv = SQLiteWrapper.ops_class(None).get_decimalfield_converter(col)
    places, bound = _sqlite_money([conv], col, _Conn())
    return col, conv, places, bound


def _django(values, conv, col):
    out = []
    for v in values:
        try:
            out.append(conv(v, col, None))
        except (InvalidOperation, TypeError, ValueError) as e:
            out.append(type(e))
    return out


def _fast(values, whole):
    try:
        return whole(tuple(values))
    except (InvalidOperation, TypeError, ValueError):  # Django's converter raises on one: so does the column, value
        out = []                                        # by value the same exception as the converter
        for v in values:
            try:
                out.extend(whole((v,)))
            except (InvalidOperation, TypeError, ValueError) as e:
                out.append(type(e))
        return out


def _same(values, name="basis"):
    """As Django converts each value: the amounts' path, and the whole column's choice (with repeating values too)."""
    col, conv, places, bound = _column(name)
    for vals in (values, values * 5, [*values, *values[:1] * 20]):
        want = [(type(x), x.as_tuple() if isinstance(x, Decimal) else x) for x in _django(vals, conv, col)]
        for whole in (lambda c: _money_column(c, places, bound, conv, col, None),
                      lambda c: _convert_column(c, [conv], col, _Conn())):
            got = _fast(vals, whole)
            assert [(type(x), x.as_tuple() if isinstance(x, Decimal) else x) for x in got] == want


EDGES = [0.0, -0.0, 0, 1, -1, 12.5, 12.34, -3.33, 0.01, -0.01, 0.005, 0.015, 0.125, 1.005, 1.015, 2.675, 1e-9,
         99999999.99, 999999999999.99, 1e12, -1e12, 999999999999.995, 123456789012.345, 1e15, 2.0**53, 10**12,
         10**15, 10**17 + 1, 0.1 + 0.2, 1 / 3]


def test_known_values_and_whole_columns():
    assert _sqlite_money([object()], _column("basis")[0], _Conn()) is None  # another converter: not this path
    assert _column("basis")[2:] == (2, 1e12) and _column("rate")[2:] == (3, 1e3)
    for name in ("basis", "amount", "rate", "cut"):
        _same(EDGES, name)
        _same([v for v in EDGES if isinstance(v, float) and abs(v) < 1e3 and v == round(v, 2)], name)  # all fast
        for v in EDGES:
            _same([v], name)
    _same([1.5, None, 2.25])
    _same([1.5, float("nan"), 2.25])
    _same([1.5, float("inf"), -float("inf")])
    _same([1.5, "2.25", 3.0])
    _same([0, 0.0, 12.5, 0, 0.0])
    _same([0, -0.0, 12.5, 0, 0.0])
    _same([-0.0, 0, 0.0, 12.5])
    _same([0, 1, 1.0, 2.5, None])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.sampled_from([0, 0.0, -0.0, 1, 1.0, 0.1, -2.5]), st.floats(min_value=-1e13, max_value=1e13),
                          st.integers(min_value=-10**13, max_value=10**13).map(lambda k: k / 100),
                          st.integers(min_value=-10**16, max_value=10**16), st.none()), min_size=1, max_size=40),
       st.sampled_from(["basis", "rate"]))
def test_any_stored_value_as_django_converts_it(values, name):
    _same(values, name)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite converter")
def test_through_value_rows_on_sqlite(company):
    users = list(company.users.values())
    for i in range(40):
        CommissionStatement.objects.create(salesperson=users[i % len(users)], month=date(2000 + i, 1, 1),
                                           basis=Decimal(f"{i * 37 - 400}.{i:02d}"), submitted_by=users[0],
                                           submitted_at=datetime(2026, 1, 1, tzinfo=UTC))
    ids = list(CommissionStatement.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cur:  # stored as floats with more places, -0.0 and as whole numbers
        for pk, raw in zip(ids, [1.005, 1.015, 0.125, -0.0, 7, 2.675, 1e-9, 123456.785], strict=False):
            cur.execute("UPDATE performance_commissionstatement SET basis = %s WHERE id = %s", [raw, pk])
    qs = CommissionStatement.objects.order_by("id").values_list("id", "basis")
    got, want = value_rows(qs), list(qs)
    assert _exact(got) == _exact(want)
    assert [b for _i, b in got[:4]] == [Decimal("1.00"), Decimal("1.02"), Decimal("0.12"), Decimal("0.00")]
