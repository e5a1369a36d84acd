"""cash.advance_max_3000, cash.max_on_hand_5000, cash.no_netting, cash.daily_count, sod.count_witness,
bank.monthly_reconciliation and the nightly job."""

from datetime import date
from decimal import Decimal

import pytest

from yewu.common.models import Notification
from yewu.expenses.cash.services import run_nightly
from yewu.expenses.models import CashAdvance, CashCount, CashEntry, CashException, DepositTask

from .conftest import approve_all, fund, post


def advance(co, user="sales1", **kw):
    body = {"purpose_kind": "travel", "purpose": "去深圳拜访客户", "amount": "1500.00", "due_date": "2025-09-10", **kw}
    return post(co.c(user), "/api/v1/cash-advances", body)


# --- cash.advance_max_3000 ---

@pytest.mark.parametrize("kind, amount, ok", [
    ("cash_purchase", "3000.00", True), ("cash_purchase", "3000.01", False), ("travel", "8000.00", True), ("other", "100.00", False),
])
def test_advance_purpose_and_cap(co, kind, amount, ok):
    r = advance(co, purpose_kind=kind, amount=amount)
    assert (r.status_code == 201) is ok, r.json()
    if not ok:
        assert r.status_code == 422 and r.json()["rule"] == "cash.advance_max_3000" and not CashAdvance.objects.exists()
    else:
        assert [s["role"] for s in r.json()["steps"]] == ["SM", "FD"]


@pytest.mark.parametrize("missing", ["due_date", "purpose", "amount"])
def test_advance_required_fields(co, missing):
    r = advance(co, **{missing: None})
    assert r.status_code == 422 and r.json()["rule"] == "cash.advance_max_3000"
    assert missing in r.json()["fields"] and not CashAdvance.objects.exists()


def test_advance_paid_overdue_listed_then_settled_by_claim_and_cash(co):
    a = advance(co, amount="1500.00", due_date="2025-09-05").json()
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay")
    assert r.status_code == 409 and r.json()["rule"] == "pay.approval_chain"
    approve_all(co, a["approval_id"], ("manager", "finance"))
    fund(co, "2000.00")
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay")
    assert r.status_code == 200 and r.json()["state"] == "paid"
    # due 09-05: not overdue on 09-05, overdue on 09-06
    co.clock.set(date(2025, 9, 5))
    assert co.c("finance").get("/api/v1/cash-advances/overdue").json() == []
    co.clock.set(date(2025, 9, 6))
    listed = co.c("finance").get("/api/v1/cash-advances/overdue").json()
    assert [x["number"] for x in listed] == [a["number"]]
    assert co.c("sales2").get("/api/v1/cash-advances/overdue").json() == []  # not theirs
    # the nightly job (01:00 on 09-06 checks 09-05) notifies borrower, FD and finance, once
    out = run_nightly(date(2025, 9, 5))
    assert out["overdue_advances"] == 1
    run_nightly(date(2025, 9, 5))
    assert Notification.objects.filter(rule="cash.advance_max_3000", key__startswith="adv_overdue").count() == 2  # sales1 + finance
    # settle: a claim of 1,200.00 covers part, 300.00 repaid in cash; a wrong figure is refused
    claim = post(co.c("sales1"), "/api/v1/expenses", {
        "kind": "expense", "category": "travel", "purpose": "深圳出差报销", "method": "cash", "advance_id": a["id"],
        "lines": [{"incurred_on": "2025-09-03", "description": "住宿两晚", "amount": "1200.00"}]}).json()
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/settle", {"claim_id": claim["id"], "repaid": "300.00"})
    assert r.status_code == 409 and r.json()["rule"] == "pay.approval_chain"  # the claim is not approved yet
    approve_all(co, claim["approval_id"])
    r = post(co.c("cashier"), f"/api/v1/expenses/{claim['id']}/pay")  # cites the advance: settle it first
    assert r.status_code == 409 and r.json()["rule"] == "cash.advance_max_3000"
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/settle", {"claim_id": claim["id"], "repaid": "299.99"})
    assert r.status_code == 422 and "应还现金 300.00" in r.json()["message"]
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/settle", {"claim_id": claim["id"], "repaid": "300.00"})
    assert r.status_code == 200 and r.json()["state"] == "settled" and r.json()["claim_offset"] == "1200.00"
    assert co.c("finance").get("/api/v1/cash-advances/overdue").json() == []
    claim = co.c("sales1").get(f"/api/v1/expenses/{claim['id']}").json()
    assert claim["state"] == "paid" and claim["payable"] == "0.00"
    # cash: 2000 in, 1500 out, 300 back
    assert co.c("cashier").get("/api/v1/cash/journal").json()["closing"] == "800.00"


