from decimal import Decimal

from yewu.policy.config import PolicyConfig
from yewu.policy.receivables import commission_schedule


def test_schedule_follows_spec_figures():
    rows = {d: (cut, rate) for d, cut, rate in commission_schedule()}
    assert rows[0] == (Decimal("0.000"), Decimal("3.000"))
    assert rows[5] == (Decimal("0.500"), Decimal("2.500"))  # each 1 % below guide costs 0.1 point
    assert rows[10] == (Decimal("1.000"), Decimal("2.000"))


def test_schedule_reads_company_settings_and_never_goes_below_zero():
    cfg = PolicyConfig.from_overrides({"commission.base.rate_pct": "0.500"})
    rows = {d: rate for d, _cut, rate in commission_schedule(cfg)}
    assert rows[3] == Decimal("0.200") and rows[10] == Decimal("0.000")
