"""`yewu backup PATH` / `yewu restore PATH` (issue 10 item 11): a round trip gives back every table identically —
row counts and a checksum of every value (timestamps to the microsecond) — on SQLite and on PostgreSQL."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from yewu.common.backup import table_fingerprints
from yewu.org.models import ApiToken, HolidayOverride, LoginThrottle, User


def fill(company):
    from yewu.org.services import create_version

    create_version(company.gm, changes={"approve.credit_over_20k_manager.amount": "25000.00"},
                   reason="测试备份", effective_at=None)
    for i in range(3):
        ApiToken.issue(company.users[f"sales{i + 1}"], days=30 + i)
    HolidayOverride.objects.create(date=date(2031, 1, 2), is_working_day=True, note="调休")
    LoginThrottle.objects.create(key="user:x", failures=2,
                                 window_started_at=timezone.now().replace(microsecond=123457))


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_every_table_identically(company, tmp_path):
    fill(company)
    before = table_fingerprints()
    assert len(before) > 40 and sum(n for n, _ in before.values()) > 30
    assert before["org_user"][0] == len(company.users)
    out = StringIO()
    path = tmp_path / "yewu.backup"
    call_command("yewu_backup", str(path), stdout=out)
    assert path.stat().st_size > 0 and "backed up" in out.getvalue()

    # change things after the backup: new, changed and deleted rows in several tables
    User.objects.create_user("newbie", password="x-123456", roles=["SP"])
    User.objects.filter(username="sales2").update(display_name="改名了", last_login=timezone.now())
    ApiToken.objects.filter(user=company.sales3).delete()
    HolidayOverride.objects.all().delete()
    LoginThrottle.objects.update(window_started_at=timezone.now() - timedelta(microseconds=1))
    changed = table_fingerprints()
    differ = {t for t in before if before[t] != changed[t]}
    assert {"org_user", "org_apitoken", "org_holidayoverride", "org_loginthrottle"} <= differ

    call_command("yewu_restore", str(path), "--yes", stdout=StringIO())
    after = table_fingerprints()
    assert after.keys() == before.keys()
    mismatched = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not mismatched
    # and the restored database is usable: the audit log still refuses edits, the app reads and writes
    assert User.objects.filter(username="newbie").count() == 0
    assert User.objects.get(username="sales2").display_name == company.sales2.display_name
    ApiToken.issue(User.objects.get(username="sales1"))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(company, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"PGDMP" + b"\0" * 100 if connection.vendor == "sqlite" else b"SQLite format 3\0" + b"\0" * 100)
    users = User.objects.count()
    with pytest.raises(CommandError, match="not a"):
        call_command("yewu_restore", str(bogus), "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="no backup file"):
        call_command("yewu_restore", str(tmp_path / "missing"), "--yes", stdout=StringIO())
    assert User.objects.count() == users
