"""Money as every policy module computes and shows it (one helper of each, shared by the rule modules)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(v: Decimal | int | str) -> Decimal:
    """Decimal, 2 places, ROUND_HALF_UP (a float goes through its shortest text, never its binary value)."""
    return Decimal(v if isinstance(v, Decimal) else str(v)).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(v: Decimal | int | str | None) -> str:
    """Money as shown in messages: thousands separator, 2 places; no figure is "—"."""
    if v is None:
        return "—"
    return f"{money(v):,.2f}"
