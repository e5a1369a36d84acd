"""The price check (SPEC §3.2): UI, API, import and quote submission all use ``policy.pricing.check_line_price``;
the invoice choice of a quote and its ``price.invoice_lock``. Reads only (nothing is written here)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from yewu.catalog.models import Product
from yewu.catalog.services import guide_for_line
from yewu.common.errors import NotFound, RuleRefused, ValidationError
from yewu.org.selectors import get_policy
from yewu.policy import Decision, PolicyConfig, pricing

from ..models import InvoiceChoice, Quote


def parse_invoice(value: Any, *, default: str = InvoiceChoice.VAT_SPECIAL) -> str:
    """``vat_invoice``: true/false, or one of vat_special / general / none."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return InvoiceChoice.VAT_SPECIAL if value else InvoiceChoice.NONE
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "是"):
        return InvoiceChoice.VAT_SPECIAL
    if v in ("false", "0", "no", "否"):
        return InvoiceChoice.NONE
    if v in InvoiceChoice.values:
        return v
    raise ValidationError(f"发票类型无效：{value}", fields={"vat_invoice": "vat_special / general / none，或 true/false"},
                          rule="price.vat_free_discount")


def raise_field_errors(errs: list[pricing.FieldError], prefix: str = "") -> None:
    if errs:
        raise ValidationError("；".join(e.message for e in errs), fields={prefix + e.field: e.message for e in errs},
                              rule=next((e.rule for e in errs if e.rule), None))


def decision_payload(dec: Decision, lang: str = "zh") -> dict:
    d = dec.as_dict(lang)
    d["min_price"] = d.get("min_price")
    d["commission_delta"] = d.get("commission_delta")
    return d


# --- the pricing check (UI, API, import and quote submission all use check_line_price) -----------------


def check_price(user, *, product_id=None, guide_price=None, quantity="1", unit_price=None, vat_invoice=None,
                fee_rate="0", day: date | None = None, cfg: PolicyConfig | None = None) -> Decision:
    cfg = cfg or get_policy()
    values, errs = pricing.parse_line_input(quantity, unit_price, fee_rate, cfg, guide_price=guide_price)
    if product_id in (None, "") and guide_price in (None, ""):
        errs.append(pricing.FieldError("product_id", "请提供产品（product_id）或指导价（guide_price）",
                                       "give product_id or guide_price", "price.guide"))
    raise_field_errors(errs)
    invoice = parse_invoice(vat_invoice)
    source, kind = "list", None
    if product_id not in (None, ""):
        try:
            product = Product.objects.get(pk=int(product_id))
        except (Product.DoesNotExist, TypeError, ValueError):
            raise NotFound(f"产品 {product_id} 不存在", fields={"product_id": "产品不存在"}) from None
        g, source, _ = guide_for_line(product, day or timezone.localdate(), user)
        kind = product.kind
    else:
        g = values["guide_price"]
    dec = pricing.check_line_price(guide_price=g, unit_price=values["unit_price"], fee_rate=values["fee_rate"],
                                   invoice=invoice, quantity=values["quantity"], cfg=cfg, price_source=source,
                                   kind=kind)
    if g is None:
        raise RuleRefused.from_decision(dec)
    return dec


def priced_lines(quote: Quote, lines=None) -> list[pricing.PricedLine]:
    """The quote's lines as priced (for ``price.invoice_lock`` checks by invoices and orders)."""
    lines = list(quote.lines.all()) if lines is None else lines
    return [pricing.PricedLine(f"第 {ln.position} 行 {ln.product_code} {ln.product_name}", ln.guide_price, ln.net_price,
                               quote.invoice_choice) for ln in lines]


def invoice_lock_check(quote: Quote, requested_invoice: str) -> Decision:
    return pricing.check_invoice_lock(requested_invoice, priced_lines(quote), get_policy())


def invoice_lock_note(quote: Quote, lines=None) -> str:
    """Shown on the quote: which lines lock out a VAT special invoice (empty when none)."""
    if quote.invoice_choice == InvoiceChoice.VAT_SPECIAL:
        return ""
    dec = pricing.check_invoice_lock(InvoiceChoice.VAT_SPECIAL, priced_lines(quote, lines), get_policy())
    if dec.allowed:
        return ""
    return "如客户改开增值税专票：" + dec.message()
