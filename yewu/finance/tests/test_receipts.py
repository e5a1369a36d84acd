"""Receipts (回款): `sod.receipt_recorder`, `receipt.allocation` (oldest due first, by hand, deposits, balances,
reversal), `cash.receipt_words`, and the link to orders (record_payment, release state)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from yewu.audit.models import AuditEntry
from yewu.finance.documents import receipt_words, rmb_words_value
from yewu.finance.models import Allocation, Receipt
from yewu.finance.order_payments import record_payment
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import balances
from yewu.orders.models import Order, OrderStatus
from yewu.performance.models import CommissionEntry

J = "application/json"


def post(client, url, body):
    return client.post(url, body, content_type=J)


def state(*orders):
    """Everything a bad request must leave unchanged."""
    return (Receipt.objects.count(), Allocation.objects.count(), CommissionEntry.objects.count(),
            [(o.pk, *Order.objects.filter(pk=o.pk).values_list("paid_amount", "status").get()) for o in orders],
            list(Receipt.objects.values_list("pk", "allocated", "status")))


def test_receipt_amount_must_be_positive_and_recorder_is_fin_or_ca(books, api_client):
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    fin, ca, sp = api_client(books.co.finance), api_client(books.co.cashier), api_client(books.co.sales1)
    before = state(o)
    for bad in ("0", "0.00", "-1", "-0.01"):
        r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": bad})
        assert r.status_code == 422 and r.json()["rule"] == "receipt.allocation", r.json()
        assert "大于 0" in r.json()["message"]
    assert post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1.001"}).status_code == 400
    assert post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "abc"}).status_code == 400
    r = post(sp, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "100.00"})
    assert r.status_code == 403 and r.json()["rule"] == "sod.receipt_recorder"
    assert state(o) == before
    r = post(ca, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "0.01", "method": "cash"})
    assert r.status_code == 201 and r.json()["number"].startswith("YWSK-") and r.json()["allocated"] == "0.01"
    assert r.json()["recorded_by"] == "吴出纳"


def test_the_salesperson_credited_cannot_record_even_holding_a_finance_role(books, api_client):
    u = books.co.sales1
    u.roles = ["SP", "CA"]
    u.save()
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    before = state(o)
    r = post(api_client(u), "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "100.00"})
    assert r.status_code == 403 and r.json()["rule"] == "sod.receipt_recorder"
    assert state(o) == before


def test_auto_allocation_oldest_due_first_rest_is_customer_balance(books, api_client):
    # due dates: A CREDIT 30 d shipped 01-01 → 01-31; B COD shipped 01-20 → 01-20; C ready, not shipped → not due
    a = books.order(books.gz, [("10", "100.00", None)], term_days=30, shipped_on=date(2026, 1, 1))
    b = books.order(books.gz, [("5", "100.00", None)], settlement="COD", shipped_on=date(2026, 1, 20))
    c = books.order(books.gz, [("3", "100.00", None)])
    fin = api_client(books.co.finance)
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1200.00", "arrived_on": "2026-02-02"}).json()
    assert [(x["order_id"], x["amount"]) for x in r["allocations"]] == [(b.pk, "500.00"), (a.pk, "700.00")]
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1000.00", "arrived_on": "2026-02-03"}).json()
    assert [(x["order_id"], x["amount"]) for x in r["allocations"]] == [(a.pk, "300.00"), (c.pk, "300.00")]
    assert r["unallocated"] == "400.00" and r["customer_balance"] == "400.00"
    assert balances.customer_credit_balance(books.gz.pk) == Decimal("400.00")
    for o, paid in ((a, "1000.00"), (b, "500.00"), (c, "300.00")):
        assert Order.objects.get(pk=o.pk).paid_amount == Decimal(paid)
    # nothing left to allocate automatically: a clear 409; the balance stays for the next order
    r2 = post(fin, f"/api/v1/receipts/{r['id']}/allocate", {})
    assert r2.status_code == 409 and r2.json()["rule"] == "receipt.allocation"
    d = books.order(books.gz, [("1", "250.00", None)])
    r3 = post(fin, f"/api/v1/receipts/{r['id']}/allocate", {}).json()
    assert r3["allocations"][-1] == {**r3["allocations"][-1], "order_id": d.pk, "amount": "250.00"}
    assert r3["unallocated"] == "150.00"


def test_deposit_receipt_goes_to_its_order_and_makes_it_ready(books, api_client):
    old = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 1))
    dep = books.order(books.gz, [("10", "1000.00", None)], settlement="COD", status=OrderStatus.AWAITING_PAYMENT,
                      deposit="3000.00")
    fin = api_client(books.co.finance)
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "2999.99", "for_order_id": dep.pk}).json()
    assert [(x["order_id"], x["amount"]) for x in r["allocations"]] == [(dep.pk, "2999.99")]
    assert Order.objects.get(pk=dep.pk).status == OrderStatus.AWAITING_PAYMENT
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1000.01", "for_order_id": dep.pk}).json()
    assert [(x["order_id"], x["amount"]) for x in r["allocations"]] == [(dep.pk, "1000.01")]
    dep.refresh_from_db()
    assert dep.status == OrderStatus.READY and dep.promised_ship_on and dep.paid_amount == Decimal("4000.00")
    assert Order.objects.get(pk=old.pk).paid_amount == 0
    # reversing the second receipt takes the unshipped order back below its deposit: awaiting payment again
    post(fin, f"/api/v1/receipts/{r['id']}/reverse", {"reason": "银行退回"})
    dep.refresh_from_db()
    assert dep.status == OrderStatus.AWAITING_PAYMENT and dep.paid_amount == Decimal("2999.99") and dep.promised_ship_on is None


def test_manual_allocation_boundaries_and_nothing_changes_on_refusal(books, api_client):
    a = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 1))  # 1,000.00
    b = books.order(books.gz, [("5", "100.00", None)], shipped_on=date(2026, 1, 2))  # 500.00
    fin = api_client(books.co.finance)
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1200.00", "allocations": []})
    assert r.status_code == 400 and r.json()["rule"] == "receipt.allocation"
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1200.00", "auto_allocate": False}).json()
    rid = r["id"]
    theirs = books.order(books.other, [("1", "100.00", None)])
    before = state(a, b)
    # beyond the order's open amount (1,000.00)
    x = post(fin, f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": a.pk, "amount": "1000.01"}]})
    assert x.status_code == 422 and x.json()["rule"] == "receipt.allocation" and "1,000.00" in x.json()["message"]
    # beyond the receipt (1,200.00): the second line breaks it, so the first is not kept either
    x = post(fin, f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": a.pk, "amount": "1000.00"},
                                                                      {"order_id": b.pk, "amount": "200.01"}]})
    assert x.status_code == 422 and x.json()["rule"] == "receipt.allocation" and "未分配余额 200.00" in x.json()["message"]
    x = post(fin, f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": theirs.pk, "amount": "1"}]})
    assert x.status_code == 400 and x.json()["rule"] == "receipt.allocation"
    x = post(fin, f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": a.pk, "amount": "0"}]})
    assert x.status_code == 422
    # the cashier may not allocate by hand (FIN does)
    x = post(api_client(books.co.cashier), f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": a.pk, "amount": "1"}]})
    assert x.status_code == 403
    assert state(a, b) == before
    # exactly the open amount and exactly the rest of the receipt are allowed
    x = post(fin, f"/api/v1/receipts/{rid}/allocate", {"allocations": [{"order_id": a.pk, "amount": "1000.00"},
                                                                      {"order_id": b.pk, "amount": "200.00"}]})
    assert x.status_code == 200 and x.json()["unallocated"] == "0.00"
    assert [y["kind"] for y in x.json()["allocations"]] == ["manual", "manual"]


def test_reversal_restores_everything_exactly_and_twice_is_409(books, api_client):
    a = books.order(books.gz, [("10", "100.00", "-0.450"), ("3", "100.00", None)], shipped_on=date(2026, 1, 1))
    fin = api_client(books.co.finance)
    before = state(a)
    bal0 = balances.customer_credit_balance(books.gz.pk)
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "1500.00", "arrived_on": "2026-02-10"}).json()
    assert Order.objects.get(pk=a.pk).paid_amount == Decimal("1300.00")
    assert balances.customer_credit_balance(books.gz.pk) == Decimal("200.00")
    x = post(fin, f"/api/v1/receipts/{r['id']}/reverse", {"reason": ""})
    assert x.status_code == 400 and x.json()["rule"] == "receipt.allocation"
    x = post(fin, f"/api/v1/receipts/{r['id']}/reverse", {"reason": "客户支票退票"})
    assert x.status_code == 200 and x.json()["status"] == "reversed"
    assert Order.objects.get(pk=a.pk).paid_amount == before[3][0][1]
    assert balances.customer_credit_balance(books.gz.pk) == bal0
    ce = CommissionEntry.objects.filter(receipt_id=r["id"])
    assert sum(e.amount for e in ce) == 0 and sum(e.basis for e in ce) == 0 and ce.count() == 4
    x = post(fin, f"/api/v1/receipts/{r['id']}/reverse", {"reason": "再来一次"})
    assert x.status_code == 409 and x.json()["rule"] == "receipt.allocation" and "不能重复红冲" in x.json()["message"]
    x = post(fin, f"/api/v1/receipts/{r['id']}/allocate", {})
    assert x.status_code == 409
    assert AuditEntry.objects.filter(object_type="finance.receipt", action="reverse", reason="客户支票退票").count() == 1


def test_record_payment_is_a_receipt_allocated_to_the_order(books):
    o = books.order(books.gz, [("10", "100.00", None)], settlement="PREPAY", status=OrderStatus.AWAITING_PAYMENT)
    record_payment(books.co.cashier, o.pk, "999.99", date(2026, 3, 1), "BANK-1")
    r = Receipt.objects.get()
    assert r.amount == Decimal("999.99") and r.reference == "BANK-1" and r.for_order_id == o.pk
    assert list(r.allocations.values_list("order_id", "amount")) == [(o.pk, Decimal("999.99"))]
    assert Order.objects.get(pk=o.pk).status == OrderStatus.AWAITING_PAYMENT
    record_payment(books.co.cashier, o.pk, "0.01")
    assert Order.objects.get(pk=o.pk).status == OrderStatus.READY


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_allocating_one_receipt_at_once(books):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is not shared between threads; runs on PostgreSQL and file SQLite")
    a = books.order(books.gz, [("8", "100.00", None)], shipped_on=date(2026, 1, 1))
    b = books.order(books.gz, [("8", "100.00", None)], shipped_on=date(2026, 1, 2))
    r = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1000.00", auto=False)
    barrier, results = threading.Barrier(2), []

    def go(order):
        try:
            barrier.wait()
            receipt_writes.allocate(books.co.finance, r.pk, [(order.pk, "800.00")])
            results.append("ok")
        except Exception as e:  # noqa: BLE001 — the loser's error is what we check
            results.append(e)
        finally:
            connection.close()

    ts = [threading.Thread(target=go, args=(o,)) for o in (a, b)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert results.count("ok") == 1
    err = next(x for x in results if x != "ok")
    assert getattr(err, "status", 0) in (409, 422) and err.rule == "receipt.allocation"
    r.refresh_from_db()
    assert r.allocated == Decimal("800.00") and Allocation.objects.filter(receipt=r).count() == 1
    assert sum(Order.objects.filter(pk__in=[a.pk, b.pk]).values_list("paid_amount", flat=True)) == Decimal("800.00")


def test_two_cashiers_allocating_one_receipt_the_row_lock_serialises_them(books, api_client, monkeypatch):
    """Works on every database: the allocation reads the receipt and the orders under select_for_update (checked by
    spying on the queryset, and on PostgreSQL in the SQL), so the second cashier's allocation is checked against
    what the first took — a 4xx naming the rule, nothing changes."""
    from django.db.models.query import QuerySet
    from django.test.utils import CaptureQueriesContext

    from yewu.org.models import User

    fin2 = User.objects.create_user(username="fin2", password="x", roles=["FIN"], display_name="第二财务")
    a = books.order(books.gz, [("8", "100.00", None)], shipped_on=date(2026, 1, 1))
    b = books.order(books.gz, [("8", "100.00", None)], shipped_on=date(2026, 1, 2))
    r = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1000.00", auto=False)
    locked, orig = [], QuerySet.select_for_update

    def spy(self, *args, **kw):
        locked.append(self.model.__name__)
        return orig(self, *args, **kw)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    with CaptureQueriesContext(connection) as q:
        receipt_writes.allocate(books.co.finance, r.pk, [(a.pk, "800.00")])
    assert locked[:2] == ["Receipt", "Order"]
    if connection.vendor == "postgresql":
        assert any("FOR UPDATE" in x["sql"] and "finance_receipt" in x["sql"] for x in q.captured_queries)
    before = state(a, b)
    x = post(api_client(fin2), f"/api/v1/receipts/{r.pk}/allocate", {"allocations": [{"order_id": b.pk, "amount": "800.00"}]})
    assert x.status_code == 422 and x.json()["rule"] == "receipt.allocation" and "未分配余额 200.00" in x.json()["message"]
    assert state(a, b) == before


@pytest.mark.parametrize("amount,words", [("1052.63", "壹仟零伍拾贰元陆角叁分"), ("5300.00", "伍仟叁佰元整"),
                                          ("0.05", "伍分"), ("100000.10", "壹拾万元壹角"), ("20000.01", "贰万元零壹分")])
def test_receipt_words_agree_with_figures(amount, words):
    assert receipt_words(Decimal(amount)) == words
    assert rmb_words_value(words) == Decimal(amount)


def test_receipt_pdf_prints_words(books, api_client):
    fin = api_client(books.co.finance)
    r = post(fin, "/api/v1/receipts", {"customer_id": books.gz.pk, "amount": "5300.00", "reference": "ICBC-88"}).json()
    x = fin.get(f"/api/v1/receipts/{r['id']}/pdf")
    assert x.status_code == 200 and x["Content-Type"] == "application/pdf" and x.content.startswith(b"%PDF")
    assert api_client(books.co.sales3).get(f"/api/v1/receipts/{r['id']}/pdf").status_code == 404


def test_access_finance_sees_all_salesperson_only_own_customers(books, api_client):
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="100.00")
    theirs = receipt_writes.create_receipt(books.co.finance, customer_id=books.other.pk, amount="200.00")
    def numbers(u):
        return sorted(x["customer"] for x in api_client(u).get("/api/v1/receipts").json()["items"])

    assert numbers(books.co.finance) == numbers(books.co.cashier) == numbers(books.co.gm) == sorted(["王五的客户", "广州老客户"])
    assert numbers(books.co.sales1) == ["广州老客户"]
    assert numbers(books.co.sales2) == []
    assert numbers(books.co.manager) == ["广州老客户"]  # team 1
    assert numbers(books.co.manager2) == ["王五的客户"]
    assert api_client(books.co.sales1).get(f"/api/v1/receipts/{theirs.pk}").status_code == 404
    assert api_client(books.co.cs).get("/api/v1/receipts").json()["count"] == 0
