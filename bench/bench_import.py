"""Excel import of customers at scale: N rows through ``imports.import_customers`` (bounds, the streaming
read, every filing rule per row incl. the full `cust.duplicate` check, chunked inserts with audit entries and
the row report), against a raw-SQL baseline measured in the same run: the customers and contacts the import
saved, inserted again with ``executemany`` into scratch copies of the two tables in one transaction.

    YEWU_DATA_DIR=bench/out/import .venv/bin/python bench/bench_import.py --rows 50000 --fresh
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench_import .venv/bin/python bench/bench_import.py --rows 50000 --fresh

``--base N`` first fills the database with N customers (bench/gen_customers.py), so the same-city index and
the exact-match lookups work against existing archives. Prints one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gen_customers as gen  # noqa: E402


def make_file(n: int, seed: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户名称", "城市", "来源", "需求等级", "联系人", "职务", "手机", "电话", "区", "行业"])
    cities = list(gen.CITIES)
    for _ in range(n):
        city = rng.choices(cities, gen.CITY_WEIGHTS)[0]
        ws.append([gen.company_name(rng, city), city, rng.choice(["展会", "网络", "转介绍", "业务员开发"]),
                   rng.choice("ABCCC"), gen.person(rng), rng.choice(gen.TITLES), gen.mobile(rng),
                   gen.landline(rng) if rng.random() < 0.3 else "", rng.choice(gen.CITIES[city]),
                   rng.choice(gen.TRADES)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def raw_baseline(job_id: int) -> tuple[float, int, int]:
    """The customers and contacts the job saved, inserted again by raw SQL (executemany, one transaction)."""
    from django.db import connection, transaction

    from yewu.customers.models import Contact, Customer, ImportRow

    ids = list(ImportRow.objects.filter(job_id=job_id, customer_id__isnull=False).values_list("customer_id", flat=True))
    ccols = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    kcols = [f.column for f in Contact._meta.concrete_fields if f.column != "id"]
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for t in ("bench_raw_customer", "bench_raw_contact"):
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        cur.execute(f"CREATE TABLE bench_raw_customer AS SELECT * FROM {Customer._meta.db_table} WHERE 1=0")
        cur.execute(f"CREATE TABLE bench_raw_contact AS SELECT * FROM {Contact._meta.db_table} WHERE 1=0")
        crow, krow = [], []
        for i in range(0, len(ids), 5000):
            part = ids[i:i + 5000]
            crow += list(Customer.objects.filter(id__in=part).values_list(*[f.attname for f in Customer._meta.concrete_fields
                                                                             if f.column != "id"]))
            krow += list(Contact.objects.filter(customer_id__in=part).values_list(
                *[f.attname for f in Contact._meta.concrete_fields if f.column != "id"]))
    cq = ", ".join(qn(c) for c in ccols)
    kq = ", ".join(qn(c) for c in kcols)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(f"INSERT INTO bench_raw_customer ({cq}) VALUES ({', '.join(['%s'] * len(ccols))})", crow)
        cur.executemany(f"INSERT INTO bench_raw_contact ({kq}) VALUES ({', '.join(['%s'] * len(kcols))})", krow)
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cur:
        for t in ("bench_raw_customer", "bench_raw_contact"):
            cur.execute(f"DROP TABLE {t}")
    return elapsed, len(crow), len(krow)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--base", type=int, default=0, help="customers in the database before the import")
    ap.add_argument("--seed", type=int, default=20251202)
    ap.add_argument("--fresh", action="store_true", help="start from an empty bench database")
    ap.add_argument("--profile", metavar="FILE", help="write a cProfile of the import alone to FILE (implies "
                    "--no-pipeline: cProfile sees one thread)")
    ap.add_argument("--chunk", type=int, help="rows per chunk (YEWU_IMPORT_CHUNK_ROWS)")
    ap.add_argument("--no-pipeline", action="store_true", help="commit the chunks in the importing thread "
                    "(YEWU_IMPORT_PIPELINE=False)")
    args = ap.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out/import or DATABASE_URL=postgres://…/yewu_bench_import — never the real database")
    if args.fresh and not url:
        shutil.rmtree(os.environ["YEWU_DATA_DIR"], ignore_errors=True)
    if args.fresh and url.startswith("postgres"):
        import psycopg
        from psycopg import sql

        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    gen.setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # throwaway bench logins
    if args.chunk:
        settings.YEWU_IMPORT_CHUNK_ROWS = args.chunk
    if args.no_pipeline or args.profile:
        settings.YEWU_IMPORT_PIPELINE = False
    from django.db import connection

    call_command("migrate", verbosity=0)
    _, _, sps = gen.bench_company()
    if args.base:
        gen.generate(args.base, args.seed + 1, 2000)

    from yewu.customers.imports import jobs as import_jobs
    from yewu.customers.models import Customer

    t0 = time.perf_counter()
    content = make_file(args.rows, args.seed)
    print(f"file: {args.rows:,} rows, {len(content) / 1048576:.1f} MB, made in {time.perf_counter() - t0:.1f}s",
          flush=True)
    before = Customer.objects.count()
    holds: list[float] = []  # each chunk's write transaction (on SQLite: how long the write lock is held)
    real_commit = import_jobs._commit_chunk

    threads = {"writer_wall_s": 0.0, "writer_cpu_s": 0.0, "importer_waits_s": 0.0}

    def timed_commit(*a, **kw):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return real_commit(*a, **kw)
        finally:
            holds.append(time.perf_counter() - t)
            threads["writer_wall_s"] += time.perf_counter() - t
            threads["writer_cpu_s"] += time.thread_time() - c
            if connection.vendor == "postgresql":  # the writer's server process, cumulative (Linux /proc)
                with open(f"/proc/{connection.connection.info.backend_pid}/stat") as f:
                    st = f.read().rsplit(")", 1)[1].split()
                threads["writer_server_cpu_s"] = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

    real_done = import_jobs._Writer.done

    def timed_done(self):  # the importing thread waiting for the chunk before
        t = time.perf_counter()
        try:
            return real_done(self)
        finally:
            threads["importer_waits_s"] += time.perf_counter() - t

    import_jobs._Writer.done = timed_done

    import_jobs._commit_chunk = timed_commit
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rep = import_jobs.import_customers(sps[0], content, "bench.xlsx")
    seconds = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)  # every thread of this process
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    raw, n_cust, n_cont = raw_baseline(rep.job.pk)
    out = {
        "db": connection.vendor, "rows": rep.total, "base_customers": before, "counts": rep.counts,
        "import_s": round(seconds, 2), "import_cpu_s": round(cpu, 2), "rows_per_s": round(rep.total / seconds), "ms_per_row": round(1000 * seconds / rep.total, 3),
        "raw_sql_s": round(raw, 3), "raw_rows": [n_cust, n_cont], "ratio_to_raw": round(seconds / raw, 1),
        "peak_rss_mb": round(rss), "lock_hold_ms": {"chunks": len(holds), "mean": round(1000 * sum(holds) / len(holds)),
                                                     "max": round(1000 * max(holds))}, "chunk_rows": import_jobs.chunk_rows(),
        "pipelined": import_jobs.pipelined(), "threads": {k: round(v, 2) for k, v in threads.items()},
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
