"""One pricing of document lines (SPEC §3.2), shared by quotes (:mod:`yewu.sales.services`) and orders
(:mod:`yewu.orders.ordering.pricing`): the products of a document with the guide price in force on its day in one
query, G for each line (the guide price, a Finance price request's answer: `price.guide`, `price.finance_guide`),
and the one check of a line's unit price, :func:`yewu.policy.pricing.check_line_price`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from django.db.models import OuterRef, Subquery

from yewu.common import prepared
from yewu.common.errors import RuleRefused
from yewu.policy import Decision
from yewu.policy.config import PolicyConfig
from yewu.policy.pricing import check_line_price

from .models import GuidePrice, PriceRequest, Product
from .services import guide_for_line


@dataclass(frozen=True)
class Guide:
    """G of a line: its price (None when there is none), where it comes from, and the answered price request."""

    price: Decimal | None
    source: str
    request: PriceRequest | int | None = None

    @property
    def request_id(self) -> int | None:
        return self.request if isinstance(self.request, int) or self.request is None else self.request.pk


def products_for(ids: Iterable, day: date, *, active_only: bool = False) -> dict[int, Product]:
    """The products with these ids, each carrying the guide price in force on ``day`` (``in_force_price``,
    ``in_force_source``, ``in_force_request_id``), in one query. Ids that are not whole numbers are skipped. The
    query is compiled once per number of ids (:mod:`yewu.common.prepared`)."""
    pks = {int(p) for p in ids if isinstance(p, int) or (isinstance(p, str) and p.strip().isdigit())}
    if not pks:
        return {}
    found = prepared.fetch(("catalog.products_for", active_only), partial(_products, active_only=active_only),
                           sorted(pks), day)
    return {p.pk: p for p in found}


def _products(pks: list[int], day: date, *, active_only: bool):
    in_force = GuidePrice.objects.filter(product=OuterRef("pk"), effective_from__lte=day).order_by("-effective_from", "-id")
    qs = Product.objects.filter(pk__in=pks).annotate(
        in_force_price=Subquery(in_force.values("price")[:1]),
        in_force_source=Subquery(in_force.values("source")[:1]),
        in_force_request_id=Subquery(in_force.values("price_request_id")[:1]))
    if active_only:
        qs = qs.filter(active=True)
    return qs


def guide_of(product: Product, day: date, owner, price_request_id=None) -> Guide:
    """G for a line of ``product`` on ``day``: the guide price read with :func:`products_for` when one is in
    force; else (or when the line names a price request) as :func:`yewu.catalog.services.guide_for_line` finds it."""
    if not price_request_id and getattr(product, "in_force_price", None) is not None:
        return Guide(product.in_force_price, product.in_force_source, product.in_force_request_id)
    g, source, req = guide_for_line(product, day, owner, price_request_id)
    return Guide(g, source, req)


def check(guide: Guide, *, kind: str, unit_price: Decimal, quantity: Decimal, fee_rate: Decimal, invoice: str,
          cfg: PolicyConfig) -> Decision:
    """The line price check of SPEC §3.2 (`price.*`) for one line of a product of ``kind``: the one place quotes and
    orders ask. Without a G the line is refused naming `price.guide` or `price.finance_guide` (by ``guide.source``)."""
    return check_line_price(guide_price=guide.price, unit_price=unit_price, fee_rate=fee_rate, invoice=invoice,
                            quantity=quantity, cfg=cfg, price_source=guide.source, kind=kind)


def refusal(d: Decision, *, where: str, field: str) -> RuleRefused:
    """The 4xx refusal of a refused line check, naming the line (``where``) and the field."""
    err = RuleRefused.from_decision(d)
    err.message = f"{where}：{err.message}"
    err.fields = {field: d.message()}
    return err
