"""Duplicate detection for filing and import (`cust.duplicate`): candidates, then the policy's check."""

from __future__ import annotations

import re
import time

from django.db import connection
from django.utils import timezone
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from yewu.common import locks
from yewu.common.errors import Conflict
from yewu.customers.models import Contact, Customer, SearchToken
from yewu.customers.search import tokens
from yewu.org.selectors import get_policy
from yewu.policy import Decision
from yewu.policy import customers as rules

_CJK = re.compile(r"[\u4e00-\u9fff]+")
# the duplicate check counts a name-key pair's index rows up to this many: pairs that common tie, and which of them
# are left out changes only how many candidates are scored, never which names reach the threshold
COUNT_CAP = 10_000
# ... so the counts are kept per process for a while (token → (rows up to COUNT_CAP, when counted)): the pairs of a
# city, its 市 and its trade words (广州, 州市, 电线: thousands of rows each) are counted once per FREQ_TTL seconds
# instead of at every filing; a count gone stale only changes which pairs are left out
FREQ_TTL = 600.0
FREQ_MAX = 20_000  # ~3 MB; cleared when full
_FREQ: dict[str, tuple[int, float]] = {}


def known_frequencies(toks: list[str]) -> dict[str, int]:
    """The index-row counts of these tokens counted less than FREQ_TTL seconds ago in this process."""
    now = time.monotonic()
    out = {}
    for t in toks:
        hit = _FREQ.get(t)
        if hit is not None and now - hit[1] < FREQ_TTL:
            out[t] = hit[0]
    return out


def remember_frequencies(counts: dict[str, int]) -> None:
    if len(_FREQ) + len(counts) > FREQ_MAX:
        _FREQ.clear()
    now = time.monotonic()
    _FREQ.update((t, (n, now)) for t, n in counts.items())


def forget_frequencies() -> None:
    _FREQ.clear()


def search_keys(name: str) -> dict[str, str]:
    if _CJK.fullmatch(name or ""):  # the usual name: one pinyin pass; the initials are its first letters
        py = tokens.pinyin(name)
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
            for tok in customer_index_tokens(c, phones_of.get(c.pk, set()))]


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


def customer_index_tokens(c: Customer, phones: set[str]) -> set[str]:
    """The index tokens of one customer, saved or not (``phones``: its contacts' normalised digits)."""
    return tokens.customer_tokens(name=c.name, short_name=c.short_name or "", city=c.city or "", name_key=c.name_key,
                                  phones=phones)


def insert_index_tokens(customer_id: int, toks: set[str]) -> None:
    """Insert a saved customer's index rows: one statement (per 400 rows), no model objects, no ids read back."""
    with connection.cursor() as cur:
        for sql, params in index_token_statements(customer_id, toks):
            cur.execute(sql, params)


def index_token_statements(customer_id: int, toks: set[str]) -> list[tuple[str, list]]:
    """The INSERT statements of a saved customer's index rows (one per 400 rows)."""
    table = connection.ops.quote_name(SearchToken._meta.db_table)
    rows = list(toks)
    return [(f"INSERT INTO {table} (customer_id, token) VALUES "  # noqa: S608 - our table, bound values
             + ", ".join(["(%s, %s)"] * len(rows[i:i + 400])), [x for t in rows[i:i + 400] for x in (customer_id, t)])
            for i in range(0, len(rows), 400)]


def _q(model, col: str | None = None) -> str:
    return connection.ops.quote_name(col or model._meta.db_table)


