"""The line price check of an order (SPEC §3.2), through the one line pricing quotes use too
(:mod:`yewu.catalog.line_pricing`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from yewu.catalog import line_pricing
from yewu.common import parsers
from yewu.common.errors import ValidationError
from yewu.policy.commission import line_fee
from yewu.policy.config import PolicyConfig

from ..inputs import CENT, decimal_in
from ..models import OrderLine


@dataclass
class LineIn:
    product_id: int
    quantity: Decimal | str
    unit_price: Decimal | str


def price_lines(customer, lines: list[LineIn], invoice: str, quote, cfg: PolicyConfig):
    """The full line price check of SPEC §3.2 for each order line, exactly as a quote line gets it
    (:func:`yewu.catalog.line_pricing.check`): the product kind (`price.gb_discretion`), the invoice choice and fee
    rate of the accepted quote when the order is made from one, G as in force on the quote date (`price.guide`: the
    quote's G; the order date without a quote) or Finance's G (`price.finance_guide`). The products and their guide
    prices are read in one query."""
    if not lines:
        raise ValidationError("订单至少需要一行产品", fields={"lines": "至少一行"})
    today = timezone.localdate()
    fee_rate = quote.fee_rate if quote is not None else Decimal("0")
    quoted_g: dict[int, Decimal] = {}
    if quote is not None:
        for pid, g in quote.lines.values_list("product_id", "guide_price"):
            quoted_g.setdefault(pid, g)
    products = line_pricing.products_for([ln.product_id for ln in lines], today, active_only=True)
    out, decisions = [], []
    for i, ln in enumerate(lines):
        qty = decimal_in(ln.quantity, f"lines.{i}.quantity", "数量", 3)
        price = decimal_in(ln.unit_price, f"lines.{i}.unit_price", "单价", 2)
        product = products.get(ln.product_id) if isinstance(ln.product_id, int) else None
        if product is None:
            raise ValidationError(f"第 {i + 1} 行：产品不存在或已停售", fields={f"lines.{i}.product_id": "产品不存在"})
        if product.pk in quoted_g:
            guide = line_pricing.Guide(quoted_g[product.pk], "list")
        else:
            guide = line_pricing.guide_of(product, today, customer.owner)
        d = line_pricing.check(guide, kind=product.kind, unit_price=price, quantity=qty, fee_rate=fee_rate, invoice=invoice, cfg=cfg)
        if d.refused:
            raise line_pricing.refusal(d, where=f"第 {i + 1} 行（{product.code}）", field=f"lines.{i}.unit_price")
        decisions.append(d)
        line_total = parsers.fits((qty * price).quantize(CENT), parsers.MONEY, field=f"lines.{i}.quantity",
                                  label=f"第 {i + 1} 行金额", cfg=cfg)
        out.append(OrderLine(product=product, kind=product.kind, quantity=qty, unit_price=price, guide_price=guide.price,
                             line_total=line_total, price_outcome=str(d.outcome),
                             commission_delta=d.data.get("commission_delta"), fee_rate=fee_rate,
                             fee=line_fee(qty, price, fee_rate)))
    parsers.fits(sum((ln.line_total for ln in out), Decimal("0.00")), parsers.MONEY, field="lines", label="订单金额",
                 cfg=cfg)
    return out, decisions
