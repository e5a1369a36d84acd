"""SPEC §3.2 line price check: the 11 worked examples, edge values, bad input, properties."""

from datetime import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yewu.policy import Outcome
from yewu.policy.calendar import TZ, WorkCalendar
from yewu.policy.config import DEFAULT
from yewu.policy.pricing import (
    add_working_hours,
    check_line_price,
    deadline_state,
    floor_price,
    grossup,
    line_figures,
    lowest_p_with_net_at_least,
    net_price,
    nonstandard_due,
    parse_line_input,
    quote_approval_steps,
    quote_number,
    quote_total,
    triggers_24h,
)

G = D("1000.00")
WHOLE = DEFAULT.with_(**{"price.special_commission.mode": "whole_steps"})

# (#, invoice, P, x, N, outcome, d, rate, cfg)
TABLE = [
    (1, "vat_special", "1000.00", "0", "1000.00", "allowed", None, "3.000", DEFAULT),
    (2, "vat_special", "955.00", "0", "955.00", "needs_approval", "4.50", "2.550", DEFAULT),
    (3, "vat_special", "900.00", "0", "900.00", "needs_approval", "10.00", "2.000", DEFAULT),
    (4, "vat_special", "899.99", "0", "899.99", "refused", None, None, DEFAULT),
    (5, "general", "940.00", "0", "940.00", "allowed", None, "3.000", DEFAULT),
    (5, "none", "940.00", "0", "940.00", "allowed", None, "3.000", DEFAULT),
    (6, "general", "920.00", "0", "920.00", "needs_approval", "2.00", "2.800", DEFAULT),
    (6, "none", "920.00", "0", "920.00", "needs_approval", "2.00", "2.800", DEFAULT),
    (7, "vat_special", "955.00", "0", "955.00", "needs_approval", "4.50", "2.600", WHOLE),
    (8, "vat_special", "1052.63", "5", "1000.00", "needs_approval", None, "3.000", DEFAULT),
    (9, "vat_special", "1111.11", "10", "1000.00", "needs_approval", None, "3.000", DEFAULT),
    (10, "vat_special", "1050.00", "5", "997.50", "needs_approval", "0.25", "2.975", DEFAULT),
    (11, "vat_special", "947.37", "5", "900.00", "needs_approval", "10.00", "2.000", DEFAULT),
]


@pytest.mark.parametrize("row,invoice,p,x,n,outcome,d,rate,cfg", TABLE, ids=[f"row{r[0]}-{r[1]}" for r in TABLE])
def test_spec_worked_examples(row, invoice, p, x, n, outcome, d, rate, cfg):
    dec = check_line_price(guide_price=G, unit_price=D(p), fee_rate=D(x), invoice=invoice, cfg=cfg)
    assert dec.outcome == outcome
    assert dec.data["net_price"] == D(n)
    if outcome != "refused":
        assert dec.data["discount_pct"] == (D(d) if d else None)
    if rate is None:
        assert dec.data["commission_rate"] is None
    else:
        assert dec.data["commission_rate"] == D(rate)
        assert dec.data["commission_delta"] == D(rate) - D("3.000")
    if outcome == "needs_approval":
        assert dec.approvers == ("SM",)
    for r in dec.reasons:
        assert r.rule.startswith("price.") and r.message and r.message_en


def test_row2_reason_and_figures():
    dec = check_line_price(guide_price=G, unit_price=D("955.00"))
    assert dec.rule == "price.special_commission"
    assert dec.data["commission_delta"] == D("-0.450")
    assert "4.50" in dec.message() and "0.450" in dec.message()
    assert "d = 4.50%" in dec.message("en")


def test_row4_floor_refused_names_floor():
    dec = check_line_price(guide_price=G, unit_price=D("899.99"))
    assert dec.refused and dec.rule == "price.special_floor"
    assert dec.reasons[0].figures["floor"] == D("900.00")
    assert dec.data["min_price"] == D("900.00")
    assert "900.00" in dec.message()


def test_row5_vat_free_reason():
    dec = check_line_price(guide_price=G, unit_price=D("940.00"), invoice="none")
    assert dec.rule == "price.vat_free_discount" and dec.data["baseline"] == D("940.00")


def test_row8_fee_figures():
    dec = check_line_price(guide_price=G, unit_price=D("1052.63"), fee_rate=D("5"))
    assert [r.rule for r in dec.reasons] == ["price.guide", "price.fee_grossup"]
    assert dec.data["fee"] == D("52.63")
    assert dec.data["grossup_price"] == D("1052.63")
    assert dec.data["commission_delta"] == D("0.000")


