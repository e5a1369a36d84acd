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
from yewu.expenses.models import CashAdvance, PaymentDoc
from yewu.finance.models import Invoice, Receipt
from yewu.finance.selectors import aging
from yewu.orders.models import Order, Shipment
from yewu.org.models import User
from yewu.performance.models import CommissionEntry
from yewu.performance.selectors import statement
from yewu.sales.models import Quote

MODELS = (Product, GuidePrice, Order, Shipment, Receipt, Invoice, Quote, ApprovalRequest, CommissionEntry, PaymentDoc,
          CashAdvance, AuditEntry)


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

    out = StringIO()
    call_command("loaddemo", "--quiet-logins", stdout=out)
    assert "already loaded" in out.getvalue()
    assert _counts() == first
