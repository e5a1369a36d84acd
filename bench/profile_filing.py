"""Profile filing a customer (services.file_customer) on a bench database made by bench/gen_customers.py.

    YEWU_DATA_DIR=bench/out .venv/bin/python bench/profile_filing.py --n 40 --city 佛山
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/profile_filing.py

Files ``--n`` new customers as a salesperson, each in its own unit of work (``policy_scope()``, what a request
is), prints the SQL statements of one filing (CaptureQueriesContext), the per-filing time and the top of a cProfile
of all of them (``--top``). The customers it files are deleted at the end (their audit entries stay).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--city", default="佛山")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sql", action="store_true", help="print the statements of one filing in full")
    ap.add_argument("--no-scope", action="store_true", help="file outside a unit of work (as bench_customers does)")
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out or DATABASE_URL=postgres://…/yewu_bench — never the real database")
    from gen_customers import company_name, mobile, setup_django

    setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from yewu.customers.models import Contact, Customer, OwnershipChange
    from yewu.customers.services import ContactIn, CustomerIn, file_customer
    from yewu.org.models import User
    from yewu.org.policy_cache import policy_scope

    if args.no_scope:
        policy_scope = contextlib.nullcontext  # noqa: F811 - every settings read checks the stamp
    from yewu.policy.customers import name_key

    rng = random.Random(args.seed)
    sp = User.objects.get(username="bench_sp0101")
    rows = []
    while len(rows) < args.n + 1:
        name = "基准" + company_name(rng, args.city)
        if not Customer.objects.filter(name_key=name_key(name)).exists():
            rows.append((name, mobile(rng)))

    def data(name, m):
        return CustomerIn(name=name, city=args.city, source="direct", contacts=[ContactIn(name="陈先生", mobile=m)])

    created = []
    with policy_scope():
        c, _ = file_customer(sp, data(*rows[0]))  # warm: the policy snapshot of this process
        created.append(c.pk)
    with CaptureQueriesContext(connection) as ctx, policy_scope():
        c, d = file_customer(sp, data(*rows[1]))
        created.append(c.pk)
    print(f"# {connection.vendor} · {Customer.objects.count():,} customers · one filing: "
          f"{len(ctx.captured_queries)} statements ({d.outcome})")
    for q in ctx.captured_queries:
        sql = q["sql"] if args.sql else q["sql"][:150]
        print(f"  {float(q['time']) * 1000:7.2f} ms  {sql}")
    times = []
    prof = cProfile.Profile()
    for name, m in rows[2:]:
        t = time.perf_counter()
        prof.enable()
        try:
            with policy_scope():
                c, _ = file_customer(sp, data(name, m))
            created.append(c.pk)
        except Exception as e:  # noqa: BLE001 - a similar name refused: still a filing's cost
            print("refused:", e)
        prof.disable()
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"\n{len(times)} filings: p50 {statistics.median(times) * 1000:.2f} ms, "
          f"p95 {times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000:.2f} ms, "
          f"mean {statistics.mean(times) * 1000:.2f} ms")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)
    with transaction.atomic():
        OwnershipChange.objects.filter(customer_id__in=created).delete()
        Contact.objects.filter(customer_id__in=created).delete()
        Customer.objects.filter(id__in=created).delete()


if __name__ == "__main__":
    main()
