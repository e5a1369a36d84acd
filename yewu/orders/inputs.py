"""Figures typed into an order, a shipment or a return, read at the boundary (yewu.common.parsers)."""

from __future__ import annotations

from decimal import Decimal

from yewu.common import parsers

CENT = Decimal("0.01")


def decimal_in(v, field: str, label: str, places: int) -> Decimal:
    """A quantity (3 places) or money figure (2 places) > 0 within its column and the input.bounds ceiling."""
    if places == 3:
        return parsers.quantity(v, field=field, label=label)
    kind = parsers.PRICE if field.endswith("unit_price") else parsers.MONEY
    return parsers.money(v, field=field, label=label, kind=kind)
