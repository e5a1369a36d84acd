"""Settlement and credit-approval rules (SPEC §4.2–4.3, §2.7) at their boundaries."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yewu.policy.calendar import WorkCalendar
from yewu.policy.config import DEFAULT
from yewu.policy.orders import (
    CASH,
    COD,
    CREDIT,
    PREPAY,
    OrderFacts,
    credit_approvals,
    deposit_required,
    document_number,
    promised_ship_dates,
    settlement_options,
)

GZ = "广州市天河区体育西路1号"
FOSHAN = "佛山市南海区桂城街道2号"


def facts(total, new=False, grade="A", addr=GZ, limit="1000000", **kw):
    return OrderFacts(total=D(total), is_new_customer=new, credit_grade=grade, delivery_address=addr,
                      credit_limit=D(limit), **kw)


@pytest.mark.parametrize("total,cod_ok", [("1499.99", False), ("1500.00", True), ("1500.01", True)])
def test_gz_cod_1500_boundary(total, cod_ok):
    opts = settlement_options(facts(total, new=True, grade=""))
    assert opts[COD].allowed is cod_ok
    assert opts[CASH].allowed and opts[PREPAY].allowed
    assert opts[COD].reasons[0].rule == "settle.gz_cod_1500"


def test_foshan_new_customer_must_prepay():
    opts = settlement_options(facts("30000", new=True, grade="", addr=FOSHAN))
    assert not opts[CASH].allowed and not opts[COD].allowed
    assert opts[COD].reasons[0].rule == "settle.outside_gz_prepay"
    assert opts[PREPAY].allowed


def test_registered_address_alternative():
    cfg = DEFAULT.with_(**{"settle.gz_cod_1500.basis": "registered"})
    f = OrderFacts(total=D("2000"), is_new_customer=True, credit_grade="", delivery_address=FOSHAN, registered_address=GZ)
    assert settlement_options(f, cfg)[COD].allowed
    assert not settlement_options(f)[COD].allowed


@pytest.mark.parametrize(
    "new,total,approvers,rule",
    [
        (True, "19999.99", ("SM",), "approve.new_credit_20k_both"),
        (True, "20000.00", ("SM", "GM"), "approve.new_credit_20k_both"),
        (False, "20000.00", (), "approve.credit_over_20k_manager"),
        (False, "20000.01", ("SM",), "approve.credit_over_20k_manager"),
        (False, "50000.00", ("SM",), "approve.credit_over_20k_manager"),
        (False, "50000.01", ("SM", "GM"), "approve.credit_over_50k_gm"),
        (False, "19999.99", (), "approve.credit_over_20k_manager"),
    ],
)
def test_credit_approval_boundaries(new, total, approvers, rule):
    d = credit_approvals(facts(total, new=new))
    assert d.approvers == approvers
    assert d.reasons[0].rule == rule


def test_gm_only_alternative():
    cfg = DEFAULT.with_(**{"approve.credit_over_50k_gm.mode": "gm_only"})
    assert credit_approvals(facts("50000.01"), cfg).approvers == ("GM",)


@pytest.mark.parametrize("grade", ["A", "B", "C", ""])
def test_grades_other_than_d_may_ask_for_credit(grade):
    assert not credit_approvals(facts("1000", grade=grade, limit="0" if not grade else "5000")).refused


def test_grade_d_no_credit_no_cod():
    opts = settlement_options(facts("1000", grade="D"))
    assert opts[CREDIT].refused and opts[COD].refused
    assert opts[CASH].allowed and opts[PREPAY].allowed
    assert opts[CREDIT].reasons[0].rule == "credit.grade_policy"


def test_over_limit_needs_sm_and_names_excess():
    d = credit_approvals(facts("8000", limit="5000", open_credit_exposure=D("1000")))
    assert d.approvers == ("SM",)
    r = [r for r in d.reasons if r.rule == "credit.over_limit"][0]
    assert r.figures["excess"] == D("4000.00")
    # ungraded customer: limit 0
    d2 = credit_approvals(facts("100", grade="", limit="0"))
    assert "credit.over_limit" in [r.rule for r in d2.reasons] and "未评级" in d2.message()


def test_deposit_30_percent():
    dep, d = deposit_required(facts("15000", custom_lines_total=D("10000.00")))
    assert dep == D("3000.00") and d.reasons[0].rule == "settle.custom_deposit_30"
    assert deposit_required(facts("15000"))[0] == D("0.00")
    cfg = DEFAULT.with_(**{"settle.custom_deposit_30.scope": "new_only"})
    assert deposit_required(facts("15000", custom_lines_total=D("10000")), cfg)[0] == D("0.00")


def test_spec_delivery_example_spring_festival_2026():
    target, promise, reason = promised_ship_dates(date(2026, 2, 13), WorkCalendar())
    assert (target, promise) == (date(2026, 2, 25), date(2026, 2, 26))
    assert reason.rule == "delivery.standard_3_4d"


def test_document_number_format():
    assert document_number("XS", date(2025, 9, 26), 1) == "YWXS-20250926-01"
    assert document_number("XS", date(2025, 9, 26), 100) == "YWXS-20250926-100"


@given(st.decimals(min_value=D("0.01"), max_value=D("200000"), places=2), st.booleans())
def test_more_money_never_needs_fewer_approvers(total, new):
    a = credit_approvals(facts(total, new=new))
    b = credit_approvals(facts(total + D("0.01"), new=new))
    assert set(a.approvers) <= set(b.approvers)
