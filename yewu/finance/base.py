"""What every money sub-area shares: the zero amount, the amount parser, a refusal naming its field, id slices."""

from __future__ import annotations

from decimal import Decimal

from yewu.common import parsers
from yewu.common.errors import RuleRefused
from yewu.policy import Decision

ZERO = Decimal("0.00")


def parse_money(v, field: str = "amount", label: str = "金额", rule: str = "receipt.allocation") -> Decimal:
    """Any finite amount of 2 decimals within its column and input.bounds.max_amount (callers check the sign)."""
    return parsers.money(v, field=field, label=label, rule=rule, allow_negative=True)


def refuse(d: Decision, field: str | None = None, status: int | None = None) -> RuleRefused:
    err = RuleRefused.from_decision(d, status=status)
    if field:
        err.fields = {field: d.message()}
    return err


def chunks(ids: list, size: int = 500):
    """SQLite allows a limited number of query parameters: long id lists are read in slices."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
