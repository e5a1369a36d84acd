"""Dates and moments from outside go through yewu.common.parsers (one parser for API, pages and imports)."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from yewu.common import parsers
from yewu.common.errors import ValidationError


@pytest.mark.parametrize("raw,expected", [
    ("2026-03-05", date(2026, 3, 5)), ("2026/03/05", date(2026, 3, 5)), (" 2026.03.05 ", date(2026, 3, 5)),
    (date(2026, 3, 5), date(2026, 3, 5)), ("2026-03-05T10:00", date(2026, 3, 5)),
])
def test_dates_in_the_usual_spellings(raw, expected):
    assert parsers.parse_date(raw, field="d", label="日期") == expected


def test_an_aware_moment_is_the_company_day_it_falls_on():
    late_utc = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)  # 04:00 on the 6th in Asia/Shanghai
    assert parsers.parse_date(late_utc, field="d", label="日期") == date(2026, 3, 6)


@pytest.mark.parametrize("raw", ["2026-13-40", "next week", "1800-01-01"])
def test_bad_dates_are_refused_naming_field_and_rule(raw):
    with pytest.raises(ValidationError) as e:
        parsers.parse_date(raw, field="due_date", label="整改期限", rule="process.evaluation_audit")
    assert "due_date" in e.value.fields and e.value.message.startswith("整改期限")
    assert e.value.rule in ("process.evaluation_audit", parsers.BOUNDS_RULE)


def test_empty_is_none_unless_required():
    assert parsers.parse_date("", field="d", label="日期", required=False) is None
    assert parsers.parse_datetime(None, field="t", label="时间", required=False) is None
    with pytest.raises(ValidationError):
        parsers.parse_date(" ", field="d", label="日期")


def test_a_moment_without_offset_is_read_in_shanghai_time():
    dt = parsers.parse_datetime("2026-03-05 09:30", field="t", label="询价时间")
    assert timezone.is_aware(dt) and dt.astimezone(UTC) == datetime(2026, 3, 5, 1, 30, tzinfo=UTC)
    assert parsers.parse_datetime("2026-03-05T09:30+00:00", field="t", label="t").astimezone(UTC).hour == 9


@pytest.mark.parametrize("raw", ["2026-03-05 25:00", "yesterday", "0999-01-01T00:00"])
def test_bad_moments_are_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as e:
        parsers.parse_datetime(raw, field="received_at", label="询价时间")
    assert "received_at" in e.value.fields
