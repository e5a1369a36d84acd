"""Every create / update / transfer / allocate writes an append-only audit entry (who, when, before → after)."""

import json

import pytest

from yewu.audit.models import AuditEntry
from yewu.audit.selectors import entries_for

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def entries(cid, action):
    return list(entries_for("customers.customer", cid).filter(action=action).order_by("id"))


def test_create_patch_transfer_allocate_are_audited(company, api_client):
    sp1 = api_client(company.sales1)
    r = post(sp1, "/api/v1/customers", {"name": "广州电缆有限公司", "city": "广州", "source": "direct",
                                        "contacts": [{"name": "陈先生", "mobile": "13800138000"}]})
    cid = r.json()["customer"]["id"]
    [create] = entries(cid, "create")
    assert create.actor == company.sales1 and create.actor_name == "张三" and create.at
    assert create.before is None
    assert create.after["name"] == "广州电缆有限公司" and create.after["owner_id"] == company.sales1.id
    assert create.after["contacts"][0]["mobile"] == "13800138000" and create.rule == "cust.first_to_file"

    patch(sp1, f"/api/v1/customers/{cid}", {"industry": "线缆", "demand_grade": "B"})
    [upd] = entries(cid, "update")
    assert upd.actor == company.sales1
    assert (upd.before["industry"], upd.after["industry"]) == ("", "线缆")
    assert (upd.before["demand_grade"], upd.after["demand_grade"]) == ("C", "B")
    changed = {k for k, _, _ in upd.changes}
    assert {"industry", "demand_grade"} <= changed and "name" not in changed

    post(api_client(company.manager), f"/api/v1/customers/{cid}/transfer",
         {"to_user_id": company.sales2.id, "reason": "调岗"})
    [tr] = entries(cid, "transfer")
    assert tr.actor == company.manager and tr.rule == "cust.manager_override" and tr.reason == "调岗"
    assert (tr.before["owner_id"], tr.after["owner_id"]) == (company.sales1.id, company.sales2.id)

    lid = post(api_client(company.leads), "/api/v1/leads", {
        "name": "深圳线索", "city": "广州", "contacts": [{"name": "x", "mobile": "13500135000"}]}).json()["lead"]["id"]
    [lc] = entries(lid, "create")
    assert lc.actor == company.leads and lc.after["owner_id"] is None and lc.after["is_web_lead"] is True
    post(api_client(company.manager), f"/api/v1/leads/{lid}/allocate", {"to_user_id": company.sales1.id})
    [al] = entries(lid, "allocate")
    assert al.actor == company.manager and al.rule == "cust.web_lead_allocation"
    assert (al.before["owner_id"], al.after["owner_id"]) == (None, company.sales1.id)
    assert (al.before["status"], al.after["status"]) == ("lead", "prospect")
    # the API shows the trail to those who may read the archive
    r = api_client(company.manager).get(f"/api/v1/customers/{cid}/audit")
    assert [e["action"] for e in r.json()] == ["create", "update", "transfer"]


def test_noop_patch_writes_no_update_entry(company, make_customer):
    from yewu.customers.services import update_customer

    c = make_customer(company.sales1, industry="线缆")
    update_customer(company.sales1, c.pk, {"industry": "线缆"})
    assert entries(c.pk, "update") == []


def test_refused_action_writes_nothing_but_the_decision(company, api_client, make_customer):
    c = make_customer(company.sales1)
    n = AuditEntry.objects.count()
    r = post(api_client(company.manager), f"/api/v1/customers/{c.pk}/transfer", {"to_user_id": company.sales3.id,
                                                                                  "reason": "x"})
    assert r.status_code == 422
    assert AuditEntry.objects.count() == n


def test_audit_entries_are_append_only(company, make_customer):
    c = make_customer(company.sales1)
    e = AuditEntry.objects.filter(object_id=str(c.pk)).first()
    e.reason = "篡改"
    with pytest.raises(RuntimeError, match="append-only"):
        e.save()
    with pytest.raises(RuntimeError, match="append-only"):
        e.delete()
    e.refresh_from_db()
    assert e.reason == ""
