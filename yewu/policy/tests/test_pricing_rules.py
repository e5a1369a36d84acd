"""SPEC §3 rules beyond the line check: price.gb_discretion, price.invoice_lock, price.finance_guide
lead time, quote.nonstandard_24h settings (D and Alt), the lost-quote coaching task and
quote.deviation_reapproval. Boundaries as SPEC states them."""

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from yewu.policy import Outcome
from yewu.policy.calendar import TZ, WorkCalendar
from yewu.policy.config import DEFAULTS, PolicyConfig
from yewu.policy.pricing import (
    PricedLine,
    check_invoice_lock,
    check_line_price,
    check_quote_deviation,
    finance_due_reason,
    finance_price_due,
    lost_quote_coaching,
    nonstandard_due,
    triggers_24h,
)

G = D("1000.00")
GB2 = PolicyConfig.from_overrides({"price.gb_discretion.max_pct": "2"})


def rules(dec):
    return [r.rule for r in dec.reasons]


# --- settings exist with SPEC's defaults --------------------------------------------------------------


def test_new_settings_have_spec_defaults_and_are_overridable():
    assert DEFAULTS["quote.nonstandard_24h.mode"][0] == "calendar_hours"
    assert DEFAULTS["quote.nonstandard_24h.harness_scope"][0] == "all"
    assert DEFAULTS["price.finance_guide.lead_hours"][0] == 4
    assert DEFAULTS["price.gb_discretion.max_pct"][0] == D("0")
    cfg = PolicyConfig.from_overrides({"quote.nonstandard_24h.mode": "working_hours",
                                       "quote.nonstandard_24h.harness_scope": "unlisted",
                                       "price.finance_guide.lead_hours": "6", "price.gb_discretion.max_pct": "1.5"})
    assert cfg["price.finance_guide.lead_hours"] == 6 and cfg["price.gb_discretion.max_pct"] == D("1.5")


# --- price.gb_discretion ------------------------------------------------------------------------------


def test_gb_default_zero_one_cent_below_guide_is_special():
    dec = check_line_price(guide_price=G, unit_price=D("999.99"), kind="gb")
    assert dec.outcome == Outcome.NEEDS_APPROVAL and dec.approvers == ("SM",)
    assert "price.gb_discretion" in rules(dec) and "price.special_commission" in rules(dec)
    gb = next(r for r in dec.reasons if r.rule == "price.gb_discretion")
    assert "国标" in gb.message and "仍需特价申请" in gb.message and "自主幅度 0%" in gb.message
    assert "1,000.00" in gb.message


def test_gb_default_at_guide_allowed_with_reference_reason():
    dec = check_line_price(guide_price=G, unit_price=D("1000.00"), kind="gb")
    assert dec.outcome == Outcome.ALLOWED
    assert rules(dec)[0] == "price.gb_discretion" and "参考价" in dec.reasons[0].message


def test_gb_default_d_half_percent_costs_commission():
    dec = check_line_price(guide_price=G, unit_price=D("995.00"), kind="gb")
    assert dec.outcome == Outcome.NEEDS_APPROVAL and dec.data["commission_delta"] == D("-0.050")


def test_gb_alt_exactly_at_allowance_allowed_no_cut():
    dec = check_line_price(guide_price=G, unit_price=D("980.00"), kind="gb", cfg=GB2)  # d = 2.00 = X (以内)
    assert dec.outcome == Outcome.ALLOWED and dec.data["gb_discretion"] is True
    assert dec.data["commission_delta"] == D("0.000") and dec.data["commission_rate"] == D("3.000")
    msg = dec.reasons[0].message
    assert dec.reasons[0].rule == "price.gb_discretion" and "2.00%" in msg and "2%" in msg and "无需特价申请" in msg


def test_gb_alt_just_over_allowance_is_special_with_full_cut():
    dec = check_line_price(guide_price=G, unit_price=D("979.90"), kind="gb", cfg=GB2)  # d = 2.01 > 2
    assert dec.outcome == Outcome.NEEDS_APPROVAL and dec.data["discount_pct"] == D("2.01")
    assert dec.data["commission_delta"] == D("-0.201")
    assert "超过国标自主定价幅度 2%" in next(r.message for r in dec.reasons if r.rule == "price.gb_discretion")


def test_gb_alt_applies_below_the_vat_free_baseline():
    # general invoice: B = 940; d = (940 − 920) / 1000 = 2.00 ≤ 2 → allowed
    assert check_line_price(guide_price=G, unit_price=D("920.00"), invoice="general", kind="gb", cfg=GB2).outcome == Outcome.ALLOWED
    assert check_line_price(guide_price=G, unit_price=D("919.00"), invoice="general", kind="gb",
                            cfg=GB2).outcome == Outcome.NEEDS_APPROVAL


