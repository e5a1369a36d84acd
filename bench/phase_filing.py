"""Where a filing's time goes, per phase, for the slowest filings (issue 14) — on a bench database made by
bench/gen_customers.py.

    YEWU_DATA_DIR=bench/out .venv/bin/python bench/phase_filing.py --n 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/phase_filing.py --n 300

Files ``--n`` customers the way bench_customers.py does (same names: "基准" + a company of one of the six
largest cities, one contact with a mobile), each in its own unit of work (``policy_scope()``, what a request is;
``--no-scope``: outside one, as bench_customers did before session 8), and times, per filing: the preparation
before the transaction, BEGIN + lock, the candidate statement, the scoring, the read of the candidates found, the
inserts (the customer; its contacts, index rows, history and audit entry), the commit, and what is left (Python between them). It
prints the mean of each phase over all filings and over the slowest ``--slow`` %, and the slowest filings one by
one with their number of same-city candidates. The customers it files are deleted at the end (audit entries stay).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PHASES = ("prepare", "begin+lock", "cand_sql", "scoring", "found_read", "ins_customer", "inserts", "commit", "other")


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--slow", type=float, default=5.0, help="the slowest this many percent, phase by phase")
    ap.add_argument("--show", type=int, default=15, help="slowest filings listed one by one")
    ap.add_argument("--no-scope", action="store_true")
    ap.add_argument("--pragma", action="append", default=[], help="SQLite: run this PRAGMA first (e.g. wal_autocheckpoint=4000)")
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out or DATABASE_URL=postgres://…/yewu_bench — never the real database")
    from gen_customers import CITIES, company_name, mobile, setup_django

    setup_django()
    from django.db import connection, transaction

    from yewu.customers.archive import services as archive
    from yewu.customers.models import Contact, Customer, OwnershipChange
    from yewu.customers.search import services as search
    from yewu.customers.services import ContactIn, CustomerIn, file_customer
    from yewu.org.models import User
    from yewu.org.policy_cache import policy_scope
    from yewu.policy.customers import name_key

    scope = contextlib.nullcontext if args.no_scope else policy_scope
    for p in args.pragma:
        with connection.cursor() as c:
            c.execute(f"PRAGMA {p}")
    cur: dict = {}

    def timed(label, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                cur[label] = cur.get(label, 0.0) + time.perf_counter() - t
        return wrapper

    # phases that are whole functions
    archive._prepare_filing = timed("prepare", archive._prepare_filing)
    archive.insert_all = timed("inserts", archive.insert_all)  # contacts, index rows, history, audit entry

    class Extract:  # the scoring, and how many same-city candidates it scored
        @staticmethod
        def extract(key, choices, **kw):
            cur["candidates"] = len(choices)
            t = time.perf_counter()
            try:
                return search.process.__wrapped__.extract(key, choices, **kw)
            finally:
                cur["scoring"] = cur.get("scoring", 0.0) + time.perf_counter() - t
    Extract.__wrapped__ = search.process
    search.process = Extract

    def sql_label(sql: str) -> str:
        s = sql.lstrip()[:200].upper()
        if s.startswith("WITH I0 AS (INSERT"):
            return "inserts"
        if s.startswith(("WITH PAIRS", "SELECT 0,")) or "FOR UPDATE;" in s:  # the lock + candidates (PostgreSQL)
            return "cand_sql"  # executed and fetched inside _candidates
        if s.startswith("BEGIN") or "MUTEX" in s:
            return "begin+lock"
        if s.startswith("INSERT"):
            return "ins_customer" if "CUSTOMERS_CUSTOMER\"" in s else "inserts"
        if s.startswith("SELECT") and "CUSTOMERS_CUSTOMER" in s and "WHERE" in s and ".\"ID\" IN" in s:
            return "found_read"
        return "sql_other"

    def wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            dt = time.perf_counter() - t
            lab = sql_label(sql)
            if lab not in ("cand_sql", "inserts"):  # those are timed as functions
                cur[lab] = cur.get(lab, 0.0) + dt

    real_candidates = search._candidates

    def candidates(*a, **kw):  # candidate statement (execute + fetch) = _candidates − scoring − found read
        t = time.perf_counter()
        before = {k: cur.get(k, 0.0) for k in ("scoring", "found_read")}
        try:
            return real_candidates(*a, **kw)
        finally:
            total = time.perf_counter() - t
            cur["cand_sql"] = cur.get("cand_sql", 0.0) + total - sum(cur.get(k, 0.0) - v for k, v in before.items())
    search._candidates = candidates

    rng = random.Random(args.seed)
    sp = User.objects.get(username="bench_sp0101")
    existing = set(Customer.objects.values_list("name_key", flat=True))
    rows = []
    while len(rows) < args.n:
        city = rng.choice(list(CITIES)[:6])
        name = "基准" + company_name(rng, city)
        if name_key(name) in existing:
            continue
        existing.add(name_key(name))
        rows.append((name, city, mobile(rng)))
    created, results = [], []
    conn_commit = connection.commit

    def commit():
        t = time.perf_counter()
        try:
            return conn_commit()
        finally:
            cur["commit"] = cur.get("commit", 0.0) + time.perf_counter() - t
    connection.commit = commit
    print(f"# {connection.vendor} · {Customer.objects.count():,} customers · {args.n} filings · "
          f"{'no unit of work' if args.no_scope else 'policy_scope per filing'} · load {os.getloadavg()[0]:.2f}")
    with connection.execute_wrapper(wrapper):
        for name, city, m in rows:
            cur.clear()
            data = CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=m)])
            t = time.perf_counter()
            try:
                with scope():
                    c, _ = file_customer(sp, data)
                created.append(c.pk)
                outcome = "ok"
            except Exception as e:  # noqa: BLE001 - refused as similar: still a filing's cost
                outcome = type(e).__name__
            total = time.perf_counter() - t
            rec = {k: cur.get(k, 0.0) for k in PHASES if k != "other"}
            rec["sql_other"] = cur.get("sql_other", 0.0)
            rec["other"] = total - sum(rec.values())
            rec.update(total=total, candidates=cur.get("candidates", 0), city=city, name=name, outcome=outcome)
            results.append(rec)
    totals = [r["total"] for r in results]
    print(f"p50 {statistics.median(totals) * 1000:.2f} ms  p95 {pct(totals, 95) * 1000:.2f} ms  "
          f"max {max(totals) * 1000:.2f} ms  mean {statistics.mean(totals) * 1000:.2f} ms  load {os.getloadavg()[0]:.2f}")
    slow = sorted(results, key=lambda r: r["total"])[-max(1, round(len(results) * args.slow / 100)):]
    cols = [*PHASES, "sql_other"]
    print(f"\n{'phase ms':14} {'mean all':>9} {'mean slow':>10} {'max':>8}")
    for k in cols:
        print(f"{k:14} {statistics.mean(r[k] for r in results) * 1000:9.2f} "
              f"{statistics.mean(r[k] for r in slow) * 1000:10.2f} {max(r[k] for r in results) * 1000:8.2f}")
    by_city = defaultdict(list)
    for r in results:
        by_city[r["city"]].append(r["total"])
    print("\nby city: " + ", ".join(f"{c} p50 {statistics.median(v) * 1000:.1f} p95 {pct(v, 95) * 1000:.1f}"
                                   for c, v in by_city.items()))
    print(f"\nslowest {args.show}: total | " + " ".join(f"{k[:8]:>8}" for k in cols) + " | cand")
    for r in sorted(results, key=lambda r: r["total"])[-args.show:]:
        print(f"{r['total'] * 1000:7.1f} | " + " ".join(f"{r[k] * 1000:8.1f}" for k in cols)
              + f" | {r['candidates']:5} {r['city']} {r['name']} {r['outcome']}")
    with transaction.atomic():
        OwnershipChange.objects.filter(customer_id__in=created).delete()
        Contact.objects.filter(customer_id__in=created).delete()
        Customer.objects.filter(id__in=created).delete()


if __name__ == "__main__":
    main()
