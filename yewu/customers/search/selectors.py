"""Customer search on the token index (issue 14): name or short name (any two or more characters), pinyin
initials of any part of the name (``gzyk`` and ``yk`` → 广州市盈科…), full pinyin from a syllable on, a contact's
phone digits (four or more). Tokens: :mod:`yewu.customers.search.tokens`."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, QuerySet, When

from yewu.common.text import search_query
from yewu.customers.models import Customer, SearchToken
from yewu.customers.search import tokens
from yewu.policy.customers import normalize_phone


def _prefix(token: str) -> Q:
    lo, hi = tokens.prefix_range(token)
    return Q(token__gte=lo, token__lt=hi)


def _exact_arms(q: str) -> tuple[Q | None, Q]:
    """Token conditions whose match is the answer itself (initials, pinyin, phone digits), and the extra check a
    query longer than the stored tokens needs."""
    arms: list[Q] = []
    check = Q()
    low = q.lower()
    compact = low.replace(" ", "")
    if low.isascii() and compact.isalpha():
        arms.append(_prefix("i:" + compact[:tokens.INITIALS_LEN]))
        arms.append(_prefix("p:" + compact[:tokens.PINYIN_LEN]))
        if len(compact) > tokens.INITIALS_LEN:
            check = Q(search_initials__contains=compact) | Q(search_pinyin__contains=compact)
        elif len(compact) > tokens.PINYIN_LEN:
            check = Q(search_pinyin__contains=compact)
    digits = normalize_phone(q)
    if len(digits) >= tokens.MIN_DIGITS:
        arms.append(_prefix("t:" + digits))
    if not arms:
        return None, check
    cond = arms[0]
    for a in arms[1:]:
        cond |= a
    return cond, check


def search(qs: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """Name, short name, pinyin initials (``gzdl`` → 广州电缆…), full pinyin, phone digits of a contact."""
    q = (q or "").strip()
    if not q:
        return qs
    by_name = Q(name__icontains=q) | Q(short_name__icontains=q)
    exact, check = _exact_arms(q)
    exact_ids = SearchToken.objects.filter(exact).values("customer_id") if exact is not None else None
    grams = tokens.bigrams(q)
    if not grams:  # one character: no bigram to look up, the names are scanned
        cond = by_name | Q(pk__in=exact_ids) if exact_ids is not None else by_name
        return qs.filter(cond)
    with_all = (SearchToken.objects.filter(token__in=[f"b:{g}" for g in grams]).values("customer_id")
                .annotate(n=Count("token")).filter(n=len(grams)).values("customer_id"))
    if exact_ids is None:
        return qs.filter(pk__in=with_all).filter(by_name)
    candidates = with_all.union(exact_ids)
    return qs.filter(pk__in=candidates).filter(by_name | (Q(pk__in=exact_ids) & check))


PICK_LIMIT = 20


def pick(qs: QuerySet[Customer], q: str, *, limit: int = PICK_LIMIT, extra: tuple[str, ...] = ()) -> list[dict]:
    """A type-ahead picker's answer: at most ``limit`` (≤ 20) customers of ``qs`` (the caller's scope) matching
    ``q`` as :func:`search` does, names starting with ``q`` first; each as id, name, city, short name, owner and the
    ``extra`` fields the page needs. An empty query finds nothing; a query over 50 characters is refused (422)."""
    q = search_query(q)
    if not q:
        return []
    limit = max(1, min(int(limit), PICK_LIMIT))
    rows = (search(qs, q).select_related("owner")
            .annotate(starts=Case(When(name__istartswith=q, then=0), default=1, output_field=IntegerField()))
            .order_by("starts", "name", "id")[:limit])
    return [{"id": c.pk, "name": c.name, "city": c.city, "short_name": c.short_name or "",
             "owner": {"id": c.owner_id, "name": c.owner.name} if c.owner_id else None,
             **{f: getattr(c, f) for f in extra}} for c in rows]
