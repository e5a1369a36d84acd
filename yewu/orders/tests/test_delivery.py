"""`delivery.custom_production`, per-line promises, late lines (selector, API, nightly flag) and
"changing amounts after approval voids the approvals" (SPEC §4.1, §4.5)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from yewu.approvals.models import ApprovalRequest
from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.finance import order_payments
from yewu.orders import tasks
from yewu.orders.models import Order, OrderLine, OrderStatus
from yewu.orders.ordering import services
from yewu.orders.ordering.selectors import late_lines
from yewu.orders.shipping import services as ship_svc
from yewu.org.models import User
from yewu.org.selectors import get_calendar
from yewu.policy.calendar import TZ

from .test_orders_api import make_existing


@pytest.fixture
def ops(company):
    def mk(username, roles, name):
        return User.objects.create_user(username=username, password="x", roles=roles, display_name=name)

    class Ops:
        prod = mk("prod", ["PROD"], "钱生产")
        wh = mk("wh", ["WH"], "孙库管")
        qc = mk("qc", ["QC"], "周质检")

    return Ops


def mixed_order(shop, settlement="COD"):
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement=settlement,
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00"),
                                        services.LineIn(shop.custom.pk, "10", "1000.00")])
    shop.signed_contract(o)
    return services.submit_order(shop.company.sales1, o.pk)


def test_mixed_order_per_line_promises_and_prod_date(shop, ops, api_client):
    o = mixed_order(shop)
    assert o.status == OrderStatus.AWAITING_PAYMENT and o.deposit_required == 3000
    std, cus = o.lines.order_by("id")
    sp, prod, fin = api_client(shop.company.sales1), api_client(ops.prod), api_client(shop.company.finance)
    url = f"/api/v1/orders/{o.pk}/lines/{cus.pk}/ship-date"
    future = (timezone.localdate() + timedelta(days=20)).isoformat()
    # the salesperson cannot set it
    r = sp.put(url, {"ship_on": future}, content_type="application/json")
    assert r.status_code == 403 and r.json()["rule"] == "delivery.custom_production"
    # PROD only after the deposit has arrived
    r = prod.put(url, {"ship_on": future}, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "settle.custom_deposit_30"
    # deposit arrives Tue 2025-09-30 -> PROD's entry is due Thu 2025-10-09 23:59:59 (National Day holidays)
    r = fin.post(f"/api/v1/orders/{o.pk}/payments", {"amount": "3000.00", "arrived_on": "2025-09-30"},
                 content_type="application/json")
    body = r.json()
    assert body["status"] == "ready" and body["deposit_arrived_on"] == "2025-09-30"
    ls = {ln["id"]: ln for ln in body["lines"]}
    assert ls[cus.pk]["prod_date_due_at"] == "2025-10-09T23:59:59+08:00"
    assert ls[cus.pk]["promised_date"] is None and ls[cus.pk]["promise_rule"] == "delivery.custom_production"
    promise = get_calendar().add_working_days(timezone.localdate(), 4)
    assert ls[std.pk]["promised_date"] == promise.isoformat() and ls[std.pk]["promise_rule"] == "delivery.standard_3_4d"
    assert Notification.objects.filter(user=ops.prod, rule="delivery.custom_production").exists()
    # PROD's list: the custom line awaiting its date, without prices (acl.ops_scope)
    r = prod.get("/api/v1/orders/custom-lines")
    assert r.json()["count"] == 1 and r.json()["items"][0]["line"]["id"] == cus.pk
    assert r.json()["items"][0]["entry_overdue"] is True  # 2025-10-09 is long past
    assert "unit_price" not in r.json()["items"][0]["line"]
    seen = prod.get(f"/api/v1/orders/{o.pk}").json()
    assert "total" not in seen and "unit_price" not in seen["lines"][0] and seen["lines"][0]["quantity"] == "10.000"
    assert sp.get(f"/api/v1/orders/{o.pk}").json()["total"] == "11000.00"
    # a standard line is not PROD's to date; a past date is refused
    r = prod.put(f"/api/v1/orders/{o.pk}/lines/{std.pk}/ship-date", {"ship_on": future}, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "delivery.standard_3_4d"
    r = prod.put(url, {"ship_on": (timezone.localdate() - timedelta(days=1)).isoformat()}, content_type="application/json")
    assert r.status_code == 400
    r = prod.put(url, {"ship_on": future}, content_type="application/json")
    assert r.status_code == 200
    ls = {ln["id"]: ln for ln in r.json()["lines"]}
    assert prod.get("/api/v1/orders/custom-lines").json()["count"] == 0
    assert ls[cus.pk]["promised_date"] == future and ls[std.pk]["promised_date"] == promise.isoformat()
    assert r.json()["promised_date"] == max(future, promise.isoformat())


def test_custom_date_entry_deadline_timer(shop, ops):
    o = mixed_order(shop)
    order_payments.record_payment(shop.company.finance, o.pk, "3000.00", date(2025, 9, 30))
    due = datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)
    assert tasks.remind_custom_dates(due) == 0
    assert tasks.remind_custom_dates(due + timedelta(seconds=1)) >= 1
    assert Notification.objects.filter(user=ops.prod, key__startswith="custom-date-overdue:").count() == 1
    assert Notification.objects.filter(user=shop.company.manager, rule="delivery.custom_production").exists()
    assert tasks.remind_custom_dates(due + timedelta(hours=1)) == 0  # once


def test_late_is_the_day_after_the_promise_per_line(shop, ops, api_client):
    o = mixed_order(shop)
    order_payments.record_payment(shop.company.finance, o.pk, "3000.00")
    std, cus = o.lines.order_by("id")
    promised = OrderLine.objects.get(pk=std.pk).promised_ship_on
    sp = shop.company.sales1
    assert late_lines(sp, promised) == []
    late = late_lines(sp, promised + timedelta(days=1))
    assert [x.line.pk for x in late] == [std.pk] and late[0].reason.rule == "delivery.standard_3_4d"
    # partial shipment keeps the rest late; shipping all of it ends lateness
    ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "4")])
    assert late_lines(sp, promised + timedelta(days=1))[0].reason.figures["open_qty"] == 6
    ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "6")])
    assert late_lines(sp, promised + timedelta(days=1)) == []
    # custom line: late after PROD's date
    services.set_custom_ship_date(ops.prod, o.pk, cus.pk, timezone.localdate())
    today = timezone.localdate()
    assert late_lines(sp, today) == []
    x = late_lines(sp, today + timedelta(days=1))
    assert [y.line.pk for y in x] == [cus.pk] and x[0].reason.rule == "delivery.custom_production"
    # another team's salesperson sees none of it
    assert late_lines(shop.company.sales3, today + timedelta(days=30)) == []


def test_nightly_flags_late_lines_once_and_api_lists_them(shop, ops, api_client):
    o = mixed_order(shop)
    order_payments.record_payment(shop.company.finance, o.pk, "3000.00")
    std = o.lines.order_by("id").first()
    yesterday = timezone.localdate() - timedelta(days=1)
    OrderLine.objects.filter(pk=std.pk).update(promised_ship_on=yesterday)
    now = timezone.now()
    assert tasks.run_nightly(now)["late_lines"] == 1
    assert tasks.run_nightly(now)["late_lines"] == 0
    assert OrderLine.objects.get(pk=std.pk).late_flagged_on == timezone.localdate()
    for u in (shop.company.sales1, shop.company.manager):
        assert Notification.objects.filter(user=u, rule="delivery.standard_3_4d").count() == 1
    assert AuditEntry.objects.filter(action="flag", rule="delivery.standard_3_4d", object_id=str(o.pk)).exists()
    r = api_client(shop.company.manager).get("/api/v1/orders/late")
    assert r.status_code == 200 and r.json()["count"] == 1
    item = r.json()["items"][0]
    assert item["order"] == o.number and item["rule"] == "delivery.standard_3_4d" and item["days_late"] == 1
    assert api_client(shop.company.manager2).get("/api/v1/orders/late").json()["count"] == 0


def test_changing_amounts_after_approval_voids_it(shop, api_client):
    make_existing(shop, shop.gz)
    sp = api_client(shop.company.sales1)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "300", "100.00")])  # 30,000.00 → SM
    o = services.submit_order(shop.company.sales1, o.pk)
    from yewu.approvals.services import decide

    decide(shop.company.manager, o.approval_id, True)
    o.refresh_from_db()
    assert o.status == OrderStatus.READY
    req_id = o.approval_id
    # same lines: nothing changes
    body = {"lines": [{"product_id": shop.cable.pk, "quantity": "300", "unit_price": "100.00"}]}
    assert sp.put(f"/api/v1/orders/{o.pk}/lines", body, content_type="application/json").json()["status"] == "ready"
    body["lines"][0]["quantity"] = "301"
    r = sp.put(f"/api/v1/orders/{o.pk}/lines", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "draft" and r.json()["total"] == "30100.00"
    assert r.json()["approval_id"] is None and r.json()["promised_date"] is None
    assert ApprovalRequest.objects.get(pk=req_id).state == "cancelled"
    assert AuditEntry.objects.filter(rule="order.amount_change_voids_approval", object_id=str(o.pk)).exists()
    # resubmission starts a new chain
    r = sp.post(f"/api/v1/orders/{o.pk}/submit")
    assert r.json()["status"] == "pending_approval" and r.json()["approval_id"] != req_id
    # a pending approval is voided too; bad lines change nothing
    bad = {"lines": [{"product_id": shop.cable.pk, "quantity": "1", "unit_price": "1.00"}]}
    r = sp.put(f"/api/v1/orders/{o.pk}/lines", bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["rule"] == "price.special_floor"
    assert Order.objects.get(pk=o.pk).status == OrderStatus.PENDING_APPROVAL
    pending = Order.objects.get(pk=o.pk).approval_id
    body["lines"][0]["quantity"] = "100"
    assert sp.put(f"/api/v1/orders/{o.pk}/lines", body, content_type="application/json").json()["status"] == "draft"
    assert ApprovalRequest.objects.get(pk=pending).state == "cancelled"
