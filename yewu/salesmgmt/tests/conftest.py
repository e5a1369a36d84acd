import json
from datetime import datetime

import pytest
from django.utils import timezone

from yewu.customers.tests.conftest import make_customer  # noqa: F401  (re-exported fixture)
from yewu.orders.tests.conftest import shop  # noqa: F401  (re-exported fixture)
from yewu.policy.calendar import TZ


@pytest.fixture
def adm(company):
    from yewu.org.models import User

    return User.objects.create_user(username="adm", password="demo1234", roles=["ADM"], display_name="刘行政",
                                    department=company.dept)


@pytest.fixture
def clock(monkeypatch):
    """clock(2025, 9, 30, 10) sets the server clock (Asia/Shanghai wall time)."""

    def set_(*args):
        at = datetime(*args, tzinfo=TZ)
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return set_


@pytest.fixture
def jpost():
    def post(client, url, data, method="post"):
        return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")

    return post
