"""The product picker's search (issue 15): GET /api/v1/products/search finds a product by code, name, or the pinyin
initials of any part of its name (any case), shows the guide price in force today only to readers who may see
prices, and answers a bounded query with at most 20 products."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from yewu.catalog import services
from yewu.catalog.demo import PRODUCTS
from yewu.catalog.models import Product

URL = "/api/v1/products/search"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def codes(c, q, **params) -> list[str]:
    r = c.get(URL, {"q": q, **params})
    assert r.status_code == 200, r.content
    return [it["code"] for it in r.json()["items"]]


@pytest.fixture
def catalogue(company):
    today = timezone.localdate()
    cable = services.create_product(company.finance, {"code": "YJV-3X4", "name": "交联聚乙烯绝缘电力电缆",
                                                      "specification": "YJV 0.6/1kV 3×4mm²", "unit": "米",
                                                      "kind": "gb", "guide_price": "18.60",
                                                      "effective_from": (today - timedelta(days=30)).isoformat()})
    services.set_guide_price(company.finance, cable, "19.80", today + timedelta(days=5))  # not in force yet
    harness = services.create_product(company.finance, {"code": "XS-1", "name": "广州市盈科线束", "kind": "standard"})
    old = services.create_product(company.finance, {"code": "OLD-1", "name": "停售电缆", "kind": "standard"})
    services.update_product(company.finance, old, {"active": False})
    return cable, harness


def test_finds_by_code_name_and_initials_of_any_part_in_any_case(catalogue, company):
    c = client(company.sales1)
    assert codes(c, "yjv-3x4") == ["YJV-3X4"]  # the code, lower case
    assert codes(c, "电力电缆") == ["YJV-3X4"]  # part of the name
    assert codes(c, "3×4") == ["YJV-3X4"]  # the specification
    for initials in ("jljyx", "dldl", "DLDL", "jyDl"):  # initials of the start or of any later part, any case
        assert codes(c, initials) == ["YJV-3X4"], initials
    assert codes(c, "dianlan") == ["YJV-3X4"]  # full pinyin
    assert codes(c, "gzyk") == codes(c, "yk") == codes(c, "GZSYK") == ["XS-1"]  # 广州市盈科…, with or without 市
    assert codes(c, "tsdl") == []  # a product no longer on sale is not offered
    assert codes(c, "zzzz") == []


def test_guide_price_in_force_today_only_for_who_sees_prices(catalogue, company):
    item = client(company.sales1).get(URL, {"q": "YJV"}).json()["items"][0]
    assert item["guide_price"] == "18.60" and item["unit"] == "米" and item["kind_label"] == "国标"
    assert client(company.sales1).get(URL, {"q": "gzyk"}).json()["items"][0]["guide_price"] is None  # none set
    hidden = client(company.leads).get(URL, {"q": "YJV"}).json()["items"][0]  # 推广专员: no sees_prices
    assert hidden["code"] == "YJV-3X4" and "guide_price" not in hidden


def test_bounded_query_and_at_most_20_results(company):
    for i in range(25):
        Product.objects.create(code=f"DL-{i:02d}", name=f"电缆{i}", unit="米")
    c = client(company.sales1)
    assert c.get(URL, {"q": ""}).json() == {"items": []}
    assert c.get(URL, {"q": "   "}).json() == {"items": []}
    assert len(codes(c, "dl")) == 20
    assert len(codes(c, "dl", limit=500)) == 20
    assert codes(c, "dl-07", limit=5) == ["DL-07"]
    r = c.get(URL, {"q": "电" * 51})
    assert r.status_code == 422 and r.json()["rule"] == "input.bounds" and "50" in r.json()["message"]
    assert len(codes(c, "电" * 50)) == 0
    assert codes(c, "dl-07\x00\x1b") == ["DL-07"]  # control characters are dropped, not searched for
    assert client(company.sales1).get(URL, {"q": "dl", "limit": "many"}).status_code == 422


def test_exact_code_comes_first(company):
    Product.objects.create(code="BV-2.5X", name="电线")
    Product.objects.create(code="BV-2.5", name="电线")
    Product.objects.create(code="ABV-2.5", name="电线")
    assert codes(client(company.sales1), "bv-2.5") == ["BV-2.5", "BV-2.5X", "ABV-2.5"]


def test_finance_priced_only_for_price_requests(catalogue, company):
    services.create_product(company.finance, {"code": "DZ-1", "name": "定制电缆", "kind": "custom"})
    c = client(company.sales1)
    assert codes(c, "dl") == ["DZ-1", "YJV-3X4"]
    assert codes(c, "dl", source="finance") == ["DZ-1"]


def test_renaming_a_product_renews_its_initials(catalogue, company):
    cable, _ = catalogue
    services.update_product(company.finance, cable, {"name": "铜芯电缆"})
    assert codes(client(company.sales1), "txdl") == ["YJV-3X4"]
    assert codes(client(company.sales1), "jljyx") == []
    Product.objects.filter(pk=cable.pk).first().save(update_fields=["name"])  # a partial save keeps them too
    assert Product.objects.get(pk=cable.pk).search_initials == "txdl"


def test_the_pickers_placeholder_example_finds_a_demo_product(company):
    """The product picker says 「如 YJV、dl」: each example finds something in the demo catalogue."""
    for code, name, spec, unit, kind, *_ in PRODUCTS:
        Product.objects.create(code=code, name=name, specification=spec, unit=unit, kind=kind)
    js = (Path(settings.BASE_DIR) / "static" / "yewu" / "picker.js").read_text(encoding="utf-8")
    hint = re.search(r'product: "[^"]*如 ([^"]+)"', js).group(1)
    examples = hint.split("、")
    assert examples
    for ex in examples:
        assert codes(client(company.sales1), ex), ex


def test_products_saved_before_the_search_keys_get_them_from_the_migration(company):
    from importlib import import_module

    from django.apps import apps

    p = Product.objects.create(code="M-1", name="屏蔽信号线")
    Product.objects.filter(pk=p.pk).update(search_initials="", search_pinyin="")
    import_module("yewu.catalog.migrations.0003_product_search_keys").fill_keys(apps, None)
    p.refresh_from_db()
    assert (p.search_initials, p.search_pinyin) == ("pbxhx", "pingbixinhaoxian")


def test_price_request_form_carries_only_the_linked_finance_priced_product(catalogue, company):
    custom = services.create_product(company.finance, {"code": "DZ-9", "name": "定制拖链电缆", "kind": "custom"})
    c = client(company.sales1)
    html = c.get("/catalog/requests/").content.decode()
    assert re.findall(r'<option value="\d+"', html) == [] and "DZ-9" not in html
    html = c.get(f"/catalog/requests/?product={custom.pk}").content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*selected', html) == [str(custom.pk)]
    cable, _ = catalogue  # on the guide list: not a price request's product, so not put in the form by a link
    html = c.get(f"/catalog/requests/?product={cable.pk}").content.decode()
    assert re.findall(r'<option value="\d+"', html) == []
