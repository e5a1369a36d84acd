"""Web leads and the SM work list: cust.web_lead_intake, cust.web_lead_allocation, cust.first_contact_1w,
cust.ownerless_to_manager."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.customers.leads.services import allocation_suggestion
from yewu.customers.models import Customer, OwnershipChange, Status
from yewu.customers.selectors import first_contact_overdue, manager_worklist
from yewu.customers.services import (
    VisitIn,
    allocate_lead,
    deactivate_user,
    log_visit,
    transfer_customer,
)
from yewu.org.models import Team, User

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def lead(name="广州某某电器", city="广州", mobile="13500135000", **kw):
    return {"name": name, "city": city, "contacts": [{"name": "网上客户", "mobile": mobile}], **kw}


# --- cust.web_lead_intake ----------------------------------------------------------------------------------


def test_ls_enters_lead_into_pool_and_sees_its_status(company, api_client):
    ls = api_client(company.leads)
    r = post(ls, "/api/v1/leads", lead(tags="线束"))
    assert r.status_code == 201, r.content
    body = r.json()["lead"]
    assert body["owner"] is None and body["status"] == "lead" and body["created_by"]["name"] == "陈推广"
    c = Customer.objects.get(pk=body["id"])
    assert c.is_web_lead and c.source == "web" and c.owner_id is None and c.lead_tags == "线束"
    assert c.lead_received_at is not None
    # the SM sees it in the pool / leads / worklist
    sm = api_client(company.manager)
    assert [i["id"] for i in sm.get("/api/v1/leads").json()["items"]] == [c.pk]
    assert c.pk in [i["id"] for i in sm.get("/api/v1/worklist").json()["pool"]]
    # the LS cannot allocate
    r = post(ls, f"/api/v1/leads/{c.pk}/allocate", {"to_user_id": company.sales1.id})
    assert r.status_code == 403 and r.json()["rule"] == "cust.web_lead_allocation"
    assert ls.get(f"/api/v1/leads/{c.pk}/suggestion").status_code == 403
    # nor an SP
    r = post(api_client(company.sales1), f"/api/v1/leads/{c.pk}/allocate", {"to_user_id": company.sales1.id})
    assert r.status_code == 403 and r.json()["rule"] == "cust.web_lead_allocation"
    assert Customer.objects.get(pk=c.pk).owner_id is None
    # after allocation the LS sees the new status and owner
    r = post(sm, f"/api/v1/leads/{c.pk}/allocate", {"to_user_id": company.sales1.id, "reason": "广州区域"})
    assert r.status_code == 200 and r.json()["owner"]["id"] == company.sales1.id
    item = ls.get("/api/v1/leads").json()["items"][0]
    assert item["status"] == "prospect" and item["owner"]["name"] == "张三" and item["assigned_at"]
    # …and only the card of the customer, never the full archive
    r = ls.get(f"/api/v1/customers/{c.pk}")
    assert r.status_code == 200 and r.json()["view"] == "card"
    # already allocated: 409
    r = post(sm, f"/api/v1/leads/{c.pk}/allocate", {"to_user_id": company.sales2.id})
    assert r.status_code == 409 and r.json()["rule"] == "cust.web_lead_allocation"


def test_lead_duplicate_and_bad_input(company, api_client, make_customer):
    make_customer(company.sales1, name="广州电缆有限公司", mobile="13800138000")
    ls = api_client(company.leads)
    r = post(ls, "/api/v1/leads", lead(name="广州电缆", mobile="13500135001"))
    assert r.status_code == 409 and "张三" in r.json()["message"]
    r = post(ls, "/api/v1/leads", lead(name="", mobile="13500135001"))
    assert r.status_code == 400 and r.json()["rule"] == "cust.required_fields"
    r = post(ls, "/api/v1/leads", lead(mobile="bad"))
    assert r.status_code == 400
    assert Customer.objects.count() == 1
    # an SP does not enter web leads; other roles see no lead list
    r = post(api_client(company.sales1), "/api/v1/leads", lead())
    assert r.status_code == 403 and r.json()["rule"] == "cust.web_lead_intake"
    assert api_client(company.sales1).get("/api/v1/leads").status_code == 403


def test_ls_only_sees_own_leads(company, api_client):
    other = User.objects.create_user("leads2", password="x", roles=["LS"], display_name="第二推广")
    post(api_client(company.leads), "/api/v1/leads", lead())
    post(api_client(other), "/api/v1/leads", lead(name="深圳某某", city="深圳", mobile="13500135009"))
    assert [i["name"] for i in api_client(company.leads).get("/api/v1/leads").json()["items"]] == ["广州某某电器"]
    assert api_client(company.leads).get("/api/v1/leads").json()["count"] == 1


# --- cust.web_lead_allocation ----------------------------------------------------------------------------------


@pytest.fixture
def team3(company):
    """SPEC example: A 40 customers ability 1.0 → 40.0; B 50, 1.5 → 33.3; C 30, 0.8 → 37.5 → suggest B."""
    sm = User.objects.create_user("sm3", password="x", roles=["SM"], display_name="三组经理")
    t = Team.objects.create(name="三组", department=company.dept, manager=sm)
    sm.team = t
    sm.save()
    people = {}
    for name, n, ability in (("A", 40, "1.0"), ("B", 50, "1.5"), ("C", 30, "0.8")):
        u = User.objects.create_user(f"sp{name}", password="x", roles=["SP"], team=t, display_name=name,
                                     ability_factor=Decimal(ability))
        people[name] = u
        _own(u, n)
    # inactive customers do not count as load
    _own(people["B"], 10, status=Status.DORMANT, prefix="休眠")
    return sm, t, people


def _own(u, n, status=Status.ACTIVE, prefix="客户"):
    now = timezone.now()
    Customer.objects.bulk_create([
        Customer(name=f"{u.username}{prefix}{i}", name_key=f"{u.username}{prefix}{i}", city="广州", source="direct",
                 owner=u, collected_on=now.date(), entry_due_at=now, status=status)
        for i in range(n)
    ])


def test_suggestion_spec_example(company, api_client, team3):
    sm, _, p = team3
    r = post(api_client(company.leads), "/api/v1/leads", lead())
    cid = r.json()["lead"]["id"]
    r = api_client(sm).get(f"/api/v1/leads/{cid}/suggestion")
    assert r.status_code == 200, r.content
    s = r.json()
    assert s["suggested_user_id"] == p["B"].id and s["rule"] == "cust.web_lead_allocation"
    assert [(x["name"], x["load"]) for x in s["ranking"]] == [("B", "33.3"), ("C", "37.5"), ("A", "40.0")]
    assert "B 50÷1.5=33.3" in s["message"]
    # allocate without naming anyone: the suggestion is taken, the reason is the suggestion
    r = post(api_client(sm), f"/api/v1/leads/{cid}/allocate", {})
    assert r.status_code == 200 and r.json()["owner"]["id"] == p["B"].id
    oc = OwnershipChange.objects.filter(customer_id=cid, kind="allocated").get()
    assert oc.rule == "cust.web_lead_allocation" and "33.3" in oc.reason
    # the SM of another team cannot allocate to this team's people
    cid2 = post(api_client(company.leads), "/api/v1/leads", lead(name="另一个线索", mobile="13500135002")).json()["lead"]["id"]
    r = post(api_client(company.manager), f"/api/v1/leads/{cid2}/allocate", {"to_user_id": p["B"].id})
    assert r.status_code == 422 and r.json()["rule"] == "cust.manager_override"


def test_suggestion_ties_fewer_recent_leads_then_lower_id(company, team3):
    sm, t, p = team3
    # make A and C tie with B on load: 50/1.5 = 33.3…; A: 40 → ability 1.2 = 33.3…
    for name, ability, extra in (("A", "1.5", 10), ("C", "1.5", 20)):
        u = p[name]
        u.ability_factor = Decimal(ability)
        u.save()
        _own(u, extra, prefix="补")
    # all three: 50 ÷ 1.5 → tie → fewer web leads allocated in the last 30 days → lower id
    now = timezone.now()
    mk = Customer.objects.create
    for who, n, days_ago in (("A", 2, 3), ("B", 1, 5), ("C", 1, 40)):  # C's lead is older than 30 days
        for i in range(n):
            c = mk(name=f"旧线索{who}{i}", name_key=f"旧线索{who}{i}", city="广州", source="web", is_web_lead=True,
                   collected_on=now.date(), entry_due_at=now, owner=None)
            allocate_lead(sm, c.pk, p[who].id, "历史分配")
            OwnershipChange.objects.filter(customer=c).update(at=now - timedelta(days=days_ago))
            Customer.objects.filter(pk=c.pk).update(status=Status.DORMANT)  # keep the loads equal
    target = mk(name="新线索", name_key="新线索", city="广州", source="web", is_web_lead=True,
                collected_on=now.date(), entry_due_at=now)
    d = allocation_suggestion(sm, target)
    # loads all 33.3; recent leads A 2, B 1, C 0 → C
    assert [r["name"] for r in d.data["ranking"]] == ["C", "B", "A"]
    assert d.data["suggested_user_id"] == p["C"].id
    # equal recent leads → lower id: give C one recent lead too; B and C tie at 1 → B (lower id)
    c = mk(name="再一个", name_key="再一个", city="广州", source="web", is_web_lead=True, collected_on=now.date(),
           entry_due_at=now)
    allocate_lead(sm, c.pk, p["C"].id, "x")
    Customer.objects.filter(pk=c.pk).update(status=Status.DORMANT)
    assert p["B"].id < p["C"].id
    assert allocation_suggestion(sm, target).data["suggested_user_id"] == p["B"].id


def test_suggestion_respects_territory(company, team3):
    sm, _, p = team3
    p["A"].territories = "深圳"
    p["A"].save()
    p["B"].territories = "深圳"
    p["B"].save()
    now = timezone.now()
    gz = Customer.objects.create(name="广州线索", name_key="广州线索", city="广州", source="web", is_web_lead=True,
                                 collected_on=now.date(), entry_due_at=now)
    assert allocation_suggestion(sm, gz).data["suggested_user_id"] == p["C"].id  # only C has no other territory


# --- cust.first_contact_1w -------------------------------------------------------------------------------------


def test_first_contact_overdue_on_worklist_until_contact_logged(company, api_client, make_customer):
    c = make_customer(company.manager, name="待跟进客户")  # SM files → pool
    eight_days_ago = timezone.now() - timedelta(days=8)
    transfer_customer(company.manager, c.pk, company.sales1.id, "分配", now=eight_days_ago)
    c.refresh_from_db()
    assert c.assigned_at == eight_days_ago
    # selector with explicit now: 6 days after assignment not yet overdue, 8 days after it is
    qs = Customer.objects.filter(pk=c.pk)
    assert first_contact_overdue(qs, now=eight_days_ago + timedelta(days=6)) == []
    [(row, due)] = first_contact_overdue(qs, now=eight_days_ago + timedelta(days=8))
    assert row.pk == c.pk and timezone.localtime(due).date() == timezone.localtime(eight_days_ago).date() + timedelta(days=7)
    # and on the SM's JSON work list, with the rule id
    sm = api_client(company.manager)
    wl = sm.get("/api/v1/worklist").json()
    [item] = wl["first_contact_overdue"]
    assert item["customer"]["id"] == c.pk and item["rule"] == "cust.first_contact_1w"
    # another team's manager does not see it
    assert api_client(company.manager2).get("/api/v1/worklist").json()["first_contact_overdue"] == []
    # the owner logs a call → off the list
    r = post(api_client(company.sales1), f"/api/v1/customers/{c.pk}/visits", {"channel": "phone", "purpose": "首次联系"})
    assert r.json()["first_contact"] is True
    assert sm.get("/api/v1/worklist").json()["first_contact_overdue"] == []
    # reassigning restarts the clock (never automatic: only by the SM)
    transfer_customer(company.manager, c.pk, company.sales2.id, "一键改派", now=eight_days_ago)
    assert [r.pk for r, _ in first_contact_overdue(qs)] == [c.pk]
    log_visit(company.sales2, c.pk, VisitIn(channel="email", purpose="邮件"))
    assert first_contact_overdue(qs) == []


def test_worklist_only_for_managers(company, api_client):
    r = api_client(company.sales1).get("/api/v1/worklist")
    assert r.status_code == 403 and r.json()["rule"] == "cust.ownerless_to_manager"


# --- cust.ownerless_to_manager ----------------------------------------------------------------------------------


def test_deactivating_an_sp_releases_all_customers_to_the_pool(company, api_client, make_customer):
    mine = [make_customer(company.sales1) for _ in range(3)]
    keep = make_customer(company.sales2)
    assert deactivate_user(company.gm, company.sales1.id) == 3
    for c in mine:
        c.refresh_from_db()
        assert c.owner_id is None and c.assigned_at is None
        assert OwnershipChange.objects.filter(customer=c, kind="owner_left", rule="cust.ownerless_to_manager").exists()
    keep.refresh_from_db()
    assert keep.owner == company.sales2
    pool_ids = {c.pk for c in manager_worklist(company.manager)["pool"]}
    assert pool_ids == {c.pk for c in mine}
    wl = api_client(company.manager).get("/api/v1/worklist").json()
    assert {i["id"] for i in wl["pool"]} == pool_ids
    assert all(i["owner"] is None for i in wl["pool"])
    # the pool is in every SM's list (ownerless customers belong to no team)
    assert {i["id"] for i in api_client(company.manager2).get("/api/v1/worklist").json()["pool"]} == pool_ids
    # SPs see the pool only as a summary
    r = api_client(company.sales2).get("/api/v1/customers", {"owner": "pool"})
    assert r.json()["count"] == 3 and {i["view"] for i in r.json()["items"]} == {"summary"}
    # only GM/SYS deactivate
    from yewu.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        deactivate_user(company.manager, company.sales2.id)
    # only SM/GM assign from the pool
    r = post(api_client(company.sales2), f"/api/v1/leads/{mine[0].pk}/allocate", {"to_user_id": company.sales2.id})
    assert r.status_code == 403
    r = post(api_client(company.manager), f"/api/v1/leads/{mine[0].pk}/allocate",
             {"to_user_id": company.sales2.id, "reason": "接手离职员工客户"})
    assert r.status_code == 200 and r.json()["owner"]["id"] == company.sales2.id
    # an inactive SP cannot receive customers
    r = post(api_client(company.manager), f"/api/v1/leads/{mine[1].pk}/allocate", {"to_user_id": company.sales1.id})
    assert r.status_code == 422 and r.json()["error"] == "not_salesperson"
