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


def _ascii_words(text: str) -> list[str]:
    import re

    return re.findall(r"[A-Za-z]{3,}", text)


@pytest.mark.django_db
def test_api_422_says_what_is_wrong_with_each_field_in_chinese(company, api_client):
    """pydantic's English ("Field required", "Input should be a valid integer…") is not what a user reads."""
    from yewu.customers.models import Customer

    sp = api_client(company.sales1)
    r = sp.get("/api/v1/customers", {"limit": "many"})
    assert r.status_code == 422 and r.json()["fields"] == {"limit": "应为整数"}, r.content
    r = sp.post("/api/v1/customers", json.dumps({**_customer("广州宏达"), "contacts": "王工"}),
                content_type="application/json")
    assert r.status_code == 422 and r.json()["fields"]["contacts"] == "应为列表", r.content
    for resp in (r, sp.get("/api/v1/customers", {"limit": "many"})):
        j = resp.json()
        assert not any(_ascii_words(v) for v in j["fields"].values()), j
    assert "contacts 应为列表" in r.json()["message"] and r.json()["rule"] == "input.bounds"
    assert not Customer.objects.exists()


def test_every_known_pydantic_error_type_reads_in_chinese():
    from yewu.common.input_errors import zh_message

    cases = {
        ("missing", ()): "必填",
        ("string_too_long", (("max_length", 20),)): "最多 20 个字符",
        ("too_short", (("min_length", 1),)): "至少 1 项",
        ("greater_than_equal", (("ge", 0),)): "不能小于 0",
        ("less_than_equal", (("le", 100),)): "不能大于 100",
        ("literal_error", (("expected", "'a', 'b' or 'c'"),)): "应为以下之一：a、b、c",
        ("decimal_max_places", (("decimal_places", 2),)): "最多 2 位小数",
        ("date_from_datetime_parsing", ()): "应为日期（YYYY-MM-DD）",
    }
    for (t, ctx), want in cases.items():
        assert zh_message({"type": t, "msg": "English text", "ctx": dict(ctx)}) == want
    # our validators' Chinese comes through without pydantic's prefix; English never does
    assert zh_message({"type": "value_error", "msg": "Value error, 金额最多 2 位小数"}) == "金额最多 2 位小数"
    assert zh_message({"type": "some_new_type", "msg": "Input should be nice"}) == "取值不对（some_new_type）"