def test_gb_alt_never_passes_the_floor():
    cfg = PolicyConfig.from_overrides({"price.gb_discretion.max_pct": "20"})
    assert check_line_price(guide_price=G, unit_price=D("900.00"), kind="gb", cfg=cfg).outcome == Outcome.ALLOWED
    dec = check_line_price(guide_price=G, unit_price=D("899.99"), kind="gb", cfg=cfg)
    assert dec.outcome == Outcome.REFUSED and dec.rule == "price.special_floor"


def test_gb_alt_fee_still_needs_sm():
    dec = check_line_price(guide_price=G, unit_price=D("1031.58"), fee_rate=D("5"), kind="gb", cfg=GB2)  # N = 980.00
    assert dec.data["net_price"] == D("980.00")
    assert dec.outcome == Outcome.NEEDS_APPROVAL and rules(dec) == ["price.gb_discretion", "price.fee_grossup"]
    assert dec.data["commission_delta"] == D("0.000")


def test_gb_allowance_only_for_national_standard():
    for kind in ("standard", "nonstandard", "custom", "harness", None):
        dec = check_line_price(guide_price=G, unit_price=D("980.00"), kind=kind, cfg=GB2)
        assert dec.outcome == Outcome.NEEDS_APPROVAL and "price.gb_discretion" not in rules(dec)


# --- price.invoice_lock -------------------------------------------------------------------------------


def _line(n, inv="general", g="1000.00"):
    return PricedLine("第 1 行 P1 接触器", D(g), D(n), inv)


def test_invoice_lock_refuses_special_invoice_for_vat_free_priced_lines():
    dec = check_invoice_lock("vat_special", [_line("940.00"), _line("1000.00", "none")])
    assert dec.refused and dec.rule == "price.invoice_lock" and len(dec.reasons) == 1
    r = dec.reasons[0]
    assert "940.00" in r.message and "1,000.00" in r.message and "重新定价" in r.message
    assert r.figures["shortfall"] == D("60.00")


def test_invoice_lock_boundary_at_guide():
    assert check_invoice_lock("vat_special", [_line("1000.00")]).allowed  # N = G: re-priced, allowed
    assert check_invoice_lock("vat_special", [_line("999.99")]).refused
    assert check_invoice_lock("vat_special", [_line("999.99", "none")]).refused


def test_invoice_lock_lines_priced_for_special_invoice_are_not_locked():
    # an approved special price under a VAT special invoice is not the VAT-free discount
    assert check_invoice_lock("vat_special", [_line("955.00", "vat_special")]).allowed


def test_invoice_lock_other_invoice_requests_allowed():
    assert check_invoice_lock("general", [_line("940.00")]).allowed
    assert check_invoice_lock("none", [_line("940.00", "none")]).allowed
    assert check_invoice_lock("bogus", []).refused


def test_invoice_lock_alt_scope_no_invoice_only():
    cfg = PolicyConfig.from_overrides({"price.vat_free_discount.scope": "no_invoice"})
    assert check_invoice_lock("vat_special", [_line("980.00", "general")], cfg).allowed
    assert check_invoice_lock("vat_special", [_line("980.00", "none")], cfg).refused


# --- price.finance_guide lead time ---------------------------------------------------------------------


def test_finance_due_default_4h_before_quote_deadline():
    due = datetime(2025, 9, 27, 10, 0, tzinfo=TZ)
    assert finance_price_due(due) == datetime(2025, 9, 27, 6, 0, tzinfo=TZ)
    r = finance_due_reason(due)
    assert r.rule == "price.finance_guide" and "提前 4 小时" in r.message and "2025-09-27 06:00" in r.message


def test_finance_due_lead_hours_setting():
    cfg = PolicyConfig.from_overrides({"price.finance_guide.lead_hours": 6})
    assert finance_price_due(datetime(2025, 9, 27, 10, 0, tzinfo=TZ), cfg) == datetime(2025, 9, 27, 4, 0, tzinfo=TZ)
    cfg0 = PolicyConfig.from_overrides({"price.finance_guide.lead_hours": 0})
    assert finance_price_due(datetime(2025, 9, 27, 10, 0, tzinfo=TZ), cfg0) == datetime(2025, 9, 27, 10, 0, tzinfo=TZ)


# --- quote.nonstandard_24h settings ---------------------------------------------------------------------


