"""Chinese working-day calendar (SPEC §10), pure.

Working day = Mon–Fri that is not a statutory holiday, plus adjusted working days (调休上班日).
Data: ``chinese_calendar`` (2004–2026), overridden by the company's holiday table; for a year with no
data at all Mon–Fri are used and :meth:`WorkCalendar.missing_years` reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


def _library_has(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 2))
        return True
    except NotImplementedError:
        return False


@dataclass(frozen=True)
class WorkCalendar:
    # company holiday table: date -> True (working day) / False (day off); wins over the library
    overrides: Mapping[date, bool] = field(default_factory=dict)
    saturday_working: bool = False

    def is_working_day(self, d: date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        if self.saturday_working and d.weekday() == 5:
            try:
                return not chinese_calendar.is_holiday(d) or chinese_calendar.is_workday(d) or _weekend_only(d)
            except NotImplementedError:
                return True
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            return d.weekday() < 5

    def missing_years(self, years: list[int]) -> list[int]:
        """Years with neither library data nor any company table entry ("holiday table missing for YYYY")."""
        have = {d.year for d in self.overrides}
        return [y for y in years if not _library_has(y) and y not in have]

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after ``start`` (the event day never counts)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        d = start
        while n > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

    def deadline_after_working_days(self, event_day: date, n: int) -> datetime:
        """'Within N working days' of an event: 23:59:59 (Shanghai) of the Nth working day after it."""
        return datetime.combine(self.add_working_days(event_day, n), END_OF_DAY, tzinfo=TZ)

    def next_working_day(self, d: date) -> date:
        return self.add_working_days(d, 1)


def _weekend_only(d: date) -> bool:
    # A Saturday that the library calls a holiday only because it is a weekend day (not a statutory holiday)
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return True
    return is_holiday and name is None


def deadline_after_days(event: datetime | date, days: int) -> datetime:
    """'Within N days': calendar days, by 23:59:59 (Shanghai) of date + N."""
    d = event.astimezone(TZ).date() if isinstance(event, datetime) else event
    return datetime.combine(d + timedelta(days=days), END_OF_DAY, tzinfo=TZ)


def local_date(dt: datetime) -> date:
    return dt.astimezone(TZ).date()
