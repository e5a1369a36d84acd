"""Commission rules of SPEC §5.4 beyond the base rate (which lives in receivables.commission_rate): the line's fee
share excluded from the basis (`commission.base`, D) and the optional order-count tiers (`commission.statement`,
S3's sample scheme). Pure functions; no Django import."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .amounts import money
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason
from .pricing import net_price
from .receivables import commission_schedule

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")


# --- commission.base: the fee share --------------------------------------------------------------------------


def line_fee(quantity: Decimal, unit_price: Decimal, fee_rate: Decimal | None) -> Decimal:
    """The fee (费用, `price.fee_grossup`) carried by an order line: quantity × (P − N), N = round(P × (1 − x/100), 2).
    0 when the line has no fee rate. *Example:* 10 × 1,050.00 at 5% → N = 997.50 → fee 525.00."""
    x = Decimal(fee_rate or 0)
    if x <= 0:
        return ZERO
    p = Decimal(unit_price)
    return money(Decimal(quantity) * (p - net_price(p, x)))


def commission_basis(allocated: Decimal, line_total: Decimal, fee: Decimal | None) -> tuple[Decimal, Decimal]:
    """`commission.base` — the basis excludes the line's fee share (D): of the money allocated to a line, the share
    fee ÷ line total is the fee's and earns no commission. Returns (basis, fee excluded); basis + excluded =
    allocated exactly. *Example:* line 10,500.00 with fee 525.00, 10,500.00 allocated → (9,975.00, 525.00);
    half of it (5,250.00) → (4,987.50, 262.50)."""
    allocated = money(allocated)
    fee = money(fee or 0)
    if fee <= 0 or Decimal(line_total) <= 0:
        return allocated, ZERO
    excluded = money(allocated * min(fee, Decimal(line_total)) / Decimal(line_total))
    return allocated - excluded, excluded


# --- commission.statement: tiers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    min_orders: int  # inclusive lower bound of the band (以上)
    max_orders: int | None  # inclusive upper bound, None = open-ended
    rate: Decimal  # % of collections

    @property
    def label(self) -> str:
        if self.max_orders is None:
            return f"≥ {self.min_orders} 单"
        if self.min_orders == 0:
            return f"< {self.max_orders + 1} 单"
        return f"{self.min_orders}–{self.max_orders} 单"


def parse_tiers(spec: str) -> list[Tier]:
    """The tier table setting ``commission.statement.tiers``: "from:rate" pairs, comma-separated, ascending, the first
    from 0 — "0:5,5:2,10:1" = < 5 orders 5%, 5–9 orders 2%, ≥ 10 orders 1% (S3's sample scheme).
    Raises ValueError on a malformed table."""
    pairs: list[tuple[int, Decimal]] = []
    for part in (spec or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            lo, rate = part.split(":")
            pairs.append((int(lo), Decimal(rate.strip()).quantize(MILLI)))
        except (ValueError, InvalidOperation):
            raise ValueError(f"提成阶梯格式应为 起始单数:比例，例如 0:5,5:2,10:1（现为 {spec!r}）") from None
    if not pairs or pairs[0][0] != 0:
        raise ValueError(f"提成阶梯须从 0 单开始（现为 {spec!r}）")
    if any(b[0] <= a[0] for a, b in zip(pairs, pairs[1:], strict=False)):
        raise ValueError(f"提成阶梯的起始单数须递增（现为 {spec!r}）")
    if any(r < 0 or r > 100 for _, r in pairs):
        raise ValueError(f"提成比例须在 0–100% 之间（现为 {spec!r}）")
    return [Tier(lo, pairs[i + 1][0] - 1 if i + 1 < len(pairs) else None, r) for i, (lo, r) in enumerate(pairs)]


def tiers_enabled(cfg: PolicyConfig = DEFAULT) -> bool:
    return bool(cfg["commission.statement.tiers_enabled"])


def tier_schedule(cfg: PolicyConfig = DEFAULT) -> list[Tier]:
    return parse_tiers(cfg["commission.statement.tiers"])


def commission_tier(order_count: int, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`commission.statement` tiers (a setting, off by default): per salesperson, product and month, the number of
    orders whose collections on that product are credited in the month picks the base rate that replaces
    ``commission.base.rate_pct``; a special-price cut still comes off it. Sample scheme (S3): < 5 orders → 5%,
    5–9 → 2%, ≥ 10 → 1% (4 → 5%, 5 → 2%, 9 → 2%, 10 → 1%). Tiers off → the base rate, ``data["tier"] = None``."""
    base = Decimal(cfg["commission.base.rate_pct"]).quantize(MILLI)
    if not tiers_enabled(cfg):
        return Decision.allow(rate=base, tier=None, orders=order_count)
    tiers = tier_schedule(cfg)
    tier = next(t for t in reversed(tiers) if order_count >= t.min_orders)
    return Decision.allow(Reason(
        "commission.statement",
        f"本月该产品 {order_count} 单，属阶梯「{tier.label}」，提成基础比例 {tier.rate}%（代替 {base}%）",
        f"{order_count} orders of this product this month: tier '{tier.label}', base rate {tier.rate}% (instead of {base}%)",
        {"orders": order_count, "tier_min": tier.min_orders, "tier_max": tier.max_orders, "tier_rate": tier.rate,
         "base_rate": base}), rate=tier.rate, tier=tier, orders=order_count)


def tiered_rate(tier_rate: Decimal, cut: Decimal) -> Decimal:
    """The effective rate under a tier: tier rate − the line's special-price cut, never below 0."""
    return max(Decimal("0.000"), Decimal(tier_rate) - Decimal(cut)).quantize(MILLI)


def rate_schedule(cfg: PolicyConfig = DEFAULT, max_pct: int = 10) -> list[tuple[int, Decimal, Decimal, list[Decimal]]]:
    """销售人员提成比例一览表 with tiers: for d = 0…max_pct % below the baseline, (d, cut, rate at the base rate,
    [rate under each tier]) — the tier rates empty when tiers are off."""
    tiers = tier_schedule(cfg) if tiers_enabled(cfg) else []
    return [(d, cut, rate, [tiered_rate(t.rate, cut) for t in tiers]) for d, cut, rate in commission_schedule(cfg, max_pct)]


__all__ = ["line_fee", "commission_basis", "Tier", "parse_tiers", "tiers_enabled", "tier_schedule", "commission_tier",
           "tiered_rate", "rate_schedule"]
