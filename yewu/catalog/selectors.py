"""Catalogue reads: the product picker's search (issue 15) and the products a form shows as already chosen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, When

from yewu.common.text import search_query

from .models import GuidePrice, PriceSource, Product
from .pinyin import query_key

PICK_LIMIT = 20
CENT = Decimal("0.01")


def _with_price_on(qs: QuerySet[Product], day: date) -> QuerySet[Product]:
    """Each product carries ``in_force_price``: its guide price in force on ``day`` (None when there is none)."""
    in_force = GuidePrice.objects.filter(product=OuterRef("pk"), effective_from__lte=day).order_by("-effective_from", "-id")
    return qs.annotate(in_force_price=Subquery(in_force.values("price")[:1]))


def _priced(rows: Iterable[Product]) -> list[Product]:
    """The rows with ``in_force_price`` in cents (SQLite hands a subquery's decimal back as ``18.6000000000000``)."""
    out = list(rows)
    for p in out:
        if p.in_force_price is not None:
            p.in_force_price = Decimal(p.in_force_price).quantize(CENT)
    return out


def matching(q: str) -> Q:
    """Products whose code, name or specification holds ``q`` (any case), or whose name's pinyin initials or full
    pinyin hold it (``dl``, ``JYDL``, ``dianlan``: any part of the name)."""
    found = Q(code__icontains=q) | Q(name__icontains=q) | Q(specification__icontains=q)
    key = query_key(q)
    if any(ch.isalpha() for ch in key):
        found |= Q(search_initials__contains=key) | Q(search_pinyin__contains=key)
    return found


def search_products(q: str, *, day: date, limit: int = PICK_LIMIT, finance_priced: bool = False) -> list[Product]:
    """At most ``limit`` (≤ 20) products on sale matching ``q``: code, name or specification (any case), or the
    pinyin initials / full pinyin of any part of the name (``dl``, ``JYDL``, ``dianlan``). An exact code first, then
    codes, names and initials starting with ``q``, then by code; each with its guide price in force on ``day``.
    ``finance_priced``: only products Finance prices (a price request's products). An empty query finds nothing; a
    query over 50 characters is refused (422)."""
    q = search_query(q)
    if not q:
        return []
    limit = max(1, min(int(limit), PICK_LIMIT))
    starts = Q(code__istartswith=q) | Q(name__istartswith=q)
    key = query_key(q)
    if any(ch.isalpha() for ch in key):
        starts |= Q(search_initials__startswith=key) | Q(search_pinyin__startswith=key)
    qs = Product.objects.filter(matching(q), active=True)
    if finance_priced:
        qs = qs.filter(price_source=PriceSource.FINANCE)
    qs = qs.annotate(rank=Case(When(code__iexact=q, then=0), When(starts, then=1), default=2, output_field=IntegerField()))
    return _priced(_with_price_on(qs, day).order_by("rank", "code")[:limit])


def chosen_products(ids: Iterable, day: date) -> list[Product]:
    """The products a re-shown form has already chosen (ids as posted; not whole numbers are skipped), each with
    its guide price in force on ``day``: the only options the form's product pickers carry."""
    pks = {int(p) for p in ids if isinstance(p, int) or (isinstance(p, str) and p.strip().isdigit())}
    if not pks:
        return []
    return _priced(_with_price_on(Product.objects.filter(pk__in=pks), day))
