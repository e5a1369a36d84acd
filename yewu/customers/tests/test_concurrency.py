"""`cust.first_to_file`: two salespeople filing the same customer at the same moment — exactly one wins,
the other gets `cust.duplicate` (409).

Real threads with their own database connections. On SQLite this needs a file database (WAL + BEGIN
IMMEDIATE); yewu/customers/tests/conftest.py switches the session's test database to a temporary file
when this module is collected. On PostgreSQL the filing lock (select_for_update on a Mutex row) serialises.
"""

import json
import threading

import pytest
from django.db import connection
from yewu.customers.services import file_customer

from yewu.common.errors import Conflict
from yewu.customers.models import Contact, Customer, OwnershipChange

from .conftest import customer_in, payload


def _in_memory_sqlite() -> bool:
    """True when the test database is (or will be created as) in-memory SQLite."""
    if connection.vendor != "sqlite":
        return False
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME") or ""
    return connection.is_in_memory_db() or test_name in ("", ":memory:") or "mode=memory" in test_name


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("_in_memory_sqlite()",
                       reason="in-memory SQLite cannot be shared by threads; set YEWU_TEST_SQLITE or run on PostgreSQL"),
]


def race(*workers):
    """Run each worker in its own thread, released together by a barrier; returns their results."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a filing thread hung"
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_salespeople_filing_the_same_customer_via_the_service(company, round_):
    name = ["广州电缆有限公司", "广州市恒通电线电缆制造有限公司", "佛山照明股份有限公司"][round_]
    results = race(
        lambda: file_customer(company.sales1, customer_in(name=name, mobile="13800138000")),
        lambda: file_customer(company.sales3, customer_in(name=" ".join(name).replace("有限", "（有限）"), mobile="13900139000")),
    )
    wins = [r for r in results if isinstance(r, tuple)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].rule == "cust.duplicate"
    winner = wins[0][0].owner
    assert winner.name in ("张三", "王五") and winner.name in losses[0].message
    assert Customer.objects.count() == 1 and Customer.objects.get().owner == winner
    assert Contact.objects.count() == 1 and OwnershipChange.objects.count() == 1


def test_two_salespeople_filing_the_same_customer_via_the_api(company, api_client):
    from django.test import Client

    from yewu.org.models import ApiToken

    tokens = [ApiToken.issue(company.sales1), ApiToken.issue(company.sales2)]

    def file(token, mobile):
        def go():
            r = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
                "/api/v1/customers", json.dumps(payload(mobile=mobile)), content_type="application/json")
            return r.status_code, r.json()
        return go

    results = race(file(tokens[0], "13800138000"), file(tokens[1], "13900139000"))
    codes = sorted(code for code, _ in results)
    assert codes == [201, 409], results
    loser = next(body for code, body in results if code == 409)
    assert loser["rule"] == "cust.duplicate" and loser["existing"]["owner"] in ("张三", "李四")
    assert Customer.objects.count() == 1


def test_same_phone_different_names_at_once(company):
    """Duplicate by contact phone is also decided under the lock."""
    results = race(
        lambda: file_customer(company.sales1, customer_in(name="甲贸易商行", mobile="13800138000")),
        lambda: file_customer(company.sales2, customer_in(name="乙电器经营部", city="深圳", mobile="+86 13800138000")),
    )
    assert sum(isinstance(r, tuple) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert Customer.objects.count() == 1
