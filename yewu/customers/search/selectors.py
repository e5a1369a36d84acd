"""Customer search: name, short name, pinyin initials, full pinyin and a contact's phone digits."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from yewu.customers.models import Contact, Customer
from yewu.policy.customers import normalize_phone


def search(qs: QuerySet[Customer], q: str) -> QuerySet[Customer]:
    """Name, short name, pinyin initials (``gzdl`` → 广州电缆…), full pinyin, phone digits of a contact."""
    q = (q or "").strip()
    if not q:
        return qs
    cond = Q(name__icontains=q) | Q(short_name__icontains=q)
    low = q.lower()
    if low.isascii() and low.replace(" ", "").isalpha():
        compact = low.replace(" ", "")
        cond |= Q(search_initials__startswith=compact) | Q(search_initials__contains=compact)
        cond |= Q(search_pinyin__contains=compact)
    digits = normalize_phone(q)
    if len(digits) >= 4:
        phone_match = Contact.objects.filter(customer=OuterRef("pk")).filter(
            Q(mobile_norm__contains=digits) | Q(phone_norm__contains=digits)
        )
        cond |= Exists(phone_match)
    return qs.filter(cond)
