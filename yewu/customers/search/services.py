"""Duplicate detection for filing and import (`cust.duplicate`): candidates, then the policy's check."""

from __future__ import annotations

import re

from django.db import connection
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
# the duplicate check counts a name-key pair's index rows up to this many: pairs that common tie, and which of them
# are left out changes only how many candidates are scored, never which names reach the threshold
COUNT_CAP = 10_000


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
    table = connection.ops.quote_name(SearchToken._meta.db_table)
    rows = list(toks)
    with connection.cursor() as cur:
        for i in range(0, len(rows), 400):
            part = rows[i:i + 400]
            cur.execute(f"INSERT INTO {table} (customer_id, token) VALUES "  # noqa: S608 - our table, bound values
                        + ", ".join(["(%s, %s)"] * len(part)), [x for t in part for x in (customer_id, t)])


def _q(model, col: str | None = None) -> str:
    return connection.ops.quote_name(col or model._meta.db_table)


def _candidate_sql(key: str, city: str, code: str | None, phones: set[str], warn: int) -> tuple[str, list]:
    """One statement for every candidate of the duplicate check, rows of (arm, id, a, b):

    0. same name key or credit code (``a`` = name key);
    1. a contact with one of the phones (``a``, ``b`` = its normalised mobile and phone);
    2. same-city customers that may reach ``warn`` similarity (``a`` = name key): those sharing a pair of name-key
       characters (``tokens.key_pairs``) when the threshold allows it, leaving out the ``pairs_needed − 1`` pairs
       with the most index rows as :func:`tokens.candidate_pairs` does (the counts are read by the same statement,
       up to :data:`COUNT_CAP`); every customer of the city if the threshold is set too low for that.
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
        if drop <= 0 or len(pairs) <= drop:
            sim = f"IN ({marks})"
            sim_params = pairs
        else:  # the pairs of candidate_pairs: all but the `drop` most frequent (by count, then token)
            # the pairs as a VALUES list, so that the planner knows how few tokens (and customers) there are; each
            # pair's rows counted up to COUNT_CAP (the city's own pair, 佛山 in every 佛山 key, is left out either way)
            cte = (f"WITH pairs (token) AS (VALUES {', '.join(['(%s)'] * len(pairs))}), "  # noqa: S608
                   f"freq AS (SELECT p.token, (SELECT COUNT(*) FROM (SELECT 1 FROM {st} t WHERE t.token = p.token "
                   "LIMIT %s) c) AS n FROM pairs p), "
                   "kept AS (SELECT token FROM (SELECT token, ROW_NUMBER() OVER (ORDER BY n DESC, token DESC) AS r "
                   "FROM freq) ranked WHERE r > %s) ")
            params = [*pairs, COUNT_CAP, drop, *params]
            sim = "IN (SELECT token FROM kept)"
            sim_params = []
        arms.append(f"SELECT 2, id, name_key, name_key FROM {cu} WHERE city = %s AND id IN "  # noqa: S608
                    f"(SELECT customer_id FROM {st} WHERE token {sim})")
        params += [city, *sim_params]
    elif warn >= tokens.PAIRS_COMPLETE_FROM:  # one character: only itself reaches 67 (2/(1+2) < 0.67)
        arms.append(f"SELECT 2, id, name_key, name_key FROM {cu} WHERE city = %s AND name_key = %s")  # noqa: S608
        params += [city, key]
    else:
        arms.append(f"SELECT 2, id, name_key, name_key FROM {cu} WHERE city = %s")  # noqa: S608
        params.append(city)
    return cte + " UNION ALL ".join(arms), params


def _candidates(name: str, city: str, code: str | None, phones: set[str], exclude_id: int | None, warn: int):
    """Existing customers that could be the same one: same name key, credit code or phone (by index),
    and same-city names whose similarity reaches the warning threshold (scored on keys only, among the
    candidates of the search index). One statement finds them all, one more reads the ones found."""
    key = rules.name_key(name)
    ids: set[int] = set()
    phone_map: dict[int, set[str]] = {}
    similar: list[tuple[int, str]] = []
    sql, params = _candidate_sql(key, city, code, phones, warn)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    for arm, cid, a, b in rows:
        if arm == 0:
            ids.add(cid)
        elif arm == 1:
            ids.add(cid)
            phone_map.setdefault(cid, set()).update(x for x in (a, b) if x)
        else:
            similar.append((cid, a))
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


def check_duplicate(name, city, code, phones, exclude_id=None, cfg=None) -> Decision:
    """`cust.duplicate` for a filing or an edit (``cfg``: the settings the caller read, default those in force)."""
    cfg = cfg or get_policy()
    phones_n = {rules.normalize_phone(p) for p in phones if p}
    phones_n.discard("")
    return rules.check_duplicate(
        name=name, city=city, credit_code=code or "", phones=phones_n,
        candidates=_candidates(name, city, code, phones_n, exclude_id, cfg["cust.duplicate.warn_similarity"]), cfg=cfg,
    )


def duplicate_error(decision: Decision) -> Conflict:
    r = decision.reasons[0]
    return Conflict(
        r.message, rule="cust.duplicate", code="duplicate", decision=decision,
        extra={"existing": {"id": r.figures.get("existing_id"), "name": r.figures.get("existing_name"),
                            "owner": r.figures.get("owner") or "公海", "filed_on": str(r.figures.get("filed_on"))}},
    )
