"""The duplicate check looks candidates up by only some pairs of the new name's key (prefix filtering, issue 14):
it must still find every same-city name that reaches the warning threshold, whatever the names and thresholds."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from yewu.customers.search.tokens import candidate_pairs, key_pairs, pairs_needed

# a small alphabet (with 佛/山 in most keys, like the city in real keys) makes near matches frequent
CHARS = "佛山盈科电子五金塑胶贸易照明线缆"
keys = st.text(alphabet=CHARS, min_size=1, max_size=12)
distinct_keys = st.lists(st.sampled_from(CHARS), min_size=2, max_size=12, unique=True).map("".join)


@st.composite
def near(draw, key):
    """``key`` after a few random insertions, deletions and replacements: the names that come close to it."""
    k = list(key)
    for _ in range(draw(st.integers(0, 4))):
        op, i, ch = draw(st.sampled_from("idr")), draw(st.integers(0, max(0, len(k) - 1))), draw(st.sampled_from(CHARS))
        if op == "i":
            k.insert(i, ch)
        elif op == "d" and len(k) > 1:
            del k[i]
        elif k:
            k[i] = ch
    return "".join(k)


# few characters: keys that repeat characters and pairs of characters (电线电缆, 佛山佛山)
repeating_keys = st.text(alphabet="电线缆佛山", min_size=2, max_size=12)


@st.composite
def cases(draw):
    key = draw(st.one_of(distinct_keys, keys, repeating_keys))
    others = draw(st.lists(st.one_of(near(key), keys), min_size=1, max_size=60))
    return key, others


@settings(max_examples=600, deadline=None)
@given(case=cases(), warn=st.sampled_from([67, 70, 75, 80, 85, 90, 95]))
def test_every_name_reaching_the_threshold_shares_a_pair_looked_up(case, warn):
    key, others = case
    index: dict[str, set[int]] = {}
    for i, k in enumerate(others):
        for p in key_pairs(k):
            index.setdefault(p, set()).add(i)
    found: set[int] = set()
    for pair in candidate_pairs(key, warn, lambda ps: {q: len(index.get(q, ())) for q in ps}):
        found |= index.get(pair, set())
    if len(key) < 2:
        return  # one character: looked up by equality of the key, not by pairs
    must = {i for i, k in enumerate(others) if fuzz.ratio(key, k) >= warn}
    assert must <= found


@settings(max_examples=1500, deadline=None)
@given(case=cases(), warn=st.sampled_from([67, 70, 75, 80, 85, 90, 95]))
def test_every_name_reaching_the_threshold_shares_at_least_pairs_needed_distinct_pairs(case, warn):
    """The bound itself, for keys with and without repeated characters (what candidate_pairs relies on)."""
    key, others = case
    if len(key) < 2:
        return
    need = pairs_needed(key, warn)
    for k in others:
        if fuzz.ratio(key, k) >= warn:
            assert len(key_pairs(key) & key_pairs(k)) >= need, (key, k, need)


def test_a_repeated_character_still_leaves_common_pairs_out():
    key = "广州恒通电线电缆"  # 电 twice, yet no pair of characters twice: one token per kept pair
    assert pairs_needed(key, 80) == pairs_needed("广州恒通电线甲缆", 80) > 1
    assert pairs_needed("佛山佛山佛山", 80) < pairs_needed("佛山甲乙丙丁", 80)  # 佛山 at three positions
    # 市瑞 and 瑞照 at two positions each (市瑞瑞照), but never two of them along one subsequence
    assert pairs_needed("佛山市瑞瑞照明", 80) == pairs_needed("佛山市瑞甲照明", 80) > 1


def test_common_pairs_are_left_out_only_when_the_threshold_allows():
    key = "佛山佳鸿塑胶贸易"  # 8 different characters
    freq = {p: 1 for p in key_pairs(key)} | {"佛山": 9675, "贸易": 2388, "山佳": 3000}
    looked_up = candidate_pairs(key, 80, lambda ps: {p: freq[p] for p in ps})
    assert pairs_needed(key, 80) == 4 and not {"佛山", "贸易", "山佳"} & set(looked_up)
    assert len(looked_up) == len(key_pairs(key)) - 3
    # a pair of characters at many positions (佛山佛山佛山) or a threshold under 67: every pair is looked up
    assert set(candidate_pairs("佛山佛山佛山", 80, lambda ps: dict.fromkeys(ps, 5))) == key_pairs("佛山佛山佛山")
    assert set(candidate_pairs(key, 60, lambda ps: dict.fromkeys(ps, 5))) == key_pairs(key)
