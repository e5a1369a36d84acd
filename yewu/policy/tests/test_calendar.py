"""SPEC §10: Chinese working days, 'within N working days', 'within N days'."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from yewu.policy.calendar import TZ, WorkCalendar, deadline_after_days

CAL = WorkCalendar()


def test_2025_national_day_holidays_and_adjusted_working_days():
    for d in range(1, 9):
        assert not CAL.is_working_day(date(2025, 10, d))
    assert CAL.is_working_day(date(2025, 9, 28))  # Sunday, adjusted working day
    assert CAL.is_working_day(date(2025, 10, 11))  # Saturday, adjusted working day
    assert not CAL.is_working_day(date(2025, 10, 12))


def test_spec_example_event_tuesday_before_national_day():
    event = date(2025, 9, 30)  # Tue
    assert CAL.add_working_days(event, 1) == date(2025, 10, 9)  # Thu
    assert CAL.add_working_days(event, 3) == date(2025, 10, 11)  # Sat (adjusted)
    assert CAL.deadline_after_working_days(event, 1) == datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)


def test_spec_example_ready_before_spring_festival_2026():
    ready = date(2026, 2, 13)  # Fri
    assert CAL.add_working_days(ready, 3) == date(2026, 2, 25)  # Wed
    assert CAL.add_working_days(ready, 4) == date(2026, 2, 26)  # Thu


def test_entry_2wd_example():
    assert CAL.add_working_days(date(2025, 9, 25), 2) == date(2025, 9, 28)  # Thu → Sun (adjusted)


def test_event_day_never_counts_and_zero_is_the_day_itself():
    assert CAL.add_working_days(date(2025, 9, 24), 1) == date(2025, 9, 25)
    assert CAL.add_working_days(date(2025, 9, 24), 0) == date(2025, 9, 24)


def test_company_table_wins_and_saturday_setting():
    d = date(2025, 10, 13)  # Monday
    assert not WorkCalendar(overrides={d: False}).is_working_day(d)
    assert WorkCalendar(overrides={date(2025, 10, 12): True}).is_working_day(date(2025, 10, 12))
    sat = WorkCalendar(saturday_working=True)
    assert sat.is_working_day(date(2025, 10, 18))  # ordinary Saturday
    assert not sat.is_working_day(date(2025, 10, 4))  # Saturday inside the national holiday
    assert sat.add_working_days(date(2025, 10, 17), 1) == date(2025, 10, 18)


def test_year_without_data_uses_weekdays_and_is_reported():
    assert CAL.is_working_day(date(2027, 1, 1)) is True  # Friday; no holiday data for 2027
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert CAL.missing_years([2025, 2027]) == [2027]
    assert WorkCalendar(overrides={date(2027, 1, 1): False}).missing_years([2027]) == []


def test_within_n_days_is_calendar_days_to_end_of_day():
    at = datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    assert deadline_after_days(at, 7) == datetime(2025, 10, 7, 23, 59, 59, tzinfo=TZ)
    # UTC input is converted to Shanghai first: 2025-09-30 20:00 UTC is 10-01 04:00 in Shanghai
    utc = datetime(2025, 9, 30, 20, 0, tzinfo=UTC)
    assert deadline_after_days(utc, 0) == datetime(2025, 10, 1, 23, 59, 59, tzinfo=TZ)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31))


@given(days, st.integers(0, 30), st.integers(0, 30))
def test_add_working_days_is_monotone(start, a, b):
    lo, hi = sorted((a, b))
    assert CAL.add_working_days(start, lo) <= CAL.add_working_days(start, hi)
    if hi > lo:
        assert CAL.add_working_days(start, lo) < CAL.add_working_days(start, hi)


@given(days, st.integers(1, 30))
def test_nth_working_day_is_a_working_day_and_counts_exactly_n(start, n):
    end = CAL.add_working_days(start, n)
    assert end > start and CAL.is_working_day(end)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(start, end - timedelta(days=1)) == n - 1


@given(days, st.integers(0, 10), st.integers(0, 10))
def test_add_working_days_composes(start, a, b):
    assert CAL.add_working_days(CAL.add_working_days(start, a), b) == CAL.add_working_days(start, a + b)
