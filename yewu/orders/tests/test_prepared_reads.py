"""The two reads of an order create compiled once (issue 14, :mod:`yewu.common.prepared`): the same SQL as the
queryset, the same instances (fields, select_related objects, annotations), the same row-level access."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yewu.catalog import line_pricing
from yewu.catalog.models import GuidePrice
from yewu.common import prepared
from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.facts import _customer_with_figures, customer_with_figures
from yewu.org.models import User


def _fields(obj):
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


def _same_customer(a, b):
    assert (a is None) == (b is None)
    if a is None:
        return
    assert _fields(a) == _fields(b)
    assert (a.order_exposure, a.order_closed) == (b.order_exposure, b.order_closed)
    for rel in ("owner", "created_by"):
        ra, rb = getattr(a, rel), getattr(b, rel)
        assert (ra is None and rb is None) or _fields(ra) == _fields(rb)
    if a.owner is not None:
        assert _fields(a.owner.team) == _fields(b.owner.team)


def _orm(actor, pk):
    return _customer_with_figures(customers_visible_to(actor), pk).first()


@pytest.mark.django_db
def test_customer_with_figures_is_the_querysets_answer_for_every_viewer(shop):
    co = shop.company
    mine = shop.gz
    other = shop.customer("佛山客户", owner=co.sales3, city="佛山")
    pool = shop.customer("公海客户")
    Customer.objects.filter(pk=pool.pk).update(owner=None)
    Order.objects.create(number="T-1", customer=mine, salesperson=co.sales1, settlement="CREDIT", total=Decimal("800.00"),
                         status=OrderStatus.READY, created_by=co.sales1, decision={}, delivery_address="x")
    Order.objects.create(number="T-2", customer=mine, salesperson=co.sales1, settlement="CASH", total=Decimal("50.00"),
                         paid_amount=Decimal("50.00"), status=OrderStatus.CLOSED, created_by=co.sales1, decision={},
                         delivery_address="x")
    for actor in (co.sales1, co.sales3, co.manager, co.manager2, co.gm, co.finance, co.leads):
        for pk in (mine.pk, other.pk, pool.pk, 999999):
            for _ in range(2):  # the second call runs the remembered plan
                with CaptureQueriesContext(connection) as fast:
                    got = customer_with_figures(actor, pk)
                with CaptureQueriesContext(connection) as slow:
                    want = _orm(actor, pk)
                _same_customer(got, want)
                assert [q["sql"] for q in fast.captured_queries] == [q["sql"] for q in slow.captured_queries]
    got = customer_with_figures(co.sales1, mine.pk)
    assert got.order_exposure == Decimal("800.00") and got.order_closed is True
    assert customer_with_figures(co.sales1, str(mine.pk)).pk == mine.pk  # not an int: the queryset the ordinary way


@pytest.mark.django_db
def test_an_inactive_user_sees_no_customer_and_sends_no_statement(shop):
    sp = shop.company.sales1
    sp.is_active = False
    with CaptureQueriesContext(connection) as ctx:
        assert customer_with_figures(sp, shop.gz.pk) is None
    assert ctx.captured_queries == []


@pytest.mark.django_db
def test_products_for_is_the_querysets_answer(shop):
    GuidePrice.objects.create(product=shop.cable, price=Decimal("120.00"), effective_from=date(2024, 6, 1))
    old = shop.product("JY-1", "5.00")
    old.active = False
    old.save()
    ids = [shop.cable.pk, shop.custom.pk, old.pk]
    for day in (date(2023, 1, 1), date(2024, 6, 1), date(2019, 1, 1)):
        for active_only in (True, False):
            for some in (ids, ids[:1], [str(ids[0]), ids[1]], [ids[1], ids[0]]):
                got = line_pricing.products_for(some, day, active_only=active_only)
                want = {p.pk: p for p in line_pricing._products(sorted({int(i) for i in some}), day,
                                                                  active_only=active_only)}
                assert list(got) == list(want)
                for pk, p in got.items():
                    assert _fields(p) == _fields(want[pk])
    got = line_pricing.products_for(ids, date(2024, 6, 1))
    assert got[shop.cable.pk].in_force_price == Decimal("120.00")
    assert line_pricing.products_for(ids, date(2023, 1, 1))[shop.cable.pk].in_force_price == Decimal("100.00")
    assert line_pricing.products_for(ids, date(2019, 1, 1))[shop.cable.pk].in_force_price is None
    assert old.pk not in line_pricing.products_for(ids, date(2023, 1, 1), active_only=True)


def test_a_value_that_does_not_reach_the_sql_as_a_parameter_is_refused():
    with pytest.raises(TypeError):
        prepared.fetch(("test.unused",), lambda n: User.objects.all(), 3)


@pytest.mark.django_db
def test_a_string_value_is_a_parameter_of_the_compiled_read(shop):
    """Strings are taken too (the API token's digest on every request): the same rows as the queryset, one
    statement, the plan reused for another value; a long or control-character string takes the ordinary path; a
    lookup that rewrites the string (LIKE) is refused rather than compiled wrongly."""
    sp = shop.company.sales1

    def by_name(username):
        return User.objects.filter(username=username)

    key = ("test.by_name",)
    assert [u.pk for u in prepared.fetch(key, by_name, sp.username)] == [sp.pk]
    with CaptureQueriesContext(connection) as ctx:
        assert prepared.fetch(key, by_name, "nobody-here") == []
        assert [u.pk for u in prepared.fetch(key, by_name, sp.username)] == [sp.pk]
    assert len(ctx.captured_queries) == 2 and all("prepared" not in q["sql"] for q in ctx.captured_queries)
    assert prepared.fetch(key, by_name, sp.username + "\t") == []  # ordinary path: Django's own handling
    assert prepared.fetch(key, by_name, "x" * 500) == []
    with pytest.raises(TypeError):
        prepared.fetch(("test.like",), lambda q: User.objects.filter(username__icontains=q), "ales")
