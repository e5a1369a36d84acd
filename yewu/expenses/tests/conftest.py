from datetime import date, timedelta

import pytest

from yewu.expenses import base


@pytest.fixture
def clock(monkeypatch):
    """clock.set(date) fixes the business date used by the treasury services; starts on Mon 2025-09-01."""

    class Clock:
        day = date(2025, 9, 1)

        def set(self, d):
            self.day = d

        def advance(self, n):
            self.day = self.day + timedelta(days=n)

    c = Clock()
    monkeypatch.setattr(base, "today", lambda: c.day)
    return c


@pytest.fixture
def co(company, api_client, clock):
    """The company fixture plus API clients per user: co.c("sales1").post(...)."""
    cache = {}

    def c(name):
        if name not in cache:
            cache[name] = api_client(company.users[name])
        return cache[name]

    company.c = c
    company.clock = clock
    return company


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def approve_all(co, approval_id, names=("manager", "finance", "gm")):
    """Walk an approval through the given approvers via the approvals API; return the last response."""
    r = None
    for n in names:
        r = post(co.c(n), f"/api/v1/approvals/{approval_id}/approve", {"comment": "同意"})
        assert r.status_code == 200, (n, r.json())
    return r


def fund(co, amount="4000.00", source="bank_withdrawal", **kw):
    """Cashier draws cash from the bank into the till."""
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": amount, "summary": "从银行提取备用金", "source": source, **kw})
    assert r.status_code == 201, r.json()
    return r.json()
