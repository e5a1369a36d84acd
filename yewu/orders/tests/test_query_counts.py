"""Query counts that must not creep back (issue 14): an order create over the API in at most 10 SQL statements,
the order list page (UI and API) in at most 8 whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .test_orders_api import post_order, sp  # noqa: F401  (fixtures)


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db(transaction=True)  # the write transaction is the outermost one, as in production
def test_api_order_create_takes_at_most_10_statements(shop, sp):  # noqa: F811
    post_order(sp, shop.gz, 1)  # warm: the session, the user, the policy cache of this process
    second = shop.product("DL-2", "50.00")
    body = {"customer_id": shop.gz.pk, "settlement": "CREDIT", "lines": [
        {"product_id": shop.cable.pk, "quantity": "2", "unit_price": "100.00"},
        {"product_id": second.pk, "quantity": "3", "unit_price": "50.00"},
        {"product_id": shop.custom.pk, "quantity": "1", "unit_price": "1000.00"}]}
    with CaptureQueriesContext(connection) as ctx:
        r = sp.post("/api/v1/orders", body, content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert [ln["quantity"] for ln in out["lines"]] == ["2.000", "3.000", "1.000"]
    assert out["total"] == "1350.00" and out["customer"] == shop.gz.name
    sql = _statements(ctx)
    assert len(sql) <= 10, "\n".join(sql)
    assert not any("SAVEPOINT" in s.upper() for s in sql), "\n".join(sql)


def _orders(shop, n):
    for _ in range(n):
        post_order_direct(shop)


def post_order_direct(shop):
    from yewu.orders.ordering.services import LineIn, create_order

    create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                 lines=[LineIn(shop.cable.pk, "1", "100.00"), LineIn(shop.custom.pk, "1", "1000.00")])


@pytest.mark.django_db
def test_a_second_order_create_reads_neither_the_settings_nor_the_holidays_again(shop):
    from yewu.org.policy_cache import policy_scope

    with policy_scope():
        post_order_direct(shop)  # the process's first read of the settings and the calendar (or a warm one)
    with CaptureQueriesContext(connection) as ctx, policy_scope():  # one unit of work, as a request is
        post_order_direct(shop)
    sql = _statements(ctx)
    assert not [s for s in sql if '"org_policyversion"."values"' in s or '"org_holidayoverride"."date"' in s], sql
    assert sum("MAX(created_at)" in s for s in sql) == 1, "\n".join(sql)  # the stamp, checked once


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 40])
def test_api_order_list_page_at_most_8_queries(shop, sp, api_client, n):  # noqa: F811
    from yewu.orders.ordering.services import submit_order

    _orders(shop, n)
    for o in shop.gz.orders.all()[:2]:
        submit_order(shop.company.sales1, o.pk)  # approval steps on some rows
    for client, limit in ((sp, 50), (api_client(shop.company.finance), 20)):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/v1/orders?limit={limit}")
        assert r.status_code == 200
        out = r.json()
        assert out["count"] == n and len(out["items"]) == min(n, limit)
        assert all(len(o["lines"]) == 2 for o in out["items"])
        assert any(o["approvals"] for o in out["items"])
        assert len(ctx.captured_queries) <= 8, "\n".join(_statements(ctx))
        _count_reads_plain_orders(ctx)


def _count_reads_plain_orders(ctx):
    """The total counts the visible orders without the page's joins (the contract join and litigation subquery
    cost a lookup per order: 10 ms at 20 k orders, growing with the table), and the page's rows are read once."""
    counts = [s for s in _statements(ctx) if "COUNT(" in s and '"orders_order"' in s]
    assert all("orders_contract" not in s and "approvals_" not in s for s in counts), counts
    pages = [s for s in _statements(ctx) if s.startswith('SELECT "orders_order"."id", "orders_order"."number"')]
    assert len(pages) == 1, pages


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 40])
def test_order_list_page_at_most_8_queries(shop, client, n):
    _orders(shop, n)
    client.force_login(shop.company.sales1)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/orders/")
    assert r.status_code == 200
    page = r.context["page"]
    assert page.paginator.count == n and len(page.object_list) == min(n, 30)
    assert len(ctx.captured_queries) <= 8, "\n".join(_statements(ctx))
    _count_reads_plain_orders(ctx)


@pytest.mark.django_db
def test_order_list_counts_at_most_the_cap_and_says_there_are_more(shop, client, monkeypatch):
    """The list page counts up to LIST_COUNT_CAP rows (a LIMIT under the count, so the count costs the same at any
    table size); past it the page says 超过 N 条 and still pages on. Under the cap the exact total is shown."""
    from yewu.orders.ordering import selectors

    _orders(shop, 40)
    client.force_login(shop.company.sales1)
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 35)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/orders/")
    html = r.content.decode()
    assert "超过 <strong>35</strong> 条" in html and "下一页" in html
    assert html.count("第 1 页") == 2 and "第 1 / " not in html  # the total line and the pager: no page count
    counts = [s for s in _statements(ctx) if "COUNT(" in s]
    assert counts and all("LIMIT 36" in s for s in counts), counts
    r2 = client.get("/orders/?page=2")
    assert r2.status_code == 200 and len(r2.context["page"].object_list) == 5  # rows 31–35 of the capped count

    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 40)
    html = client.get("/orders/").content.decode()
    assert "共 <strong>40</strong> 条" in html and "第 1 / 2 页" in html


@pytest.mark.django_db
def test_api_order_list_counts_up_to_the_cap_unless_asked_for_the_exact_total(shop, client, monkeypatch):
    """The API's `count` stops at LIST_COUNT_CAP (or at the end of the page asked for) and says so with
    `count_capped`; `exact_count=true` counts every visible order. Under the cap the count is exact."""
    from yewu.orders.ordering import selectors

    _orders(shop, 40)
    client.force_login(shop.company.sales1)
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 25)
    with CaptureQueriesContext(connection) as ctx:
        out = client.get("/api/v1/orders?limit=10").json()
    assert (out["count"], out["count_capped"], len(out["items"])) == (25, True, 10)
    counts = [s for s in _statements(ctx) if "COUNT(" in s]
    assert counts and all("LIMIT 26" in s for s in counts), counts
    deep = client.get("/api/v1/orders?limit=10&offset=30").json()  # past the cap: counted to this page's end
    assert (deep["count"], deep["count_capped"], len(deep["items"])) == (40, False, 10)
    deeper = client.get("/api/v1/orders?limit=5&offset=28").json()
    assert (deeper["count"], deeper["count_capped"]) == (33, True)
    exact = client.get("/api/v1/orders?limit=10&exact_count=true").json()
    assert (exact["count"], exact["count_capped"]) == (40, False)
    last = client.get("/api/v1/orders?limit=10&offset=35").json()  # a short page ends the list: exact, uncounted
    assert (last["count"], last["count_capped"], len(last["items"])) == (40, False, 5)
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 40)
    assert client.get("/api/v1/orders?limit=10").json()["count_capped"] is False
