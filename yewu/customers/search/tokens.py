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

import math
from collections.abc import Callable
from functools import lru_cache

from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

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


def pairs_needed(key: str, warn: float) -> int:
    """How many distinct pairs (:func:`key_pairs`) of ``key`` any name key reaching similarity ``warn`` with it
    shares at least. ratio = 2·L / (n + m) with L the longest common subsequence: for a key of ``m`` characters
    L ≥ ⌈warn·(n + m) / 200⌉; of the L − 1 neighbouring pairs of that subsequence only those with a gap of ≥ 2
    unmatched characters in one name are lost, at most ⌊(n − L) / 2⌋ + ⌊(m − L) / 2⌋. The kept pairs are
    positions (i, j) of ``key`` one after the other along the subsequence (each ends where the next starts); a pair
    of characters found at several positions (``key`` repeats a character) is one token for as many of them as can
    follow one another that way, so the bound is the fewest tokens that can hold that many kept pairs (one token per
    pair when no pair of characters repeats). 1 when that reasoning does not hold (a key under two characters, a
    threshold below :data:`PAIRS_COMPLETE_FROM`)."""
    n = len(key)
    if n < 2 or warn < PAIRS_COMPLETE_FROM:
        return 1
    least = None
    for m in range(1, int(n * (200 - warn) / warn) + 2):
        lcs = max(1, math.ceil(warn * (n + m) / 200 - 0.01))  # a hair low: float scores never slip through
        if lcs > min(n, m):
            continue
        kept = lcs - 1 - (n - lcs) // 2 - (m - lcs) // 2
        least = kept if least is None else min(least, kept)
    if least is None or least <= 1:
        return 1
    at: dict[str, list[tuple[int, int]]] = {}
    for i in range(n):
        for j in (i + 1, i + 2):
            if j < n:
                at.setdefault(key[i] + key[j], []).append((i, j))
    held = needed = 0
    for k in sorted((_in_one_chain(spans) for spans in at.values()), reverse=True):
        if held >= least:
            break
        held, needed = held + k, needed + 1
    return needed


def _in_one_chain(spans: list[tuple[int, int]]) -> int:
    """How many of these positions (i, j) can follow one another along a subsequence (each starting at or after the
    end of the one before): the most spans that do not overlap, taken by earliest end."""
    count, end = 0, -1
    for i, j in sorted(spans, key=lambda s: s[1]):
        if i >= end:
            count, end = count + 1, j
    return count


def candidate_pairs(key: str, warn: float, frequency: Callable[[list[str]], dict[str, int]]) -> list[str]:
    """The pairs of ``key`` to look candidates up by: a name reaching ``warn`` shares at least
    :func:`pairs_needed` of them, so the ``needed − 1`` most frequent pairs (``佛山`` in every 佛山 name) can be
    left out and it still shares one of the rest (prefix filtering). ``frequency`` gives the index's row count
    of each pair asked (missing: none)."""
    pairs = sorted(key_pairs(key))
    drop = pairs_needed(key, warn) - 1
    if drop <= 0 or len(pairs) <= drop:
        return pairs
    freq = frequency(pairs)
    return sorted(pairs, key=lambda p: (freq.get(p, 0), p))[:len(pairs) - drop]


# lookup_pairs: a candidate read by id costs about FETCH_WEIGHT index rows (~6 µs against ~0.3 µs on SQLite), and
# a second pair to share keeps about SHRINK of them: the next pair is read when its rows cost less than that saves
FETCH_WEIGHT = 10
SHRINK = 0.4
EXTRA_PAIR_FACTOR = FETCH_WEIGHT * (1 - SHRINK)


def lookup_pairs(key: str, warn: float, freq: dict[str, int]) -> tuple[list[str], int]:
    """The pairs of ``key`` to read and how many of them a candidate must share (``HAVING COUNT(*) >= h``), by the
    index-row counts ``freq`` (missing: none). A name reaching ``warn`` shares at least ``needed``
    (:func:`pairs_needed`) pairs, so when the ``needed − h`` most frequent are left out it shares at least ``h`` of
    the rest, whatever the counts say (a stale count only changes the cost). ``h = 1`` reads the pairs of
    :func:`candidate_pairs`; ``h = 2`` also reads the most frequent of the left-out pairs, when its rows are fewer
    than EXTRA_PAIR_FACTOR × the rows of the others (they bound the customers ``h = 1`` would read)."""
    pairs = sorted(key_pairs(key))
    needed = pairs_needed(key, warn)
    if needed <= 1 or len(pairs) < needed:
        return pairs, 1
    order = sorted(pairs, key=lambda p: (freq.get(p, 0), p))
    kept = order[:len(pairs) - (needed - 1)]
    extra = order[len(kept)]
    if freq.get(extra, 0) < EXTRA_PAIR_FACTOR * sum(freq.get(p, 0) for p in kept):
        return [*kept, extra], 2
    return kept, 1


class _WordCache(UltimateConverter):
    """pypinyin's converter of ``lazy_pinyin`` (defaults: no ü, no tone 5, no sandhi), each segmented word converted
    once: names share their words (有限公司, 电线电缆, 广州), and converting a word depends on nothing else."""

    def __init__(self):
        super().__init__()
        self._done: dict[tuple, list[list[str]]] = {}

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        if kwargs or not isinstance(words, str):
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        k = (words, style, heteronym, errors, strict)
        out = self._done.get(k)
        if out is None:
            out = super().convert(words, style, heteronym, errors, strict)
            if len(self._done) < 200_000:
                self._done[k] = [list(x) for x in out]
            return out
        return [list(x) for x in out]


_PINYIN = Pinyin(_WordCache())


@lru_cache(maxsize=4096)
def pinyin(text: str) -> tuple[str, ...]:
    """``lazy_pinyin(text)`` (normal style, unknown characters kept), remembered: a filing reads its name for the
    search keys, the pinyin tokens and the initials; the same segmentation and conversion as ``lazy_pinyin``,
    with each word's conversion remembered (:class:`_WordCache`)."""
    return tuple(_PINYIN.lazy_pinyin(text, errors="default"))


def _syllables(name: str) -> list[str]:
    return [p.lower() for p in pinyin(name or "")]


def _initials(name: str) -> list[str]:
    # Style.FIRST_LETTER is the first letter of the normal style (pypinyin: to_normal(p)[0]); characters without
    # pinyin come back whole in both styles
    return [p[:1].lower() for p in pinyin(name or "") if p]


def initials_suffixes(name: str) -> set[str]:
    out = set()
    name = name or ""
    without_admin = "".join(ch for ch in name if ch not in ADMIN_CHARS)
    for chars in (name, without_admin) if without_admin != name else (name,):  # the same name: read once
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
