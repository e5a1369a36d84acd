"""The customer JSON API: filing, duplicates (409), bad input (nothing half-saved), transfers, visits,
demand grade, confidentiality, search and pagination."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.customers.models import Contact, Customer, OwnershipChange, Visit

from .conftest import credit_code, payload

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def counts():
    return (Customer.objects.count(), Contact.objects.count(), OwnershipChange.objects.count(), Visit.objects.count())


# --- docs ------------------------------------------------------------------------------------------------


def test_openapi_and_docs_render(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ["/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/customers/{customer_id}/transfer",
              "/api/v1/customers/{customer_id}/visits", "/api/v1/leads", "/api/v1/leads/{customer_id}/allocate",
              "/api/v1/leads/{customer_id}/suggestion", "/api/v1/worklist", "/api/v1/customers/{customer_id}/timeline",
              "/api/v1/customers/{customer_id}/audit", "/api/v1/customers/{customer_id}/contacts",
              "/api/v1/customers/{customer_id}/review"]:
        assert p in paths, p
    assert client.get("/api/v1/docs").status_code == 200


def test_unauthenticated_is_401_json(client):
    r = client.get("/api/v1/customers")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


# --- cust.first_to_file / cust.duplicate -------------------------------------------------------------------


def test_sp_files_and_owns(company, api_client):
    r = post(api_client(company.sales1), "/api/v1/customers", payload(credit_code=credit_code("91440101MA59ABCDE"),
                                                                      industry="电线电缆"))
    assert r.status_code == 201, r.content
    body = r.json()["customer"]
    assert body["owner"] == {"id": company.sales1.id, "name": "张三"}
    assert body["view"] == "full" and body["editable"] is True
    assert body["status"] == "prospect" and body["review_state"] == "pending"
    assert body["demand_grade"] == "C" and body["demand_grade_confirmed"] is False
    assert body["contacts"][0]["mobile"] == "13800138000"
    assert body["credit_limit"] == "0.00"  # the owner sees credit fields (acl.finance_scope)
    assert r.json()["warnings"] == []


@pytest.mark.parametrize("variant, extra", [
    ("广州电缆有限公司", {}),                       # identical
    ("广州电缆", {}),                               # suffix removed
    ("广州电缆股份有限公司", {}),                   # other company-form suffix
    ("广州 电缆（集团）有限公司", {}),             # spaces, full-width brackets, 集团
    ("ｇｕａｎｇｚｈｏｕ电缆有限公司", "latin"),    # full-width latin (see below)
    ("完全不同的名字", {"credit_code": "same"}),   # same credit code
    ("另一家贸易商行", {"mobile": "+86 138-0013-8000"}),  # same phone after normalisation
])
def test_duplicate_is_409_naming_owner_and_date(company, api_client, variant, extra):
    code = credit_code("91440101MA59ABCDE")
    base = "GUANGZHOU电缆有限公司" if extra == "latin" else "广州电缆有限公司"
    assert post(api_client(company.sales1), "/api/v1/customers", payload(name=base, credit_code=code)).status_code == 201
    first = Customer.objects.get()
    kw = {"mobile": "13900139000"}
    if isinstance(extra, dict):
        kw.update({k: (code if v == "same" else v) for k, v in extra.items()})
    before = counts()
    r = post(api_client(company.sales2), "/api/v1/customers", payload(name=variant, **kw))
    assert r.status_code == 409, r.content
    e = r.json()
    filed_on = timezone.localtime(first.created_at).date().isoformat()
    assert e["error"] == "duplicate" and e["rule"] == "cust.duplicate"
    assert "张三" in e["message"] and filed_on in e["message"]
    assert e["existing"] == {"id": first.id, "name": base, "owner": "张三", "filed_on": filed_on}
    assert counts() == before
    # the refusal itself is audited (and survives the rolled-back filing)
    assert AuditEntry.objects.filter(action="decision", rule="cust.duplicate", actor=company.sales2).count() == 1


def test_similarity_refused_in_same_city_warned_80_89_and_other_city_free(company, api_client):
    sp1, sp2, sp3 = (api_client(u) for u in (company.sales1, company.sales2, company.sales3))
    assert post(sp1, "/api/v1/customers", payload(name="广州市恒通电线电缆制造有限公司")).status_code == 201
    # 1 character of 11 differs → 90.9 ≥ 90 → refused in the same city
    r = post(sp2, "/api/v1/customers", payload(name="广州市恒通电线电揽制造有限公司", mobile="13900139001"))
    assert r.status_code == 409 and "相似度" in r.json()["message"]
    # …but not in another city
    r = post(sp3, "/api/v1/customers", payload(name="广州市恒通电线电揽制造有限公司", city="深圳", mobile="13900139002"))
    assert r.status_code == 201 and r.json()["warnings"] == []
    # 1 of 9 differs → 88.9: saved with a warning naming the similar customer
    assert post(sp1, "/api/v1/customers", payload(name="佛山市顺德美的电器有限公司", city="佛山",
                                                  mobile="13900139003")).status_code == 201
    r = post(sp2, "/api/v1/customers", payload(name="佛山市顺德美的电气有限公司", city="佛山", mobile="13900139004"))
    assert r.status_code == 201
    w = r.json()["warnings"]
    assert len(w) == 1 and w[0]["rule"] == "cust.duplicate" and w[0]["similarity"] == 88.9
    assert "佛山市顺德美的电器有限公司" in w[0]["message"]


def test_sp_cannot_take_over_a_duplicate(company, api_client):
    r = post(api_client(company.sales1), "/api/v1/customers", payload())
    cid = r.json()["customer"]["id"]
    sp2 = api_client(company.sales2)
    assert post(sp2, "/api/v1/customers", payload(mobile="13900000000")).status_code == 409
    r = post(sp2, f"/api/v1/customers/{cid}/transfer", {"to_user_id": company.sales2.id, "reason": "我先联系的"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.manager_override"
    assert Customer.objects.get(pk=cid).owner == company.sales1


# --- cust.required_fields and bad input: clear message, nothing half-saved --------------------------------


@pytest.mark.parametrize("data, field, rule", [
    (payload(name=""), "name", "cust.required_fields"),
    (payload(name="   "), "name", "cust.required_fields"),
    (payload(city=""), "city", "cust.required_fields"),
    (payload(source=""), "source", "cust.required_fields"),
    (payload(source="tv"), "source", "cust.source"),
    (payload(demand_grade="E"), "demand_grade", "cust.demand_grade"),
    ({**payload(), "contacts": []}, "contacts", "cust.required_fields"),
    ({**payload(), "contacts": [{"name": "陈先生"}]}, "contacts", "cust.required_fields"),
    (payload(name="名" * 101), "name", "input.bounds"),
    (payload(mobile="12345"), "contacts.0.mobile", None),
    (payload(mobile="138001380001"), "contacts.0.mobile", None),
    ({**payload(), "contacts": [{"name": "陈先生", "phone": "020-abc"}]}, "contacts.0.phone", None),
    ({**payload(), "contacts": [{"name": "陈先生", "email": "chen@"}]}, "contacts.0.email", None),
    (payload(credit_code="91440101MA59ABCDE0"), "credit_code", None),   # wrong check digit
    (payload(credit_code="91440101MA59ABCD"), "credit_code", None),     # too short
    (payload(name="<script>alert(1)</script>广州"), "name", None),
    (payload(needs="急需<script>alert(1)</script>"), "needs", None),
    (payload(registered_address="<img src=x onerror=alert(1)>"), "registered_address", None),
    (payload(collected_on=(date.today() + timedelta(days=3)).isoformat()), "collected_on", "cust.entry_2wd"),
])
def test_bad_input_is_400_with_field_and_nothing_saved(company, api_client, data, field, rule):
    before = counts()
    audit_before = AuditEntry.objects.count()
    r = post(api_client(company.sales1), "/api/v1/customers", data)
    too_long = len(data.get("name", "")) > 100  # issue 15: over-long text is refused with 422 naming the limit
    assert r.status_code == (422 if too_long else 400), r.content
    e = r.json()
    assert e["error"] == ("too_long" if too_long else "invalid") and e["message"] and field in e["fields"]
    assert e.get("rule") == rule
    assert counts() == before and AuditEntry.objects.count() == audit_before


def test_schema_violation_is_422_in_our_shape(company, api_client):
    r = post(api_client(company.sales1), "/api/v1/customers", {**payload(), "owner": 5})  # unknown field
    assert r.status_code == 422 and r.json()["error"] == "invalid" and "owner" in r.json()["fields"]
    r = api_client(company.sales1).get("/api/v1/customers?limit=500")
    assert r.status_code == 422 and "limit" in r.json()["fields"]


def test_valid_credit_code_and_phone_formats_accepted(company, api_client):
    data = payload(credit_code=credit_code("91440101MA59ABCDE").lower())
    data["contacts"] = [{"name": "陈先生", "mobile": "+86 138 0013 8000", "phone": "020-8888 6666",
                         "email": "chen@example.com"}]
    r = post(api_client(company.sales1), "/api/v1/customers", data)
    assert r.status_code == 201, r.content
    assert r.json()["customer"]["credit_code"] == credit_code("91440101MA59ABCDE")
    assert Contact.objects.get().mobile_norm == "13800138000"


# --- cust.entry_2wd through the API --------------------------------------------------------------------------


def test_late_entry_saved_with_warning(company, api_client):
    r = post(api_client(company.sales1), "/api/v1/customers", payload(collected_on="2025-09-25"))
    assert r.status_code == 201
    c = r.json()["customer"]
    assert c["late_entry"] is True and c["entry_due_at"].startswith("2025-09-28T23:59:59")
    assert r.json()["warnings"][0]["rule"] == "cust.entry_2wd"


# --- PATCH --------------------------------------------------------------------------------------------------


def test_patch_updates_and_refuses_duplicate_rename(company, api_client, make_customer):
    c = make_customer(company.sales1, name="广州电缆有限公司")
    other = make_customer(company.sales2, name="深圳华强电子有限公司", city="深圳")
    sp1 = api_client(company.sales1)
    r = patch(sp1, f"/api/v1/customers/{c.pk}", {"industry": "线缆", "needs": "铜芯电缆"})
    assert r.status_code == 200 and r.json()["customer"]["industry"] == "线缆"
    # rename onto another customer's name key: 409 naming that owner, nothing changed
    r = patch(sp1, f"/api/v1/customers/{c.pk}", {"name": "深圳华强电子", "city": "深圳"})
    assert r.status_code == 409 and "李四" in r.json()["message"] and r.json()["existing"]["id"] == other.pk
    c.refresh_from_db()
    assert c.name == "广州电缆有限公司" and c.city == "广州"
    # bad input
    for data, field in [({"name": ""}, "name"), ({"needs": "<script>x</script>"}, "needs"),
                        ({"credit_code": "123"}, "credit_code"), ({"status": "gone"}, "status")]:
        r = patch(sp1, f"/api/v1/customers/{c.pk}", data)
        assert r.status_code == 400 and field in r.json()["fields"], (data, r.content)
    c.refresh_from_db()
    assert c.needs == "铜芯电缆" and c.status == "prospect"
    # credit fields are set only by the credit process
    r = patch(sp1, f"/api/v1/customers/{c.pk}", {"credit_grade": "A"})
    assert r.status_code == 403 and r.json()["rule"] == "credit.limit_grant"
    # unknown fields are refused, not silently ignored
    assert patch(sp1, f"/api/v1/customers/{c.pk}", {"owner_id": company.sales2.id}).status_code == 422


# --- cust.demand_grade --------------------------------------------------------------------------------------


def test_demand_grade_sp_proposes_sm_confirms(company, api_client, make_customer):
    c = make_customer(company.sales1)
    url = f"/api/v1/customers/{c.pk}"
    r = patch(api_client(company.sales1), url, {"demand_grade": "A"})
    assert r.json()["customer"]["demand_grade"] == "A" and r.json()["customer"]["demand_grade_confirmed"] is False
    r = patch(api_client(company.manager), url, {"demand_grade": "A"})
    assert r.status_code == 200 and r.json()["customer"]["demand_grade_confirmed"] is True
    # a new proposal by the SP needs confirmation again
    r = patch(api_client(company.sales1), url, {"demand_grade": "B"})
    assert r.json()["customer"]["demand_grade_confirmed"] is False
    # SM review accepts the archive and confirms the grade
    r = post(api_client(company.manager), f"{url}/review", {"accept": True})
    assert r.status_code == 200 and r.json()["review_state"] == "accepted" and r.json()["demand_grade_confirmed"]
    # history kept: every change is in the audit trail
    grades = [(e.before or {}).get("demand_grade") for e in AuditEntry.objects.filter(
        object_type="customers.customer", object_id=str(c.pk), action="update").order_by("id")]
    assert grades == ["C", "A", "A"]
    # an SP cannot review
    r = post(api_client(company.sales1), f"{url}/review", {"accept": False, "note": "x"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.manager_review"


def test_sm_filing_confirms_grade_and_returning_needs_note(company, api_client):
    sm = api_client(company.manager)
    r = post(sm, "/api/v1/customers", payload(demand_grade="A", owner_id=company.sales1.id))
    assert r.status_code == 201, r.content
    c = r.json()["customer"]
    assert c["owner"]["id"] == company.sales1.id and c["demand_grade_confirmed"] is True
    r = post(sm, f"/api/v1/customers/{c['id']}/review", {"accept": False})
    assert r.status_code == 400 and "note" in r.json()["fields"]


# --- cust.manager_override -------------------------------------------------------------------------------------


def test_transfers(company, api_client, make_customer):
    c = make_customer(company.sales1)
    c3 = make_customer(company.sales3, city="佛山")
    url = f"/api/v1/customers/{c.pk}/transfer"
    sm, sm2, gm = api_client(company.manager), api_client(company.manager2), api_client(company.gm)
    before = counts()
    # no reason → refused with the rule, nothing saved
    r = post(sm, url, {"to_user_id": company.sales2.id})
    assert r.status_code == 400 and r.json()["rule"] == "cust.manager_override" and "reason" in r.json()["fields"]
    r = post(sm, url, {"to_user_id": company.sales2.id, "reason": "   "})
    assert r.status_code == 400
    # to a user who is not a salesperson
    r = post(sm, url, {"to_user_id": company.finance.id, "reason": "调整"})
    assert r.status_code == 422 and r.json()["rule"] == "cust.manager_override" and "周财务" in r.json()["message"]
    r = post(sm, url, {"to_user_id": 999999, "reason": "调整"})
    assert r.status_code == 400 and "to_user_id" in r.json()["fields"]
    # to another team's SP: needs the GM
    r = post(sm, url, {"to_user_id": company.sales3.id, "reason": "调整"})
    assert r.status_code == 422 and r.json()["error"] == "cross_team"
    # SM of another team cannot transfer this team's customer
    r = post(sm2, url, {"to_user_id": company.sales3.id, "reason": "调整"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.manager_override"
    # nor an SP (any id: an SP learns nothing about other customers)
    for cid in (c.pk, c3.pk, 999999):
        r = post(api_client(company.sales2), f"/api/v1/customers/{cid}/transfer",
                 {"to_user_id": company.sales2.id, "reason": "我来跟"})
        assert r.status_code == 403 and r.json()["rule"] == "cust.manager_override"
    assert counts() == before
    # within team with reason: ok, history kept
    r = post(sm, url, {"to_user_id": company.sales2.id, "reason": "张三调岗"})
    assert r.status_code == 200 and r.json()["owner"]["id"] == company.sales2.id
    # GM can move across teams
    r = post(gm, url, {"to_user_id": company.sales3.id, "reason": "区域调整"})
    assert r.status_code == 200 and r.json()["owner"]["name"] == "王五"
    hist = list(OwnershipChange.objects.filter(customer=c).order_by("id").values_list("kind", "to_user", "reason"))
    assert hist == [("filed", company.sales1.id, ""), ("transferred", company.sales2.id, "张三调岗"),
                    ("transferred", company.sales3.id, "区域调整")]
    # the former owner no longer sees it
    assert api_client(company.sales1).get(f"/api/v1/customers/{c.pk}").status_code == 404


def test_sm_force_creates_only_when_refused_by_similarity(company, api_client):
    post(api_client(company.sales1), "/api/v1/customers", payload(name="广州市恒通电线电缆制造有限公司"))
    sm = api_client(company.manager)
    similar = payload(name="广州市恒通电线电揽制造有限公司", mobile="13900139001", owner_id=company.sales2.id)
    r = post(sm, "/api/v1/customers", similar)
    assert r.status_code == 409
    r = post(sm, "/api/v1/customers", {**similar, "force_reason": "确认为两家不同企业，已核实营业执照"})
    assert r.status_code == 201, r.content
    assert r.json()["customer"]["owner"]["id"] == company.sales2.id
    assert OwnershipChange.objects.filter(reason__startswith="确认为两家").exists()
    # an exact duplicate cannot be forced
    r = post(sm, "/api/v1/customers", payload(mobile="13900139009", owner_id=company.sales2.id,
                                              name="广州市恒通电线电缆制造有限公司", force_reason="强制"))
    assert r.status_code == 409
    # an SP cannot force
    r = post(api_client(company.sales2), "/api/v1/customers",
             payload(name="广州市恒通电线电览制造有限公司", mobile="13900139002", force_reason="我要建"))
    assert r.status_code == 409
    # and an SM cannot file for another team's SP
    r = post(sm, "/api/v1/customers", payload(name="全新客户", mobile="13900139003", owner_id=company.sales3.id))
    assert r.status_code == 422 and r.json()["rule"] == "cust.manager_override"


# --- visits and contacts ------------------------------------------------------------------------------------------


def test_visit_and_contact(company, api_client, make_customer):
    c = make_customer(company.sales1)
    sp1 = api_client(company.sales1)
    r = post(sp1, f"/api/v1/customers/{c.pk}/visits", {"channel": "phone", "purpose": "首次电话沟通"})
    assert r.status_code == 201 and r.json()["first_contact"] is True and r.json()["unplanned"] is False
    r = post(sp1, f"/api/v1/customers/{c.pk}/visits", {"channel": "visit", "purpose": "上门拜访",
                                                        "accompanied_by_id": company.manager.id})
    assert r.status_code == 201 and r.json()["first_contact"] is False and r.json()["unplanned"] is True
    before = counts()
    for data, field in [({"channel": "carrier-pigeon", "purpose": "x"}, "channel"),
                        ({"channel": "phone", "purpose": ""}, "purpose"),
                        ({"channel": "phone", "purpose": "x", "content": "<script>x</script>"}, "content"),
                        ({"channel": "phone", "purpose": "x", "at": "2099-01-01T10:00:00"}, "at"),
                        ({"channel": "phone", "purpose": "x", "accompanied_by_id": company.sales2.id}, "accompanied_by_id"),
                        ({"channel": "phone", "purpose": "x", "accompanied_by_id": 999999}, "accompanied_by_id")]:
        r = post(sp1, f"/api/v1/customers/{c.pk}/visits", data)
        assert r.status_code == 400 and field in r.json()["fields"], (data, r.content)
    assert counts() == before
    # naive times are Shanghai time
    r = post(sp1, f"/api/v1/customers/{c.pk}/visits", {"channel": "wechat", "purpose": "微信", "at": "2025-10-09T09:30:00"})
    assert r.status_code == 201 and r.json()["at"].startswith("2025-10-09T09:30:00+08:00")
    # contacts
    r = post(sp1, f"/api/v1/customers/{c.pk}/contacts", {"name": "刘工", "title": "采购", "mobile": "13700137000"})
    assert r.status_code == 201 and r.json()["mobile"] == "13700137000"
    r = post(sp1, f"/api/v1/customers/{c.pk}/contacts", {"name": "无号码"})
    assert r.status_code == 400
    other = make_customer(company.sales3, city="深圳", mobile="13600136000")
    r = post(sp1, f"/api/v1/customers/{c.pk}/contacts", {"name": "王工", "mobile": "+86 136 0013 6000"})
    assert r.status_code == 409 and r.json()["existing"]["id"] == other.pk and "王五" in r.json()["message"]
    # timeline shows the visits
    r = sp1.get(f"/api/v1/customers/{c.pk}/timeline")
    assert r.status_code == 200 and {i["kind"] for i in r.json()} == {"visit", "audit"}


# --- search and pagination -----------------------------------------------------------------------------------


def test_search_by_name_phone_pinyin_and_pagination(company, api_client, make_customer):
    gz = make_customer(company.sales1, name="广州电缆有限公司", mobile="13812345678")
    make_customer(company.sales1, name="深圳华强电子有限公司", city="深圳")
    make_customer(company.sales3, name="广州电线厂", city="佛山")  # other team: never found by sales1
    sp1 = api_client(company.sales1)

    def ids(q, client=sp1):
        r = client.get("/api/v1/customers", {"q": q})
        assert r.status_code == 200
        return [i["id"] for i in r.json()["items"]]

    assert ids("gzdl") == [gz.pk]
    assert ids("GZDL") == [gz.pk]
    assert ids("guangzhoudianlan") == [gz.pk]
    assert ids("电缆") == [gz.pk]
    assert ids("12345678") == [gz.pk]
    assert ids("+86 138-1234-5678") == [gz.pk]
    assert ids("不存在") == []
    assert len(ids("gzdx", api_client(company.gm))) == 1

    for _ in range(7):
        make_customer(company.sales1, city="东莞")
    r = sp1.get("/api/v1/customers", {"limit": 3, "offset": 0, "city": "东莞"})
    body = r.json()
    assert body["count"] == 7 and len(body["items"]) == 3 and body["limit"] == 3
    seen = [i["id"] for i in body["items"]]
    for off in (3, 6):
        seen += [i["id"] for i in sp1.get("/api/v1/customers", {"limit": 3, "offset": off, "city": "东莞"}).json()["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert sp1.get("/api/v1/customers").json()["count"] == 9
    assert sp1.get("/api/v1/customers", {"owner": "me", "demand_grade": "C", "status": "prospect"}).json()["count"] == 9
    assert sp1.get("/api/v1/customers", {"demand_grade": "A"}).json()["count"] == 0
    assert sp1.get("/api/v1/customers", {"owner": "others"}).status_code == 400
    assert sp1.get("/api/v1/customers", {"status": "gone"}).status_code == 400
