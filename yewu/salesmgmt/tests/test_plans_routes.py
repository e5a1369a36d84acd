"""plan.monthly_action, plan.change_reason (plans), route.visit_8_steps, route.safety_stock_1_5."""

from datetime import date

from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer
from yewu.customers.search.services import reindex
from yewu.orders.models import Order
from yewu.salesmgmt.models import ActionPlan, RouteVisit, StockCount

STEPS = [{"step": i, "note": f"第{i}步"} for i in range(1, 9)]


def test_monthly_plan_instructions_and_variance(company, api_client, clock, jpost):
    clock(2025, 9, 25, 10)
    sp = api_client(company.sales1)
    r = jpost(sp, "/api/v1/plans", {"kind": "monthly", "start": "2025-10-01",
                                    "items": [{"text": "拜访天河区 10 家五金店", "planned": 10}, {"text": "回款 10 万", "planned": "100000"}]})
    assert r.status_code == 200 and r.json()["late"] is False and r.json()["due_at"].startswith("2025-09-30T23:59:59")
    plan = r.json()
    assert jpost(api_client(company.manager2), f"/api/v1/plans/{plan['id']}/instructions",
                 {"instructions": "x"}).status_code == 403
    r = jpost(api_client(company.manager), f"/api/v1/plans/{plan['id']}/instructions", {"instructions": "优先老客户复购"})
    assert r.json()["instructions"] == "优先老客户复购"
    item = plan["items"][0]["id"]
    r = jpost(sp, f"/api/v1/plans/items/{item}/actual", {"actual": 7, "cause": "两家停业"})
    assert r.status_code == 422 and r.json()["rule"] == "plan.monthly_action" and "countermeasure" in r.json()["fields"]
    r = jpost(sp, f"/api/v1/plans/items/{item}/actual", {"actual": 7, "cause": "两家停业", "countermeasure": "开发番禺区"})
    assert r.status_code == 200
    clock(2025, 10, 2, 10)  # after the deadline the plan changes only through plan.change_reason
    r = jpost(sp, "/api/v1/plans", {"kind": "monthly", "start": "2025-10-01", "items": [{"text": "改", "planned": 1}]})
    assert r.status_code == 422 and r.json()["rule"] == "plan.change_reason"
    assert ActionPlan.objects.get().items.count() == 2


def test_route_visit_steps_in_order_and_next_visit_mandatory(company, api_client, clock, jpost, shop):
    clock(2025, 10, 9, 10)
    sp = api_client(company.sales1)
    body = {"customer_id": shop.gz.pk, "steps": STEPS[:2] + STEPS[3:], "next_visit_on": "2025-10-16"}
    r = jpost(sp, "/api/v1/route-visits", body)
    assert r.status_code == 422 and r.json()["rule"] == "route.visit_8_steps" and "steps.3" in r.json()["fields"]
    body["steps"] = [STEPS[1], STEPS[0]] + STEPS[2:]
    assert jpost(sp, "/api/v1/route-visits", body).status_code == 422
    body.update(steps=STEPS, next_visit_on=None)
    r = jpost(sp, "/api/v1/route-visits", body)
    assert r.status_code == 422 and "next_visit_on" in r.json()["fields"]
    assert RouteVisit.objects.count() == 0 and StockCount.objects.count() == 0


def test_safety_stock_suggestion_feeds_a_real_draft_order(company, api_client, clock, jpost, shop):
    # four weeks ago the dealer had 185; since then 0 delivered; today 25 on hand → sold 160 in 28 days → W = 40
    StockCount.objects.create(customer=shop.gz, product=shop.cable, day=date(2025, 9, 11), on_hand=185)
    clock(2025, 10, 9, 10)
    sp = api_client(company.sales1)
    s = sp.get(f"/api/v1/route-visits/suggestion?customer_id={shop.gz.pk}&product_id={shop.cable.pk}&on_hand=25&pack=10")
    assert s.json()["weekly"] == "40.00" and s.json()["qty"] == 40
    r = jpost(sp, "/api/v1/route-visits", {"customer_id": shop.gz.pk, "steps": STEPS, "next_visit_on": "2025-10-16",
                                           "lines": [{"product_id": shop.cable.pk, "on_hand": 25, "pack": 10}],
                                           "confirm_order": True, "settlement": "CASH"})
    assert r.status_code == 200, r.content
    v = r.json()
    assert v["lines"][0]["suggested"] == 40 and v["order"]
    order = Order.objects.get(number=v["order"])
    assert order.customer == shop.gz and order.lines.get().quantity == 40
    assert AuditEntry.objects.filter(rule="route.visit_8_steps").exists()
    r = jpost(sp, "/api/v1/route-visits", {"customer_id": shop.gz.pk, "steps": STEPS, "next_visit_on": "2025-10-16",
                                           "lines": [{"product_id": shop.cable.pk, "on_hand": "2.5", "pack": 10}]})
    assert r.status_code in (400, 422)

    # the visit list links the order for who may open it; ADM reads the visits (sees_sales_figures), not the orders
    from django.test import Client

    from yewu.org.models import User

    adm = User.objects.create_user(username="adm1", password="x", roles=["ADM"], display_name="行政")
    for user, linked in ((company.sales1, True), (adm, False)):
        c = Client()
        c.force_login(user)
        page = c.get("/salesmgmt/route-visits/").content.decode()
        assert order.number in page and (f'href="/orders/{order.pk}/"' in page) is linked, user
        assert c.get(f"/orders/{order.pk}/").status_code == (200 if linked else 404)


