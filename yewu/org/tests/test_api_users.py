"""GET /api/v1/users and /api/v1/me (issue 10 §12): a client finds the user ids a transfer or an allocation needs,
limited to what the caller may see; the SM's allocation settings through the API (SPEC §2.4, issue 10 §10b)."""

from decimal import Decimal

import pytest

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer
from yewu.org.models import User

FIELDS = {"id", "name", "roles", "team"}


def names(r):
    assert r.status_code == 200, r.json()
    return {x["name"] for x in r.json()["items"]}


def test_each_role_sees_only_the_users_within_its_reach(company, api_client):
    co = company
    User.objects.create_user(username="gone", password="x", roles=["SP"], team=co.team1, display_name="离职",
                             is_active=False)
    r = api_client(co.sales1).get("/api/v1/users")
    assert names(r) == {"张三", "李经理"}  # self and own SM
    assert all(set(x) == FIELDS for x in r.json()["items"])
    assert names(api_client(co.manager).get("/api/v1/users")) == {"李经理", "张三", "李四"}  # own team
    assert names(api_client(co.manager2).get("/api/v1/users")) == {"赵经理", "王五"}
    assert names(api_client(co.finance).get("/api/v1/users")) == {"周财务"}  # no team: self only
    every = names(api_client(co.gm).get("/api/v1/users"))
    assert every == {u.name for u in User.objects.filter(is_active=True)} and "离职" not in every
    assert names(api_client(co.gm).get("/api/v1/users?role=SP")) == {"张三", "李四", "王五"}
    assert names(api_client(co.gm).get(f"/api/v1/users?role=SP&team_id={co.team2.pk}")) == {"王五"}
    r = api_client(co.gm).get("/api/v1/users?role=BOSS")
    assert r.status_code == 400 and "role" in r.json()["fields"]
    for bad in ("offset=-1", "limit=0", "limit=100000", f"team_id={10**20}"):
        r = api_client(co.gm).get(f"/api/v1/users?{bad}")
        assert r.status_code in (400, 422) and r.json()["fields"], bad  # 400 from the central paging bound
    assert api_client(co.gm).get("/api/v1/users?limit=2&offset=1").json()["count"] == len(every)
    assert len(api_client(co.gm).get("/api/v1/users?limit=2&offset=1").json()["items"]) == 2


def test_me_and_unauthenticated(company, api_client, client):
    co = company
    j = api_client(co.manager).get("/api/v1/me").json()
    assert (j["id"], j["username"], j["name"], j["roles"]) == (co.manager.pk, "manager", "李经理", ["SM"])
    assert j["team"] == {"id": co.team1.pk, "name": "一组"} and j["managed_team_ids"] == [co.team1.pk]
    assert "sets_allocation" in j["abilities"] and "sees_costs" not in j["abilities"]
    j = api_client(co.sales1).get("/api/v1/me").json()
    assert j["managed_team_ids"] == [] and "sets_allocation" not in j["abilities"] and "sees_prices" in j["abilities"]
    assert client.get("/api/v1/me").status_code == 401 and client.get("/api/v1/users").status_code == 401


def test_an_id_from_the_list_is_what_a_transfer_takes(company, api_client):
    co = company
    c = Customer.objects.create(name="客户甲", name_key="客户甲", city="广州", source="direct", owner=co.sales1,
                                created_by=co.sales1, collected_on="2026-01-01", entry_due_at="2026-01-03T00:00:00Z")
    mgr = api_client(co.manager)
    to = next(x["id"] for x in mgr.get("/api/v1/users?role=SP").json()["items"] if x["name"] == "李四")
    r = mgr.post(f"/api/v1/customers/{c.pk}/transfer", {"to_user_id": to, "reason": "张三调岗"},
                 content_type="application/json")
    assert r.status_code == 200, r.json()
    assert Customer.objects.get(pk=c.pk).owner_id == co.sales2.pk


# --- allocation settings (cust.web_lead_allocation) -------------------------------------------------------------


def put(client, user, body):
    return client.put(f"/api/v1/allocation-settings/{user.pk}", body, content_type="application/json")