def test_row9_fee_figures():
    dec = check_line_price(guide_price=G, unit_price=D("1111.11"), fee_rate=D("10"))
    assert dec.data["fee"] == D("111.11") and dec.data["grossup_price"] == D("1111.11")


def test_row10_special_and_fee_reasons():
    dec = check_line_price(guide_price=G, unit_price=D("1050.00"), fee_rate=D("5"))
    assert [r.rule for r in dec.reasons] == ["price.special_commission", "price.fee_grossup"]
    assert dec.data["fee"] == D("52.50")


def test_row11_lowest_price_at_5pct_fee():
    dec = check_line_price(guide_price=G, unit_price=D("947.37"), fee_rate=D("5"))
    assert dec.data["min_price"] == D("947.37")
    below = check_line_price(guide_price=G, unit_price=D("947.36"), fee_rate=D("5"))
    assert below.refused and below.rule == "price.special_floor"


# --- edges -----------------------------------------------------------------------------------------


def test_exactly_6pct_allowed_one_cent_below_is_special():
    assert check_line_price(guide_price=G, unit_price=D("940.00"), invoice="general").outcome == "allowed"
    dec = check_line_price(guide_price=G, unit_price=D("939.99"), invoice="general")
    assert dec.outcome == "needs_approval" and dec.data["discount_pct"] == D("0.00")
    # d rounds to 0.00 but N < B is still a special price; cut 0
    assert dec.data["commission_delta"] == D("0.000")


def test_exactly_6pct_with_special_invoice_is_special():
    dec = check_line_price(guide_price=G, unit_price=D("940.00"), invoice="vat_special")
    assert dec.outcome == "needs_approval" and dec.data["discount_pct"] == D("6.00")
    assert dec.data["commission_rate"] == D("2.400")


def test_exactly_90pct_allowed_with_approval():
    dec = check_line_price(guide_price=G, unit_price=D("900.00"), invoice="none")
    assert dec.outcome == "needs_approval"
    assert dec.data["discount_pct"] == D("4.00")  # (940 − 900) / 1000
    assert check_line_price(guide_price=G, unit_price=D("899.99"), invoice="none").refused


def test_vat_free_does_not_stack_below_floor_by_default():
    assert floor_price(G, "none") == D("900.00")
    stack = DEFAULT.with_(**{"price.special_floor.stack_vat_free": True})
    assert floor_price(G, "none", stack) == D("846.00")
    assert floor_price(G, "vat_special", stack) == D("900.00")
    assert check_line_price(guide_price=G, unit_price=D("846.00"), invoice="none", cfg=stack).outcome == "needs_approval"
    assert check_line_price(guide_price=G, unit_price=D("845.99"), invoice="none", cfg=stack).refused


def test_alt_scope_no_invoice_only():
    cfg = DEFAULT.with_(**{"price.vat_free_discount.scope": "no_invoice"})
    assert check_line_price(guide_price=G, unit_price=D("940.00"), invoice="none", cfg=cfg).outcome == "allowed"
    assert check_line_price(guide_price=G, unit_price=D("940.00"), invoice="general", cfg=cfg).outcome == "needs_approval"


def test_fee_zero_is_no_fee_reason():
    dec = check_line_price(guide_price=G, unit_price=D("1000.00"), fee_rate=D("0"))
    assert dec.outcome == "allowed" and all(r.rule != "price.fee_grossup" for r in dec.reasons)
    assert dec.data["fee"] == D("0.00")


def test_price_above_guide_allowed():
    dec = check_line_price(guide_price=G, unit_price=D("1200.00"))
    assert dec.outcome == "allowed" and dec.data["discount_pct"] is None and dec.data["commission_delta"] == D("0.000")


def test_fee_at_max_30_allowed_above_refused():
    assert check_line_price(guide_price=G, unit_price=D("1428.58"), fee_rate=D("30")).outcome == "needs_approval"
    assert check_line_price(guide_price=G, unit_price=D("2000.00"), fee_rate=D("30.01")).refused
    assert check_line_price(guide_price=G, unit_price=D("2000.00"), fee_rate=D("100")).rule == "price.fee_grossup"


def test_no_guide_price_refused():
    dec = check_line_price(guide_price=None, unit_price=D("10.00"))
    assert dec.refused and dec.rule == "price.guide"
    dec = check_line_price(guide_price=None, unit_price=D("10.00"), price_source="finance")
    assert dec.refused and dec.rule == "price.finance_guide"


