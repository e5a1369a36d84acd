"""`ar.bad_debt`: a write-off is requested from the customer's receivables page (SP, SM or FIN; amount ≤ the open
amount, reason required), approved SM → FD → GM in the approval engine; the written-off debt leaves the aging
buckets but is listed, and money received on the order afterwards is recorded as recovery."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from yewu.approvals.services import decide
from yewu.audit.models import AuditEntry
from yewu.finance.models import WriteOff
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import selectors as ar_reads
from yewu.finance.receivables import services as ar_writes
from yewu.org.models import User

D = Decimal


@pytest.fixture
def fd(db):
    return User.objects.create_user(username="fd2", password="x", roles=["FD"], display_name="钱总监")


def _approve_all(books, fd, w):
    for u in (books.co.manager, fd, books.co.gm):
        decide(u, w.approval_id, True)
    w.refresh_from_db()
    return w


def test_sp_requests_a_write_off_on_the_customer_page(books, fd):
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="400.00", arrived_on=date(2025, 7, 1))
    c = Client()
    c.force_login(books.co.sales1)
    url = f"/finance/statement/{books.gz.pk}/"
    page = c.get(url).content.decode()
    assert 'id="write-off-form"' in page and "可核销 600.00" in page
    # reason required; amount above the open amount; nothing is created
    r = c.post(url + "write-off/", {"order_id": o.pk, "amount": "100.00", "reason": "  "}, follow=True)
    assert "核销必须填写原因" in r.content.decode() and "ar.bad_debt" in r.content.decode()
    r = c.post(url + "write-off/", {"order_id": o.pk, "amount": "600.01", "reason": "客户已注销"}, follow=True)
    assert "不超过订单" in r.content.decode() and "600.00" in r.content.decode()
    assert not WriteOff.objects.exists()
    r = c.post(url + "write-off/", {"order_id": o.pk, "amount": "600.00", "reason": "客户已注销"}, follow=True)
    assert "已提交" in r.content.decode()
    w = WriteOff.objects.get()
    assert (w.state, w.amount, w.requested_by) == ("pending", D("600.00"), books.co.sales1)
    assert [s.role for s in w.approval.steps.order_by("order")] == ["SM", "FD", "GM"]
    # a second request while the first is pending cannot exceed what is left (0)
    r = c.post(url + "write-off/", {"order_id": o.pk, "amount": "0.01", "reason": "再核销"}, follow=True)
    assert WriteOff.objects.count() == 1
    # another team's SP does not see the customer's money at all
    other = Client()
    other.force_login(books.co.sales3)
    assert other.get(url).status_code == 404
    assert other.post(url + "write-off/", {"order_id": o.pk, "amount": "1", "reason": "x"}).status_code == 404


def test_written_off_debt_is_listed_not_aged_and_later_money_is_recovery(books, fd, api_client):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    w = ar_writes.request_write_off(books.co.sales1, o.pk, "1000.00", "客户失联")
    _, total = ar_reads.aging(fin)
    assert total.buckets["over_90"] == D("1000.00") and total.written_off == 0  # pending: still aged
    w = _approve_all(books, fd, w)
    assert w.state == WriteOff.State.APPROVED and w.outstanding == D("1000.00")
    rows, total = ar_reads.aging(fin)
    assert total.total == 0 and total.buckets["over_90"] == 0 and total.written_off == D("1000.00")
    assert [(r.label, r.written_off) for r in rows] == [("广州老客户", D("1000.00"))]  # listed
    assert ar_reads.receivables(fin) == []  # no collection task on written-off debt
    c = Client()
    c.force_login(fin)
    page = c.get("/finance/ar/").content.decode()
    assert "已核销（追收中）" in page and "1,000.00" in page
    j = api_client(fin).get("/api/v1/reports/ar-aging").json()
    assert j["total"]["written_off"] == "1000.00" and j["total"]["total"] == "0.00"
    # the customer pays 300 a year later: recovery
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="300.00")
    assert r.allocated == D("300.00")
    w.refresh_from_db()
    assert (w.recovered, w.outstanding) == (D("300.00"), D("700.00"))
    a = AuditEntry.objects.get(action="recovery", object_id=str(w.pk))
    assert a.rule == "ar.bad_debt" and a.after["recovered"] == "300.00" and a.after["ref"] == r.number
    _, total = ar_reads.aging(fin)
    assert total.written_off == D("700.00") and total.total == 0
    assert api_client(fin).get("/api/v1/reports/write-offs").json()[0]["recovered"] == "300.00"
    # the receipt bounces: the recovery is undone exactly
    receipt_writes.reverse_receipt(fin, r.pk, "票据退回")
    w.refresh_from_db()
    assert w.recovered == 0
    _, total = ar_reads.aging(fin)
    assert total.written_off == D("1000.00")


def test_partial_write_off_money_pays_the_live_debt_first(books, fd):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    w = _approve_all(books, fd, ar_writes.request_write_off(fin, o.pk, "200.00", "部分货款争议，无法收回"))
    assert sum(r.open for r in ar_reads.receivables(fin, order_id=o.pk)) == D("800.00")
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="700.00")
    w.refresh_from_db()
    assert w.recovered == 0  # the live 800 is being paid
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="150.00")
    w.refresh_from_db()
    assert w.recovered == D("50.00")
    _, total = ar_reads.aging(fin, timezone.localdate())
    assert (total.total, total.written_off) == (D("0.00"), D("150.00"))


def test_rejected_write_off_leaves_the_debt_aged(books, fd):
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    w = ar_writes.request_write_off(books.co.finance, o.pk, "1000.00", "客户失联")
    decide(books.co.manager, w.approval_id, False, "证据不足，继续催收")
    w.refresh_from_db()
    assert w.state == WriteOff.State.REJECTED
    _, total = ar_reads.aging(books.co.finance)
    assert (total.buckets["over_90"], total.written_off) == (D("1000.00"), 0)
    # the amount is free again for a new request
    assert ar_writes.write_off_ceiling(books.co.finance, o) == D("1000.00")


@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "abc", "1.001", ""])
def test_bad_write_off_amounts_are_4xx_naming_the_rule_and_create_nothing(books, api_client, amount):
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    x = api_client(books.co.finance).post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": amount, "reason": "注销"},
                                          content_type="application/json")
    assert 400 <= x.status_code < 500 and x.json()["rule"] == "ar.bad_debt", x.json()
    assert not WriteOff.objects.exists()


def test_nothing_delivered_nothing_to_write_off(books, api_client):
    o = books.order(books.gz, [("10", "100.00", None)])  # ready, not shipped: not a receivable yet
    x = api_client(books.co.finance).post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": "1", "reason": "注销"},
                                          content_type="application/json")
    assert x.status_code == 422 and x.json()["rule"] == "ar.bad_debt" and "0.00" in x.json()["message"]


def test_money_received_while_the_write_off_awaits_approval_counts_as_recovered_on_approval(books, fd):
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    w = ar_writes.request_write_off(books.co.finance, o.pk, "1000.00", "客户失联")
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="400.00", arrived_on=date(2025, 8, 1))
    w = _approve_all(books, fd, w)
    # the aging lists 600.00 as written off; the write-off itself must agree: 400.00 recovered, 600.00 outstanding
    (r,) = ar_reads.receivables(books.co.finance, timezone.localdate(), order_id=o.pk, keep_written_off=True)
    assert (r.open, r.written_off) == (D("0.00"), D("600.00"))
    assert (w.state, w.recovered, w.outstanding) == ("approved", D("400.00"), D("600.00"))
    assert AuditEntry.objects.filter(action="recovery", object_id=str(w.pk), rule="ar.bad_debt").exists()
