"""Filing imported rows in chunks with the same findings as :func:`services.file_customer` row by row.

``file_customer`` costs ~30 ms a row because every row re-reads the same-city names and scores them all.
Here the same checks run on a whole chunk at once:

* validation is the filing's own (``_clean_customer``, ``check_entry``, ``filing_owner``), done before the
  write transaction;
* ``cust.duplicate`` candidates come from :class:`DupIndex`: the same-city name keys are read ONCE per
  file (per city, on first use) and kept up to date with what the import files; each row is scored with the
  same rapidfuzz call (``process.extract``, ratio, warn threshold, top 10) as ``services._candidates``,
  against the index as it stood before the chunk (outside the lock) and then, under the filing lock, against
  whatever was filed meanwhile plus the rows of the chunk before it; exact matches (name key, credit code,
  phone) are read fresh under the lock, one query each per chunk;
* the candidates are sorted and decided by the same pure ``rules.check_duplicate`` — so a row is refused or
  warned exactly as filing it by hand would;
* customers, contacts, index rows, ownership history, audit entries and the row results are inserted as
  plain rows (:mod:`yewu.common.bulk`: the values ``bulk_create`` would send), in the chunk's one transaction
  (the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone
from rapidfuzz import fuzz, process

from yewu.audit.models import AuditEntry
from yewu.audit.services import entry_values as audit_values
from yewu.audit.services import plain, snapshot
from yewu.common import bulk
from yewu.customers.models import Contact, Customer, OwnershipChange, SearchToken
from yewu.customers.search import tokens
from yewu.customers.search.services import customer_index_tokens
from yewu.org.models import User
from yewu.policy import Decision
from yewu.policy import customers as rules

PROVISIONAL = 1 << 60  # ids of rows filed earlier in the same chunk (not inserted yet); above every real id


@dataclass
class Known:
    """What the duplicate message needs of an existing customer."""

    id: int
    name: str
    name_key: str
    city: str
    credit_code: str | None
    owner_name: str | None
    filed_on: date

    def existing(self, phones: frozenset[str]) -> rules.ExistingCustomer:
        return rules.ExistingCustomer(id=self.id, name=self.name, name_key=self.name_key, city=self.city,
                                      credit_code=self.credit_code or "", phones=phones, owner_name=self.owner_name,
                                      filed_on=self.filed_on)


_COLS = ("id", "name", "name_key", "city", "credit_code", "owner__display_name", "owner__username", "created_at")


def _known(row) -> Known:
    cid, name, key, city, code, owner_display, owner_user, created = row
    return Known(cid, name, key, city, code, (owner_display or owner_user) if owner_user else None,
                 timezone.localtime(created).date())


@dataclass
class Prepared:
    """A row whose own checks passed; only ``cust.duplicate`` is left."""

    row: int
    name: str
    fields: dict[str, Any]
    contacts: list[dict]
    entry: Decision
    owner: User | None
    collected_on: date
    web_lead: bool
    key: str = ""
    phones: frozenset[str] = frozenset()
    norms: frozenset[str] = frozenset()  # every number of its contacts (what later rows may match)
    similar: list[tuple[str, float, int]] = field(default_factory=list)  # top hits before the chunk
    customer: Customer | None = None  # the unsaved archive, built before the write transaction
    built: Built | None = None  # its rows, built before the write transaction (prebuild)


@dataclass
class Filed:
    prepared: Prepared
    customer: Customer
    decision: Decision


@dataclass
class Refused:
    prepared: Prepared
    decision: Decision


class _City:
    """One city's name keys in index order (name_key, id, then as filed): parallel lists, and per pair of
    characters (search.tokens.key_pairs) the places of the keys that have it, ascending — index order."""

    __slots__ = ("at", "ids", "keys", "pairs")

    def __init__(self):
        self.ids: list[int] = []
        self.keys: list[str] = []
        self.at: dict[int, int] = {}  # id → place
        self.pairs: dict[str, list[int]] = {}

    def add(self, cid: int, key: str) -> None:
        if cid in self.at:
            return
        i = self.at[cid] = len(self.ids)
        self.ids.append(cid)
        self.keys.append(key)
        for pr in tokens.key_pairs(key):
            self.pairs.setdefault(pr, []).append(i)


class DupIndex:
    def __init__(self, warn: float):
        self.warn = warn
        self.known: dict[int, Known] = {}
        self.city: dict[str, _City] = {}
        self.watermark = 0  # every customer with an id ≤ this is in the index (for the loaded cities)

    def _add(self, city: str, cid: int, key: str) -> None:
        self.city[city].add(cid, key)

    def _similar(self, key: str, city: str) -> list[tuple[str, float, int]]:
        """``process.extract`` of ``key`` over the same-city names that can reach the warning threshold (all of
        them if it is set below 67), in index order (ties keep it): ``(name key, score, id)``, best 10."""
        c = self.city.get(city)
        if c is None:
            return []
        if self.warn < tokens.PAIRS_COMPLETE_FROM or len(key) < 2:
            places = range(len(c.ids))
        else:
            by_pair = c.pairs
            cand: set[int] = set()
            for pr in tokens.candidate_pairs(key, self.warn, lambda ps: {p: len(by_pair.get(p, ())) for p in ps}):
                cand.update(by_pair.get(pr, ()))
            places = sorted(cand)
        keys, ids = c.keys, c.ids
        hits = process.extract(key, [keys[i] for i in places], scorer=fuzz.ratio, score_cutoff=self.warn, limit=10)
        return [(k, score, ids[places[j]]) for k, score, j in hits]

    # -- the index, once per file ---------------------------------------------------------------------

    def load(self, cities: set[str]) -> None:
        new = sorted(c for c in cities if c not in self.city)
        if not new:
            return
        if not self.city:
            self.watermark = Customer.objects.aggregate(m=Max("id"))["m"] or 0
        for c in new:
            self.city[c] = _City()
        qs = Customer.objects.filter(city__in=new).order_by("city", "name_key", "id").values_list(*_COLS)
        for row in qs.iterator(chunk_size=5000):
            k = _known(row)
            self.known[k.id] = k
            self._add(k.city, k.id, k.name_key)
            self.watermark = max(self.watermark, k.id)

    def score_before(self, items: list[Prepared]) -> None:
        """The top similar names of each row in the index as it stands (outside any lock)."""
        for p in items:
            p.similar = self._similar(p.key, p.fields["city"])

    # -- one chunk, under the filing lock -------------------------------------------------------------

    def decide_chunk(self, items: list[Prepared], cfg) -> list[Filed | Refused]:
        """Decide every row of the chunk in order, as if each were filed after the ones before it."""
        fresh = self._others_since()  # per city: filed by others since the chunk was scored, then this chunk
        keys = {p.key for p in items}
        codes = {p.fields["credit_code"] for p in items if p.fields["credit_code"]}
        phones = set().union(*(p.phones for p in items))
        by_key: dict[str, set[int]] = {}
        by_code: dict[str, set[int]] = {}
        by_phone: dict[str, set[int]] = {}
        norms: dict[int, set[str]] = {}
        exact = Q(name_key__in=keys) | (Q(credit_code__in=codes) if codes else Q(pk__in=[]))
        for row in Customer.objects.filter(exact).values_list(*_COLS):
            k = _known(row)
            self.known[k.id] = k
            by_key.setdefault(k.name_key, set()).add(k.id)
            if k.credit_code:
                by_code.setdefault(k.credit_code, set()).add(k.id)
        if phones:
            for cid, m, p in Contact.objects.filter(Q(mobile_norm__in=phones) | Q(phone_norm__in=phones)).values_list(
                    "customer_id", "mobile_norm", "phone_norm"):
                for x in (m, p):
                    if x:
                        norms.setdefault(cid, set()).add(x)
                        if x in phones:
                            by_phone.setdefault(x, set()).add(cid)
            missing = [cid for cid in norms if cid not in self.known]
            for row in Customer.objects.filter(id__in=missing).values_list(*_COLS):
                self.known[row[0]] = _known(row)

        out: list[Filed | Refused] = []
        today = timezone.localdate()
        seq = 0
        for p in items:
            code = p.fields["credit_code"]
            ids = set(by_key.get(p.key, ()))
            if code:
                ids |= by_code.get(code, set())
            for ph in p.phones:
                ids |= by_phone.get(ph, set())
            hits = list(p.similar)
            more = fresh.get(p.fields["city"])
            if more:
                hits += process.extract(p.key, more, scorer=fuzz.ratio, score_cutoff=self.warn, limit=10)
                hits.sort(key=lambda h: -h[1])  # stable: ties keep index order, as one extract over all would
            ids.update(cid for _, _, cid in hits[:10])
            phone_hit = {cid: frozenset(norms.get(cid, set()) & p.phones) for cid in ids}
            found = sorted(ids, key=lambda cid: (self.known[cid].name_key != p.key, self.known[cid].credit_code != code,
                                                 not phone_hit[cid], cid))
            dup = rules.check_duplicate(name=p.fields["name"], city=p.fields["city"], credit_code=code or "",
                                        phones=p.phones, candidates=[self.known[c].existing(phone_hit[c]) for c in found],
                                        cfg=cfg)
            if dup.refused:
                out.append(Refused(p, dup))
                continue
            seq += 1
            pid = PROVISIONAL + seq
            self.known[pid] = Known(pid, p.fields["name"], p.key, p.fields["city"], code,
                                    p.owner.name if p.owner else None, today)
            by_key.setdefault(p.key, set()).add(pid)
            if code:
                by_code.setdefault(code, set()).add(pid)
            norms[pid] = set(p.norms)
            for x in p.norms:
                by_phone.setdefault(x, set()).add(pid)
            if p.fields["city"] in self.city:
                fresh.setdefault(p.fields["city"], {})[pid] = p.key
            out.append(Filed(p, p.customer, Decision.combine(p.entry, dup)))
        for k in [k for k in self.known if k > PROVISIONAL]:
            del self.known[k]
        return out

    def filed(self, customers: list[Customer]) -> None:
        """After the chunk committed: its customers join the index under their real ids."""
        for c in customers:
            k = Known(c.id, c.name, c.name_key, c.city, c.credit_code, c.owner.name if c.owner_id else None,
                      timezone.localtime(c.created_at).date())
            self.known[c.id] = k
            if c.city in self.city:
                self._add(c.city, c.id, c.name_key)
            self.watermark = max(self.watermark, c.id)

    def _others_since(self) -> dict[str, dict[int, str]]:
        """Customers filed by others since the index was last brought up to date join it; returned per city
        (the rows of the chunk were scored before they existed)."""
        fresh: dict[str, dict[int, str]] = {}
        for row in Customer.objects.filter(id__gt=self.watermark).order_by("id").values_list(*_COLS):
            k = _known(row)
            self.known[k.id] = k
            if k.city in self.city:
                self._add(k.city, k.id, k.name_key)
                fresh.setdefault(k.city, {})[k.id] = k.name_key
            self.watermark = max(self.watermark, k.id)
        return fresh


@dataclass
class Built:
    """What :func:`insert_filed` writes of a row that does not depend on its new id, built before the write
    transaction by :func:`prebuild` (the id goes in when the chunk is inserted)."""

    customer: tuple  # the customer's column values (no id column)
    tokens: list[str]  # its search-index tokens
    after: dict  # the audit entry's snapshot, plain (its "id" is set on insert)
    contacts: list[tuple]  # contact rows with customer_id None
    history: tuple  # the ownership row with customer_id None


def prebuild(actor: User, items: list[Prepared]) -> list[tuple[str, int]]:
    """Build each row's :class:`Built` (on the importing thread, while the chunk before commits on the writer's);
    returns the chunk's index rows as (token, place of the row in ``items``), sorted — the order of (token, id)
    once inserted, since the rows get ascending ids in this order (:func:`insert_filed`)."""
    cust, contact, history = bulk.table_for(Customer), bulk.table_for(Contact), bulk.table_for(OwnershipChange)
    kind = OwnershipChange.Kind.FILED.value
    for p in items:
        c = p.customer
        row = cust.row(c)  # stamps created_at / updated_at on the instance, which the snapshot then shows
        after = snapshot(c)
        after["contacts"] = plain([{k: v for k, v in ct.items() if not k.endswith("_norm")} for ct in p.contacts])
        p.built = Built(
            customer=row,
            tokens=list(customer_index_tokens(c, {x for ct in p.contacts for x in (ct["mobile_norm"], ct["phone_norm"])
                                                  if x})),
            after=after,
            contacts=[contact.row_of({"customer_id": None, **ct}) for ct in p.contacts],
            history=history.row_of({"customer_id": None, "to_user_id": p.owner.pk if p.owner else None,
                                    "by_id": actor.pk, "kind": kind, "reason": "", "rule": "cust.first_to_file"}),
        )
    return sorted((tok, i) for i, p in enumerate(items) for tok in p.built.tokens)


def _with_id(row: tuple, at: int, pk: int) -> tuple:
    return row[:at] + (pk,) + row[at + 1:]


def insert_filed(actor: User, filed: list[Filed], refused: list[Refused], *, now, cfg, new_customer,
                 items: list[Prepared] | None = None, tokens: list[tuple[str, int]] | None = None) -> None:
    """Write the chunk's filings exactly as ``file_customer`` writes one (customer, contacts, index rows,
    ownership history, audit entry) and the audit decision of each refused duplicate: the same model instances
    and column values, inserted as plain rows (:mod:`yewu.common.bulk`); the new ids are read back by name key.
    ``tokens``: what :func:`prebuild` returned for ``items`` (the chunk's rows, filed or refused)."""
    if tokens is None:
        items = [f.prepared for f in filed]
    for f in filed:
        p = f.prepared
        if p.customer is None:
            p.customer = new_customer(actor, p.fields, owner=p.owner, collected_on=p.collected_on, entry=p.entry,
                                      web_lead=p.web_lead, now=now)
        f.customer = p.customer
        f.customer.pk, f.customer._state.adding = None, True  # a retried chunk inserts afresh
    if tokens is None:
        tokens = prebuild(actor, items)
    customers = [f.customer for f in filed]
    cust, contact, history = bulk.table_for(Customer), bulk.table_for(Contact), bulk.table_for(OwnershipChange)
    cust.insert([f.prepared.built.customer for f in filed])
    ids = cust.ids_by("name_key", [c.name_key for c in customers])
    for c in customers:
        c.pk = ids[c.name_key]
        c._state.adding, c._state.db = False, connection.alias
    at = contact.column_index("customer_id")
    contact.insert([_with_id(r, at, c.pk) for f, c in zip(filed, customers, strict=True)
                    for r in f.prepared.built.contacts])
    # in index order (token, customer): the index's pages are written one after the other, not at random
    place = {id(p): i for i, p in enumerate(items)}
    pk_at: list[int | None] = [None] * len(items)
    for f in filed:
        pk_at[place[id(f.prepared)]] = f.customer.pk
    bulk.insert_rows(SearchToken._meta.db_table, ("token", "customer_id"), plain=True,
                     rows=[(tok, pk_at[i]) for tok, i in tokens if pk_at[i] is not None])
    at = history.column_index("customer_id")
    history.insert([_with_id(f.prepared.built.history, at, f.customer.pk) for f in filed])
    entries = []
    for f in filed:
        after = f.prepared.built.after
        after["id"] = f.customer.pk  # the snapshot's first key, taken before the insert
        e = audit_values(actor=actor, action="create", obj=f.customer, after=None, rule="cust.first_to_file",
                         reason="", decision=f.decision, policy_version=cfg.version)
        e["after"] = after  # plain already
        entries.append(e)
    for r in refused:
        entries.append(audit_values(actor=actor, action="decision", object_type="customers.customer", object_id="-",
                                    rule="cust.duplicate", reason=r.decision.reasons[0].message, decision=r.decision,
                                    policy_version=cfg.version))
    audit = bulk.table_for(AuditEntry)
    audit.insert([audit.row_of(e) for e in entries])
