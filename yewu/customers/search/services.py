"""Duplicate detection for filing and import (`cust.duplicate`): candidates, then the policy's check."""

from __future__ import annotations

import re

from django.db.models import Count, Q
from django.utils import timezone
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from yewu.common.errors import Conflict
from yewu.customers.models import Contact, Customer, SearchToken
from yewu.customers.search import tokens
from yewu.org.selectors import get_policy
from yewu.policy import Decision
from yewu.policy import customers as rules

_CJK = re.compile(r"[\u4e00-\u9fff]+")


def search_keys(name: str) -> dict[str, str]:
    if _CJK.fullmatch(name or ""):  # the usual name: one pinyin pass; the initials are its first letters
        py = lazy_pinyin(name, errors="default")
        if len(py) == len(name):
            return {"search_initials": "".join(p[0] for p in py).lower()[:100], "search_pinyin": "".join(py).lower()[:400]}
    return {
        "search_initials": "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()[:100],
        "search_pinyin": "".join(lazy_pinyin(name, errors="default")).lower()[:400],
    }


def index_rows(customers, phones_of: dict[int, set[str]] | None = None) -> list[SearchToken]:
    """The index rows of saved customers (``phones_of``: normalised phone digits by customer id)."""
    phones_of = phones_of or {}
    return [SearchToken(customer_id=c.pk, token=tok) for c in customers
            for tok in tokens.customer_tokens(name=c.name, short_name=c.short_name or "", city=c.city or "",
                                              name_key=c.name_key, phones=phones_of.get(c.pk, set()))]


def reindex(customer_ids) -> None:
    """Rebuild the index rows of these customers from what is saved (call inside the writing transaction)."""
    ids = list(customer_ids)
    if not ids:
        return
    phones: dict[int, set[str]] = {}
    for cid, m, p in Contact.objects.filter(customer_id__in=ids).values_list("customer_id", "mobile_norm", "phone_norm"):
        phones.setdefault(cid, set()).update(x for x in (m, p) if x)
    SearchToken.objects.filter(customer_id__in=ids).delete()
    customers = Customer.objects.filter(pk__in=ids).only("id", "name", "short_name", "city", "name_key")
    SearchToken.objects.bulk_create(index_rows(customers, phones), batch_size=2000)


def similar_in_city(key: str, city: str, warn: int) -> dict[int, str]:
    """Same-city customers whose name key may reach ``warn`` similarity with ``key``: those sharing a pair of
    characters (``tokens.key_pairs``); every customer of the city if the threshold is set too low for that."""
    same_city = Customer.objects.filter(city=city)
    if warn >= tokens.PAIRS_COMPLETE_FROM and len(key) >= 2:
        def frequency(pairs: list[str]) -> dict[str, int]:
            of = {f"k:{city}:{p}": p for p in pairs}
            rows = SearchToken.objects.filter(token__in=of).values("token").annotate(n=Count("customer_id"))
            return {of[r["token"]]: r["n"] for r in rows}
        pairs = [f"k:{city}:{p}" for p in tokens.candidate_pairs(key, warn, frequency)]
        same_city = same_city.filter(pk__in=SearchToken.objects.filter(token__in=pairs).values("customer_id"))
    elif warn >= tokens.PAIRS_COMPLETE_FROM:
        same_city = same_city.filter(name_key=key)  # one character: only itself reaches 67 (2/(1+2) < 0.67)
    return dict(same_city.order_by("id").values_list("id", "name_key"))


def _candidates(name: str, city: str, code: str | None, phones: set[str], exclude_id: int | None = None):
    """Existing customers that could be the same one: same name key, credit code or phone (by index),
    and same-city names whose similarity reaches the warning threshold (scored on keys only, among the
    candidates of the search index)."""
    key = rules.name_key(name)
    ids: set[int] = set()
    q = Q(name_key=key)
    if code:
        q |= Q(credit_code=code)
    ids.update(Customer.objects.filter(q).values_list("id", flat=True))
    if phones:
        ids.update(Contact.objects.filter(Q(mobile_norm__in=phones) | Q(phone_norm__in=phones))
                   .values_list("customer_id", flat=True))
    warn = get_policy()["cust.duplicate.warn_similarity"]
    for _, _, cid in process.extract(key, similar_in_city(key, city, warn), scorer=fuzz.ratio, score_cutoff=warn,
                                     limit=10):
        ids.add(cid)
    ids.discard(exclude_id)
    found = list(Customer.objects.filter(id__in=ids).select_related("owner"))
    phone_map: dict[int, set[str]] = {}
    for cid, m, p in Contact.objects.filter(customer_id__in=ids).filter(
        Q(mobile_norm__in=phones) | Q(phone_norm__in=phones)
    ).values_list("customer_id", "mobile_norm", "phone_norm"):
        phone_map.setdefault(cid, set()).update(x for x in (m, p) if x)
    # exact matches first so the message names the strongest reason
    found.sort(key=lambda c: (c.name_key != key, c.credit_code != code, c.id not in phone_map, c.id))
    return [
        rules.ExistingCustomer(
            id=c.id, name=c.name, name_key=c.name_key, city=c.city, credit_code=c.credit_code or "",
            phones=frozenset(phone_map.get(c.id, ())), owner_name=c.owner.name if c.owner_id else None,
            filed_on=timezone.localtime(c.created_at).date(),
        )
        for c in found
    ]


def check_duplicate(name, city, code, phones, exclude_id=None) -> Decision:
    phones_n = {rules.normalize_phone(p) for p in phones if p}
    phones_n.discard("")
    return rules.check_duplicate(
        name=name, city=city, credit_code=code or "", phones=phones_n,
        candidates=_candidates(name, city, code, phones_n, exclude_id), cfg=get_policy(),
    )


def duplicate_error(decision: Decision) -> Conflict:
    r = decision.reasons[0]
    return Conflict(
        r.message, rule="cust.duplicate", code="duplicate", decision=decision,
        extra={"existing": {"id": r.figures.get("existing_id"), "name": r.figures.get("existing_name"),
                            "owner": r.figures.get("owner") or "公海", "filed_on": str(r.figures.get("filed_on"))}},
    )
