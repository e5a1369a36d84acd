"""Row-level access (acl.sp_scope, acl.team_scope, acl.finance_scope, acl.cs_scope) and
confidentiality (cust.confidentiality) through the API: what each role can read, edit and log."""

import json

import pytest
from yewu.customers.services import update_customer

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer, Visit

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def book(company, make_customer):
    """sales1 and sales2 (team1), sales3 (team2) each own one customer; one sits in the pool."""
    b = type("Book", (), {})()
    b.c1 = make_customer(company.sales1, name="广州电缆有限公司", industry="线缆")
    b.c2 = make_customer(company.sales2, name="广州开关厂")
    b.c3 = make_customer(company.sales3, name="佛山照明有限公司", city="佛山")
    b.pool = make_customer(company.manager, name="东莞塑胶五金有限公司", city="东莞", industry="五金")  # SM files → pool
    for c in (b.c1, b.c2, b.c3, b.pool):
        c.refresh_from_db()
    assert b.pool.owner_id is None
    return b


def ids(client, **params):
    r = client.get("/api/v1/customers", params)
    assert r.status_code == 200, r.content
    return {i["id"] for i in r.json()["items"]}


def test_sp_scope(company, api_client, book):
    sp1 = api_client(company.sales1)
    assert ids(sp1) == {book.c1.pk}
    # another SP's customer is 404 (not 403): GET, PATCH, visits, contacts, timeline, audit
    for cid in (book.c2.pk, book.c3.pk):
        assert sp1.get(f"/api/v1/customers/{cid}").status_code == 404
        r = patch(sp1, f"/api/v1/customers/{cid}", {"industry": "改"})
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        assert post(sp1, f"/api/v1/customers/{cid}/visits", {"channel": "phone", "purpose": "x"}).status_code == 404
        assert post(sp1, f"/api/v1/customers/{cid}/contacts", {"name": "x", "mobile": "13700000000"}).status_code == 404
        assert sp1.get(f"/api/v1/customers/{cid}/timeline").status_code == 404
        assert sp1.get(f"/api/v1/customers/{cid}/audit").status_code == 404
    # a nonexistent id looks the same
    assert sp1.get("/api/v1/customers/999999").json() == sp1.get(f"/api/v1/customers/{book.c3.pk}").json()
    assert Customer.objects.get(pk=book.c2.pk).industry == "" and not Visit.objects.exists()
    # the pool: a summary only (name, city, industry, source, date)
    r = sp1.get("/api/v1/customers", {"owner": "pool"})
    items = r.json()["items"]
    assert r.json()["count"] == 1 and items[0]["id"] == book.pool.pk
    assert set(items[0]) == {"id", "name", "city", "industry", "source", "created_at", "view"}
    assert items[0]["view"] == "summary" and items[0]["industry"] == "五金"
    r = sp1.get(f"/api/v1/customers/{book.pool.pk}")
    assert r.status_code == 200 and set(r.json()) == set(items[0])
    # …and cannot edit or log on it
    assert patch(sp1, f"/api/v1/customers/{book.pool.pk}", {"industry": "x"}).status_code == 404
    assert post(sp1, f"/api/v1/customers/{book.pool.pk}/visits", {"channel": "phone", "purpose": "x"}).status_code == 404
    # own customer: full, with credit fields
    full = sp1.get(f"/api/v1/customers/{book.c1.pk}").json()
    assert full["view"] == "full" and "credit_limit" in full and "contacts" in full


def test_team_scope(company, api_client, book):
    sm = api_client(company.manager)
    assert ids(sm) == {book.c1.pk, book.c2.pk, book.pool.pk}
    assert ids(sm, owner="pool") == {book.pool.pk}
    assert sm.get(f"/api/v1/customers/{book.c3.pk}").status_code == 404
    assert patch(sm, f"/api/v1/customers/{book.c3.pk}", {"industry": "x"}).status_code == 404
    r = sm.get(f"/api/v1/customers/{book.c2.pk}")
    assert r.json()["view"] == "full" and r.json()["credit_limit"] == "0.00" and r.json()["editable"]
    # the pool in full for the SM, editable
    r = sm.get(f"/api/v1/customers/{book.pool.pk}")
    assert r.json()["view"] == "full" and r.json()["editable"] is True
    assert patch(sm, f"/api/v1/customers/{book.c2.pk}", {"needs": "经理补充"}).status_code == 200
    sm2 = api_client(company.manager2)
    assert ids(sm2) == {book.c3.pk, book.pool.pk}
    assert ids(api_client(company.gm)) == {book.c1.pk, book.c2.pk, book.c3.pk, book.pool.pk}


