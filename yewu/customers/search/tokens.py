"""The tokens of the customer search index (issue 14): pure functions, no database.

One row per (token, customer) in ``SearchToken``; every token starts with its kind:

* ``b:`` two characters of the name or short name, lower case (``b:盈科``): a text query of two or more characters
  is looked up as all of its bigrams, then checked with ``icontains`` on the few customers that have them all;
* ``i:`` the pinyin initials of the name from each character on (``i:ykdzyxgs``), and the same with the
  administrative characters 省/市/区/县 left out (``i:gzykdz…``), cut at :data:`INITIALS_LEN`: a query of initials is
  a prefix of one of them, so ``gzyk`` and ``yk`` both find 广州市盈科电子有限公司;
* ``p:`` the full pinyin from each syllable on (``p:yingkedianzi…``), cut at :data:`PINYIN_LEN`;
* ``t:`` a contact's phone digits from each position on (at least 4 left): a digit query is a prefix of one;
* ``k:<city>:`` pairs of characters of the name key at distance 1 and 2 (``k:广州:盈科``, ``k:广州:盈电``), the
  candidates of the duplicate check: a same-city name whose similarity reaches the warning threshold (≥ 67) shares
  at least one such pair with the new name (see :func:`key_pairs`).
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

INITIALS_LEN = 16
PINYIN_LEN = 24
MIN_DIGITS = 4
ADMIN_CHARS = frozenset("省市区县")
# no shared pair at distance ≤ 2 means every gap between two matched characters is ≥ 2 in one of the names:
# ratio = 2L / (l1 + l2) ≤ 2L / (4L - 2) ≤ 2/3 for L ≥ 2 (L = 1: identical one-character keys, found by equality)
PAIRS_COMPLETE_FROM = 67
MAX_TOKEN = 60


def bigrams(text: str) -> set[str]:
    s = (text or "").lower()
    return {s[i:i + 2] for i in range(len(s) - 1)}


def key_pairs(key: str) -> set[str]:
    """Characters of a name key at distance 1 and 2 (``盈科电`` → 盈科, 科电, 盈电)."""
    return {key[i] + key[j] for i in range(len(key)) for j in (i + 1, i + 2) if j < len(key)}


def _syllables(name: str) -> list[str]:
    return [p.lower() for p in lazy_pinyin(name or "", errors="default")]


def _initials(name: str) -> list[str]:
    return [p[:1].lower() for p in lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default") if p]


def initials_suffixes(name: str) -> set[str]:
    out = set()
    for chars in (name or "", "".join(ch for ch in (name or "") if ch not in ADMIN_CHARS)):
        ini = "".join(_initials(chars))
        out.update(ini[i:i + INITIALS_LEN] for i in range(len(ini)))
    return {s for s in out if s}


def pinyin_suffixes(name: str) -> set[str]:
    syl = _syllables(name)
    return {"".join(syl[i:])[:PINYIN_LEN] for i in range(len(syl))} - {""}


def phone_suffixes(digits: str) -> set[str]:
    return {digits[i:] for i in range(len(digits) - MIN_DIGITS + 1)} if len(digits) >= MIN_DIGITS else set()


def customer_tokens(*, name: str, short_name: str, city: str, name_key: str, phones: set[str]) -> set[str]:
    out = {f"b:{b}" for b in bigrams(name) | bigrams(short_name)}
    out |= {f"i:{s}" for s in initials_suffixes(name) | initials_suffixes(short_name)}
    out |= {f"p:{s}" for s in pinyin_suffixes(name)}
    out |= {f"k:{city}:{p}" for p in key_pairs(name_key)}
    for ph in phones:
        out |= {f"t:{s}" for s in phone_suffixes(ph)}
    return {t for t in out if len(t) <= MAX_TOKEN}


def prefix_range(token: str) -> tuple[str, str]:
    """``token <= x < upper``: every token starting with ``token`` (an index range scan on both databases)."""
    return token, token + "\U0010ffff"