def test_route_visit_page_on_a_phone_form(company, client, clock, shop):
    clock(2025, 10, 9, 10)
    client.force_login(company.sales1)
    page = client.get("/salesmgmt/route-visits/").content.decode()
    assert "约定下次拜访日期" in page and "rv-suggest" in page
    data = {"customer_id": shop.gz.pk, **{f"step_{i}": "1" for i in (1, 2, 4, 5, 6, 7, 8)}, "next_visit_on": "2025-10-16"}
    r = client.post("/salesmgmt/route-visits/", data, follow=True)
    assert "route.visit_8_steps" in r.content.decode() and RouteVisit.objects.count() == 0
    data["step_3"] = "1"
    r = client.post("/salesmgmt/route-visits/", data, follow=True)
    assert "线路拜访已记录" in r.content.decode() and RouteVisit.objects.count() == 1
    x = client.get("/salesmgmt/route-visits/?format=xlsx")
    assert x.content[:2] == b"PK"
    t = client.get("/salesmgmt/targets/?format=xlsx")
    assert t.status_code == 200 and t.content[:2] == b"PK"


def test_plans_page(company, client, clock):
    clock(2025, 9, 25, 10)
    client.force_login(company.sales1)
    r = client.post("/salesmgmt/plans/", {"action": "submit", "kind": "monthly", "start": "2025-10-01",
                                          "items": "拜访天河区五金店 | 10\n回款 | 100000"}, follow=True)
    assert "计划已提交" in r.content.decode() and ActionPlan.objects.get().items.count() == 2
    client.force_login(company.manager)
    plan = ActionPlan.objects.get()
    r = client.post("/salesmgmt/plans/", {"action": "instruct", "plan_id": plan.pk, "instructions": "先做老客户"}, follow=True)
    assert "先做老客户" in r.content.decode()


def test_plan_and_route_pages_find_any_own_customer_by_search(company, client, clock):
    """The pages used to list the first 300 own customers by name: a salesperson with more could not name the
    301st in a plan item or a route visit. They now search the user's own customers as the order form does."""
    clock(2025, 10, 9, 10)
    on, due = date(2025, 10, 9), timezone.now()
    mine = [Customer(name=f"广州市{i:03d}号五金商行", city="广州", owner=company.sales1, name_key=f"{i:03d}号五金商行",
                     collected_on=on, entry_due_at=due, source="展会") for i in range(320)]
    Customer.objects.bulk_create(mine)
    last = Customer.objects.get(name="广州市319号五金商行")
    reindex(Customer.objects.filter(owner=company.sales1).values_list("pk", flat=True))
    other = Customer.objects.create(name="广州市319号五金批发部", city="广州", owner=company.sales2, name_key="319号五金批发部",
                                    collected_on=on, entry_due_at=due, source="展会")
    reindex([other.pk])
    client.force_login(company.sales1)
    for url in ("/salesmgmt/plans/", "/salesmgmt/route-visits/"):
        page = client.get(url).content.decode()
        assert 'data-picker-url="/salesmgmt/my-customers/"' in page and "广州市000号五金商行" not in page
    found = client.get("/salesmgmt/my-customers/", {"q": "319号"}).json()["items"]
    assert [c["id"] for c in found] == [last.pk]  # own customers only: sales2's 319号 is not offered
    assert client.get("/salesmgmt/my-customers/", {"q": "x" * 51}).status_code == 422
