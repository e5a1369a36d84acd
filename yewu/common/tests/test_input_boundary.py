"""Issue 10 items 2, 5 and 12: bounded numbers, exact decimals and 4xx JSON (never 500) for bad input."""

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DataError, IntegrityError, connection, models, transaction

from yewu.common.errors import ValidationError
from yewu.finance.models import Receipt
from yewu.orders.models import Order
from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def raw_post(client, url, text: str):
    return client.post(url, text.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.fixture
def sp(shop, api_client):  # noqa: F811
    return api_client(shop.company.sales1)


def order_body(shop, qty, price):  # noqa: F811
    return {"customer_id": shop.gz.pk, "settlement": "PREPAY",
            "lines": [{"product_id": shop.cable.pk, "quantity": qty, "unit_price": price}]}


# --- item 2: oversized numbers are refused and never stored ------------------------------------------------


def test_oversized_order_is_refused_naming_the_field_and_lists_keep_working(shop, sp):  # noqa: F811
    r = post(sp, "/api/v1/orders", order_body(shop, "9999999999", "99999"))
    assert r.status_code in (400, 422), r.content
    assert r.json()["rule"] == "input.bounds" and "lines.0.quantity" in r.json()["fields"]
    # within each column alone, but the line total does not fit the business ceiling: refused too
    r = post(sp, "/api/v1/orders", order_body(shop, "1000000", "1000.00"))
    assert r.status_code == 400 and r.json()["rule"] == "input.bounds", r.json()
    assert not Order.objects.exists()
    assert sp.get("/api/v1/orders").status_code == 200


@pytest.mark.parametrize("amount", ["99999999999999999999.99", "1e30", "1e20", 1e20, "100000000.01"])
def test_oversized_receipt_is_refused_and_receipts_list_keeps_working(shop, api_client, amount):  # noqa: F811
    fin = api_client(shop.company.finance)
    r = post(fin, "/api/v1/receipts", {"customer_id": shop.gz.pk, "amount": amount})
    assert 400 <= r.status_code < 500, r.content
    assert "amount" in r.json()["fields"]
    assert not Receipt.objects.exists()
    assert fin.get("/api/v1/receipts").status_code == 200


def test_the_business_ceiling_is_a_setting(shop, api_client):  # noqa: F811
    from yewu.org.services import create_version

    fin = api_client(shop.company.finance)
    assert post(fin, "/api/v1/receipts", {"customer_id": shop.gz.pk, "amount": "60000.00"}).status_code == 201
    shop.company.gm.roles = ["GM", "SYS"]
    shop.company.gm.save()
    create_version(shop.company.gm, changes={"input.bounds.max_amount": "50000.00"}, reason="测试上限")
    r = post(fin, "/api/v1/receipts", {"customer_id": shop.gz.pk, "amount": "60000.00"})
    assert r.status_code == 400 and r.json()["rule"] == "input.bounds" and "50,000.00" in r.json()["message"]


def every_decimal_field():
    for model in apps.get_models():
        if not model.__module__.startswith("yewu."):
            continue
        for f in model._meta.local_fields:
            if isinstance(f, models.DecimalField):
                yield model, f


def test_every_decimal_column_has_a_check_that_matches_what_it_holds():
    from yewu.common.bounds import SUFFIX

    missing = []
    for model, f in every_decimal_field():
        name = f"{model._meta.app_label}_{model._meta.model_name}_{f.name}{SUFFIX}"
        c = next((c for c in model._meta.constraints if c.name == name), None)
        limit = Decimal(10) ** (f.max_digits - f.decimal_places)
        if c is None or dict(c.condition.children) != {f"{f.name}__gt": -limit, f"{f.name}__lt": limit}:
            missing.append(f"{model.__name__}.{f.name}")
    assert not missing


@pytest.mark.django_db
def test_the_database_refuses_an_out_of_range_figure_on_every_backend(shop):  # noqa: F811
    """SQLite stores anything in a decimal column unless a CHECK refuses it; PostgreSQL's numeric(14,2) refuses too."""
    o = Order.objects.create(number="T-1", customer=shop.gz, salesperson=shop.company.sales1, settlement="PREPAY",
                             delivery_address="x", created_by=shop.company.sales1)
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Order.objects.filter(pk=o.pk).update(total=Decimal("99999999999999999999.99"))
    with pytest.raises((IntegrityError, DataError)), transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO orders_payment (order_id, amount, arrived_on, reference, recorded_by_id, created_at) "
                    "VALUES (%s, 1e30, '2026-01-01', '', %s, '2026-01-01')", [o.pk, shop.company.finance.pk])
    assert list(Order.objects.values_list("total", flat=True)) == [Decimal("0.00")]
    assert not o.payments.exists()


# --- item 12: a JSON number or a numeric string alike, exactly ---------------------------------------------


def test_pricing_check_takes_json_numbers_and_strings_alike(shop, sp):  # noqa: F811
    a = post(sp, "/api/v1/pricing/check", {"product_id": shop.cable.pk, "quantity": 10, "unit_price": 95.5})
    b = post(sp, "/api/v1/pricing/check", {"product_id": shop.cable.pk, "quantity": "10", "unit_price": "95.50"})
    assert a.status_code == b.status_code == 200, (a.content, b.content)
    assert a.json() == b.json()


def test_json_numbers_are_read_exactly_not_through_a_float(shop, api_client):  # noqa: F811
    from yewu.common import parsers

    fin = api_client(shop.company.finance)
    # 0.1 + 0.2 style: 12345678.91 has no exact float; 99999999.99 neither
    r = raw_post(fin, "/api/v1/receipts", json.dumps({"customer_id": shop.gz.pk}).replace("}", ', "amount": 99999999.99}'))
    assert r.status_code == 201, r.content
    assert Receipt.objects.get().amount == Decimal("99999999.99")
    assert parsers.to_decimal(json.loads("0.30000000000000004", parse_float=lambda s: s)) == Decimal("0.30000000000000004")


