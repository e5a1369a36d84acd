"""Statements of one filing that must not creep back (issue 14): file_customer in at most 10 SQL statements on
either database (the settings stamp, the filing lock, ONE candidate read for the whole `cust.duplicate` check, the
customer, its contacts, its search-index rows in one INSERT, the ownership history, the audit entry, and the
transaction's own BEGIN/COMMIT; on PostgreSQL contacts, index rows, history and audit entry are one statement), one
more to read the candidates it found, no savepoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yewu.audit.models import AuditEntry
from yewu.common.errors import Conflict
from yewu.customers.archive import services
from yewu.customers.models import Customer, SearchToken
from yewu.customers.services import file_customer
from yewu.org.policy_cache import policy_scope
from yewu.policy import Decision

from .conftest import customer_in


def _file(user, data):
    with CaptureQueriesContext(connection) as ctx, policy_scope():  # one unit of work, as a request is
        c, decision = file_customer(user, data)
    return c, decision, [q["sql"] for q in ctx.captured_queries]


def _upper(sql: list[str]) -> list[str]:
    return [s.lstrip().upper() for s in sql]


@pytest.mark.django_db(transaction=True)  # the filing's transaction is the outermost one, as in production
def test_a_filing_takes_at_most_10_statements_and_one_candidate_read(company):
    file_customer(company.sales1, customer_in(name="佛山盈科电子有限公司", city="佛山", mobile="13800138000"))  # warm
    c, decision, sql = _file(company.sales1, customer_in(name="广州恒通电线电缆有限公司", mobile="13900139000"))
    assert decision.outcome == "allowed" and c.owner == company.sales1
    assert len(sql) <= 10, "\n".join(sql)
    up = _upper(sql)
    assert not any("SAVEPOINT" in s for s in up), "\n".join(sql)
    # the index rows in one INSERT (on PostgreSQL one part of the statement inserting contacts, rows, history, audit)
    assert sum('INSERT INTO "CUSTOMERS_SEARCHTOKEN"' in s for s in up) == 1, "\n".join(sql)
    assert sum(s.startswith(("SELECT", "WITH")) and "INSERT INTO" not in s for s in up) <= 3, "\n".join(sql)  # stamp, lock, candidates
    assert SearchToken.objects.filter(customer=c).count() > 20


@pytest.mark.django_db(transaction=True)
def test_a_filing_with_a_similar_name_reads_the_candidates_it_found_once_more(company):
    file_customer(company.sales1, customer_in(name="广州市恒通电线电缆有限公司", mobile="13800138000"))
    c, decision, sql = _file(company.sales3, customer_in(name="广州市恒通电线电揽有限公司", mobile="13900139000"))
    assert decision.outcome == "warning", decision
    assert "相似" in decision.reasons[-1].message
    assert len(sql) <= 11, "\n".join(sql)
    assert not any("SAVEPOINT" in s for s in _upper(sql)), "\n".join(sql)


@pytest.mark.django_db(transaction=True)
def test_a_name_taken_by_a_writer_without_the_lock_is_refused_and_audited(company, monkeypatch):
    """The customer's insert hits the unique name key (a writer that did not take the filing lock filed it between
    the check and the insert): the filing is decided again after its transaction rolled back, 409 with the owner."""

    file_customer(company.sales1, customer_in(name="广州电缆有限公司", mobile="13800138000"))
    real, calls = services.check_duplicate, []

    def first_sees_nothing(*args, **kwargs):
        calls.append(args)
        return Decision.allow() if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(services, "check_duplicate", first_sees_nothing)
    with pytest.raises(Conflict) as e:
        file_customer(company.sales3, customer_in(name="广州电缆有限公司", mobile="13900139000"))
    assert len(calls) == 2 and e.value.rule == "cust.duplicate" and "张三" in e.value.message
    assert Customer.objects.count() == 1
    assert AuditEntry.objects.filter(action="decision", rule="cust.duplicate", reason=e.value.message).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_filing_lock_is_taken_in_the_round_trip_of_the_candidate_read(company):
    """PostgreSQL: ``SELECT … FOR UPDATE`` of the filing lock and the candidate read go as one query (the read takes
    its snapshot once the lock is held); SQLite in IMMEDIATE mode needs no lock statement."""
    file_customer(company.sales1, customer_in(name="佛山盈科电子有限公司", city="佛山", mobile="13800138000"))  # warm
    c, decision, sql = _file(company.sales1, customer_in(name="广州恒通电线电缆有限公司", mobile="13900139000"))
    assert decision.outcome == "allowed"
    locking = [s for s in _upper(sql) if "FOR UPDATE" in s]
    if connection.vendor == "postgresql":
        assert len(locking) == 1 and locking[0].startswith('SELECT 1 FROM "COMMON_MUTEX"'), "\n".join(sql)
        assert '"CUSTOMERS_CUSTOMER"' in locking[0].split(";", 1)[1], locking[0]
        assert len(sql) <= 9, "\n".join(sql)
    else:
        assert locking == [], "\n".join(sql)


@pytest.mark.django_db(transaction=True)
def test_the_first_filing_creates_the_lock_and_reads_the_candidates_under_it(company):
    from yewu.common.models import Mutex

    Mutex.objects.all().delete()
    file_customer(company.sales1, customer_in(name="广州恒通电线电缆有限公司", mobile="13900139000"))
    assert Mutex.objects.filter(name=services.FILING_LOCK).exists() == (connection.vendor == "postgresql")
    with pytest.raises(Conflict):  # the candidates read after the lock was created still see the first filing
        file_customer(company.sales3, customer_in(name="广州恒通电线电缆有限公司", mobile="13700137000"))