def test_commission_rate_never_below_zero():
    cfg = DEFAULT.with_(**{"commission.base.rate_pct": "0.5"})
    dec = check_line_price(guide_price=G, unit_price=D("900.00"), cfg=cfg)
    assert dec.data["commission_rate"] == D("0.000") and dec.data["commission_delta"] == D("-0.500")


def test_settings_change_numbers():
    cfg = DEFAULT.with_(**{"price.special_floor.pct": "85", "price.special_commission.pp_per_pct": "0.2"})
    dec = check_line_price(guide_price=G, unit_price=D("860.00"), cfg=cfg)
    assert dec.outcome == "needs_approval" and dec.data["commission_delta"] == D("-2.800")


# --- input validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("q,p,x,field,rule", [
    ("0", "10.00", "0", "quantity", ""),
    ("-1", "10.00", "0", "quantity", ""),
    ("1.0001", "10.00", "0", "quantity", ""),
    ("abc", "10.00", "0", "quantity", ""),
    ("1", "10.001", "0", "unit_price", ""),
    ("1", "0", "0", "unit_price", ""),
    ("1", "-5", "0", "unit_price", ""),
    ("1", "NaN", "0", "unit_price", ""),
    ("1", "10.00", "100", "fee_rate", "price.fee_grossup"),
    ("1", "10.00", "150", "fee_rate", "price.fee_grossup"),
    ("1", "10.00", "30.5", "fee_rate", "price.fee_grossup"),
    ("1", "10.00", "-1", "fee_rate", "price.fee_grossup"),
])
def test_bad_input(q, p, x, field, rule):
    values, errs = parse_line_input(q, p, x)
    assert [e.field for e in errs] == [field]
    assert errs[0].rule == rule and errs[0].message and errs[0].message_en


def test_fee_100_message_says_below_100():
    _, errs = parse_line_input("1", "10", "100")
    assert "100%" in errs[0].message


def test_good_input_parsed():
    values, errs = parse_line_input("2.5", "10.50", "5", guide_price="12.00")
    assert not errs and values == {"quantity": D("2.5"), "unit_price": D("10.50"), "fee_rate": D("5"), "guide_price": D("12.00")}
    values, errs = parse_line_input("1", "10.10", None)
    assert values["fee_rate"] == 0 and values["unit_price"] == D("10.10")


# --- properties ------------------------------------------------------------------------------------

money_st = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c) / 100)
fee_st = st.integers(min_value=0, max_value=3000).map(lambda b: D(b) / 100)
inv_st = st.sampled_from(["vat_special", "general", "none"])
cfg_st = st.sampled_from([DEFAULT, WHOLE, DEFAULT.with_(**{"price.special_floor.stack_vat_free": True})])


@settings(max_examples=400, deadline=None)
@given(g=money_st, p=money_st, x=fee_st, inv=inv_st, cfg=cfg_st)
def test_no_accepted_line_below_floor(g, p, x, inv, cfg):
    dec = check_line_price(guide_price=g, unit_price=p, fee_rate=x, invoice=inv, cfg=cfg)
    n = net_price(p, x)
    if not dec.refused:
        assert n >= floor_price(g, inv, cfg)
        assert p >= dec.data["min_price"]
    else:
        assert n < floor_price(g, inv, cfg)


@settings(max_examples=300, deadline=None)
@given(g=money_st, p1=money_st, p2=money_st, x=fee_st, inv=inv_st, cfg=cfg_st)
def test_commission_effect_monotone_in_discount(g, p1, p2, x, inv, cfg):
    a = check_line_price(guide_price=g, unit_price=min(p1, p2), fee_rate=x, invoice=inv, cfg=cfg)
    b = check_line_price(guide_price=g, unit_price=max(p1, p2), fee_rate=x, invoice=inv, cfg=cfg)
    if not a.refused and not b.refused:
        # lower price → larger discount → commission delta no higher (more negative or equal)
        assert a.data["commission_delta"] <= b.data["commission_delta"] <= 0
        da, db = a.data["discount_pct"] or 0, b.data["discount_pct"] or 0
        assert da >= db


