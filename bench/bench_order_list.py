"""Order list page p50 at 20k / 200k orders (issue 14 "Order list"), API and UI, against raw SQL of the same page.

    .venv/bin/python bench/bench_order_list.py --orders 20000                     # SQLite, bench/out/order_list_20000/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_h_orders_bench .venv/bin/python bench/bench_order_list.py

A fresh bench database (as bench_order_writes.py), one team of 8 salespeople with 50 customers each, N orders with
2 lines each bulk-inserted (dates spread over two years, mixed states). Measured in this process with Django's test
client (no HTTP server), as the GM (sees every order): ``GET /api/v1/orders?limit=50`` and ``GET /orders/``, and the
raw SQL of the same API page (the 50 newest orders joined to customer and salesperson, then their lines with
products). ``--keep`` measures the data of an earlier run of the same size again. Printed: p50 (ms) of each, queries per page, and page ÷ raw ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def p50(fn, n):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t)
    return statistics.median(xs) * 1000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--keep", action="store_true",
                    help="reuse the data of an earlier run with the same --orders instead of generating it again")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
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
            there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (args.keep and there):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        out = HERE / "bench" / "out" / f"order_list_{args.orders}"
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)
        os.environ["YEWU_DATA_DIR"] = str(out)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.orders.models import Order, OrderLine, OrderStatus
    from yewu.org.models import Department, Team, User

    reuse = args.keep and Order.objects.count() == args.orders and User.objects.filter(username="bench_gm").exists()
    if reuse:
        gm = User.objects.get(username="bench_gm")
        print(f"reusing {args.orders} orders ({connection.vendor})")
    elif Order.objects.exists():
        sys.exit("the bench database holds another number of orders: run without --keep to generate it again")
    else:
        rnd = random.Random(7)
        dept = Department.objects.create(name="业务部")
        team = Team.objects.create(name="基准组", department=dept, territories="广州")
        gm = User.objects.create_user(username="bench_gm", password="demo1234", roles=["GM"], display_name="总经理")
        products = [Product.objects.create(code=f"BJ-{i}", name=f"基准电缆{i}", kind="standard", unit="米") for i in range(20)]
        for p in products:
            GuidePrice.objects.create(product=p, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
        customers = []
        for s in range(8):
            u = User.objects.create_user(username=f"bench_sp{s}", password="demo1234", roles=["SP"], team=team, department=dept,
                                         display_name=f"业务员{s}")
            for k in range(50):
                customers.append(Customer.objects.create(
                    name=f"基准客户{s}-{k}", name_key=f"基准客户{s}-{k}", city="广州", source="direct", collected_on=date.today(),
                    entry_due_at=timezone.now(), owner=u, created_by=u, delivery_address="广州市天河区1号", credit_grade="A",
                    credit_limit=Decimal("1000000.00")))
        states = [OrderStatus.DRAFT, OrderStatus.READY, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED]
        now = timezone.now()
        t0 = time.perf_counter()
        chunk = 5000
        for start in range(0, args.orders, chunk):
            orders = []
            for i in range(start, min(args.orders, start + chunk)):
                c = rnd.choice(customers)
                orders.append(Order(number=f"YWDD-B-{i:07d}", customer=c, salesperson_id=c.owner_id, settlement="CREDIT",
                                    term_days=30, delivery_address=c.delivery_address, invoice_choice="vat_special",
                                    status=rnd.choice(states), total=Decimal("300.00"), decision={}, created_by_id=c.owner_id,
                                    idempotency_hash=""))
            Order.objects.bulk_create(orders, batch_size=1000)
            if connection.vendor != "postgresql":  # SQLite gives no ids back from bulk_create on every version
                orders = list(Order.objects.filter(number__in=[o.number for o in orders]).only("id"))
            for o in orders:
                o.created_at = now - timedelta(minutes=rnd.randint(0, 2 * 365 * 24 * 60))
            Order.objects.bulk_update(orders, ["created_at"], batch_size=1000)
            OrderLine.objects.bulk_create([OrderLine(order_id=o.pk, product=rnd.choice(products), kind="standard",
                                                     quantity=Decimal("1.000"), unit_price=Decimal("100.00"),
                                                     guide_price=Decimal("100.00"), line_total=Decimal("150.00"),
                                                     price_outcome="allowed") for o in orders for _ in range(2)], batch_size=2000)
        print(f"inserted {args.orders} orders in {time.perf_counter() - t0:.0f} s ({connection.vendor})")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")  # as autovacuum would: the count reads the index only

    client = Client()
    client.force_login(gm)

    def api():
        r = client.get("/api/v1/orders?limit=50")
        assert r.status_code == 200 and len(r.json()["items"]) == 50

    def ui():
        assert client.get("/orders/").status_code == 200

    ot, lt, ct, ut, pt = (Order._meta.db_table, OrderLine._meta.db_table, Customer._meta.db_table, User._meta.db_table,
                          Product._meta.db_table)

    def raw():
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {ot}")  # noqa: S608
            cur.fetchone()
            cur.execute(f"SELECT o.*, c.name, u.display_name FROM {ot} o JOIN {ct} c ON c.id = o.customer_id"  # noqa: S608
                        f" JOIN {ut} u ON u.id = o.salesperson_id ORDER BY o.created_at DESC, o.id DESC LIMIT 50")
            ids = [r[0] for r in cur.fetchall()]
            cur.execute(f"SELECT l.*, p.code, p.name FROM {lt} l JOIN {pt} p ON p.id = l.product_id"  # noqa: S608
                        f" WHERE l.order_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY l.order_id, l.id", ids)
            cur.fetchall()

    for fn in (api, ui, raw):
        fn()
    qa, qu = [], []  # statements per page, counted on whichever connection the request uses (the test client's
    # request_finished closes and reopens it, which CaptureQueriesContext does not follow)
    with connection.execute_wrapper(lambda ex, sql, *a: (qa.append(sql), ex(sql, *a))[1]):
        api()
    with connection.execute_wrapper(lambda ex, sql, *a: (qu.append(sql), ex(sql, *a))[1]):
        ui()
    a, u, r = p50(api, args.repeat), p50(ui, args.repeat), p50(raw, args.repeat)
    print(f"orders {args.orders}  API page (50) p50 {a:7.1f} ms  {len(qa)} queries  ÷ raw {a / r:5.1f}×")
    print(f"orders {args.orders}  UI page (30)  p50 {u:7.1f} ms  {len(qu)} queries  ÷ raw {u / r:5.1f}×")
    print(f"orders {args.orders}  raw SQL page  p50 {r:7.1f} ms")


if __name__ == "__main__":
    main()