@pytest.mark.parametrize("text", ['{"amount": NaN}', '{"amount": Infinity}', '{"amount": -Infinity}'])
def test_non_finite_json_numbers_are_refused(shop, api_client, text):  # noqa: F811
    fin = api_client(shop.company.finance)
    r = raw_post(fin, "/api/v1/receipts", text.replace("{", f'{{"customer_id": {shop.gz.pk}, '))
    assert r.status_code == 400 and r.json()["error"]
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("raw,ok", [("12.30", Decimal("12.30")), (12, Decimal("12.00")), (Decimal("0.01"), Decimal("0.01")),
                                    ("1e3", Decimal("1000.00")), ("NaN", None), ("Infinity", None), ("1.001", None),
                                    ("-1", None), ("0", None), ("", None), ("abc", None), (True, None),
                                    ("1000000000000", None)])
def test_money_parser(raw, ok):
    from yewu.common import parsers

    if ok is None:
        with pytest.raises(ValidationError) as e:
            parsers.money(raw, field="amount", label="金额", cfg={})
        assert "amount" in e.value.fields
    else:
        assert parsers.money(raw, field="amount", label="金额", cfg={}) == ok


def test_quantity_and_rate_parsers():
    from yewu.common import parsers

    assert parsers.quantity("1.234", cfg={}) == Decimal("1.234")
    with pytest.raises(ValidationError):
        parsers.quantity("1.2345", cfg={})
    with pytest.raises(ValidationError) as e:
        parsers.quantity("20", cfg={"input.bounds.max_quantity": Decimal("10")})
    assert e.value.rule == "input.bounds"
    assert parsers.rate("13", field="vat", label="税率") == Decimal("13.00")
    with pytest.raises(ValidationError):
        parsers.rate("100.01", field="vat", label="税率")


# --- item 5: the listed 500s are 4xx JSON errors ----------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/customers", "/api/v1/leads"])
def test_a_contact_without_name_is_a_4xx(shop, api_client, url):  # noqa: F811
    c = api_client(shop.company.leads if url.endswith("leads") else shop.company.sales1)
    body = {"name": "无名联系人公司", "city": "广州", "contacts": [{"mobile": "13800138000"}]}
    r = post(c, url, {**body, "source": "direct"} if url.endswith("customers") else body)
    assert 400 <= r.status_code < 500, r.content
    assert any("contacts.0" in k for k in r.json()["fields"])


@pytest.mark.parametrize("qs", ["offset=-1", "offset=99999999999999999999", "limit=-1", "limit=99999999999999999999"])
@pytest.mark.parametrize("url", ["/api/v1/orders", "/api/v1/receipts", "/api/v1/products", "/api/v1/customers",
                                 "/api/v1/quotes", "/api/v1/contracts", "/api/v1/returns"])
def test_bad_paging_is_a_4xx_on_every_list(shop, api_client, url, qs):  # noqa: F811
    r = api_client(shop.company.finance).get(f"{url}?{qs}")
    assert 400 <= r.status_code < 500, (url, qs, r.status_code)
    assert r["Content-Type"].startswith("application/json") and r.json()["error"]


def test_huge_ids_and_years_are_4xx(shop, api_client):  # noqa: F811
    fin = api_client(shop.company.finance)
    for url in ("/api/v1/commissions?salesperson_id=99999999999999999999", "/api/v1/invoices/register.xlsx?year=642948428",
                "/api/v1/customers/99999999999999999999", "/api/v1/orders/9223372036854775808"):
        r = fin.get(url)
        assert 400 <= r.status_code < 500 and r.json()["error"], (url, r.status_code)


def test_a_lone_surrogate_in_json_is_not_a_500(shop, sp):  # noqa: F811
    body = '{"name": "代理\\ud800商", "city": "广州", "source": "direct", "contacts": [{"name": "王\\udfff", "mobile": "13800138000"}]}'
    r = raw_post(sp, "/api/v1/customers", body)
    assert r.status_code in (201, 400, 409, 422), r.content
    if r.status_code == 201:
        assert r.json()["customer"]["name"] == "代理商" and r.json()["customer"]["contacts"][0]["name"] == "王"


@pytest.mark.parametrize("url", ["/api/v1/customers/abc", "/api/v1/orders/1.5", "/api/v1/no-such-thing"])
def test_unknown_api_paths_answer_the_json_error(shop, sp, url):  # noqa: F811
    r = sp.get(url)
    assert r.status_code in (404, 422) and r["Content-Type"].startswith("application/json")
    assert r.json()["error"] in ("not_found", "invalid")


@pytest.mark.parametrize("body, field", [
    ('{"kind": "weekly", "title": "t", "day": "2025-10-13", "trainer_id": 1, "attendee_ids": [12345678901234567890]}',
     "attendee_ids.0"),
    ('{"kind": "weekly", "title": "t", "day": "2025-10-13", "trainer_id": -99999999999999999999, "attendee_ids": [1]}',
     "trainer_id"),
])
def test_a_json_integer_no_database_holds_is_refused_naming_its_field(shop, api_client, body, field):  # noqa: F811
    """On SQLite such an id used to fail inside the query as an overflow answered without any field."""
    from yewu.salesmgmt.models import TrainingRecord

    r = raw_post(api_client(shop.company.manager), "/api/v1/training", body)
    assert 400 <= r.status_code < 500 and r.json()["fields"] == {field: "数值过大"}, r.content
    assert r.json()["rule"] == "input.bounds" and not TrainingRecord.objects.exists()
