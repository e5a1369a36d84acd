"""Input limits are said, not silently applied (issue 15): a 10,000-character name is refused with its limit."""

import json

import pytest

from yewu.common.text import TooLong, clean_text

LONG = "广" * 10_000


def test_clean_text_refuses_over_long_text_instead_of_cutting_it():
    with pytest.raises(TooLong) as e:
        clean_text(LONG, field="name", label="客户名称", max_len=100)
    assert e.value.status == 422
    assert e.value.fields == {"name": "最多 100 个字符（现为 10000）"}
    assert "100" in e.value.message and "10000" in e.value.message
    assert clean_text("广" * 100, field="name", label="客户名称", max_len=100) == "广" * 100


def _customer(name):
    return {"name": name, "city": "广州", "source": "陌拜", "contacts": [{"name": "王工", "mobile": "13800138000"}]}


@pytest.mark.django_db
def test_api_refuses_a_10000_character_customer_name_with_422_naming_field_and_limit(company, api_client):
    from yewu.customers.models import Customer, Source

    body = _customer(LONG)
    body["source"] = Source.values[0]
    r = api_client(company.sales1).post("/api/v1/customers", json.dumps(body), content_type="application/json")
    assert r.status_code == 422, r.content
    j = r.json()
    assert j["fields"] == {"name": "最多 100 个字符（现为 10000）"}
    assert j["rule"] == "input.bounds"
    assert not Customer.objects.exists()  # nothing filed with a cut name


@pytest.mark.django_db
def test_form_refuses_a_10000_character_customer_name_saying_the_limit(company, client):
    from yewu.customers.models import Customer, Source

    client.force_login(company.sales1)
    r = client.post("/customers/new/", {"name": LONG, "city": "广州", "source": Source.values[0], "demand_grade": "C",
                                        "kind": "enterprise", "invoice_choice": "vat_special",
                                        "c0-name": "王工", "c0-mobile": "13800138000"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "100" in body and "10000" in body  # the field error names the limit and the length typed
    assert not Customer.objects.exists()
    # the limit is said by the page script, not applied by the browser: app.js turns maxlength into data-maxlength
    r = client.get("/customers/new/")
    assert 'maxlength="100"' in r.content.decode()  # the server still tells the page the limit