def _candidate_sql(key: str, city: str, code: str | None, phones: set[str], warn: int,
                   known: dict[str, int] | None = None) -> tuple[str, list]:
    """One statement for every candidate of the duplicate check, rows of (arm, id, a, b):

    0. same name key or credit code (``a`` = name key);
    1. a contact with one of the phones (``a``, ``b`` = its normalised mobile and phone);
    2. customers that may reach ``warn`` similarity (``a`` = name key, ``b`` = city: the caller keeps those of
       ``city``): those sharing pairs of name-key characters (``tokens.key_pairs``, indexed per city) when the
       threshold allows it, as :func:`tokens.lookup_pairs` chooses them; every customer of the city if the
       threshold is set too low for that;
    3. the index-row counts the statement read (``a`` = token, ``b`` = its count as text): those of the pairs not in
       ``known`` (counts by token, e.g. :func:`known_frequencies`), up to :data:`COUNT_CAP`. When ``known`` has them
       all, the pairs are chosen here and the statement counts nothing.
    """
    cu, ct, st = _q(Customer), _q(Contact), _q(SearchToken)
    params: list = [key]
    exact = "name_key = %s"
    if code:
        exact += " OR credit_code = %s"
        params.append(code)
    arms = [f"SELECT 0, id, name_key, name_key FROM {cu} WHERE {exact}"]  # noqa: S608 - our tables, bound values
    if phones:
        marks = ", ".join(["%s"] * len(phones))
        arms.append(f"SELECT 1, customer_id, mobile_norm, phone_norm FROM {ct} "  # noqa: S608
                    f"WHERE mobile_norm IN ({marks}) OR phone_norm IN ({marks})")
        params += [*phones, *phones]
    cte = ""
    if warn >= tokens.PAIRS_COMPLETE_FROM and len(key) >= 2:
        pairs = [f"k:{city}:{p}" for p in sorted(tokens.key_pairs(key))]
        marks = ", ".join(["%s"] * len(pairs))
        drop = tokens.pairs_needed(key, warn) - 1
        known = known or {}
        if drop <= 0 or len(pairs) <= drop:
            sim = f"IN ({marks})"
            sim_params = pairs
        elif all(p in known for p in pairs):  # every count known: the pairs and how many to share (lookup_pairs)
            prefix = f"k:{city}:"
            kept, share = tokens.lookup_pairs(key, warn, {p[len(prefix):]: n for p, n in known.items()
                                                          if p.startswith(prefix)})
            kept = [prefix + p for p in kept]
            sim = f"IN ({', '.join(['%s'] * len(kept))})"
            sim_params = kept
            if share > 1:
                sim += " GROUP BY customer_id HAVING COUNT(*) >= %s"
                sim_params = [*kept, share]
        else:  # lookup_pairs in SQL, by the counts known and those it reads (by count, then token)
            # the pairs as a VALUES list, so that the planner knows how few tokens (and customers) there are; each
            # pair's rows not known counted up to COUNT_CAP (the city's own pair, 佛山 in every 佛山 key, is left
            # out either way), and returned (arm 3)
            cte = (f"WITH pairs (token, known) AS (VALUES {', '.join(['(%s, CAST(%s AS INTEGER))'] * len(pairs))}), "
                   f"freq AS (SELECT p.token, p.known, COALESCE(p.known, (SELECT COUNT(*) FROM (SELECT 1 FROM {st} t "
                   "WHERE t.token = p.token LIMIT %s) c)) AS n FROM pairs p), "  # noqa: S608
                   "ranked AS (SELECT token, n, ROW_NUMBER() OVER (ORDER BY n DESC, token DESC) AS r FROM freq), "
                   "share AS (SELECT CASE WHEN (SELECT n FROM ranked WHERE r = %s) < %s * "
                   "(SELECT SUM(n) FROM ranked WHERE r > %s) THEN 2 ELSE 1 END AS h), "
                   "kept AS (SELECT token FROM ranked WHERE r > %s - (SELECT h FROM share)) ")
            params = [*(x for p in pairs for x in (p, known.get(p))), COUNT_CAP, drop, tokens.EXTRA_PAIR_FACTOR,
                      drop, drop + 1, *params]
            sim = ("IN (SELECT token FROM kept) GROUP BY customer_id "
                   "HAVING COUNT(*) >= (SELECT h FROM share)")
            sim_params = []
            arms.append("SELECT 3, NULL, token, CAST(n AS TEXT) FROM freq WHERE known IS NULL")
        # read by id, the ids found first: the city is checked on the rows read (a condition on it, or a join with
        # the ids, lets PostgreSQL scan the whole city or table rather than look a thousand ids up; = ANY(ARRAY(…))
        # finds the ids first and looks each one up)
        ids = f"SELECT customer_id FROM {st} WHERE token {sim}"  # noqa: S608
        by_id = f"= ANY(ARRAY({ids}))" if connection.vendor == "postgresql" else f"IN ({ids})"
        arms.append(f"SELECT 2, id, name_key, city FROM {cu} WHERE id {by_id}")  # noqa: S608
        params += sim_params
    elif warn >= tokens.PAIRS_COMPLETE_FROM:  # one character: only itself reaches 67 (2/(1+2) < 0.67)
        arms.append(f"SELECT 2, id, name_key, city FROM {cu} WHERE city = %s AND name_key = %s")  # noqa: S608
        params += [city, key]
    else:
        arms.append(f"SELECT 2, id, name_key, city FROM {cu} WHERE city = %s")  # noqa: S608
        params.append(city)
    return cte + " UNION ALL ".join(arms), params