def test_finance_reads_all_but_cannot_edit(company, api_client, book):
    fin = api_client(company.finance)
    assert ids(fin) == {book.c1.pk, book.c2.pk, book.c3.pk, book.pool.pk}
    r = fin.get(f"/api/v1/customers/{book.c3.pk}")
    assert r.status_code == 200 and r.json()["view"] == "full" and r.json()["editable"] is False
    assert "credit_limit" in r.json()
    r = patch(fin, f"/api/v1/customers/{book.c3.pk}", {"industry": "x"})
    assert r.status_code == 403 and r.json()["rule"] == "acl.finance_scope"
    r = post(fin, f"/api/v1/customers/{book.c3.pk}/visits", {"channel": "phone", "purpose": "催款"})
    assert r.status_code == 403
    # the cashier reads too, but without credit fields (acl.finance_scope names FIN, FD, GM, CSM, owner, SM)
    r = api_client(company.cashier).get(f"/api/v1/customers/{book.c3.pk}")
    assert r.status_code == 200 and "credit_limit" not in r.json() and "credit_grade" not in r.json()
    # CS reads all service data; no credit; no edit
    r = api_client(company.cs).get(f"/api/v1/customers/{book.c3.pk}")
    assert r.json()["view"] == "full" and "credit_grade" not in r.json()
    r = patch(api_client(company.cs), f"/api/v1/customers/{book.c3.pk}", {"industry": "x"})
    assert r.status_code == 403 and r.json()["rule"] == "acl.cs_scope"
    # a salesperson of the same team sees no credit of a colleague's customer (not visible at all)
    assert api_client(company.sales2).get(f"/api/v1/customers/{book.c1.pk}").status_code == 404


def test_ls_sees_own_leads_only(company, api_client, book):
    ls = api_client(company.leads)
    assert ids(ls) == set()
    assert ls.get(f"/api/v1/customers/{book.pool.pk}").status_code == 404


def test_confidentiality_levels(company, api_client, book):
    c = book.c1
    url = f"/api/v1/customers/{c.pk}"
    sp1 = api_client(company.sales1)
    # SP cannot set 机密 or 绝密
    for level in ("confidential", "top_secret"):
        r = patch(sp1, url, {"confidentiality": level})
        assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    assert Customer.objects.get(pk=c.pk).confidentiality == "secret"
    # SM sets 机密 (expiry 5 years)
    r = patch(api_client(company.manager), url, {"confidentiality": "confidential"})
    assert r.status_code == 200 and r.json()["customer"]["confidentiality_expires_on"]
    # 机密: CS sees the service card only; CSM, FD, GM, owner, owner's SM full
    card = api_client(company.cs).get(url).json()
    assert card["view"] == "card"
    assert set(card) == {"id", "name", "registered_address", "delivery_address", "status", "owner", "contacts",
                         "view", "editable"}
    assert card["contacts"][0]["name"] == "陈先生" and card["owner"]["name"] == "张三"
    for u in ("csmanager", "finance", "gm", "sales1", "manager"):
        assert api_client(getattr(company, u)).get(url).json()["view"] == "full", u
    assert api_client(company.cashier).get(url).json()["view"] == "card"
    # list rows follow the same cut
    row = next(i for i in api_client(company.cs).get("/api/v1/customers").json()["items"] if i["id"] == c.pk)
    assert row["view"] == "card" and "industry" not in row and "city" not in row
    # timeline/audit need the full archive
    r = api_client(company.cs).get(f"{url}/timeline")
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    # every full read of a 机密 archive is logged (借阅卡)
    assert AuditEntry.objects.filter(action="read", object_id=str(c.pk), rule="cust.archive_access_request").count() == 5
    # only the GM sets 绝密; then others see name and owner only
    r = patch(api_client(company.manager), url, {"confidentiality": "top_secret"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    assert patch(api_client(company.gm), url, {"confidentiality": "top_secret"}).status_code == 200
    for u in ("cs", "finance", "manager", "cashier"):
        body = api_client(getattr(company, u)).get(url).json()
        assert body["view"] == "name" and set(body) == {"id", "name", "owner", "view", "editable"}, u
        assert body["editable"] is False
    # the owner's SM can no longer edit what he cannot read
    r = patch(api_client(company.manager), url, {"industry": "x"})
    assert r.status_code == 403
    for u in ("gm", "csmanager", "sales1"):  # CIA (csmanager), GM, owner
        assert api_client(getattr(company, u)).get(url).json()["view"] == "full", u
    # only the GM lowers 绝密
    r = patch(sp1, url, {"confidentiality": "secret"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    assert patch(api_client(company.gm), url, {"confidentiality": "secret"}).status_code == 200


def test_credit_fields_masked_in_audit_for_non_credit_readers(company, api_client, book):
    update_customer(company.manager, book.c2.pk, {"needs": "x"})
    r = api_client(company.cs).get(f"/api/v1/customers/{book.c2.pk}/audit")
    assert r.status_code == 200 and r.json()
    assert all("credit_limit" not in (e["after"] or {}) for e in r.json())
    r = api_client(company.finance).get(f"/api/v1/customers/{book.c2.pk}/audit")
    assert any("credit_limit" in (e["after"] or {}) for e in r.json())


def test_inactive_user_token_is_refused(company, api_client, book):
    client = api_client(company.sales1)
    company.sales1.is_active = False
    company.sales1.save()
    assert client.get("/api/v1/customers").status_code == 401
