"""Duplicate detection for filing and import (`cust.duplicate`): candidates, then the policy's check."""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from yewu.common.errors import Conflict
from yewu.customers.models import (
    Contact,
    Customer,
)
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


def _candidates(name: str, city: str, code: str | None, phones: set[str], exclude_id: int | None = None):
    """Existing customers that could be the same one: same name key, credit code or phone (by index),
    and same-city names whose similarity reaches the warning threshold (scored on keys only)."""
    from rapidfuzz import fuzz, process

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
    same_city = dict(Customer.objects.filter(city=city).values_list("id", "name_key").iterator(chunk_size=5000))
    for _, _, cid in process.extract(key, same_city, scorer=fuzz.ratio, score_cutoff=warn, limit=10):
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
