"""SPEC §8.5 settings versioning, pure core: every setting has a kind; validation at the boundaries names the
key; versions fold in effective order; decisions compare old vs new."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest

from yewu.policy import PolicyConfig
from yewu.policy import versions as pv
from yewu.policy.config import DEFAULTS
from yewu.policy.orders import OrderFacts, credit_approvals

NOW = datetime(2026, 11, 26, 10, 0)
CUR = PolicyConfig().values


def check(changes, reason="总经理办公会决定", at=NOW):
    return pv.check_change(changes, CUR, reason=reason, effective_at=at, now=NOW)


def test_every_setting_has_a_kind_area_and_its_default_is_valid():
    for key in DEFAULTS:
        s = pv.setting(key)
        assert s.area != "其他", key
        v, err = pv.parse_value(key, pv.stored(s.default))
        assert err is None and v == s.default, (key, err)


@pytest.mark.parametrize("key,raw,ok", [
    ("price.special_floor.pct", "0", True), ("price.special_floor.pct", "100", True),
    ("price.special_floor.pct", "100.01", False), ("price.special_floor.pct", "-0.01", False),
    ("price.vat_free_discount.max_pct", "6.5", True), ("price.vat_free_discount.max_pct", "abc", False),
    ("approve.credit_over_20k_manager.amount", "0", True), ("approve.credit_over_20k_manager.amount", "-1", False),
    ("approve.credit_over_20k_manager.amount", "30000.001", False), ("approve.credit_over_20k_manager.amount", "30,000.00", True),
    ("delivery.standard_3_4d.promise_wd", "0", True), ("delivery.standard_3_4d.promise_wd", "-1", False),
    ("delivery.standard_3_4d.promise_wd", "4.5", False), ("delivery.standard_3_4d.promise_wd", "NaN", False),
    ("invoice.flow.sm_review", "否", True), ("invoice.flow.sm_review", "maybe", False), ("invoice.flow.sm_review", False, True),
    ("approve.credit_over_50k_gm.mode", "gm_only", True), ("approve.credit_over_50k_gm.mode", "sm_only", False),
    ("cust.web_lead_intake.handover_hour", "23", True), ("cust.web_lead_intake.handover_hour", "24", False),
    ("contract.number_format.company_code", "ab1", True), ("contract.number_format.company_code", "TOOLONG1", False),
    ("credit.investigation_cadence.a_months", "0", False), ("cash.advance_max_3000.max_amount", True, False),
    ("contract.phone_approval.recorder_roles", "CS,CSM,ADM", True),
    ("contract.phone_approval.recorder_roles", "CS,BOSS", False),
    ("contract.monthly_register.due_day", "28", True), ("contract.monthly_register.due_day", "29", False),
    ("commission.statement.tiers", "0:5,5:2,10:1", True), ("commission.statement.tiers", "1:5,5:2", False),
    ("commission.statement.tiers", "0:5,5:2,5:1", False), ("commission.statement.tiers", "0:5,5:101", False),
])
def test_value_boundaries(key, raw, ok):
    v, err = pv.parse_value(key, raw)
    assert (err is None) is ok, (key, raw, err)


def test_list_settings_are_normalised():
    assert pv.parse_value("contract.phone_approval.recorder_roles", "cs， csm,CS") == ("CS,CSM", None)
    assert pv.parse_value("commission.statement.tiers", "0:5， 5:2") == ("0:5,5:2", None)
    assert "递增" in pv.parse_value("commission.statement.tiers", "0:5,3:2,3:1")[1]


def test_errors_name_the_key_and_normalise_values():
    c = check({"price.special_floor.pct": "101", "approve.credit_over_20k_manager.amount": "30000",
               "no.such.key": "1"})
    assert set(c.errors) == {"price.special_floor.pct", "no.such.key"}
    assert "不能大于 100" in c.errors["price.special_floor.pct"] and "最低价" in c.errors["price.special_floor.pct"]
    assert c.values == {"approve.credit_over_20k_manager.amount": D("30000.00")}
    assert "price.special_floor.pct" in c.message()


def test_reason_required_same_value_and_past_time_refused():
    assert "reason" in check({"quote.validity_days": "45"}, reason="  改").errors
    assert "reason" not in check({"quote.validity_days": "45"}, reason="客户要求").errors
    assert "新值与现值相同" in check({"quote.validity_days": "30"}).errors["quote.validity_days"]
    assert "changes" in check({}).errors
    assert "effective_at" in check({"quote.validity_days": "45"}, at=NOW - timedelta(minutes=6)).errors
    assert check({"quote.validity_days": "45"}, at=NOW - timedelta(minutes=4)).ok  # "now" (service clamps to now)
    assert check({"quote.validity_days": "45"}, at=NOW + timedelta(days=30)).ok


def test_cross_key_order_checked_on_the_merged_values():
    c = check({"approve.credit_over_20k_manager.amount": "60000"})  # above the GM threshold 50,000
    assert "approve.credit_over_20k_manager.amount" in c.errors
    assert check({"approve.credit_over_20k_manager.amount": "60000", "approve.credit_over_50k_gm.amount": "80000"}).ok
    assert "delivery.standard_3_4d.target_wd" in check({"delivery.standard_3_4d.target_wd": "5"}).errors


def test_fold_applies_versions_in_order_over_the_file_overrides():
    base = {"quote.validity_days": 20}
    assert pv.fold(base, [{"quote.validity_days": 45, "price.special_floor.pct": "85"}, {"price.special_floor.pct": "80"}]) == {
        "quote.validity_days": 45, "price.special_floor.pct": "80"}
    assert pv.fold(base, []) == base


def test_families_and_loose_docs():
    assert pv.families_for(["approve.credit_over_20k_manager.amount", "price.special_floor.pct"]) == ["credit_approval", "line_price"]
    assert pv.loose_for(["contract.review_1wd.limit_wd", "approve.credit_over_50k_gm.mode", "calendar.saturday_working"]) == [
        "contracts", "approvals"]


def test_credit_route_comparison_25k_and_35k():
    old, new = PolicyConfig(), PolicyConfig().with_(**{"approve.credit_over_20k_manager.amount": "30000"})

    def facts(total):
        return OrderFacts(total=D(total), is_new_customer=False, credit_grade="A", delivery_address="广州",
                          credit_limit=D("100000"))

    a, b = credit_approvals(facts("25000"), old), credit_approvals(facts("25000"), new)
    assert pv.route_text(a) == "业务经理" and pv.route_text(b) == "无需审批" and pv.decision_changes(a, b)
    a, b = credit_approvals(facts("35000"), old), credit_approvals(facts("35000"), new)
    assert pv.route_text(a) == pv.route_text(b) == "业务经理" and not pv.decision_changes(a, b)
