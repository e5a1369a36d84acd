"""Receivables: `ar.aging` due dates and bucket boundaries, as of any date, per customer / SP / team, Excel;
`ar.collection_task` timers; `ar.deferral`; customer statement (对账单) PDF/Excel; `ar.reconcile_semiannual`."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from yewu.common.models import Notification
from yewu.finance.models import CollectionTask, DeferralRequest, Reconciliation
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import selectors as ar_reads
from yewu.finance.receivables import services as ar_writes
from yewu.finance.statements import selectors as statement_reads
from yewu.finance.tasks import run_collection, run_reconciliation
from yewu.policy.receivables import aging_bucket, collection_action, due_date

J = "application/json"
SHIP = date(2026, 1, 10)


def test_due_dates():
    assert due_date("CREDIT", SHIP, 30) == date(2026, 2, 9)
    assert due_date("COD", SHIP, 0) == SHIP
    assert due_date("CASH", SHIP, 0) == SHIP


@pytest.mark.parametrize("days_after_due,bucket", [(-5, "not_due"), (0, "not_due"), (1, "d1_30"), (30, "d1_30"),
                                                   (31, "d31_60"), (60, "d31_60"), (61, "d61_90"), (90, "d61_90"),
                                                   (91, "over_90")])
def test_bucket_boundaries(days_after_due, bucket):
    due = date(2026, 2, 9)
    assert aging_bucket(due, due + timedelta(days=days_after_due)) == bucket


def test_aging_report_by_customer_sp_team_and_as_of(books, api_client):
    # CREDIT 30 d shipped 01-10 → due 02-09; COD shipped 01-10 → due 01-10; sales3's customer (team 2)
    a = books.order(books.gz, [("10", "100.00", None)], term_days=30, shipped_on=SHIP)
    b = books.order(books.gz, [("5", "100.00", None)], settlement="COD", shipped_on=SHIP)
    books.order(books.other, [("2", "100.00", None)], settlement="COD", shipped_on=SHIP)
    partial = books.order(books.gz, [("10", "100.00", None)], term_days=60)
    books.ship(partial, date(2026, 3, 1), fraction="0.3")  # 300.00 delivered, due 04-30
    fin = api_client(books.co.finance)
    # a receipt of 200.00 on 02-20 pays the COD order (oldest due) in part; reversed on 03-05
    r = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="200.00", arrived_on=date(2026, 2, 20))
    assert [x.order_id for x in r.allocations.all()] == [b.pk]
    receipt_writes.reverse_receipt(books.co.finance, r.pk, "退票", on=date(2026, 3, 5))

    def rows(as_of, group="customer", client=fin):
        j = client.get(f"/api/v1/reports/ar-aging?as_of={as_of}&group={group}").json()
        return {x["label"]: {k: v for k, v in x["buckets"].items() if v != "0.00"} for x in j["rows"]}, j["total"]["total"]

    # 02-09: the CREDIT order is due that day (not due), the COD ones 30 days past due
    got, total = rows("2026-02-09")
    assert got == {"广州老客户": {"not_due": "1000.00", "d1_30": "500.00"}, "王五的客户": {"d1_30": "200.00"}}
    assert total == "1700.00"
    # 02-10: the CREDIT order is 1 day past due; the COD ones 31 days
    got, _ = rows("2026-02-10")
    assert got["广州老客户"] == {"d1_30": "1000.00", "d31_60": "500.00"}
    # 03-01: the receipt (arrived 02-20, reversed only on 03-05) still counts; the partial shipment is not due
    got, _ = rows("2026-03-01")
    assert got["广州老客户"] == {"not_due": "300.00", "d1_30": "1000.00", "d31_60": "300.00"}
    # 03-05: reversed → the 200.00 is owed again
    got, _ = rows("2026-03-05")
    assert got["广州老客户"] == {"not_due": "300.00", "d1_30": "1000.00", "d31_60": "500.00"}
    got, _ = rows("2026-03-05", "salesperson")
    assert set(got) == {"张三", "王五"}
    got, _ = rows("2026-03-05", "team")
    assert got == {"一组": {"not_due": "300.00", "d1_30": "1000.00", "d31_60": "500.00"}, "二组": {"d31_60": "200.00"}}
    # an SP sees only their customers; the SM the team's — with the same figures
    assert rows("2026-03-05", client=api_client(books.co.sales1))[0] == {"广州老客户": got["一组"]}
    assert rows("2026-03-05", client=api_client(books.co.manager))[0] == {"广州老客户": got["一组"]}
    assert rows("2026-03-05", client=api_client(books.co.sales2))[0] == {}
    assert a.pk  # keep
    # Excel export opened with openpyxl
    x = fin.get("/api/v1/reports/ar-aging?as_of=2026-03-05&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert "2026-03-05" in ws["A1"].value
    heads = [c.value for c in ws[2]]
    assert heads[:3] == ["客户", "业务员", "团队"] and "逾期31–60天" in heads
    body = {row[0].value: [c.value for c in row] for row in ws.iter_rows(min_row=3)}
    assert body["广州老客户"][heads.index("合计")] == 1800 and body["合计"][heads.index("合计")] == 2000
    assert fin.get("/api/v1/reports/ar-aging?as_of=2026-13-01").status_code == 400


def test_collection_tasks_remind_task_escalate(books):
    o = books.order(books.gz, [("10", "100.00", None)], term_days=30, shipped_on=SHIP)  # due 02-09
    sp, sm = books.co.sales1, books.co.manager

    def notes(u, prefix):
        return Notification.objects.filter(user=u, key__startswith=prefix).count()

    assert collection_action(date(2026, 2, 9), date(2026, 2, 5)) is None
    assert run_collection(date(2026, 2, 5))["reminders"] == 0  # 4 days before
    assert run_collection(date(2026, 2, 6))["reminders"] == 1  # exactly 3 days before
    assert run_collection(date(2026, 2, 6))["reminders"] == 0  # idempotent
    assert notes(sp, "ar:remind") == 1
    assert run_collection(date(2026, 2, 9))["tasks"] == 0  # due day: not past due
    assert run_collection(date(2026, 2, 10))["tasks"] == 1  # day 1 past due
    t = CollectionTask.objects.get(order=o)
    assert (t.days_past_due, t.overdue_amount, t.escalated_on) == (1, Decimal("1000.00"), None)
    assert run_collection(date(2026, 3, 11))["escalated"] == 0  # 30 days past due: not yet on the SM list
    assert run_collection(date(2026, 3, 12))["escalated"] == 1  # 31 days
    assert notes(sm, "ar:escalate") == 1 and run_collection(date(2026, 3, 13))["escalated"] == 0
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 3, 13))
    assert run_collection(date(2026, 3, 14))["closed"] == 1
    assert CollectionTask.objects.get(order=o).closed_on == date(2026, 3, 14)


def test_deferral_only_sm_grants_second_within_12_months_flags(books, api_client):
    sp, sm, sm2, fin = (api_client(u) for u in (books.co.sales1, books.co.manager, books.co.manager2, books.co.finance))
    o = books.order(books.gz, [("10", "100.00", None)], term_days=30, shipped_on=SHIP)
    today = date.today()
    x = sp.post("/api/v1/deferrals", {"customer_id": books.gz.pk, "new_due_on": str(today + timedelta(days=20)),
                                      "reason": "客户资金紧张", "order_id": o.pk}, content_type=J).json()
    assert x["outcome"] == "pending" and x["credit_review"] is False
    for who in (sp, sm2, fin):
        r = who.post(f"/api/v1/deferrals/{x['id']}/decide", {"grant": True}, content_type=J)
        assert r.status_code == 403 and r.json()["rule"] == "ar.deferral"
    assert sm.post(f"/api/v1/deferrals/{x['id']}/decide", {"grant": True}, content_type=J).json()["outcome"] == "granted"
    assert sm.post(f"/api/v1/deferrals/{x['id']}/decide", {"grant": False}, content_type=J).status_code == 409
    # the granted date moves the order's due date in the aging
    rec = ar_reads.receivables(books.co.finance, today)
    assert [r.due_on for r in rec] == [max(date(2026, 2, 9), today + timedelta(days=20))]
    y = sp.post("/api/v1/deferrals", {"customer_id": books.gz.pk, "new_due_on": str(today + timedelta(days=40)),
                                      "reason": "再次推迟"}, content_type=J).json()
    assert y["credit_review"] is True
    assert Notification.objects.filter(key=f"deferral:{y['id']}:credit_review", user=books.co.manager).exists()
    assert sp.post("/api/v1/deferrals", {"customer_id": books.gz.pk, "new_due_on": str(today), "reason": "x"},
                   content_type=J).status_code == 400


def test_deferral_window_is_12_months(books):
    c = books.gz
    DeferralRequest.objects.create(customer=c, requested_on=date(2025, 3, 1), new_due_on=date(2025, 4, 1), reason="a",
                                   requested_by=books.co.sales1)
    d = ar_writes.request_deferral(books.co.sales1, customer_id=c.pk, new_due_on=date(2026, 4, 1), reason="b",
                                  today=date(2026, 3, 1))
    assert d.credit_review is False  # exactly 12 months earlier: outside the window
    d = ar_writes.request_deferral(books.co.sales1, customer_id=c.pk, new_due_on=date(2026, 4, 2), reason="c",
                                  today=date(2026, 3, 2))
    assert d.credit_review is True


def test_statement_pdf_and_excel(books, client):
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    books.order(books.gz, [("2", "100.00", None)], shipped_on=date(2026, 2, 10))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1500.00", arrived_on=date(2026, 2, 15))
    s = statement_reads.statement(books.gz, date(2026, 2, 1), date(2026, 2, 28))
    assert s["opening"] == Decimal("1000.00") and s["closing"] == Decimal("-300.00")
    assert [(x["debit"], x["credit"], x["balance"]) for x in s["lines"]] == [
        (Decimal("200.00"), 0, Decimal("1200.00")), (0, Decimal("1500.00"), Decimal("-300.00"))]
    client.force_login(books.co.sales1)
    x = client.get(f"/finance/statement/{books.gz.pk}/?start=2026-02-01&end=2026-02-28&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert rows[0][1] == "期初余额" and rows[0][4] == 1000 and rows[-1][1] == "期末余额" and rows[-1][4] == -300
    x = client.get(f"/finance/statement/{books.gz.pk}/?start=2026-02-01&end=2026-02-28&format=pdf")
    assert x.content.startswith(b"%PDF")
    client.force_login(books.co.sales3)
    assert client.get(f"/finance/statement/{books.gz.pk}/").status_code == 404
    assert o.pk


def test_semiannual_reconciliation(books, api_client):
    books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 3, 10))
    books.shop.customer("无往来客户")
    assert run_reconciliation(date(2026, 7, 1))["created"] == 1
    assert run_reconciliation(date(2026, 7, 2))["created"] == 0
    rec = Reconciliation.objects.get()
    assert (rec.customer, rec.period_end, rec.balance, rec.due_on) == (books.gz, date(2026, 6, 30), Decimal("1000.00"),
                                                                        date(2026, 7, 15))
    assert run_reconciliation(date(2026, 7, 15))["overdue"] == 0
    assert run_reconciliation(date(2026, 7, 16))["overdue"] == 1
    assert Notification.objects.filter(key=f"recon:{rec.pk}:overdue", user=books.co.manager).exists()
    ar_writes.record_reconciliation(books.co.sales1, rec.pk, False, "900.00", "客户少记一笔送货")
    rec.refresh_from_db()
    assert rec.state == "difference" and rec.customer_balance == Decimal("900.00")


def test_monthly_ar_report_and_deferral_log_export(books, api_client):
    books.order(books.gz, [("10", "100.00", None)], term_days=30, shipped_on=date(2026, 1, 10))  # due 02-09
    books.order(books.gz, [("5", "100.00", None)], settlement="COD", shipped_on=date(2026, 2, 3))
    books.order(books.other, [("2", "100.00", None)], settlement="COD", shipped_on=date(2026, 2, 5))
    r = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="300.00", arrived_on=date(2026, 2, 20))
    old = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="100.00", arrived_on=date(2026, 1, 20))
    receipt_writes.reverse_receipt(books.co.finance, old.pk, "退票", on=date(2026, 2, 25))
    assert r.allocated == 300
    fin = api_client(books.co.finance)
    j = fin.get("/api/v1/reports/ar-monthly?month=2026-02").json()
    got = {x["salesperson"]: (x["opening"], x["delivered"], x["collected"], x["closing"], x["overdue"]) for x in j["rows"]}
    # 张三: both receipts went to the COD order (due 02-03, before the CREDIT order's 02-09), not yet delivered on
    # 01-31 → opening 1,000; +500 delivered; collected 300 − 100 reversed in February = 200; closing 1,000 + 200,
    # all overdue on 02-28
    assert got["张三"] == ("1000.00", "500.00", "200.00", "1200.00", "1200.00")
    assert got["王五"] == ("0.00", "200.00", "0.00", "200.00", "200.00")
    assert j["total"]["closing"] == "1400.00"
    sp = api_client(books.co.sales1).get("/api/v1/reports/ar-monthly?month=2026-02").json()
    assert [x["salesperson"] for x in sp["rows"]] == ["张三"]
    x = fin.get("/api/v1/reports/ar-monthly?month=2026-02&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in ws[2]][:3] == ["业务员", "团队", "月初应收"] and ws.cell(ws.max_row, 1).value == "合计"
    ar_writes.request_deferral(books.co.sales1, customer_id=books.gz.pk, new_due_on=date.today() + timedelta(days=9),
                              reason="资金周转")
    ws = openpyxl.load_workbook(io.BytesIO(fin.get("/api/v1/reports/deferrals.xlsx").content)).active
    assert ws.cell(3, 2).value == "广州老客户" and ws.cell(3, 7).value == "待经理决定"


def test_bad_debt_write_off_needs_sm_fd_gm_and_stays_tracked(books, api_client):
    from yewu.approvals.services import decide
    from yewu.finance.models import WriteOff
    from yewu.org.models import User

    fd = User.objects.create_user(username="fd2", password="x", roles=["FD"], display_name="钱总监")
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="400.00", arrived_on=date(2025, 7, 1))
    fin = api_client(books.co.finance)
    x = fin.post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": "600.01", "reason": "客户已注销"}, content_type=J)
    assert x.status_code == 422 and x.json()["rule"] == "ar.bad_debt" and "600.00" in x.json()["message"]
    x = api_client(books.co.cashier).post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": "1", "reason": "x"},
                                          content_type=J)
    assert x.status_code == 403 and x.json()["rule"] == "ar.bad_debt"  # the cashier sees the money but may not propose
    x = fin.post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": "600.00", "reason": "客户已注销"}, content_type=J)
    assert x.status_code == 201 and x.json()["state"] == "pending"
    w = WriteOff.objects.get()
    for u in (books.co.manager, fd, books.co.gm):
        decide(u, w.approval_id, True)
        w.refresh_from_db()
    assert w.state == WriteOff.State.APPROVED
    # still tracked: out of the open buckets, listed as written off (see test_write_off.py for recovery)
    rows, total = ar_reads.aging(books.co.finance, date.today())
    assert total.buckets["over_90"] == Decimal("0.00") and total.written_off == Decimal("600.00")
    _, before = ar_reads.aging(books.co.finance, date(2026, 1, 1))  # before the approval: still open
    assert before.buckets["over_90"] == Decimal("600.00") and before.written_off == Decimal("0.00")
    x = fin.post("/api/v1/reports/write-offs", {"order_id": o.pk, "amount": "0.01", "reason": "再核销"}, content_type=J)
    assert x.status_code == 422  # the whole open amount is already written off
