"""Report reads on raw rows (issue 14): `Unparsed` columns give the same values through `value_rows`; `raw_rows`
with its converters gives what iterating the queryset gives; `LocalDates` gives each value's local date exactly as
converting it does — per hour of SQLite's text only where the whole hour has one local date — and `gc_paused`
leaves the collector as it found it."""

import gc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from yewu.common.rows import LocalDates, Unparsed, gc_paused, raw_rows, value_rows
from yewu.performance.models import CommissionStatement
from yewu.policy.calendar import TZ


def _exact(rows):
    return [tuple((type(v), v.as_tuple() if isinstance(v, Decimal) else v) for v in r) for r in rows]


def _statements(company):
    users = list(company.users.values())
    stamps = [datetime(2026, 1, 31, 15, 59, 59, 999999, tzinfo=UTC), datetime(2026, 1, 31, 16, 0, tzinfo=UTC),
              datetime(2026, 1, 31, 16, 0, 0, 1, tzinfo=UTC), None, datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
              datetime(2026, 1, 31, 16, 0, tzinfo=UTC), datetime(2026, 3, 1, 4, 5, 6, 500000, tzinfo=UTC)]
    for i, at in enumerate(stamps):
        CommissionStatement.objects.create(
            salesperson=users[i % len(users)], month=date(2026, 1 + i % 2, 1), basis=Decimal(f"{i}.5{i}"),
            submitted_by=users[0], submitted_at=at or stamps[0], decided_at=at, state="approved")
    return CommissionStatement.objects.order_by("id")


def test_unparsed_and_raw_rows_give_the_queryset_values(company):
    qs = _statements(company)
    want = list(qs.values_list("id", "month", "decided_at", "basis", "state"))
    got = value_rows(qs.values_list("id", Unparsed("month"), Unparsed("decided_at"), "basis", "state"))
    assert _exact(got) == _exact(want)
    rows, convert = raw_rows(qs.values_list("id", "month", Unparsed("decided_at"), "basis", "state"), chunk_size=2)
    conv = [tuple(convert[i](v) if i in convert else v for i, v in enumerate(r)) for r in rows]
    assert _exact(conv) == _exact(want)
    rows, convert = raw_rows(qs.none().values_list("id", "decided_at"))
    assert list(rows) == []


def test_local_dates_equal_converting_each_value(company):
    qs = _statements(company).exclude(decided_at=None)
    rows, convert = raw_rows(qs.values_list(Unparsed("decided_at"), "decided_at"))
    rows = list(rows)
    local = LocalDates(TZ, convert.get(0), connection.timezone)
    want = [(convert[1](at) if 1 in convert else at).astimezone(TZ).date() for _text, at in rows]
    assert [local(text) for text, _at in rows] == want
    assert [local(text) for text, _at in rows] == want  # again, from the per-hour dates
    assert want[:3] == [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 1)]


def test_local_dates_around_offset_changes():
    """Texts in a zone with summer time, read in others: every 7th minute around the changes, with and without
    microseconds, plus texts with an offset (converted as they are)."""
    db_tz = ZoneInfo("Europe/London")

    def convert(text):
        at = datetime.fromisoformat(text)
        return at if at.tzinfo else at.replace(tzinfo=db_tz)

    texts = []
    for start in (datetime(2026, 3, 8, 0), datetime(2026, 3, 28, 20), datetime(2026, 10, 24, 20),
                  datetime(2026, 11, 1, 0), datetime(2026, 12, 31, 20)):
        for m in range(0, 24 * 60, 7):
            t = start + timedelta(minutes=m)
            texts += [str(t), str(t + timedelta(microseconds=123456))]
    texts += ["2026-03-29 00:30:00+05:00", "2026-03-29 00:30:00.123+08", "2026-03-29T01:30:00"]
    for tz in (ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")):  # Kolkata: midnight at hh:30 UTC
        local = LocalDates(tz, convert, db_tz)
        assert [local(t) for t in texts] == [convert(t).astimezone(tz).date() for t in texts]
        assert [local(t) for t in reversed(texts)] == [convert(t).astimezone(tz).date() for t in reversed(texts)]


def test_gc_paused_restores_the_collector():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with gc_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