@settings(max_examples=300, deadline=None)
@given(g=money_st, x=fee_st, inv=inv_st)
def test_grossup_and_discount_compose(g, x, inv):
    """P = B ÷ (1 − x/100) (SPEC's gross-up) nets back to ≥ B: no special price, only the fee approval;
    the gross-up of the floor is never refused; one cent below the exact minimum is refused."""
    f0 = line_figures(g, g, x, inv)
    b = f0.b
    p = grossup(b, x)
    dec = check_line_price(guide_price=g, unit_price=p, fee_rate=x, invoice=inv)
    assert dec.data["discount_pct"] is None
    assert all(r.rule != "price.special_commission" for r in dec.reasons)
    assert dec.outcome == ("needs_approval" if x > 0 else "allowed")
    fl = floor_price(g, inv)
    assert not check_line_price(guide_price=g, unit_price=grossup(fl, x), fee_rate=x, invoice=inv).refused
    m = lowest_p_with_net_at_least(fl, x)
    assert m <= grossup(fl, x)
    if m > D("0.01"):
        assert check_line_price(guide_price=g, unit_price=m - D("0.01"), fee_rate=x, invoice=inv).refused


@settings(max_examples=200, deadline=None)
@given(g=money_st, p=money_st, x=fee_st, inv=inv_st)
def test_outcome_consistent_with_figures(g, p, x, inv):
    dec = check_line_price(guide_price=g, unit_price=p, fee_rate=x, invoice=inv)
    if dec.outcome == Outcome.ALLOWED:
        assert x == 0 and dec.data["net_price"] >= dec.data["baseline"]
    if dec.outcome == Outcome.NEEDS_APPROVAL:
        assert x > 0 or dec.data["net_price"] < dec.data["baseline"]


# --- quote level -----------------------------------------------------------------------------------


def test_quote_approval_steps():
    assert quote_approval_steps(["allowed"], D("99999.99")) == []
    assert [s.role for s in quote_approval_steps(["allowed", "needs_approval"], D("10.00"))] == ["SM"]
    assert [s.role for s in quote_approval_steps(["allowed"], D("100000.00"))] == ["GM"]
    assert [s.role for s in quote_approval_steps(["needs_approval"], D("100000.00"))] == ["SM", "GM"]


def test_quote_total_and_number():
    assert quote_total([(D("3"), D("33.33")), (D("0.5"), D("0.05"))]) == D("100.02")
    assert quote_number("YW", "BJ", datetime(2025, 11, 26).date(), 1) == "YWBJ-20251126-01"
    assert quote_number("YW", "BJ", datetime(2025, 11, 26).date(), 100) == "YWBJ-20251126-100"


def test_24h_spec_example_calendar_hours():
    rec = datetime(2025, 9, 26, 10, 0, tzinfo=TZ)
    warn, due = nonstandard_due(rec)
    assert due == datetime(2025, 9, 27, 10, 0, tzinfo=TZ)
    assert warn == datetime(2025, 9, 27, 6, 0, tzinfo=TZ)
    assert deadline_state(datetime(2025, 9, 27, 9, 59, tzinfo=TZ), warn, due) == "warning"
    assert deadline_state(datetime(2025, 9, 27, 10, 0, tzinfo=TZ), warn, due) == "overdue"
    assert deadline_state(datetime(2025, 9, 26, 12, 0, tzinfo=TZ), warn, due) == "open"
    assert deadline_state(datetime(2025, 9, 28, tzinfo=TZ), warn, due, answered_at=due) == "answered"


def test_24h_alt_working_hours():
    cfg = DEFAULT.with_(**{"quote.nonstandard_24h.mode": "working_hours"})
    rec = datetime(2025, 9, 26, 10, 0, tzinfo=TZ)  # Fri; Sun 09-28 is an adjusted working day; 10-01..08 off
    warn, due = nonstandard_due(rec, cfg, WorkCalendar())
    # Fri 10–12 + 13–17:30 = 6.5 h; Sun 28th 8 h (14.5); Mon 29th 8 h (22.5); Tue 30th 08:30 + 1.5 h = 10:00
    assert due == datetime(2025, 9, 30, 10, 0, tzinfo=TZ)
    assert add_working_hours(datetime(2025, 9, 26, 11, 30, tzinfo=TZ), 1, WorkCalendar()) == datetime(2025, 9, 26, 13, 30, tzinfo=TZ)
    assert add_working_hours(datetime(2025, 9, 26, 19, 0, tzinfo=TZ), 1, WorkCalendar()) == datetime(2025, 9, 28, 9, 30, tzinfo=TZ)


def test_24h_triggers():
    assert triggers_24h("nonstandard", False) and not triggers_24h("nonstandard", True)
    assert triggers_24h("harness", True) and triggers_24h("harness", False)
    assert not triggers_24h("harness", True, DEFAULT.with_(**{"quote.nonstandard_24h.harness_scope": "unlisted"}))
    assert not triggers_24h("standard", False) and not triggers_24h("custom", False)