def test_24h_mode_setting_read_from_company_config():
    rec = datetime(2025, 9, 26, 10, 0, tzinfo=TZ)
    assert nonstandard_due(rec)[1] == datetime(2025, 9, 27, 10, 0, tzinfo=TZ)  # D: calendar hours (SPEC example)
    cfg = PolicyConfig.from_overrides({"quote.nonstandard_24h.mode": "working_hours"})
    assert nonstandard_due(rec, cfg, WorkCalendar())[1] == datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    with pytest.raises(ValueError):
        nonstandard_due(rec, PolicyConfig.from_overrides({"quote.nonstandard_24h.mode": "hours"}))


def test_24h_harness_scope_setting():
    assert triggers_24h("harness", True) and triggers_24h("harness", False)  # D: any wire-harness line
    cfg = PolicyConfig.from_overrides({"quote.nonstandard_24h.harness_scope": "unlisted"})
    assert not triggers_24h("harness", True, cfg) and triggers_24h("harness", False, cfg)
    assert triggers_24h("nonstandard", False, cfg) and not triggers_24h("nonstandard", True, cfg)
    with pytest.raises(ValueError):
        triggers_24h("harness", True, PolicyConfig.from_overrides({"quote.nonstandard_24h.harness_scope": "x"}))


# --- lost quote → coaching task -----------------------------------------------------------------------


def test_lost_quote_needs_reason():
    dec = lost_quote_coaching(number="YWBJ-20250930-01", total=D("5000"), reason="  ", lost_on=date(2025, 9, 30),
                              cal=WorkCalendar())
    assert dec.refused and dec.rule == "daily.shortfall_coaching"


def test_lost_quote_coaching_due_next_working_day_over_holiday():
    # lost Tue 2025-09-30 → 1 WD = Thu 10-09 (10-01..08 holidays), by 23:59:59
    dec = lost_quote_coaching(number="YWBJ-20250930-01", total=D("5000"), reason="价格高于竞品", lost_on=date(2025, 9, 30),
                              cal=WorkCalendar())
    assert dec.allowed and dec.data["due_at"] == datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)
    assert "5,000.00" in dec.reasons[0].message and "价格高于竞品" in dec.reasons[0].message
    assert "2025-10-09 23:59" in dec.reasons[0].message


def test_lost_quote_coaching_adjusted_working_day_and_setting():
    # lost Fri 2025-09-26 → Sun 09-28 is an adjusted working day
    dec = lost_quote_coaching(number="Q", total=D("1"), reason="交期", lost_on=date(2025, 9, 26), cal=WorkCalendar())
    assert dec.data["due_at"].date() == date(2025, 9, 28)
    cfg = PolicyConfig.from_overrides({"daily.shortfall_coaching.working_days": 2})
    dec = lost_quote_coaching(number="Q", total=D("1"), reason="交期", lost_on=date(2025, 9, 26), cal=WorkCalendar(), cfg=cfg)
    assert dec.data["due_at"].date() == date(2025, 9, 29)


# --- quote.deviation_reapproval -----------------------------------------------------------------------

QP = {"P1": D("955.00"), "P2": D("100.00")}


def _dev(order_prices, **kw):
    args = {"quote_state": "accepted", "valid_until": date(2025, 10, 30), "order_day": date(2025, 10, 30),
            "quote_prices": QP, "order_prices": order_prices}
    args.update(kw)
    return check_quote_deviation(**args)


def test_order_matching_quote_within_validity_is_covered():
    dec = _dev({"P1": D("955.00"), "P2": D("120.00")})  # raising a price is not a deviation
    assert dec.outcome == Outcome.ALLOWED and dec.rule == "quote.approval"


def test_order_lowering_a_price_needs_sm_reapproval():
    dec = _dev({"P1": D("954.99")})
    assert dec.outcome == Outcome.NEEDS_APPROVAL and dec.approvers == ("SM",)
    assert dec.rule == "quote.deviation_reapproval" and "954.99" in dec.reasons[0].message and "955.00" in dec.reasons[0].message


def test_order_lengthening_term_needs_sm_reapproval():
    assert _dev({"P1": D("955.00")}, quote_term_days=30, order_term_days=30).outcome == Outcome.ALLOWED
    dec = _dev({"P1": D("955.00")}, quote_term_days=30, order_term_days=31)
    assert dec.outcome == Outcome.NEEDS_APPROVAL and "31" in dec.reasons[0].message


def test_quote_outside_validity_or_not_accepted_covers_nothing():
    assert _dev({"P1": D("955.00")}, order_day=date(2025, 10, 31)).refused
    assert _dev({"P1": D("955.00")}, quote_state="sent").refused
