"""SPEC §5.5 rules as pure functions, at the boundaries SPEC states."""

from datetime import date
from decimal import Decimal as D

import pytest

from yewu.policy.config import DEFAULT
from yewu.policy.expenses import (
    approval_roles,
    can_pay,
    can_review_voucher,
    cash_on_hand,
    check_advance,
    check_count,
    check_settlement,
    check_witness,
    count_total,
    journal_entry,
    large_cash_notice,
    large_cash_pay_date,
    prior_approval,
    reconcile,
)

TODAY = date(2025, 9, 1)


# --- cash.advance_max_3000 ---
@pytest.mark.parametrize("amount, ok", [("3000.00", True), ("3000.01", False), ("2999.99", True)])
def test_cash_purchase_advance_cap(amount, ok):
    d = check_advance(purpose_kind="cash_purchase", purpose="买劳保用品", amount=D(amount), due_date=date(2025, 9, 10), today=TODAY)
    assert d.allowed is ok
    assert d.rule == "cash.advance_max_3000"
    if not ok:
        assert "3,000.01" in d.message() and "3,000.00" in d.message()


def test_travel_advance_has_no_cap():
    d = check_advance(purpose_kind="travel", purpose="去佛山出差", amount=D("50000.00"), due_date=date(2025, 9, 10), today=TODAY)
    assert d.allowed


def test_other_purpose_refused():
    d = check_advance(purpose_kind="other", purpose="请客", amount=D("100.00"), due_date=date(2025, 9, 10), today=TODAY)
    assert d.refused and "仅限出差" in d.message()


@pytest.mark.parametrize("missing", ["purpose", "amount", "due_date", "purpose_kind"])
def test_advance_required_fields(missing):
    kw = dict(purpose_kind="travel", purpose="出差", amount=D("100"), due_date=date(2025, 9, 10))
    kw[missing] = None if missing != "purpose" else "  "
    d = check_advance(**kw, today=TODAY)
    assert d.refused and d.rule == "cash.advance_max_3000" and "须填写" in d.message()


def test_cap_is_a_setting():
    cfg = DEFAULT.with_(**{"cash.advance_max_3000.max_amount": "2000"})
    assert check_advance(purpose_kind="cash_purchase", purpose="x", amount=D("2000.01"), due_date=TODAY, today=TODAY, cfg=cfg).refused


def test_settlement_must_be_exact():
    assert check_settlement(advance_amount=D("1000"), claim_amount=D("800"), repaid=D("200")).allowed
    assert check_settlement(advance_amount=D("1000"), claim_amount=D("1200"), repaid=D("0")).data["covered"] == D("1000.00")
    d = check_settlement(advance_amount=D("1000"), claim_amount=D("800"), repaid=D("199.99"))
    assert d.refused and "应还现金 200.00" in d.message()


# --- cash.large_withdrawal_notice_3d ---
@pytest.mark.parametrize("amount, days, ok", [
    ("10000.00", 0, True),     # not more than 10,000.00: no notice needed
    ("10000.01", 3, True),     # 3 calendar days ahead
    ("10000.01", 2, False),    # 2 days is too late
])
def test_large_cash_notice(amount, days, ok):
    d = large_cash_notice(amount=D(amount), method="cash", notified_on=date(2025, 9, 1),
                          payment_date=date(2025, 9, 1 + days), cfg=DEFAULT)
    assert d.allowed is ok
    if not ok:
        assert d.rule == "cash.large_withdrawal_notice_3d" and "只提前 2 天" in d.message()


def test_large_transfer_needs_no_notice():
    assert large_cash_notice(amount=D("99999"), method="transfer", notified_on=None, payment_date=None).allowed


@pytest.mark.parametrize("pay_day, ok", [(3, False), (4, True)])
def test_large_cash_not_paid_earlier(pay_day, ok):
    # notified 09-01: cash may go out from 09-04 (3 calendar days later), not on 09-03
    d = large_cash_pay_date(amount=D("10000.01"), method="cash", notified_on=date(2025, 9, 1), pay_on=date(2025, 9, pay_day))
    assert d.allowed is ok


# --- cash.max_on_hand_5000 / cash.no_netting ---
@pytest.mark.parametrize("balance, warn", [("5000.00", False), ("5000.01", True)])
def test_cash_on_hand_limit(balance, warn):
    d = cash_on_hand(balance=D(balance))
    assert bool(d.reasons) is warn
    if warn:
        assert d.rule == "cash.max_on_hand_5000" and d.data["excess"] == D("0.01")


def test_reserved_large_payment_cash_does_not_count():
    assert not cash_on_hand(balance=D("17000.00"), reserved=D("12000.00")).reasons
    assert cash_on_hand(balance=D("17000.01"), reserved=D("12000.00")).data["excess"] == D("0.01")