def test_claim_larger_than_advance_pays_the_difference(co):
    a = advance(co, amount="1000.00").json()
    approve_all(co, a["approval_id"], ("manager", "finance"))
    fund(co, "3000.00")
    post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay")
    claim = post(co.c("sales1"), "/api/v1/expenses", {
        "kind": "expense", "category": "travel", "purpose": "出差报销", "method": "cash",
        "lines": [{"incurred_on": "2025-08-30", "description": "车费", "amount": "1250.00"}]}).json()
    approve_all(co, claim["approval_id"])
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/settle", {"claim_id": claim["id"], "repaid": "0"})
    assert r.status_code == 200
    r = post(co.c("cashier"), f"/api/v1/expenses/{claim['id']}/pay")
    assert r.json()["payable"] == "250.00"
    assert CashEntry.objects.get(payment_doc_id=claim["id"]).amount == Decimal("250.00")


# --- cash.max_on_hand_5000, cash.no_netting ---

def test_cash_limit_warns_and_creates_deposit_task_then_nightly_exception(co):
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "5000.00", "summary": "客户现金货款", "source": "customer"})
    assert r.status_code == 201 and r.json()["warnings"] == [] and not DepositTask.objects.exists()
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "0.01", "summary": "客户现金货款", "source": "customer"})
    w = r.json()["warnings"]
    assert r.status_code == 201 and w[0]["rule"] == "cash.max_on_hand_5000" and w[0]["excess"] == "0.01"
    assert "5,000.01" in w[0]["message"]
    assert DepositTask.objects.get().amount == Decimal("0.01")
    j = co.c("cashier").get("/api/v1/cash/journal").json()
    assert j["days"][0]["closing"] == "5000.01" and "超过限额" in j["days"][0]["warning"]
    # end of day still above: the nightly job records an exception, once
    assert run_nightly(date(2025, 9, 1))["excess"] == 1
    assert run_nightly(date(2025, 9, 1))["excess"] == 0
    x = CashException.objects.get(kind="excess")
    assert x.excess == Decimal("0.01") and x.rule == "cash.max_on_hand_5000"
    # next day the cashier deposits the excess: the task is done, no exception for 09-02
    co.clock.set(date(2025, 9, 2))
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"payment": "1000.00", "summary": "存入银行", "source": "bank_deposit"})
    assert r.status_code == 201
    assert DepositTask.objects.get().done_at is not None
    assert run_nightly(date(2025, 9, 2))["excess"] == 0


def test_no_netting_and_bad_entries_change_nothing(co):
    fund(co, "100.00")
    for body, status in [
        ({"receipt": "500.00", "payment": "200.00", "summary": "收款并付费用"}, 422),
        ({"receipt": "0", "summary": "零"}, 422),
        ({"payment": "100.01", "summary": "超过库存现金"}, 422),
        ({"receipt": "-5", "summary": "负数"}, 400),
        ({"receipt": "5", "summary": ""}, 400),
        ({"payment": "5", "summary": "报销", "source": "payment"}, 400),
    ]:
        r = post(co.c("cashier"), "/api/v1/cash/journal", body)
        assert r.status_code == status, (body, r.json())
        if status == 422:
            assert r.json()["rule"] == "cash.no_netting"
    assert CashEntry.objects.count() == 1
    assert post(co.c("sales1"), "/api/v1/cash/journal", {"receipt": "5", "summary": "x"}).status_code == 403


