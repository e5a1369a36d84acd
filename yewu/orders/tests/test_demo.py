"""The demo trading history (yewu/orders/demo.py via yewu/catalog/demo.py): loaded by ``loaddemo`` through the
services, it fills the inboxes, AR aging and the commission statement; a second ``loaddemo`` changes nothing."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from yewu.approvals.models import ApprovalRequest
from yewu.approvals.services import inbox
from yewu.audit.models import AuditEntry
from yewu.catalog.models import GuidePrice, Product
from yewu.expenses.models import CashAdvance, CashEntry, PaymentDoc
from yewu.finance.models import Invoice, Receipt
from yewu.finance.selectors import aging, overdue_for_manager
from yewu.orders.contracts.services import contract_reason
from yewu.orders.models import Contract, Order, Shipment
from yewu.orders.ordering.selectors import late_orders_for_manager
from yewu.org.models import User
from yewu.performance.models import CommissionEntry
from yewu.performance.selectors import statement
from yewu.sales.models import Quote

MODELS = (Product, GuidePrice, Order, Shipment, Receipt, Invoice, Quote, ApprovalRequest, CommissionEntry, PaymentDoc,
          CashAdvance, CashEntry, Contract, AuditEntry)


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_loaddemo_trading_history_fills_the_pages_and_loads_once(db, client):
    call_command("loaddemo", "--quiet-logins", stdout=StringIO())
    first = _counts()
    assert 35 <= first["Order"] <= 45 and first["Receipt"] >= 15 and first["Shipment"] >= 15 and first["Quote"] >= 5
    assert first["Invoice"] >= 1 and first["PaymentDoc"] >= 1 and first["CashAdvance"] >= 1
    assert set(Order.objects.values_list("settlement", flat=True)) == {"CASH", "PREPAY", "COD", "CREDIT"}
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"pending_approval", "delivered"} <= statuses and statuses & {"awaiting_payment", "ready"}
    # delivered and paid orders are closed, so the demo company has existing customers (SPEC §0), and some later
    # orders were placed under the existing-customer rules
    closed = Order.objects.filter(status="closed")
    assert closed.exists() and all(o.unpaid == 0 and o.delivered_on for o in closed)
    assert Order.objects.filter(is_new_customer=False).exists()
    assert {"draft", "sent"} <= set(Quote.objects.values_list("state", flat=True))
    # orders are back-dated over about three months, the audit trail with them
    oldest = min(Order.objects.values_list("created_at", flat=True))
    assert (timezone.now() - oldest).days >= 60
    assert AuditEntry.objects.filter(object_type="orders.order", action="ship").count() == first["Shipment"]

    users = {u.username: u for u in User.objects.all()}
    gm_box = inbox(users["gm"])
    assert gm_box and any(s.request.doc_type == "order" for s in gm_box)
    assert inbox(users["manager"])

    _rows, total = aging(users["finance"])
    overdue = sum((v for k, v in total.buckets.items() if k != "not_due"), Decimal("0"))
    assert overdue > 0 and total.total > overdue

    months = sorted(set(CommissionEntry.objects.values_list("month", flat=True)))
    assert months and any(sum((s["amount"] for s in statement(users["finance"], m)), Decimal("0")) > 0 for m in months)

    client.force_login(users["sales1"])
    r = client.get("/orders/")
    assert r.status_code == 200
    own = Order.objects.filter(salesperson=users["sales1"]).first()
    assert own is not None and own.number in r.content.decode()

    # orders that need a sales contract (SPEC §4.4: custom lines; CREDIT ≥ 20,000) — shipped once it is signed,
    # the contracts at various stages
    contracts = list(Contract.objects.select_related("order"))
    assert {"in_review", "signed", "filed"} <= {c.status for c in contracts}
    shipped = [c.order for c in contracts if c.order.shipments.exists()]
    assert any(o.custom_total > 0 for o in shipped)
    assert any(o.settlement == "CREDIT" and o.total >= Decimal("20000") for o in shipped)
    for c in contracts:
        assert contract_reason(c.order) is not None
        if c.order.shipments.exists():
            assert c.status in ("signed", "filed") and c.number.startswith("YWXS-")
        if c.status == "filed":
            assert c.scan_id and c.filed_by.username == "cs"
    # every shipped order that needs a contract has a signed one (the demo never bypasses `ship.release_check`)
    for o in Order.objects.filter(shipments__isnull=False).distinct():
        assert contract_reason(o) is None or Contract.objects.get(order=o).status in ("signed", "filed")
    # some orders are late, some receivables more than 30 days past due: both on the SM work list
    late = late_orders_for_manager(users["gm"])
    assert late and all(x.days_late > 0 for x in late)
    assert overdue_for_manager(users["gm"])
    client.force_login(users["manager"])
    r = client.get("/worklist/")
    assert r.status_code == 200 and "delivery.standard_3_4d" in r.content.decode()
    # the cash advance was paid out by the cashier from petty cash drawn from the bank
    adv = CashAdvance.objects.get()
    assert adv.state == "paid" and adv.paid_by.username == "cashier"
    assert CashEntry.objects.filter(advance=adv, direction="out", amount=adv.amount).exists()

    out = StringIO()
    call_command("loaddemo", "--quiet-logins", stdout=out)
    assert "already loaded" in out.getvalue()
    assert _counts() == first