def test_no_netting():
    assert journal_entry(receipt=D("100"), payment=D("40"), balance_before=D("0")).rule == "cash.no_netting"
    assert journal_entry(receipt=D("100"), payment=D("40"), balance_before=D("0")).refused
    assert journal_entry(receipt=None, payment=D("100.01"), balance_before=D("100.00")).refused
    assert journal_entry(receipt=None, payment=D("100.00"), balance_before=D("100.00")).allowed
    assert journal_entry(receipt=D("0"), payment=None, balance_before=D("0")).refused


# --- cash.daily_count, sod.count_witness ---
def test_count_total_and_difference():
    assert count_total({"100": 3, "0.5": 1, "0.1": 3}) == D("300.80")
    assert check_count(book=D("300.80"), counted=D("300.80"), explanation="").allowed
    d = check_count(book=D("300.80"), counted=D("300.00"), explanation="")
    assert d.refused and d.rule == "cash.daily_count" and "-0.80" in d.message()
    assert check_count(book=D("300.80"), counted=D("300.00"), explanation="找零差错").data["difference"] == D("-0.80")


def test_count_witness():
    assert check_witness(cashier_id=1, witness_id=1, witness_roles={"FD", "CA"}).refused
    assert check_witness(cashier_id=1, witness_id=2, witness_roles={"SP"}).refused
    assert check_witness(cashier_id=1, witness_id=2, witness_roles={"FIN"}).allowed


# --- bank.monthly_reconciliation ---
def test_reconciliation_balances():
    # book 100,000 + 5,000 (bank credited) − 200 (bank fee) = 104,800 = bank 98,000 + 8,000 − 1,200
    d = reconcile(book=D("100000"), bank=D("98000"), bank_credited_not_booked=D("5000"), bank_debited_not_booked=D("200"),
                  booked_not_credited=D("8000"), booked_not_debited=D("1200"))
    assert d.allowed and d.data["adjusted"] == D("104800.00")
    d = reconcile(book=D("100000"), bank=D("98000"), bank_credited_not_booked=D("5000"), bank_debited_not_booked=D("200"),
                  booked_not_credited=D("8000"), booked_not_debited=D("1200.01"))
    assert d.refused and d.rule == "bank.monthly_reconciliation" and "相差 0.01" in d.message()


# --- pay.approval_chain, sod ---
def test_approval_roles():
    chain = ["SM", "FD", "GM"]
    assert approval_roles(chain, submitter_roles={"SP"}, in_sales_team=True) == ["SM", "FD", "GM"]
    assert approval_roles(chain, submitter_roles={"SM"}, in_sales_team=True) == ["FD", "GM"]
    assert approval_roles(chain, submitter_roles={"CA"}, in_sales_team=False) == ["FD", "GM"]
    assert approval_roles(chain, submitter_roles={"CS"}, in_sales_team=False) == ["CSM", "FD", "GM"]
    assert approval_roles(chain, submitter_roles={"FIN", "FD"}, in_sales_team=False) == ["GM"]
    cfg = DEFAULT.with_(**{"pay.approval_chain.skip_gm_below": "1000"})
    assert approval_roles(chain, submitter_roles={"SP"}, in_sales_team=True, cfg=cfg, amount=D("999.99")) == ["SM", "FD"]
    assert approval_roles(chain, submitter_roles={"SP"}, in_sales_team=True, cfg=cfg, amount=D("1000.00")) == ["SM", "FD", "GM"]


def test_can_pay():
    assert can_pay(state="审批中", approved=False, payer_id=9, approver_ids=[], payer_roles={"CA"}).rule == "pay.approval_chain"
    assert can_pay(state="待付款", approved=True, payer_id=9, approver_ids=[9], payer_roles={"CA"}).rule == "sod.approver_not_payer"
    assert can_pay(state="待付款", approved=True, payer_id=9, approver_ids=[1], payer_roles={"SP"}).refused
    assert can_pay(state="待付款", approved=True, payer_id=9, approver_ids=[1, 2], payer_roles={"CA"}).allowed
    assert can_review_voucher(reviewer_id=9, reviewer_roles={"FIN", "CA"}, payer_id=9).refused
    assert can_review_voucher(reviewer_id=3, reviewer_roles={"FIN"}, payer_id=9).allowed


def test_prior_approval_require_and_warn():
    kw = dict(is_sales_expense=True, cited=False, cited_approved=False, approved_on=None, incurred_on=date(2025, 9, 1))
    assert prior_approval(**kw).refused and prior_approval(**kw).rule == "expense.prior_approval"
    warn = prior_approval(**kw, cfg=DEFAULT.with_(**{"expense.prior_approval.mode": "warn"}))
    assert warn.allowed and warn.reasons and "仅提示" in warn.message()
    late = prior_approval(is_sales_expense=True, cited=True, cited_approved=True, approved_on=date(2025, 9, 2),
                          incurred_on=date(2025, 9, 1))
    assert late.refused and "须事前批准" in late.message()
    same_day = prior_approval(is_sales_expense=True, cited=True, cited_approved=True, approved_on=date(2025, 9, 1),
                              incurred_on=date(2025, 9, 1))
    assert same_day.allowed
    assert prior_approval(is_sales_expense=False, cited=False, cited_approved=False, approved_on=None, incurred_on=None).allowed