def test_reversal_of_a_manual_entry(co):
    e = fund(co, "300.00")
    r = post(co.c("cashier"), f"/api/v1/cash/journal/{e['id']}/reverse", {"reason": "录错金额"})
    assert r.status_code == 201 and r.json()["amount"] == "-300.00" and r.json()["reverses"] == e["id"]
    r = post(co.c("cashier"), f"/api/v1/cash/journal/{e['id']}/reverse", {"reason": "再次"})
    assert r.status_code == 409
    assert co.c("cashier").get("/api/v1/cash/journal").json()["closing"] == "0.00"
    assert CashEntry.objects.count() == 2  # never deleted
    from yewu.audit.models import AuditEntry

    audit = AuditEntry.objects.get(object_type="expenses.cashentry", action="reverse")
    assert audit.reason == "录错金额" and audit.after["amount"] == "-300.00"


def test_journal_is_kept_in_date_order(co):
    co.clock.set(date(2025, 9, 2))
    fund(co, "100.00")
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "5", "summary": "补记", "source": "other", "entry_date": "2025-09-01"})
    assert r.status_code == 400 and "entry_date" in r.json()["fields"]


# --- cash.daily_count, sod.count_witness ---

def test_daily_count_difference_must_be_explained_and_monthly_needs_witness(co):
    fund(co, "386.50")
    body = {"kind": "daily", "denominations": {"100": 3, "50": 1, "20": 1, "10": 1, "5": 1, "1": 1, "0.5": 1}}
    r = post(co.c("cashier"), "/api/v1/cash/counts", body)
    assert r.status_code == 201 and r.json()["difference"] == "0.00" and r.json()["counted"] == "386.50"
    short = {"kind": "monthly", "denominations": {"100": 3, "50": 1, "20": 1, "10": 1, "5": 1, "1": 1}}
    r = post(co.c("cashier"), "/api/v1/cash/counts", short)
    assert r.status_code == 422 and r.json()["rule"] == "cash.daily_count" and "-0.50" in r.json()["message"]
    r = post(co.c("cashier"), "/api/v1/cash/counts", {**short, "explanation": "找零少收 0.5 元"})
    assert r.status_code == 201
    cid = r.json()["id"]
    r = post(co.c("cashier"), f"/api/v1/cash/counts/{cid}/witness")
    assert r.status_code == 403 and r.json()["rule"] == "sod.count_witness"
    r = post(co.c("sales1"), f"/api/v1/cash/counts/{cid}/witness")
    assert r.status_code == 403 and r.json()["rule"] == "sod.count_witness"
    r = post(co.c("finance"), f"/api/v1/cash/counts/{cid}/witness")
    assert r.status_code == 200 and r.json()["witness"] == "周财务"
    r = post(co.c("cashier"), "/api/v1/cash/counts", {"denominations": {"3": 1}})
    assert r.status_code == 400 and CashCount.objects.count() == 2


def test_nightly_flags_a_day_without_count(co):
    fund(co, "100.00")
    assert run_nightly(date(2025, 9, 1))["no_count"] == 1
    co.clock.set(date(2025, 9, 2))
    post(co.c("cashier"), "/api/v1/cash/counts", {"denominations": {"100": 1}})
    assert run_nightly(date(2025, 9, 2))["no_count"] == 0
    assert list(CashException.objects.values_list("kind", "day")) == [("no_count", date(2025, 9, 1))]


# --- bank.monthly_reconciliation ---

