"""`contract.number_format`: one upsert per number; per type and day from 01; never twice, even from threads."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection, transaction

from yewu.common.models import DocumentSequence
from yewu.common.numbering import next_number


@pytest.mark.django_db
def test_numbers_run_per_type_and_day_from_01():
    d1, d2 = date(2025, 9, 29), date(2025, 9, 30)
    assert [next_number("DD", d1) for _ in range(3)] == ["YWDD-20250929-01", "YWDD-20250929-02", "YWDD-20250929-03"]
    assert next_number("SK", d1) == "YWSK-20250929-01"
    assert next_number("DD", d2) == "YWDD-20250930-01"
    assert DocumentSequence.objects.get(kind="DD", day=d1).last == 3


@pytest.mark.django_db
def test_number_taken_in_one_statement():
    next_number("DD", date(2025, 9, 29))  # the row exists now
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        next_number("DD", date(2025, 9, 29))
    assert len([x for x in q.captured_queries if "documentsequence" in x["sql"].lower()]) == 1


@pytest.mark.django_db
def test_past_99_the_number_grows_a_digit():
    DocumentSequence.objects.create(kind="CK", day=date(2025, 9, 29), last=99)
    assert next_number("CK", date(2025, 9, 29)) == "YWCK-20250929-100"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="the in-memory shared-cache test database takes table locks; "
                    "file SQLite serialises writers with IMMEDIATE transactions")
def test_concurrent_writers_never_share_a_number():
    got, errors = [], []

    def take():
        try:
            for _ in range(5):
                with transaction.atomic():
                    got.append(next_number("DD", date(2025, 10, 9)))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == 20 and len(set(got)) == 20
