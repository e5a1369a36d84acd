"""`commission.base` fee share and `commission.statement` tiers as pure functions, at SPEC's figures and boundaries."""

from decimal import Decimal

import pytest

from yewu.policy.commission import commission_basis, commission_tier, line_fee, parse_tiers, rate_schedule, tiered_rate
from yewu.policy.config import DEFAULT

D = Decimal
ON = DEFAULT.with_(**{"commission.statement.tiers_enabled": True})


@pytest.mark.parametrize("qty,p,x,fee", [
    ("10", "1050.00", "5", "525.00"),    # SPEC §3.2 example 10: N = 997.50, fee 52.50 a unit
    ("1", "1052.63", "5", "52.63"),      # example 8
    ("1", "1111.11", "10", "111.11"),    # example 9
    ("3", "947.37", "5", "142.11"),      # example 11: N = 900.00, fee 47.37 a unit
    ("10", "1000.00", "0", "0.00"),      # no fee
])
def test_line_fee_is_quantity_times_p_minus_n(qty, p, x, fee):
    assert line_fee(D(qty), D(p), D(x)) == D(fee)


@pytest.mark.parametrize("allocated,total,fee,basis,excluded", [
    ("10500.00", "10500.00", "525.00", "9975.00", "525.00"),   # fully paid: the whole fee is out of the basis
    ("5250.00", "10500.00", "525.00", "4987.50", "262.50"),    # half paid: half of the fee, pro rata
    ("0.01", "10500.00", "525.00", "0.01", "0.00"),
    ("333.33", "1000.00", "50.00", "316.66", "16.67"),
    ("1000.00", "1000.00", "0.00", "1000.00", "0.00"),         # no fee → basis = the money allocated
])
def test_basis_excludes_the_fee_share_and_adds_up(allocated, total, fee, basis, excluded):
    b, e = commission_basis(D(allocated), D(total), D(fee))
    assert (b, e) == (D(basis), D(excluded))
    assert b + e == D(allocated)


@pytest.mark.parametrize("orders,rate", [(0, "5.000"), (1, "5.000"), (4, "5.000"), (5, "2.000"), (9, "2.000"),
                                         (10, "1.000"), (37, "1.000")])
def test_sample_tiers_at_their_boundaries(orders, rate):
    d = commission_tier(orders, ON)
    assert d.data["rate"] == D(rate)
    r = d.reasons[0]
    assert r.rule == "commission.statement" and r.figures["orders"] == orders and r.figures["tier_rate"] == D(rate)


def test_tiers_off_by_default_give_the_base_rate():
    for n in (1, 5, 10):
        d = commission_tier(n)
        assert (d.data["rate"], d.data["tier"], d.reasons) == (D("3.000"), None, ())
    assert [row[3] for row in rate_schedule()] == [[]] * 11


def test_tier_table_is_a_setting():
    cfg = ON.with_(**{"commission.statement.tiers": "0:4,3:3.5"})
    assert [commission_tier(n, cfg).data["rate"] for n in (2, 3, 50)] == [D("4.000"), D("3.500"), D("3.500")]
    assert [t.label for t in parse_tiers("0:5,5:2,10:1")] == ["< 5 单", "5–9 单", "≥ 10 单"]
    for bad in ("", "1:5", "0:5,0:2", "0:5,5:x", "0:150"):
        with pytest.raises(ValueError):
            parse_tiers(bad)


def test_special_cut_comes_off_the_tier_rate_never_below_zero():
    assert tiered_rate(D("5.000"), D("0.450")) == D("4.550")
    assert tiered_rate(D("1.000"), D("1.200")) == D("0.000")
    rows = rate_schedule(ON)
    assert rows[0][3] == [D("5.000"), D("2.000"), D("1.000")]
    assert rows[10][1:] == (D("1.000"), D("2.000"), [D("4.000"), D("1.000"), D("0.000")])
