"""The settings in force and the working calendar are kept per process (issues 13 and 14), yet a change made by
another server or worker is honoured at the next read. "Another process" is played here by writes that send no
signals (``bulk_create``, ``update``): this process learns of them only through the database's stamp."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yewu.org.models import HolidayOverride, PolicyVersion
from yewu.org.policy_cache import policy_scope
from yewu.org.selectors import get_calendar, get_policy

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2025, 11, 12)  # an ordinary working day in chinese-calendar


def _reads(ctx) -> list[str]:
    """Statements that read the versions' or the holidays' rows (not the stamp)."""
    return [q["sql"] for q in ctx.captured_queries
            if '"org_policyversion"."values"' in q["sql"] or '"org_holidayoverride"."date"' in q["sql"]]


def test_settings_and_calendar_are_read_once_then_only_the_stamp_is_checked():
    get_policy(), get_calendar()  # warm this process
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            get_policy(), get_calendar()
    assert _reads(ctx) == []
    assert len(ctx.captured_queries) == 6  # one stamp statement per call outside a request
    with CaptureQueriesContext(connection) as ctx, policy_scope():
        for _ in range(3):
            get_policy(), get_calendar()
    assert len(ctx.captured_queries) == 1  # a request (a unit of work) checks it once


def test_a_holiday_added_or_changed_by_another_server_counts_at_the_next_read():
    assert get_calendar().is_working_day(WEDNESDAY)
    HolidayOverride.objects.bulk_create([HolidayOverride(date=WEDNESDAY, is_working_day=False, note="公司活动")])
    assert not get_calendar().is_working_day(WEDNESDAY)
    # another server switches the row back to a working day (its save sets updated_at)
    HolidayOverride.objects.filter(date=WEDNESDAY).update(is_working_day=True,
                                                          updated_at=timezone.now() + timedelta(seconds=1))
    assert get_calendar().is_working_day(WEDNESDAY)
    HolidayOverride.objects.filter(date=WEDNESDAY).delete()
    HolidayOverride.objects.bulk_create([HolidayOverride(date=WEDNESDAY + timedelta(days=1), is_working_day=False)])
    cal = get_calendar()
    assert cal.is_working_day(WEDNESDAY) and not cal.is_working_day(WEDNESDAY + timedelta(days=1))


def test_a_setting_saved_by_another_server_counts_at_the_next_read(company):
    assert get_policy()["price.special_floor.pct"] == 90 and not get_calendar().saturday_working
    v = PolicyVersion.objects.bulk_create([PolicyVersion(
        values={"price.special_floor.pct": "85", "calendar.saturday_working": True},
        effective_at=timezone.now() - timedelta(seconds=1), reason="另一台服务器", created_by=company.gm)])[0]
    cfg = get_policy()
    assert cfg["price.special_floor.pct"] == Decimal("85") and cfg.version == v.pk
    assert get_calendar().saturday_working


def test_a_future_version_takes_effect_when_its_time_comes(company, monkeypatch):
    start = timezone.now()
    PolicyVersion.objects.create(values={"price.special_floor.pct": "80"}, effective_at=start + timedelta(hours=1),
                                 reason="下月起", created_by=company.gm)
    assert get_policy()["price.special_floor.pct"] == 90
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(hours=2))
    assert get_policy()["price.special_floor.pct"] == 80  # no row changed: the snapshot knew when it expires


def test_a_snapshot_read_inside_a_rolled_back_transaction_is_not_reused(company):
    """SQLite hands the rolled-back id out again: count and highest id alone would match the stale snapshot."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        PolicyVersion.objects.create(values={"price.special_floor.pct": "70"},
                                     effective_at=timezone.now() - timedelta(seconds=1), reason="撤销", created_by=company.gm)
        assert get_policy()["price.special_floor.pct"] == 70
        raise Undo
    assert get_policy()["price.special_floor.pct"] == 90
    PolicyVersion.objects.bulk_create([PolicyVersion(values={"price.special_floor.pct": "75"},
                                                     effective_at=timezone.now() - timedelta(seconds=1),
                                                     reason="另一台服务器", created_by=company.gm)])
    assert get_policy()["price.special_floor.pct"] == 75


def test_a_request_reads_the_setting_it_saved_itself(company):
    with policy_scope():
        assert get_policy()["price.special_floor.pct"] == 90
        PolicyVersion.objects.create(values={"price.special_floor.pct": "86"},
                                     effective_at=timezone.now() - timedelta(seconds=1), reason="本请求", created_by=company.gm)
        HolidayOverride.objects.create(date=WEDNESDAY, is_working_day=False)
        assert get_policy()["price.special_floor.pct"] == 86
        assert not get_calendar().is_working_day(WEDNESDAY)


def test_the_settings_file_layer_changing_is_seen(settings):
    assert get_policy()["price.special_floor.pct"] == 90
    settings.YEWU_POLICY = {"price.special_floor.pct": "88"}
    assert get_policy()["price.special_floor.pct"] == 88
