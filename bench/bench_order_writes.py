"""Order create in-process (the service only, no HTTP), against raw SQL inserts of the same rows in the same run
(issue 14 "Lean order writes").

    .venv/bin/python bench/bench_order_writes.py                                   # SQLite, bench/out/order_writes/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_h_orders_bench .venv/bin/python bench/bench_order_writes.py
    .venv/bin/python bench/bench_order_writes.py --root /tmp/orders-before          # the same against another tree

A fresh bench database (SQLite: bench/out/order_writes/ is deleted; PostgreSQL: the named database, which must end
in ``bench``, is dropped and created), one salesperson with an existing grade-A customer and three products. Then,
one after the other in this process: ``create_order`` for N orders of 3 lines (CREDIT, 4,480.00, no approval:
the line price check, the settlement rules, the customer's facts, the document number, order + lines + audit),
and raw SQL inserting the same rows (one order row and its 3 line rows per transaction, precomputed values).
Each create runs as one unit of work, as the middleware makes each request (``org.policy_cache.policy_scope``:
the settings and the calendar are checked once against the database's stamp); the statement count outside any
unit (each settings read checks the stamp) is printed too.
Printed: per-order p50 and mean (ms) for both, the ratio service ÷ raw, and the SQL statements of one create
(``--show-sql`` lists them). ``--root`` runs the service code of another source tree (e.g. ``git archive main`` unpacked) for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="orders measured (each way)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--root", default=str(HERE), help="source tree whose yewu package is measured")
    ap.add_argument("--show-sql", action="store_true", help="print the statements of one create")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    os.environ["DJANGO_SETTINGS_MODULE"] = "yewu.settings"
    os.environ.setdefault("YEWU_LOG_LEVEL", "ERROR")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg
        from psycopg import sql

        base, name = url.rsplit("/", 1)
        if not name.endswith("bench"):
            sys.exit(f"refusing to drop {name!r}: the bench database name must end in 'bench'")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        out = HERE / "bench" / "out" / "order_writes"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        os.environ["YEWU_DATA_DIR"] = str(out)
    import django

    django.setup()
    import yewu.orders

    assert Path(yewu.orders.__file__).resolve().parent == root / "yewu" / "orders", f"measuring {yewu.orders.__file__}"
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    try:
        from yewu.orders.ordering.services import LineIn, create_order
    except ImportError:  # a tree from before the orders sub-areas
        from yewu.orders.ordering.services import LineIn, create_order
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.orders.models import Order, OrderLine, OrderStatus
    from yewu.org.models import Department, Team, User

    dept = Department.objects.create(name="业务部")
    team = Team.objects.create(name="基准组", department=dept, territories="广州")
    products = []
    for code, price in (("BJ-DL-1", "100.00"), ("BJ-DL-2", "25.50"), ("BJ-XS-3", "8.80")):
        p = Product.objects.create(code=code, name=f"基准电缆{code}", kind="standard", unit="米")
        GuidePrice.objects.create(product=p, price=Decimal(price), effective_from=date(2020, 1, 1))
        products.append((p.pk, price))
    u = User.objects.create_user(username="bench_sp", password="demo1234", roles=["SP"], team=team, department=dept,
                                 display_name="业务员")
    c = Customer.objects.create(name="广州基准客户有限公司", name_key="广州基准客户", city="广州", source="direct",
                                collected_on=date.today(), entry_due_at=timezone.now(), owner=u, created_by=u,
                                delivery_address="广州市天河区天河路1号", credit_grade="A",
                                credit_limit=Decimal("100000000.00"), term_days=30)
    first, _ = create_order(u, customer_id=c.pk, settlement="PREPAY", lines=[LineIn(products[0][0], "1", "100.00")])
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.CLOSED, paid_amount=first.total)
    qty = ("20", "80", "50")
    lines = [LineIn(pid, q, price) for (pid, price), q in zip(products, qty, strict=True)]

    try:
        from yewu.org.policy_cache import policy_scope
    except ImportError:  # a tree from before the per-process settings cache: no unit of work to open
        from contextlib import nullcontext as policy_scope

    def create():
        with policy_scope():
            create_order(u, customer_id=c.pk, settlement="CREDIT", lines=lines)

    for _ in range(args.warmup):
        create()
    with CaptureQueriesContext(connection) as ctx:
        create_order(u, customer_id=c.pk, settlement="CREDIT", lines=lines)
    unscoped = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        create()
    statements = len(ctx.captured_queries)
    if args.show_sql:
        print("\n".join(q["sql"][:160] for q in ctx.captured_queries))
    svc = []
    for _ in range(args.n):
        t = time.perf_counter()
        create()
        svc.append(time.perf_counter() - t)

    ot, lt = Order._meta.db_table, OrderLine._meta.db_table
    ret = " RETURNING id" if connection.vendor == "postgresql" else ""
    rows = [(pid, Decimal(q), Decimal(price), (Decimal(q) * Decimal(price)).quantize(Decimal("0.01")))
            for (pid, price), q in zip(products, qty, strict=True)]
    total = sum(x[3] for x in rows)
    order_sql = (f"INSERT INTO {ot} (number, customer_id, salesperson_id, settlement, term_days, delivery_address,"  # noqa: S608
                 " invoice_choice, status, total, custom_total, deposit_required, paid_amount, returned_amount,"
                 " is_new_customer, decision, policy_version, note, created_by_id, created_at, idempotency_hash)"
                 f" VALUES (%s, %s, %s, 'CREDIT', 30, %s, 'vat_special', 'draft', %s, 0, 0, 0, 0, %s, %s, 0, '', %s, %s, ''){ret}")
    line_sql = (f"INSERT INTO {lt} (order_id, product_id, kind, quantity, unit_price, guide_price, line_total,"  # noqa: S608
                " price_outcome, fee_rate, fee, shipped_qty, returned_qty, exchange_qty)"
                " VALUES (%s, %s, 'standard', %s, %s, %s, %s, 'allowed', 0, 0, 0, 0, 0)")
    decision = json.dumps({"outcome": "allowed", "reasons": []})
    raw = []
    for k in range(args.warmup + args.n):
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(order_sql, [f"RAW-{k}", c.pk, u.pk, c.delivery_address, total, False, decision, u.pk, timezone.now()])
            oid = cur.fetchone()[0] if ret else cur.lastrowid
            cur.executemany(line_sql, [(oid, pid, q, p, p, amt) for pid, q, p, amt in rows])
        if k >= args.warmup:
            raw.append(time.perf_counter() - t)

    def ms(xs):
        return statistics.median(xs) * 1000, statistics.mean(xs) * 1000

    (sp50, smean), (rp50, rmean) = ms(svc), ms(raw)
    print(f"tree {root}  database {connection.vendor}  orders {args.n} (3 lines each)")
    print(f"SQL statements per create_order: {statements} in one unit of work, {unscoped} outside one")
    print(f"service  p50 {sp50:7.2f} ms  mean {smean:7.2f} ms")
    print(f"raw SQL  p50 {rp50:7.2f} ms  mean {rmean:7.2f} ms")
    print(f"ratio service ÷ raw: p50 {sp50 / rp50:5.1f}×  mean {smean / rmean:5.1f}×")


if __name__ == "__main__":
    main()
