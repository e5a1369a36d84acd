"""pay.approval_chain, expense.prior_approval, cash.large_withdrawal_notice_3d, sod.approver_not_payer through the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from yewu.audit.models import AuditEntry
from yewu.expenses.models import CashEntry, PaymentDoc
from yewu.org.models import User

from .conftest import approve_all, fund, post


def claim(co, user="sales1", category="travel", amount="380.00", **kw):
    body = {"kind": "expense", "category": category, "purpose": "佛山客户拜访差旅", "method": "cash",
            "lines": [{"incurred_on": "2025-08-29", "description": "高铁票及市内交通", "amount": amount, "attachments": 3}], **kw}
    return post(co.c(user), "/api/v1/expenses", body)


def payment(co, user="sales1", amount="2000.00", method="transfer", **kw):
    body = {"kind": "payment", "category": "purchase", "purpose": "采购包装材料", "payee": "广州市某包装厂",
            "payee_account": "6222 0000 1111", "amount": amount, "method": method, **kw}
    return post(co.c(user), "/api/v1/expenses", body)


def test_claim_walks_the_chain_then_cashier_pays_and_journal_records_it(co):
    r = claim(co)
    assert r.status_code == 201, r.json()
    doc = r.json()
    assert doc["state"] == "pending" and doc["number"].startswith("YWBX-20250901-")
    assert [s["role"] for s in doc["steps"]] == ["SM", "FD", "GM"]
    # paying an unapproved claim is refused with the rule; nothing changes
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 409 and r.json()["rule"] == "pay.approval_chain"
    assert PaymentDoc.objects.get(pk=doc["id"]).state == "pending" and not CashEntry.objects.exists()
    # the SM's inbox has it; two steps approved is still not enough
    inbox = co.c("manager").get("/api/v1/approvals/inbox").json()
    assert [x["id"] for x in inbox] == [doc["approval_id"]]
    approve_all(co, doc["approval_id"], ("manager", "finance"))
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 409 and r.json()["rule"] == "pay.approval_chain"
    approve_all(co, doc["approval_id"], ("gm",))
    assert co.c("sales1").get(f"/api/v1/expenses/{doc['id']}").json()["state"] == "approved"
    fund(co, "1000.00")
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "paid" and r.json()["paid_by"] == "吴出纳"
    out = CashEntry.objects.get(payment_doc_id=doc["id"])
    assert out.direction == "out" and out.amount == Decimal("380.00")
    j = co.c("cashier").get("/api/v1/cash/journal?start=2025-09-01&end=2025-09-01").json()
    assert j["closing"] == "620.00" and [e["balance"] for e in j["entries"]] == ["1000.00", "620.00"]
    # paying twice is refused
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 409 and r.json()["rule"] == "pay.approval_chain"
    assert CashEntry.objects.filter(payment_doc_id=doc["id"]).count() == 1
    # voucher review by 主管岗, never the paying cashier
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/voucher-review")
    assert r.status_code == 403 and r.json()["rule"] == "sod.approver_not_payer"
    assert post(co.c("finance"), f"/api/v1/expenses/{doc['id']}/voucher-review").json()["voucher_reviewed"] is True
    actions = set(AuditEntry.objects.filter(object_type="expenses.paymentdoc", object_id=str(doc["id"])).values_list("action", flat=True))
    assert {"create", "update", "pay", "approve"} <= actions


def test_rejected_claim_goes_back_and_resubmission_restarts_the_chain(co):
    doc = claim(co).json()
    r = post(co.c("manager"), f"/api/v1/approvals/{doc['approval_id']}/reject", {"comment": "缺少发票"})
    assert r.status_code == 200
    d = co.c("sales1").get(f"/api/v1/expenses/{doc['id']}").json()
    assert d["state"] == "rejected"
    assert post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay").status_code == 409
    d = post(co.c("sales1"), f"/api/v1/expenses/{doc['id']}/resubmit").json()
    assert d["state"] == "pending" and d["approval_id"] != doc["approval_id"]
    assert [s["state"] for s in d["steps"]] == ["pending", "waiting", "waiting"]


def test_manager_and_finance_submitters_skip_their_own_step(co):
    r = claim(co, user="manager")
    assert [s["role"] for s in r.json()["steps"]] == ["FD", "GM"]
    r = payment(co, user="cashier")
    assert [s["role"] for s in r.json()["steps"]] == ["FD", "GM"]
    r = payment(co, user="finance")
    assert [s["role"] for s in r.json()["steps"]] == ["GM"]


def test_cashier_who_approved_cannot_pay(co, api_client):
    # a cashier who also holds FD approves the FD step, then tries to pay
    ca_fd = User.objects.create_user(username="cafd", password="x", roles=["CA", "FD"], display_name="兼职出纳")
    doc = payment(co).json()
    approve_all(co, doc["approval_id"], ("manager",))
    assert post(api_client(ca_fd), f"/api/v1/approvals/{doc['approval_id']}/approve").status_code == 200
    approve_all(co, doc["approval_id"], ("gm",))
    r = post(api_client(ca_fd), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 403 and r.json()["rule"] == "sod.approver_not_payer"
    assert post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay").json()["state"] == "paid"  # by transfer


def test_only_the_cashier_pays(co):
    doc = payment(co).json()
    approve_all(co, doc["approval_id"])
    r = post(co.c("finance"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 403 and r.json()["rule"] == "pay.approval_chain"


def test_access_own_team_all_for_finance(co):
    doc = claim(co).json()
    assert co.c("sales2").get(f"/api/v1/expenses/{doc['id']}").status_code == 404
    assert co.c("manager2").get(f"/api/v1/expenses/{doc['id']}").status_code == 404
    assert co.c("manager").get(f"/api/v1/expenses/{doc['id']}").status_code == 200
    assert co.c("finance").get(f"/api/v1/expenses/{doc['id']}").status_code == 200
    assert co.c("sales2").get("/api/v1/cash/journal").status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"kind": "expense", "category": "travel", "purpose": "x", "lines": []}, "lines"),
    ({"kind": "expense", "category": "travel", "purpose": "x", "lines": [{"incurred_on": "2025-08-30", "description": "a", "amount": "-1"}]},
     "lines.0.amount"),
    ({"kind": "payment", "category": "purchase", "purpose": "x", "payee": "y", "amount": "0"}, "amount"),
    ({"kind": "payment", "category": "purchase", "purpose": "x", "payee": "y", "amount": "1.001"}, "amount"),
    ({"kind": "refund", "purpose": "x", "amount": "1"}, "kind"),
    ({"kind": "payment", "category": "purchase", "purpose": "", "payee": "y", "amount": "1"}, "purpose"),
])
def test_bad_input_is_4xx_and_nothing_is_created(co, body, field):
    r = post(co.c("sales1"), "/api/v1/expenses", body)
    assert 400 <= r.status_code < 500 and field in r.json()["fields"], r.json()
    assert not PaymentDoc.objects.exists()


# --- expense.prior_approval ---

def test_sales_expense_needs_prior_sm_approval(co):
    r = claim(co, category="sales", amount="600.00")
    assert r.status_code == 422 and r.json()["rule"] == "expense.prior_approval" and not PaymentDoc.objects.exists()
    # the request, approved by the SM before the expense (2025-08-29)
    co.clock.set(date(2025, 8, 28))
    req = post(co.c("sales1"), "/api/v1/expense-requests", {"purpose": "客户答谢宴", "amount": "600.00", "planned_on": "2025-08-29"}).json()
    assert req["state"] == "pending"
    # a pending request does not count
    co.clock.set(date(2025, 9, 1))
    r = claim(co, category="sales", amount="600.00", prior_approval_id=req["id"])
    assert r.status_code == 422 and "尚未" in r.json()["message"]
    co.clock.set(date(2025, 8, 28))
    assert post(co.c("manager"), f"/api/v1/approvals/{req['approval_id']}/approve").status_code == 200
    co.clock.set(date(2025, 9, 1))
    r = claim(co, category="sales", amount="600.00", prior_approval_id=req["id"])
    assert r.status_code == 201, r.json()
    # someone else's approval cannot be cited
    r = claim(co, user="sales2", category="sales", amount="600.00", prior_approval_id=req["id"])
    assert r.status_code == 422 and r.json()["rule"] == "expense.prior_approval"


def test_prior_approval_given_after_the_expense_is_refused(co):
    co.clock.set(date(2025, 9, 1))
    req = post(co.c("sales1"), "/api/v1/expense-requests", {"purpose": "促销费", "amount": "600.00", "planned_on": "2025-08-29"}).json()
    post(co.c("manager"), f"/api/v1/approvals/{req['approval_id']}/approve")  # approved today, after 08-29
    r = claim(co, category="sales", amount="600.00", prior_approval_id=req["id"])
    assert r.status_code == 422 and "须事前批准" in r.json()["message"]


@override_settings(YEWU_POLICY={"expense.prior_approval.mode": "warn"})
def test_prior_approval_warn_only_setting(co):
    r = claim(co, category="sales", amount="600.00")
    assert r.status_code == 201
    assert r.json()["decision"]["reasons"][0]["rule"] == "expense.prior_approval"
    assert "仅提示" in r.json()["decision"]["message"]


# --- cash.large_withdrawal_notice_3d ---

@pytest.mark.parametrize("amount, days_ahead, ok", [
    ("10000.00", 0, True), ("10000.01", 2, False), ("10000.01", 3, True),
])
def test_large_cash_payment_notice_at_submit(co, amount, days_ahead, ok):
    r = payment(co, amount=amount, method="cash", payment_date=str(date(2025, 9, 1) + timedelta(days=days_ahead)))
    assert (r.status_code == 201) is ok, r.json()
    if not ok:
        assert r.json()["rule"] == "cash.large_withdrawal_notice_3d" and not PaymentDoc.objects.exists()


def test_large_cash_cannot_be_paid_before_three_days(co):
    doc = payment(co, amount="12000.00", method="cash", payment_date="2025-09-04").json()
    assert doc["large_cash_notified_on"] == "2025-09-01"
    approve_all(co, doc["approval_id"])
    # the cash is drawn for the pre-announced payment: not counted against the 5,000.00 limit
    r = post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "12000.00", "summary": "提现备付大额款", "source": "bank_withdrawal",
                                                     "for_payment_id": doc["id"]})
    assert r.status_code == 201 and r.json()["warnings"] == []
    co.clock.set(date(2025, 9, 3))
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 422 and r.json()["rule"] == "cash.large_withdrawal_notice_3d" and "2025-09-04" in r.json()["message"]
    assert PaymentDoc.objects.get(pk=doc["id"]).state == "approved"
    co.clock.set(date(2025, 9, 4))
    r = post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    assert r.status_code == 200 and r.json()["state"] == "paid"


def test_void_paid_document_reverses_the_cash(co):
    doc = claim(co).json()
    approve_all(co, doc["approval_id"])
    fund(co, "500.00")
    post(co.c("cashier"), f"/api/v1/expenses/{doc['id']}/pay")
    r = post(co.c("sales1"), f"/api/v1/expenses/{doc['id']}/void", {"reason": "重复报销"})
    assert r.status_code == 403
    r = post(co.c("finance"), f"/api/v1/expenses/{doc['id']}/void", {"reason": ""})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = post(co.c("finance"), f"/api/v1/expenses/{doc['id']}/void", {"reason": "重复报销"})
    assert r.status_code == 200 and r.json()["state"] == "voided"
    entries = list(CashEntry.objects.filter(payment_doc_id=doc["id"]).order_by("id"))
    assert [e.amount for e in entries] == [Decimal("380.00"), Decimal("-380.00")] and entries[1].reverses_id == entries[0].pk
    assert co.c("cashier").get("/api/v1/cash/journal").json()["closing"] == "500.00"
    assert PaymentDoc.objects.filter(pk=doc["id"]).exists()  # never deleted


def test_chain_is_data_a_new_version_applies_to_new_documents_only(co):
    from yewu.approvals.services import save_chain

    before = payment(co).json()
    save_chain(co.gm, "payment", "付款审批（Alt：加客服经理会签）", [{"role": "SM", "limit_wd": 1}, {"role": "FD", "limit_wd": 2},
                                                            {"role": "GM", "limit_wd": 1}, {"role": "CSM", "limit_wd": 1}])
    after = payment(co).json()
    assert [s["role"] for s in after["steps"]] == ["SM", "FD", "GM", "CSM"]
    assert [s["role"] for s in co.c("sales1").get(f"/api/v1/expenses/{before['id']}").json()["steps"]] == ["SM", "FD", "GM"]
