"""Fixtures for the customer tests.

SQLite: the default test database is in-memory, and an in-memory database cannot be shared by the
threads of test_concurrency.py. When that module is part of the run (and YEWU_TEST_SQLITE is not set)
the session's test database is switched to a file in a private temporary directory, before the test
database is created; the file database runs with the project's WAL + IMMEDIATE settings.
"""

import atexit
import shutil
import tempfile

import pytest

from yewu.customers.services import ContactIn, CustomerIn, file_customer
from yewu.policy.customers import credit_code_check_char


def pytest_collection_modifyitems(session, config, items):
    from django.conf import settings

    if not any(item.nodeid.split("::")[0].endswith("customers/tests/test_concurrency.py") for item in items):
        return
    db = settings.DATABASES["default"]
    test = db.setdefault("TEST", {})
    if not db["ENGINE"].endswith(("sqlite3", "sqlite_backend")) or test.get("NAME") not in (None, ":memory:"):
        return
    tmp = tempfile.mkdtemp(prefix="yewu-test-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    test["NAME"] = f"{tmp}/test.sqlite3"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The `company` fixture creates 11 users; PBKDF2 makes that ~5 s per test. Tests do not need strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + credit_code_check_char(body)


def customer_in(name="广州电缆有限公司", city="广州", mobile="13800138000", source="direct", **kw) -> CustomerIn:
    """CustomerIn with one contact; keyword arguments that are not CustomerIn fields go to ``extra``."""
    own = {k: kw.pop(k) for k in list(kw) if k in CustomerIn.__dataclass_fields__}
    return CustomerIn(name=name, city=city, source=source, contacts=[ContactIn(name="陈先生", mobile=mobile)],
                      **own, extra=kw)


def payload(name="广州电缆有限公司", city="广州", mobile="13800138000", **kw) -> dict:
    d = {"name": name, "city": city, "source": "direct", "contacts": [{"name": "陈先生", "mobile": mobile}]}
    d.update(kw)
    return d


@pytest.fixture
def make_customer(company):
    """make_customer(user, name=..., city=..., mobile=..., **CustomerIn kwargs) → Customer filed by the service."""
    counter = iter(range(10_000))

    def make(user, name=None, city="广州", mobile=None, **kw):
        n = next(counter)
        svc = kw.pop("_svc", {})
        data = customer_in(name=name or f"测试客户{n:04d}号", city=city, mobile=mobile or f"139{n:08d}", **kw)
        c, _ = file_customer(user, data, **svc)
        return c

    return make


@pytest.fixture
def helpers():
    class H:
        pass

    h = H()
    h.credit_code, h.customer_in, h.payload = credit_code, customer_in, payload
    return h
