"""The `cust.duplicate` candidates come from one statement (issue 14): its same-city arm must look up exactly the
pairs ``tokens.lookup_pairs`` chooses (all but the ``pairs_needed − 1`` most frequent ones, or one more of them with
the customers sharing two), and the findings are those of scoring every customer of the city."""

import pytest
from django.db import connection
from django.db.models import Count
from rapidfuzz import fuzz

from yewu.customers.models import Customer, SearchToken
from yewu.customers.search import tokens
from yewu.customers.search.services import _candidate_sql, check_duplicate, forget_frequencies
from yewu.customers.services import file_customer
from yewu.policy.customers import name_key

from .conftest import customer_in

BRANDS = ["恒通", "盈科", "华强", "通东", "宏发", "鑫源"]
TRADES = ["电线电缆", "五金", "供应链", "照明"]
KEYS = ["佛山恒通电线电缆", "佛山通东供应链", "佛山盈科五金", "佛山华强照明", "佛山鑫源电缆", "佛山宏发供应"]


@pytest.fixture
def foshan(company):
    forget_frequencies()  # counts kept from an earlier test's data would choose other pairs (same findings)
    n = 0
    for b in BRANDS:
        for t in TRADES:
            n += 1
            file_customer(company.sales1, customer_in(name=f"佛山{b}{t}有限公司", city="佛山", mobile=f"139{n:08d}"))


def _looked_up(key: str, warn: int) -> set[int]:
    sql, params = _candidate_sql(key, "佛山", None, set(), warn)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {cid for arm, cid, _, _ in cur.fetchall() if arm == 2}


def _reference(key: str, warn: int) -> set[int]:
    of = {f"k:佛山:{p}": p for p in tokens.key_pairs(key)}
    rows = SearchToken.objects.filter(token__in=of).values("token").annotate(n=Count("customer_id"))
    kept, share = tokens.lookup_pairs(key, warn, {of[r["token"]]: r["n"] for r in rows})
    assert share == 1 or set(kept) > set(tokens.candidate_pairs(key, warn, lambda ps: {
        of[r["token"]]: r["n"] for r in rows}))
    shared = (SearchToken.objects.filter(token__in=[f"k:佛山:{p}" for p in kept]).values("customer_id")
              .annotate(n=Count("token")).filter(n__gte=share).values("customer_id"))
    return set(Customer.objects.filter(city="佛山", pk__in=shared).values_list("id", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("warn", [67, 80, 90])
def test_the_same_city_arm_looks_up_the_pairs_lookup_pairs_chooses(foshan, warn):
    assert Customer.objects.filter(city="佛山").count() == len(BRANDS) * len(TRADES)
    for key in KEYS:
        assert tokens.pairs_needed(key, warn) > 1 or warn == 67
        assert _looked_up(key, warn) == _reference(key, warn), key


@pytest.mark.django_db
def test_the_findings_are_those_of_scoring_every_customer_of_the_city(foshan):
    everyone = dict(Customer.objects.filter(city="佛山").values_list("id", "name_key"))
    for name in ["佛山恒通电线电揽有限公司", "佛山通东供应连有限公司", "佛山市华强照明厂", "佛山宏发五金店"]:
        d = check_duplicate(name, "佛山", None, set())
        key = name_key(name)
        reaching = {cid for cid, k in everyone.items() if fuzz.ratio(key, k) >= 80}
        assert {r.figures["existing_id"] for r in d.reasons} <= reaching
        assert bool(reaching) == bool(d.reasons), (name, d)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_counts_kept_from_before_change_which_pairs_are_read_never_the_findings(foshan, monkeypatch, seed):
    """The counts kept per process (search.services.known_frequencies) may be stale or wrong: whatever they say,
    the decision is the one made with fresh counts, and every same-city name reaching the threshold is looked up."""
    import random

    from yewu.customers.search import services

    rng = random.Random(seed)
    names = ["佛山恒通电线电揽有限公司", "佛山通东供应连有限公司", "佛山市华强照明厂", "佛山宏发五金店", "佛山鑫源电线电缆",
             "佛山盈科五金贸易", "佛山华强电线"]
    fresh = {n: check_duplicate(n, "佛山", None, set()) for n in names}
    monkeypatch.setattr(services, "known_frequencies", lambda toks: {t: rng.randrange(0, 50) for t in toks})
    everyone = dict(Customer.objects.filter(city="佛山").values_list("id", "name_key"))
    for n in names:
        assert check_duplicate(n, "佛山", None, set()) == fresh[n], n
        key = name_key(n)
        reaching = {cid for cid, k in everyone.items() if fuzz.ratio(key, k) >= 80}
        known = services.known_frequencies([f"k:佛山:{p}" for p in tokens.key_pairs(key)])
        sql, params = _candidate_sql(key, "佛山", None, set(), 80, known)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            assert reaching <= {cid for arm, cid, _, _ in cur.fetchall() if arm == 2}, n
