"""The settings preview (SPEC §8.5) reads the open documents of a family in a fixed number of queries, however many
there are (no query per document)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yewu.desk.preview.selectors import preview
from yewu.orders.models import OrderStatus
from yewu.orders.ordering import services
from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)
from yewu.orders.tests.test_orders_api import make_existing

KEY = "delivery.standard_3_4d.promise_wd"


def _ready_order(shop):  # noqa: F811
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00")])
    o = services.submit_order(shop.company.sales1, o.pk)
    assert o.status == OrderStatus.READY
    return o


def _queries(changes) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        s = next(s for s in preview(changes).sections if s.family == "delivery_promise")
    return len(ctx.captured_queries), len(s.rows)


def test_delivery_preview_does_not_query_per_order(shop):  # noqa: F811
    make_existing(shop, shop.gz)
    _ready_order(shop)
    n1, rows1 = _queries({KEY: "6"})
    for _ in range(3):
        _ready_order(shop)
    n4, rows4 = _queries({KEY: "6"})
    assert (rows1, rows4) == (1, 4)
    assert n4 == n1