def _candidates(name: str, city: str, code: str | None, phones: set[str], exclude_id: int | None, warn: int,
                lock: str | None = None):
    """Existing customers that could be the same one: same name key, credit code or phone (by index),
    and same-city names whose similarity reaches the warning threshold (scored on keys only, among the
    candidates of the search index). One statement finds them all, one more reads the ones found.
    ``lock``: take this named lock (``yewu.common.locks``) first — on PostgreSQL in the same round trip."""
    key = rules.name_key(name)
    ids: set[int] = set()
    phone_map: dict[int, set[str]] = {}
    similar: list[tuple[int, str]] = []
    counted: dict[str, int] = {}
    pairs = [f"k:{city}:{p}" for p in tokens.key_pairs(key)]
    sql, params = _candidate_sql(key, city, code, phones, warn, known_frequencies(pairs))
    with connection.cursor() as cur:
        if lock and connection.vendor == "postgresql":  # the lock, then the candidates under it: one round trip
            lock_sql, lock_params = locks.lock_statement(lock)
            cur.execute(f"{lock_sql}; {sql}", [*lock_params, *params])
            locked = bool(cur.fetchall())
            cur.nextset()
            rows = cur.fetchall()
            if not locked:  # the lock's first use: create its row, lock it, read again under it
                locks.lock(lock)
                cur.execute(sql, params)
                rows = cur.fetchall()
        else:
            if lock:
                locks.lock(lock)
            cur.execute(sql, params)
            rows = cur.fetchall()
    for arm, cid, a, b in rows:
        if arm == 0:
            ids.add(cid)
        elif arm == 1:
            ids.add(cid)
            phone_map.setdefault(cid, set()).update(x for x in (a, b) if x)
        elif arm == 2:
            if b == city:
                similar.append((cid, a))
        else:
            counted[a] = int(b)
    if counted:
        remember_frequencies(counted)
    similar.sort()
    for _, _, cid in process.extract(key, dict(similar), scorer=fuzz.ratio, score_cutoff=warn, limit=10):
        ids.add(cid)
    ids.discard(exclude_id)
    found = list(Customer.objects.filter(id__in=ids).select_related("owner")) if ids else []
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


def check_duplicate(name, city, code, phones, exclude_id=None, cfg=None, lock: str | None = None) -> Decision:
    """`cust.duplicate` for a filing or an edit (``cfg``: the settings the caller read, default those in force;
    ``lock``: the named lock to take before reading, in the same round trip on PostgreSQL)."""
    cfg = cfg or get_policy()
    phones_n = {rules.normalize_phone(p) for p in phones if p}
    phones_n.discard("")
    return rules.check_duplicate(
        name=name, city=city, credit_code=code or "", phones=phones_n,
        candidates=_candidates(name, city, code, phones_n, exclude_id, cfg["cust.duplicate.warn_similarity"], lock),
        cfg=cfg,
    )


def duplicate_error(decision: Decision) -> Conflict:
    r = decision.reasons[0]
    return Conflict(
        r.message, rule="cust.duplicate", code="duplicate", decision=decision,
        extra={"existing": {"id": r.figures.get("existing_id"), "name": r.figures.get("existing_name"),
                            "owner": r.figures.get("owner") or "公海", "filed_on": str(r.figures.get("filed_on"))}},
    )