def test_sm_reads_and_sets_own_salespeople_audited(company, api_client):
    co = company
    mgr = api_client(co.manager)
    r = mgr.get("/api/v1/allocation-settings")
    assert r.status_code == 200
    assert {x["name"]: x["ability_factor"] for x in r.json()["items"]} == {"张三": "1.0", "李四": "1.0"}
    r = put(mgr, co.sales1, {"ability_factor": 1.5, "territories": ["广州", "佛山"], "knowledge_tags": ["电缆", "线束"],
                             "reason": "经验足"})
    assert r.status_code == 200, r.json()
    assert r.json() == {"user_id": co.sales1.pk, "name": "张三", "team": {"id": co.team1.pk, "name": "一组"},
                             "ability_factor": "1.5", "territories": ["广州", "佛山"], "knowledge_tags": ["电缆", "线束"],
                             "rule": "cust.web_lead_allocation"}
    u = User.objects.get(pk=co.sales1.pk)
    assert (u.ability_factor, u.territories, u.knowledge_tags) == (Decimal("1.5"), "广州,佛山", "电缆,线束")
    e = AuditEntry.objects.get(object_type="org.user", object_id=str(u.pk), action="update")
    assert e.rule == "cust.web_lead_allocation" and e.actor_id == co.manager.pk and e.reason == "经验足"
    assert e.before["ability_factor"] == "1.0" and e.after["ability_factor"] == "1.5"
    # a partial change leaves the rest; the string form is accepted as the number form
    assert put(mgr, co.sales1, {"ability_factor": "0.8"}).json()["territories"] == ["广州", "佛山"]
    assert mgr.get(f"/api/v1/allocation-settings/{co.sales1.pk}").json()["ability_factor"] == "0.8"


@pytest.mark.parametrize("body,field", [
    ({"ability_factor": 0.4}, "ability_factor"),
    ({"ability_factor": "2.1"}, "ability_factor"),
    ({"ability_factor": 1.25}, "ability_factor"),
    ({"ability_factor": "1e30"}, "ability_factor"),
    ({"ability_factor": "-1"}, "ability_factor"),
    ({"ability_factor": "abc"}, "ability_factor"),
    ({"ability_factor": "NaN"}, "ability_factor"),
    ({"territories": ["广州\u0000,佛山"]}, "territories"),  # the NUL is stripped at the boundary; the comma is refused
    ({"territories": ["广州,佛山"]}, "territories"),
    ({"territories": ["很" * 21]}, "territories"),
    ({"territories": [f"城{i}" for i in range(21)]}, "territories"),
    ({"knowledge_tags": ["<script>x</script>"]}, "knowledge_tags"),
    ({"knowledge_tags": ["标" * 30] * 1 + ["签" * 30] * 1 + [f"{i:02d}" + "x" * 28 for i in range(6)]},
     "knowledge_tags"),
    ({}, "ability_factor"),
])
def test_bounded_inputs_are_refused_naming_the_field_and_nothing_changes(company, api_client, body, field):
    co = company
    r = put(api_client(co.manager), co.sales1, body)
    assert r.status_code in (400, 422), r.json()
    assert field in r.json()["fields"] or any(k.startswith(field) for k in r.json()["fields"])
    u = User.objects.get(pk=co.sales1.pk)
    assert (u.ability_factor, u.territories, u.knowledge_tags) == (Decimal("1.0"), "", "")
    assert not AuditEntry.objects.filter(object_type="org.user", action="update").exists()


def test_only_the_salespersons_sm_or_the_gm(company, api_client):
    co = company
    assert put(api_client(co.manager), co.sales3, {"ability_factor": 2}).status_code == 404  # another team's SP
    assert api_client(co.manager).get(f"/api/v1/allocation-settings/{co.sales3.pk}").status_code == 404
    r = put(api_client(co.sales1), co.sales1, {"ability_factor": 2})  # an SP cannot set their own
    assert r.status_code == 403 and r.json()["rule"] == "cust.web_lead_allocation"
    assert api_client(co.finance).get("/api/v1/allocation-settings").status_code == 403
    assert put(api_client(co.gm), co.manager2, {"ability_factor": 2}).status_code == 404  # not a salesperson
    gm = api_client(co.gm)
    assert {x["name"] for x in gm.get("/api/v1/allocation-settings").json()["items"]} == {"张三", "李四", "王五"}
    assert put(gm, co.sales3, {"ability_factor": 2}).json()["ability_factor"] == "2.0"
    assert User.objects.get(pk=co.sales3.pk).ability_factor == Decimal("2.0")
    assert User.objects.get(pk=co.sales1.pk).ability_factor == Decimal("1.0")
