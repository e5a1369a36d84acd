"""Customer search and filing benchmark on a bench database made by bench/gen_customers.py.

    YEWU_DATA_DIR=bench/out .venv/bin/python bench/bench_customers.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/bench_customers.py

Measures (single client, warm cache, figures only — never assertions):
- search through selectors.search(selectors.customers_visible_to(user), q), as an SP and as the GM, by
  name fragment, pinyin initials and phone digits: the first page (50 rows, list order) and the total
  count (what a paginated list needs) — p50/p95 latency and queries/s;
- filing through services.file_customer (full duplicate check under the filing lock) — rows/s, p50/p95;
- each against a baseline measured in the same run: an indexed ``SELECT id … WHERE name_key = ?`` for
  search, a raw ``INSERT`` of the same row for filing; the ratio is figure ÷ baseline;
- peak RSS (resource.getrusage).
Rows created by the benchmark are deleted at the end (their audit entries stay: the log is append-only).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50_ms": statistics.median(xs) * 1000, "p95_ms": pct(xs, 95) * 1000,
            "per_s": len(xs) / sum(xs) if sum(xs) else 0.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=200, help="queries per search kind and user")
    ap.add_argument("--creates", type=int, default=300, help="customers filed through file_customer")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--explain", action="store_true", help="print the query plan of one search per kind")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out or DATABASE_URL=postgres://…/yewu_bench — never the real database")
    from gen_customers import setup_django

    setup_django()
    from django.db import connection

    from yewu.customers.models import Contact, Customer
    from yewu.org.models import User

    n_customers = Customer.objects.count()
    if n_customers < 1000:
        sys.exit("bench database is (almost) empty: run bench/gen_customers.py first")
    rng = random.Random(args.seed)
    gm = User.objects.get(username="bench_gm")
    sp = User.objects.get(username="bench_sp0101")
    print(f"# {connection.vendor} · {n_customers:,} customers · {Contact.objects.count():,} contacts · "
          f"SP {sp.username} owns {Customer.objects.filter(owner=sp).count()}")
    results: dict = {"vendor": connection.vendor, "customers": n_customers, "search": {}, "create": {}}

    # --- query material from the data itself -----------------------------------------------------
    ids = list(Customer.objects.values_list("id", flat=True))
    sample = list(Customer.objects.filter(id__in=rng.sample(ids, min(len(ids), 3 * args.queries)))
                  .values_list("id", "name", "name_key", "city", "search_initials"))
    mobiles = list(Contact.objects.filter(customer_id__in=[s[0] for s in sample]).values_list("mobile_norm", flat=True))

    def fragment(name: str, city: str) -> str:
        rest = name[len(city):].lstrip("市") if name.startswith(city) else name
        return rest[:2]  # the brand, e.g. 恒通

    def initials(name: str, city: str) -> str:
        from yewu.customers.search.services import search_keys as _search_keys

        rest = name[len(city):].lstrip("市") if name.startswith(city) else name
        return _search_keys(rest[:4])["search_initials"]  # e.g. htdx for 恒通电线

    queries = {
        "name": [fragment(n, c) for _, n, _, c, _ in sample][: args.queries],
        "initials": [initials(n, c) for _, n, _, c, _ in sample][: args.queries],
        "phone": [m[-8:] for m in mobiles if m][: args.queries],
    }
    keys = [k for _, _, k, _, _ in sample][: args.queries]

    # --- baseline: indexed equality on name_key ---------------------------------------------------
    table = Customer._meta.db_table
    base = []
    with connection.cursor() as cur:
        for k in keys:
            t = time.perf_counter()
            cur.execute(f"SELECT id FROM {table} WHERE name_key = %s", [k])  # noqa: S608 - table name is ours
            cur.fetchall()
            base.append(time.perf_counter() - t)
    base_s = summary(base)
    results["search"]["baseline_name_key_eq"] = base_s
    print(f"\n{'search':32} {'p50 ms':>9} {'p95 ms':>9} {'q/s':>9} {'×base p50':>10} {'hits p50':>9}")
    print(f"{'baseline SELECT name_key = ?':32} {base_s['p50_ms']:9.2f} {base_s['p95_ms']:9.2f} {base_s['per_s']:9.0f}")

    from yewu.customers import selectors

    for who, user in (("SP", sp), ("GM", gm)):
        for kind, qs_list in queries.items():
            page_t, count_t, hits = [], [], []
            for q in qs_list:
                qs = selectors.search(selectors.customers_visible_to(user), q)
                t = time.perf_counter()
                list(qs.select_related("owner")[:50])
                page_t.append(time.perf_counter() - t)
                t = time.perf_counter()
                hits.append(qs.count())
                count_t.append(time.perf_counter() - t)
            for what, xs in (("page", page_t), ("count", count_t)):
                s = summary(xs)
                s["ratio_p50"] = s["p50_ms"] / base_s["p50_ms"]
                s["hits_p50"] = statistics.median(hits)
                results["search"][f"{who}.{kind}.{what}"] = s
                print(f"{who + ' ' + kind + ' (' + what + ')':32} {s['p50_ms']:9.2f} {s['p95_ms']:9.2f} "
                      f"{s['per_s']:9.0f} {s['ratio_p50']:10.0f} {s['hits_p50']:9.0f}")
            if args.explain and who == "GM":
                qs = selectors.search(selectors.customers_visible_to(user), qs_list[0])[:50]
                opts = {"analyze": True} if connection.vendor == "postgresql" else {}
                print(f"--- plan GM {kind} {qs_list[0]!r}\n{qs.explain(**opts)}\n---")

    # --- filing through file_customer vs raw INSERT ---------------------------------------------
    from django.db import transaction
    from gen_customers import CITIES, company_name, mobile

    from yewu.common.errors import YewuError
    from yewu.customers.search.services import search_keys as _search_keys
    from yewu.customers.services import ContactIn, CustomerIn, file_customer
    from yewu.policy.customers import name_key

    existing = set(Customer.objects.values_list("name_key", flat=True))
    new_rows = []
    while len(new_rows) < args.creates:
        city = rng.choice(list(CITIES)[:6])
        name = "基准" + company_name(rng, city)
        if name_key(name) in existing:
            continue
        existing.add(name_key(name))
        new_rows.append((name, city, mobile(rng)))
    created, refused, file_t = [], 0, []
    for name, city, m in new_rows:
        data = CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=m)])
        t = time.perf_counter()
        try:
            c, _ = file_customer(sp, data)
            created.append(c.pk)
        except YewuError:
            refused += 1
        file_t.append(time.perf_counter() - t)

    raw_t, raw_ids = [], []
    cols = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    tmpl = Customer.objects.get(pk=created[0]) if created else Customer.objects.first()
    sql = (f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(f.column) for f in cols)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(cols))})")
    for i, (name, _city, _m) in enumerate(new_rows):
        tmpl.name, tmpl.name_key = "原始" + name, f"rawbench{i}{name_key(name)}"
        for k, v in _search_keys(tmpl.name).items():
            setattr(tmpl, k, v)
        params = [f.get_db_prep_save(f.pre_save(tmpl, True), connection) for f in cols]
        t = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, params)
        raw_t.append(time.perf_counter() - t)
    raw_ids = list(Customer.objects.filter(name_key__startswith="rawbench").values_list("id", flat=True))
    fs, rs = summary(file_t), summary(raw_t)
    fs["ratio_p50"] = fs["p50_ms"] / rs["p50_ms"]
    fs["refused_as_duplicate"] = refused
    results["create"] = {"file_customer": fs, "baseline_raw_insert": rs}
    print(f"\n{'create':32} {'p50 ms':>9} {'p95 ms':>9} {'rows/s':>9} {'×base p50':>10}")
    print(f"{'baseline raw INSERT':32} {rs['p50_ms']:9.2f} {rs['p95_ms']:9.2f} {rs['per_s']:9.0f}")
    print(f"{'file_customer (dup check)':32} {fs['p50_ms']:9.2f} {fs['p95_ms']:9.2f} {fs['per_s']:9.0f} "
          f"{fs['ratio_p50']:10.0f}   ({refused} refused as duplicate/similar)")

    # clean up what the benchmark created (audit entries stay: append-only)
    from yewu.customers.models import OwnershipChange

    with transaction.atomic():
        OwnershipChange.objects.filter(customer_id__in=created).delete()
        Contact.objects.filter(customer_id__in=created).delete()
        Customer.objects.filter(id__in=created + raw_ids).delete()

    results["peak_rss_mb"] = peak_rss_mb()
    print(f"\npeak RSS {results['peak_rss_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
