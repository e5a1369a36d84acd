"""The duplicate check may read more pairs of the new name's key and keep only the customers sharing ``h`` of them
(tokens.lookup_pairs, issue 14): whatever the index-row counts say (fresh, stale or wrong), every name reaching the
warning threshold shares at least ``h`` of the pairs read."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from yewu.customers.search.tokens import candidate_pairs, key_pairs, lookup_pairs, pairs_needed

from .test_duplicate_pairs_property import cases

CHARS = "佛山盈科电子五金塑胶贸易照明线缆"


@settings(max_examples=1500, deadline=None)
@given(case=cases(), warn=st.sampled_from([67, 70, 75, 80, 85, 90, 95]),
       counts=st.dictionaries(st.text(alphabet=CHARS + "电线缆", min_size=2, max_size=2), st.integers(0, 30_000)),
       true_counts=st.booleans())
def test_every_name_reaching_the_threshold_shares_h_of_the_pairs_read(case, warn, counts, true_counts):
    key, others = case
    if len(key) < 2:
        return  # one character: looked up by equality of the key, not by pairs
    if true_counts:
        counts = {}
        for k in others:
            for p in key_pairs(k):
                counts[p] = counts.get(p, 0) + 1
    kept, h = lookup_pairs(key, warn, counts)
    assert h >= 1 and set(kept) <= key_pairs(key)
    for k in others:
        if fuzz.ratio(key, k) >= warn:
            assert len(set(kept) & key_pairs(k)) >= h, (key, k, kept, h)


def test_more_pairs_are_read_only_when_they_are_cheaper_than_the_customers_they_leave_out():
    key = "广州市运业开关"
    pairs = sorted(key_pairs(key))
    common = {"广州": 23_000, "州市": 7_000, "广市": 7_000}
    # the pairs of the trade word are frequent too: reading 州市 as well keeps far fewer customers
    counts = {**dict.fromkeys(pairs, 300), **common}
    kept, h = lookup_pairs(key, 80, counts)
    assert h > 1 and "广州" not in kept
    # the other pairs are rare: the customers they find are few, no further pair is read
    rare = {**dict.fromkeys(pairs, 3), **dict.fromkeys(pairs[:pairs_needed(key, 80) - 1], 20_000)}
    kept, h = lookup_pairs(key, 80, rare)
    assert h == 1 and kept == candidate_pairs(key, 80, lambda ps: {p: rare[p] for p in ps})
