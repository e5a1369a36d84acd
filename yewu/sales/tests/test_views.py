import json
import re
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from yewu.catalog import services as cat
from yewu.customers.models import Customer
from yewu.sales import services
from yewu.sales.models import Quote


@pytest.fixture
def env(company):
    p = cat.create_product(company.finance, {"code": "P1", "name": "接触器", "guide_price": "1000.00"})
    c1 = Customer.objects.create(name="广州甲公司", name_key="k1", city="广州", source="direct", collected_on=date.today(),
                                 entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1, invoice_choice="general")
    return p, c1


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_pages_render(company, env):
    p, c1 = env
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": "920.00"}]})
    s = login(company.sales1)
    for url in ["/catalog/", f"/catalog/products/{p.pk}/", "/catalog/requests/", "/catalog/new/", "/sales/quotes/",
                "/sales/quotes/new/", f"/sales/quotes/{q.pk}/", f"/sales/quotes/{q.pk}/edit/"]:
        r = s.get(url)
        assert r.status_code == 200, url
    assert "1,000.00" in s.get("/catalog/").content.decode()
    body = s.get(f"/sales/quotes/{q.pk}/").content.decode()
    assert q.number in body and "特价" in body and "-0.200" in body
    f = login(company.finance)
    assert f.get("/catalog/import/").status_code == 200 and "导入" in f.get("/catalog/import/").content.decode()
    assert f.get("/catalog/export/").status_code == 200
    assert s.get(f"/sales/quotes/{q.pk}/pdf/").content[:4] == b"%PDF"
    assert login(company.sales3).get(f"/sales/quotes/{q.pk}/").status_code == 404


def test_create_quote_via_form_and_approve(company, env):
    p, c1 = env
    s = login(company.sales1)
    r = s.post("/sales/quotes/new/", {"customer_id": c1.pk, "vat_invoice": "vat_special", "fee_rate": "0",
                                      "product_id": [p.pk, ""], "quantity": ["2", ""], "unit_price": ["955.00", ""]})
    assert r.status_code == 302
    q = Quote.objects.get()
    assert q.total.to_eng_string() == "1910.00" and q.lines.count() == 1
    s.post(f"/sales/quotes/{q.pk}/submit/")
    q.refresh_from_db()
    assert q.state == "submitted"
    m = login(company.manager)
    assert "审批" in m.get("/sales/quotes/").content.decode()
    m.post(f"/sales/quotes/{q.pk}/approve/", {"comment": "ok"})
    q.refresh_from_db()
    assert q.state == "approved"


def test_form_error_keeps_values_and_saves_nothing(company, env):
    p, c1 = env
    s = login(company.sales1)
    r = s.post("/sales/quotes/new/", {"customer_id": c1.pk, "vat_invoice": "vat_special", "fee_rate": "0",
                                      "product_id": [p.pk], "quantity": ["1"], "unit_price": ["800.00"]})
    assert r.status_code == 200 and Quote.objects.count() == 0
    body = r.content.decode()
    assert "最低价" in body and "800.00" in body


def test_live_check_with_session_and_csrf(company, env):
    p, _ = env
    s = Client(enforce_csrf_checks=True)
    s.force_login(company.sales1)
    s.get("/sales/quotes/new/")
    token = s.cookies["csrftoken"].value
    body = json.dumps({"product_id": p.pk, "quantity": "1", "unit_price": "955.00", "vat_invoice": "vat_special", "fee_rate": "0"})
    r = s.post("/api/v1/pricing/check", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200 and r.json()["outcome"] == "needs_approval"
    r = s.post("/api/v1/pricing/check", data=body, content_type="application/json")
    assert r.status_code in (401, 403)


def test_price_request_pages(company, env):
    s = login(company.sales1)
    h = cat.create_product(company.sales1, {"code": "H1", "name": "线束", "kind": "harness"})
    r = s.post("/catalog/requests/new/", {"product_id": h.pk, "quantity": "5", "note": "急"})
    assert r.status_code == 302
    f = login(company.finance)
    body = f.get("/catalog/requests/").content.decode()
    assert "H1" in body and "答复" in body
    from yewu.catalog.models import PriceRequest

    req = PriceRequest.objects.get()
    f.post(f"/catalog/requests/{req.pk}/answer/", {"price": "99.00", "scope": "product"})
    req.refresh_from_db()
    assert req.state == "answered"


def test_quote_form_carries_only_the_chosen_product_and_customer(company, env):
    """Issue 15: the quote form's pickers search as you type; only what is chosen is on the page."""
    p, c1 = env
    for i in range(10):
        cat.create_product(company.finance, {"code": f"LIST-{i}", "name": f"目录产品{i}"})
    s = login(company.sales1)
    html = s.get("/sales/quotes/new/").content.decode()
    assert "LIST-" not in html and c1.name not in html and re.findall(r'<option value="\d+"', html) == []
    r = s.post("/sales/quotes/new/", {"customer_id": c1.pk, "vat_invoice": "vat_special", "fee_rate": "0",
                                      "product_id": [p.pk], "quantity": ["1"], "unit_price": ["800.00"]})
    html = r.content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*selected', html) == [str(c1.pk), str(p.pk)]
    assert 'data-guide-price="1000.00"' in html and "LIST-" not in html
    q = services.create_quote(company.sales1, {"customer_id": c1.pk, "lines": [{"product_id": p.pk, "quantity": "1",
                                                                               "unit_price": "1000.00"}]})
    html = s.get(f"/sales/quotes/{q.pk}/edit/").content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*selected', html) == [str(p.pk)] and "LIST-" not in html


def test_quote_customer_search_scoped_to_who_may_quote(company, env):
    from yewu.customers.search.services import reindex

    _, c1 = env
    other = Customer.objects.create(name="广州乙公司", name_key="k2", city="广州", source="direct",
                                    collected_on=date.today(), entry_due_at=timezone.now(), owner=company.sales3,
                                    created_by=company.sales3)
    reindex([c1.pk, other.pk])
    items = login(company.sales1).get("/sales/quotes/new/customers/", {"q": "gz"}).json()["items"]
    assert [(i["name"], i["invoice_choice"]) for i in items] == [("广州甲公司", "general")]
    assert {i["name"] for i in login(company.gm).get("/sales/quotes/new/customers/", {"q": "GZ"}).json()["items"]} == {
        "广州甲公司", "广州乙公司"}
