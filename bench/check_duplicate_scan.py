"""`cust.duplicate` against a full scan of the city, on a bench database made by bench/gen_customers.py (issue 14).

    YEWU_DATA_DIR=bench/out .venv/bin/python bench/check_duplicate_scan.py --n 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/check_duplicate_scan.py

For ``--n`` new names (as bench_customers files them) and ``--n`` names one edit away from a customer's (a
character replaced, inserted or deleted: warnings and refusals), compares the decision of
``search.services.check_duplicate`` — the candidates of the pairs it looks up — with the decision made when the
candidate statement reads every customer of the city instead, once with no pair counts kept (the statement counts
them) and once with the counts kept from the first pass. Reads only; prints the number of differences.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out or DATABASE_URL=postgres://…/yewu_bench — never the real database")
    from gen_customers import BRAND_CHARS, CITIES, company_name, setup_django

    setup_django()
    from django.db import connection

    from yewu.customers.models import Customer
    from yewu.customers.search import services

    rng = random.Random(args.seed)
    cities = list(CITIES)[:6]
    names = [("基准" + company_name(rng, c), c) for c in (rng.choice(cities) for _ in range(args.n))]
    ids = list(Customer.objects.filter(city__in=cities).values_list("id", flat=True))
    for cid in rng.sample(ids, args.n):
        name, city = Customer.objects.values_list("name", "city").get(pk=cid)
        i, ch, op = rng.randrange(len(name)), rng.choice(BRAND_CHARS), rng.choice("rid")
        name = name[:i] + ch + name[i + 1:] if op == "r" else name[:i] + ch + name[i:] if op == "i" else \
            name[:i] + name[i + 1:]
        names.append((name, city))

    real_sql = services._candidate_sql

    def every_customer_of_the_city(key, city, code, phones, warn, known=None):
        return real_sql(key, city, code, phones, 0)  # below PAIRS_COMPLETE_FROM: the whole city is read

    def decide(full: bool):
        services._candidate_sql = every_customer_of_the_city if full else real_sql
        try:
            t = time.perf_counter()
            out = [services.check_duplicate(n, c, None, set()) for n, c in names]
            return out, time.perf_counter() - t
        finally:
            services._candidate_sql = real_sql

    services.forget_frequencies()
    cold, t_cold = decide(False)
    warm, t_warm = decide(False)
    full, t_full = decide(True)
    outcomes = Counter(d.outcome for d in full)
    diff_cold = sum(a != b for a, b in zip(cold, full, strict=True))
    diff_warm = sum(a != b for a, b in zip(warm, full, strict=True))
    print(f"# {connection.vendor} · {len(names)} names ({args.n} new, {args.n} one edit from a customer's) · "
          f"full-scan outcomes {dict(outcomes)} · load {os.getloadavg()[0]:.2f}")
    print(f"differences from the full scan: no counts kept {diff_cold}, counts kept {diff_warm}")
    print(f"time per check: no counts kept {t_cold / len(names) * 1000:.1f} ms, counts kept "
          f"{t_warm / len(names) * 1000:.1f} ms, full scan {t_full / len(names) * 1000:.1f} ms")
    if diff_cold or diff_warm:
        sys.exit(1)


if __name__ == "__main__":
    main()
