"""The search keys of a product name (issue 15): its pinyin initials and its full pinyin, lower case, letters and
digits only. A product picker query of letters is looked for *inside* them, so the initials of any part of the
name find it (``dl`` and ``jydl`` both find 交联聚乙烯绝缘电力电缆). Latin runs of the name stay whole (``LED 灯具线束``
→ ``leddjxs``). As for customers, the initials are also kept with 省/市/区/县 left out, so ``gzyk`` finds 广州市盈科….
Pure: no database."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

INITIALS_LEN = 200
PINYIN_LEN = 600
_NOT_KEY = re.compile(r"[^0-9a-z]+")
ADMIN_CHARS = frozenset("省市区县")


def query_key(q: str) -> str:
    """What a typed query is compared with: lower case, only letters and digits (``YJ V`` → ``yjv``)."""
    return _NOT_KEY.sub("", (q or "").lower()) if (q or "").isascii() else ""


def search_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of ``name``: ``交联电缆`` → (``jldl``, ``jiaoliandianlan``). When the name holds
    省/市/区/县 the initials are followed by a space and the initials without them (a query never holds a space)."""
    name = name or ""
    variants = []
    for chars in (name, "".join(ch for ch in name if ch not in ADMIN_CHARS)):
        key = _NOT_KEY.sub("", "".join(lazy_pinyin(chars, style=Style.FIRST_LETTER, errors="default")).lower())
        if key not in variants:
            variants.append(key)
    full = "".join(lazy_pinyin(name, errors="default"))
    return " ".join(variants)[:INITIALS_LEN], _NOT_KEY.sub("", full.lower())[:PINYIN_LEN]