def test_bank_reconciliation_must_balance(co):
    body = {"account": "工行 3602 0000 1234", "month": "2025-08", "book_balance": "100000.00", "bank_balance": "98000.00",
            "bank_credited_not_booked": [{"date": "2025-08-30", "description": "客户汇款未入账", "amount": "5000.00"}],
            "bank_debited_not_booked": [{"date": "2025-08-31", "description": "银行手续费", "amount": "200.00"}],
            "booked_not_credited": [{"date": "2025-08-31", "description": "送存支票", "amount": "8000.00"}],
            "booked_not_debited": [{"date": "2025-08-31", "description": "开出转账支票未兑付", "amount": "1200.01"}]}
    r = post(co.c("cashier"), "/api/v1/cash/bank-reconciliations", body)
    assert r.status_code == 422 and r.json()["rule"] == "bank.monthly_reconciliation" and "相差 0.01" in r.json()["message"]
    assert "104,800.00" in r.json()["message"] and "104,799.99" in r.json()["message"]
    body["booked_not_debited"][0]["amount"] = "1200.00"
    r = post(co.c("cashier"), "/api/v1/cash/bank-reconciliations", body)
    assert r.status_code == 201 and r.json()["adjusted_balance"] == "104800.00"
    assert post(co.c("cashier"), "/api/v1/cash/bank-reconciliations", body).status_code == 409
    assert post(co.c("sales1"), "/api/v1/cash/bank-reconciliations", body).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_paying_at_once_pay_once_and_cash_never_goes_negative(co):
    import threading

    from django.db import connection

    from yewu.common.errors import YewuError
    from yewu.expenses.claims import services
    from yewu.org.models import User

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is not shared between threads; runs on PostgreSQL and file SQLite")
    ca2 = User.objects.create_user(username="cashier2", password="x", roles=["CA"], display_name="第二出纳")
    fund(co, "100.00")
    docs = []
    for amt in ("60.00", "70.00"):
        d = post(co.c("sales1"), "/api/v1/expenses", {"kind": "expense", "category": "travel", "purpose": "车费", "method": "cash",
                                                    "lines": [{"incurred_on": "2025-08-30", "description": "的士", "amount": amt}]}).json()
        approve_all(co, d["approval_id"])
        docs.append(d["id"])
    results = []

    def go(user, doc_id, barrier):
        try:
            barrier.wait()
            services.pay_doc(user, doc_id)
            results.append(("paid", doc_id))
        except YewuError as e:
            results.append((e.rule, doc_id))
        finally:
            connection.close()

    # the same document by two cashiers: paid once
    b = threading.Barrier(2)
    ts = [threading.Thread(target=go, args=(u, docs[0], b)) for u in (co.cashier, ca2)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert sorted(r[0] for r in results) == ["paid", "pay.approval_chain"]
    assert CashEntry.objects.filter(payment_doc_id=docs[0]).count() == 1
    # 40.00 left: the 70.00 claim cannot be paid in cash
    results.clear()
    b = threading.Barrier(1)
    go(ca2, docs[1], b)
    assert results == [("cash.no_netting", docs[1])]
    assert co.c("cashier").get("/api/v1/cash/journal").json()["closing"] == "40.00"


def test_large_travel_advance_is_paid_in_cash_three_days_after_the_request(co):
    a = advance(co, amount="10000.01", due_date="2025-09-20").json()
    approve_all(co, a["approval_id"], ("manager", "finance"))
    fund(co, "10000.01", for_payment_id=None)
    co.clock.set(date(2025, 9, 3))
    r = post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay")
    assert r.status_code == 422 and r.json()["rule"] == "cash.large_withdrawal_notice_3d" and "2025-09-04" in r.json()["message"]
    co.clock.set(date(2025, 9, 4))
    assert post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay").json()["state"] == "paid"


def test_nightly_job_is_registered_and_importable():
    from django.utils.module_loading import import_string

    from yewu.common.jobs import JOBS

    job = JOBS["expenses_nightly"]
    assert job.daily_at.hour == 1 and import_string(job.task).name.endswith("nightly")


def test_void_unpaid_advance_only(co):
    a = advance(co).json()
    assert post(co.c("sales1"), f"/api/v1/cash-advances/{a['id']}/void", {"reason": ""}).status_code == 400
    r = post(co.c("sales1"), f"/api/v1/cash-advances/{a['id']}/void", {"reason": "出差取消"})
    assert r.status_code == 200 and r.json()["state"] == "voided"
    assert co.c("manager").get("/api/v1/approvals/inbox").json() == []
    b = advance(co).json()
    approve_all(co, b["approval_id"], ("manager", "finance"))
    fund(co, "2000.00")
    post(co.c("cashier"), f"/api/v1/cash-advances/{b['id']}/pay")
    r = post(co.c("sales1"), f"/api/v1/cash-advances/{b['id']}/void", {"reason": "不借了"})
    assert r.status_code == 409 and r.json()["rule"] == "cash.advance_max_3000"


def test_no_count_exception_only_on_working_days(co):
    fund(co, "100.00")  # Mon 2025-09-01
    assert run_nightly(date(2025, 9, 6))["no_count"] == 0  # Saturday
    assert run_nightly(date(2025, 9, 8))["no_count"] == 1  # Monday
