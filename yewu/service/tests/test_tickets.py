"""SPEC §6.1 tickets through /api/v1/tickets: quick entry with deadline and rule, balance assignment, live
tracking data without prices, ad-hoc order → web lead, row-level scope, bad input changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer
from yewu.service.models import Ticket


def test_quick_entry_shows_deadline_and_rule_and_assigns_by_balance(svc):
    co = svc.co
    code, t1 = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "问价格",
                                                   "customer_id": svc.cust.pk})
    assert code == 201, t1
    assert t1["due_rule"] == "ticket.first_response_1wd"
    assert t1["number"].startswith("YWKF-")
    t = Ticket.objects.get(pk=t1["id"])
    assert t.due_at.hour == 15 and t.due_at.minute == 59  # 23:59:59 Shanghai, stored UTC
    # two CS agents, no open tickets: the lower id (cs) first, then the other (balance of open tickets)
    _, t2 = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "第二个",
                                                "customer_id": svc.cust.pk})
    assert {t1["assignee"], t2["assignee"]} == {"郑客服", "钱客服"}
    assert AuditEntry.objects.filter(object_type="service.ticket", action="create").count() == 2


def test_future_received_time_refused_naming_rule_and_field_and_nothing_saved(svc):
    future = (timezone.now() + timedelta(hours=3)).isoformat()
    code, body = svc.post(svc.co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "x",
                                                         "customer_id": svc.cust.pk, "received_at": future})
    assert code == 422 and body["rule"] == "ticket.first_response_1wd" and "received_at" in body["fields"]
    assert Ticket.objects.count() == 0


def test_bad_input_named(svc):
    cs = svc.co.cs
    code, body = svc.post(cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": ""})
    assert code == 400 and "content" in body["fields"]
    code, body = svc.post(cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "x" * 2001})
    assert code == 422 and "content" in body["fields"] and "2000" in body["message"]  # the limit said, not cut
    code, body = svc.post(cs, "/api/v1/tickets", {"type": "gossip", "channel": "phone", "content": "x"})
    assert code == 400 and "type" in body["fields"]
    code, body = svc.post(cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "x"})
    assert code == 400 and "region" in body["fields"]  # unknown caller needs the origin region
    assert Ticket.objects.count() == 0


def test_customer_lookup_by_phone_name_and_pinyin_initials(svc):
    for q in ("12345678", "电缆", "gzdl"):
        code, hits = svc.get(svc.co.cs, f"/api/v1/tickets/customers?q={q}")
        assert code == 200 and [h["name"] for h in hits] == ["广州电缆贸易有限公司"], q
    code, _ = svc.get(svc.co.sales1, "/api/v1/tickets/customers?q=gzdl")
    assert code == 403


def test_tracking_ticket_shows_live_orders_and_shipments_without_prices(svc):
    from yewu.orders.models import Order, Shipment

    co = svc.co
    o = Order.objects.create(number="YWXS-T-1", customer=svc.cust, salesperson=co.sales1, settlement="cash",
                             delivery_address="天河路", status="partly_shipped", total=Decimal("98765.43"),
                             promised_ship_on=date(2025, 10, 13), created_by=co.sales1)
    Shipment.objects.create(number="CK-1", order=o, shipped_by=co.sales1)
    Order.objects.create(number="YWXS-T-2", customer=svc.cust, salesperson=co.sales1, settlement="cash",
                         delivery_address="天河路", status="cancelled", created_by=co.sales1)
    _, t = svc.post(co.cs, "/api/v1/tickets", {"type": "tracking", "channel": "wechat", "content": "货到哪了",
                                               "customer_id": svc.cust.pk})
    code, d = svc.get(co.cs, f"/api/v1/tickets/{t['id']}")
    card = d["service_card"]
    assert [x["number"] for x in card["orders"]] == ["YWXS-T-1"]  # live only
    assert card["orders"][0]["promised_ship_on"] == "2025-10-13" and card["orders"][0]["shipments"][0]["number"] == "CK-1"
    assert "98765" not in str(card) and "total" not in str(card)


def test_adhoc_order_from_unknown_caller_becomes_web_lead(svc):
    code, t = svc.post(svc.co.cs, "/api/v1/tickets", {
        "type": "adhoc_order", "channel": "phone", "content": "要 500 米 YJV", "caller_name": "黄埔新能源科技",
        "caller_phone": "13800001111", "region": "广州"})
    assert code == 201 and t["lead_id"]
    lead = Customer.objects.get(pk=t["lead_id"])
    assert lead.is_web_lead and lead.owner_id is None and lead.source == "web"


def test_adhoc_order_known_customer_notifies_owner(svc):
    from yewu.common.models import Notification

    svc.post(svc.co.cs, "/api/v1/tickets", {"type": "adhoc_order", "channel": "phone", "content": "加单",
                                            "customer_id": svc.cust.pk})
    assert Notification.objects.filter(user=svc.co.sales1, key__startswith="ticket-order:").exists()


def test_scope_sp_sees_own_customers_tickets_cs_and_gm_all(svc):
    co = svc.co
    _, mine = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "a",
                                                  "customer_id": svc.cust.pk})
    _, theirs = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "b",
                                                    "customer_id": svc.other.pk})
    ids = lambda u: {t["id"] for t in svc.get(u, "/api/v1/tickets")[1]}  # noqa: E731
    assert ids(co.sales1) == {mine["id"]}
    assert ids(co.sales3) == {theirs["id"]}
    assert ids(co.gm) == ids(co.csmanager) == {mine["id"], theirs["id"]}
    assert svc.get(co.sales1, f"/api/v1/tickets/{theirs['id']}")[0] == 404
    code, _ = svc.post(co.sales1, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "x",
                                                      "customer_id": svc.cust.pk})
    assert code == 403


def test_respond_stops_clock_and_overdue_timer_flags_once(svc):
    from yewu.service.tickets.services import flag_overdue

    co = svc.co
    _, a = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "a",
                                               "customer_id": svc.cust.pk})
    _, b = svc.post(co.cs, "/api/v1/tickets", {"type": "inquiry", "channel": "phone", "content": "b",
                                               "customer_id": svc.cust.pk})
    code, r = svc.post(co.cs, f"/api/v1/tickets/{a['id']}/respond", {"response": "已答复"})
    assert code == 200 and r["state"] == "answered"
    later = timezone.now() + timedelta(days=10)
    assert flag_overdue(later) == 1 and flag_overdue(later) == 0
    assert Ticket.objects.get(pk=b["id"]).overdue_flagged_at is not None


def test_openapi_documents_the_service_endpoints(svc):
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/tickets", "/api/v1/complaints", "/api/v1/return-visits", "/api/v1/service-jobs",
              "/api/v1/public/tickets"):
        assert p in paths, p
