"""Idempotency-Key on POST /api/v1/orders: same key + same request → the first order; same key + a different
request → 422 naming the key, nothing created."""

import pytest

from yewu.orders.models import Order


@pytest.fixture
def sp(shop, api_client):
    return api_client(shop.company.sales1)


def body(shop, qty="1", price="100.00", **kw):
    return {"customer_id": shop.gz.pk, "settlement": "PREPAY",
            "lines": [{"product_id": shop.cable.pk, "quantity": qty, "unit_price": price}], **kw}


def post(sp, data, key):
    return sp.post("/api/v1/orders", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize("change", [
    {"qty": "2"},
    {"price": "110.00"},
    {"note": "另一单"},
    {"settlement": "CASH"},
])
def test_same_key_different_body_is_422_naming_the_key(shop, sp, change):
    r1 = post(sp, body(shop), "k-1")
    assert r1.status_code == 201
    r2 = post(sp, body(shop, **change), "k-1")
    assert r2.status_code == 422, r2.json()
    j = r2.json()
    assert j["error"] == "idempotency_key_reused" and "Idempotency-Key" in j["fields"]
    assert r1.json()["number"] in j["message"] and "k-1" in j["message"]
    assert Order.objects.count() == 1 and str(Order.objects.get().total) == "100.00"


def test_same_key_same_body_returns_the_first_order_even_written_differently(shop, sp):
    r1 = post(sp, body(shop, note="首单"), "k-2")
    assert r1.status_code == 201
    # the same request, keys in another order and the numbers written another way
    again = {"lines": [{"unit_price": "100", "quantity": "1.000", "product_id": shop.cable.pk}], "note": "首单",
             "settlement": "PREPAY", "customer_id": shop.gz.pk}
    r2 = post(sp, again, "k-2")
    assert r2.status_code == 200 and r2.json() == r1.json()
    assert Order.objects.count() == 1


def test_keys_are_per_user_and_a_new_key_makes_a_new_order(shop, sp, api_client):
    assert post(sp, body(shop), "k-3").status_code == 201
    assert post(sp, body(shop, qty="2"), "k-4").status_code == 201
    mgr = api_client(shop.company.manager)  # another user's key space: the same key is a fresh one
    assert post(mgr, body(shop, qty="3"), "k-3").status_code == 201
    assert Order.objects.count() == 3
