"""Money reports at scale: AR aging, monthly commission and sales by salesperson over 1 M orders / 100 k customers,
each timed against a hand-written SQL query that computes the same result, in the same run.

    YEWU_DATA_DIR=bench/out-money .venv/bin/python bench/bench_money.py --orders 1000000 --customers 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench_money .venv/bin/python bench/bench_money.py \
        --orders 1000000 --customers 100000

The data goes into a SEPARATE database (never the demo's). It is generated once with raw inserts (COPY on
PostgreSQL) and kept; re-running only measures. Every generated row has the shape the services write: orders with
one line, a goods-issue note for shipped orders, receipts allocated to orders, commission entries per allocation
(base 3.000 % minus the line's special-price cut). There are no payment deferrals in the data, so the SQL ignores them.

What is timed (median and p95 of --repeat runs, and the ratio app / SQL):
- AR aging as of today by customer: yewu.finance.selectors.aging(GM) vs one SQL with window functions.
- Monthly commission for all salespeople: yewu.performance.selectors.statement(GM, month) vs GROUP BY.
- Sales by salesperson for a month: yewu.reports.selectors.sales_by_salesperson(GM) vs GROUP BY.
Each pair is checked to give the same figures; the script says "same result" or prints the difference.
Peak Python memory of one app call is measured with tracemalloc (a separate, untimed call).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_customers import bench_company, ensure_pg_database  # noqa: E402

D2 = Decimal("0.01")


def q2(x) -> Decimal:
    return Decimal(str(x)).quantize(D2, ROUND_HALF_UP)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_pg_database(url)
    import django

    django.setup()


# --- raw inserts driven by the models (so new columns get their model defaults) --------------------------------


class RawInserter:
    def __init__(self, model, given: list[str]):
        from django.db import connection

        self.model, self.conn = model, connection
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in given)]
        self.given = given
        self.defaults = {}
        for f in self.fields:
            if f.attname not in given and f.name not in given:
                if f.has_default():
                    self.defaults[f.attname] = f.get_default()
                elif f.null:
                    self.defaults[f.attname] = None
                elif getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                    self.defaults[f.attname] = datetime.now().astimezone()
                elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                    self.defaults[f.attname] = ""
                else:
                    raise SystemExit(f"{model.__name__}.{f.name} needs a value in the generator")

        # One converter per field, chosen once (get_db_prep_value per value was most of the generation time): the
        # defaults are prepared once; given values need work only for datetimes (UTC on SQLite), dates and JSON.
        self.slots = []
        for f in self.fields:
            key = f.attname if f.attname in given else f.name if f.name in given else None
            if key is None:
                self.slots.append((None, self._prep(f, self.defaults[f.attname])))
                continue
            t = f.get_internal_type()
            conv = (self._json if t == "JSONField" else
                    (lambda v, f=f: self._prep(f, v)) if t == "DateTimeField" else
                    self._date if t == "DateField" else None)
            self.slots.append((key, conv))
        self.rows: list[tuple] = []

    @staticmethod
    def _json(v):
        return None if v is None else json.dumps(v, ensure_ascii=False)

    @staticmethod
    def _date(v):
        return None if v is None else str(v)

    def _prep(self, f, v):
        if v is None:
            return None
        if f.get_internal_type() == "JSONField":
            return json.dumps(v, ensure_ascii=False)
        return f.get_db_prep_value(v, self.conn, prepared=False)

    def add(self, **vals):
        self.rows.append(tuple(conv if key is None else vals[key] if conv is None else conv(vals[key])
                               for key, conv in self.slots))
        if len(self.rows) >= 20000:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        table = self.model._meta.db_table
        cols = [f.column for f in self.fields]
        qn = self.conn.ops.quote_name
        if self.conn.vendor == "postgresql":
            self.conn.ensure_connection()
            with self.conn.connection.cursor() as cur:
                with cur.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in cols)}) FROM STDIN") as cp:
                    for r in self.rows:
                        cp.write_row([str(v) if isinstance(v, (Decimal, date)) or hasattr(v, "adapted") else v
                                      for v in r])
        else:
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) "
                                f"VALUES ({', '.join(['%s'] * len(cols))})", self.rows)
        self.rows = []


def generate(n_orders: int, n_customers: int, seed: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from yewu.catalog.models import Product
    from yewu.customers.models import Customer
    from yewu.finance.models import Allocation, Receipt
    from yewu.orders.models import Order, OrderLine, Shipment, ShipmentLine
    from yewu.performance.models import CommissionEntry

    if Order.objects.filter(number__startswith="BDD").count() >= n_orders:
        print(f"{connection.vendor}: {n_orders:,} bench orders already there")
        return
    if Order.objects.filter(number__startswith="BDD").exists():
        raise SystemExit("a partial bench data set is there: delete the bench database and run again")
    rng = random.Random(seed)
    gm, managers, sps = bench_company()
    products = []
    for i in range(50):
        p, _ = Product.objects.get_or_create(code=f"BENCH-{i:03d}", defaults={"name": f"基准产品{i:03d}", "unit": "米",
                                                                             "kind": "standard"})
        products.append(p)
    t0 = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        ins = RawInserter(Customer, ["id", "name", "name_key", "city", "source", "collected_on", "entry_due_at", "owner",
                                     "created_by", "delivery_address", "status", "review_state"])
        base = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        cust_owner = []
        for i in range(n_customers):
            owner = rng.choice(sps)
            ins.add(id=base + i, name=f"基准客户{i:06d}有限公司", name_key=f"基准客户{i:06d}", city="广州", source="direct",
                    collected_on=today, entry_due_at=now, owner=owner.pk, created_by=owner.pk,
                    delivery_address="广州市天河区天河路1号", status="active", review_state="accepted")
            cust_owner.append((base + i, owner.pk))
        ins.flush()
        print(f"  customers {n_customers:,} in {time.perf_counter() - t0:.0f}s", flush=True)

        o_ins = RawInserter(Order, ["id", "number", "customer", "salesperson", "settlement", "term_days", "delivery_address",
                                    "status", "total", "paid_amount", "created_by", "created_at", "submitted_at"])
        l_ins = RawInserter(OrderLine, ["id", "order", "product", "kind", "quantity", "unit_price", "guide_price",
                                        "line_total", "price_outcome", "commission_delta", "shipped_qty"])
        s_ins = RawInserter(Shipment, ["id", "number", "order", "shipped_by", "shipped_at"])
        sl_ins = RawInserter(ShipmentLine, ["id", "shipment", "order_line", "quantity"])
        r_ins = RawInserter(Receipt, ["id", "number", "customer", "amount", "allocated", "arrived_on", "method", "status",
                                      "recorded_by"])
        a_ins = RawInserter(Allocation, ["id", "receipt", "order", "amount", "kind", "created_by"])
        c_ins = RawInserter(CommissionEntry, ["salesperson", "month", "booked_on", "kind", "receipt", "allocation",
                                              "order", "order_line", "basis", "base_rate", "cut", "rate", "amount"])
        ids = {}
        for m in (Order, OrderLine, Shipment, ShipmentLine, Receipt, Allocation):
            ids[m] = (m.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        cashier = managers[0]
        settlements = ["CASH"] * 2 + ["PREPAY"] + ["COD"] * 2 + ["CREDIT"] * 5
        for i in range(n_orders):
            cid, sp = cust_owner[rng.randrange(n_customers)]
            settlement = rng.choice(settlements)
            term = rng.choice((30, 60, 90)) if settlement == "CREDIT" else 0
            created = now - timedelta(days=rng.randrange(0, 730), minutes=rng.randrange(0, 1440))
            r = rng.random()
            status = ("cancelled" if r < 0.03 else "ready" if r < 0.08 else "closed" if r < 0.40 else "delivered")
            qty = Decimal(rng.randrange(10, 500))
            price = q2(rng.randrange(500, 20000) / 100)
            total = q2(qty * price)
            cut = Decimal("1.000") if rng.random() < 0.1 else None
            shipped = status in ("closed", "delivered")
            paid = total if status == "closed" else (q2(total * Decimal("0.5")) if shipped and rng.random() < 0.3
                                                     else Decimal("0.00"))
            oid, lid = ids[Order], ids[OrderLine]
            ids[Order] += 1
            ids[OrderLine] += 1
            o_ins.add(id=oid, number=f"BDD{i:08d}", customer=cid, salesperson=sp, settlement=settlement, term_days=term,
                      delivery_address="广州市天河区天河路1号", status=status, total=total, paid_amount=paid,
                      created_by=sp, created_at=created, submitted_at=created)
            l_ins.add(id=lid, order=oid, product=rng.choice(products).pk, kind="standard", quantity=qty, unit_price=price,
                      guide_price=price, line_total=total, price_outcome="needs_approval" if cut else "ok",
                      commission_delta=cut, shipped_qty=qty if shipped else Decimal("0"))
            if shipped:
                sid = ids[Shipment]
                ids[Shipment] += 1
                shipped_at = created + timedelta(days=rng.randrange(1, 6))
                s_ins.add(id=sid, number=f"BCK{i:08d}", order=oid, shipped_by=sp, shipped_at=shipped_at)
                sl_ins.add(id=ids[ShipmentLine], shipment=sid, order_line=lid, quantity=qty)
                ids[ShipmentLine] += 1
                if paid > 0:
                    arrived = min(shipped_at.astimezone(timezone.get_current_timezone()).date()
                                  + timedelta(days=rng.randrange(0, term + 30)), today)
                    rid, aid = ids[Receipt], ids[Allocation]
                    ids[Receipt] += 1
                    ids[Allocation] += 1
                    r_ins.add(id=rid, number=f"BSK{i:08d}", customer=cid, amount=paid, allocated=paid, arrived_on=arrived,
                              method="transfer", status="posted", recorded_by=cashier.pk)
                    a_ins.add(id=aid, receipt=rid, order=oid, amount=paid, kind="auto", created_by=cashier.pk)
                    rate = max(Decimal("3.000") - (cut or 0), Decimal("0"))
                    c_ins.add(salesperson=sp, month=arrived.replace(day=1), booked_on=arrived, kind="credit", receipt=rid,
                              allocation=aid, order=oid, order_line=lid, basis=paid, base_rate=Decimal("3.000"),
                              cut=cut or Decimal("0.000"), rate=rate, amount=q2(paid * rate / 100))
            if (i + 1) % 100000 == 0:
                print(f"  {i + 1:>9,} orders  {time.perf_counter() - t0:.0f}s", flush=True)
        for x in (o_ins, l_ins, s_ins, sl_ins, r_ins, a_ins, c_ins):
            x.flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for m in (Customer, Order, OrderLine, Shipment, ShipmentLine, Receipt, Allocation):
                t = m._meta.db_table
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"{connection.vendor}: generated in {time.perf_counter() - t0:.0f}s", flush=True)


# --- hand-written SQL ------------------------------------------------------------------------------------------

def local_date(col: str, vendor: str) -> str:
    return (f"(({col}) AT TIME ZONE 'Asia/Shanghai')::date" if vendor == "postgresql"
            else f"date({col}, '+8 hours')")


def aging_sql(vendor: str) -> str:
    d = local_date("s.shipped_at", vendor)
    if vendor == "postgresql":
        due = "(CASE WHEN settlement = 'CREDIT' THEN delivered + term_days ELSE delivered END)"
        past = f"(%(as_of)s::date - {due})"
    else:
        due = "(CASE WHEN settlement = 'CREDIT' THEN date(delivered, '+' || term_days || ' days') ELSE delivered END)"
        past = f"CAST(julianday(%(as_of)s) - julianday({due}) AS INTEGER)"
    return f"""
WITH ship AS (
  SELECT s.order_id, s.id AS sid, {d} AS delivered, SUM(ROUND(sl.quantity * ol.unit_price, 2)) AS amt
  FROM orders_shipment s
  JOIN orders_shipmentline sl ON sl.shipment_id = s.id
  JOIN orders_orderline ol ON ol.id = sl.order_line_id
  JOIN orders_order o ON o.id = s.order_id
  WHERE o.status <> 'cancelled'
  GROUP BY s.order_id, s.id, {d}
), cum AS (
  SELECT ship.*, SUM(amt) OVER (PARTITION BY order_id ORDER BY delivered, sid) AS upto FROM ship
  WHERE delivered <= %(as_of)s
), opn AS (
  SELECT customer_id, settlement, term_days, delivered,
         CASE WHEN upto - paid <= 0 THEN 0 WHEN upto - amt >= paid THEN amt ELSE upto - paid END AS open_amt
  FROM (SELECT cum.*, o.customer_id, o.settlement, o.term_days,
               COALESCE((SELECT SUM(a.amount) FROM finance_allocation a JOIN finance_receipt r ON r.id = a.receipt_id
                         WHERE a.order_id = cum.order_id AND r.arrived_on <= %(as_of)s
                           AND (a.reversed_on IS NULL OR a.reversed_on > %(as_of)s)), 0) AS paid
        FROM cum JOIN orders_order o ON o.id = cum.order_id) x
), b AS (
  SELECT customer_id, open_amt, {past} AS days FROM opn WHERE open_amt > 0
)
SELECT customer_id,
  SUM(CASE WHEN days <= 0 THEN open_amt ELSE 0 END),
  SUM(CASE WHEN days BETWEEN 1 AND 30 THEN open_amt ELSE 0 END),
  SUM(CASE WHEN days BETWEEN 31 AND 60 THEN open_amt ELSE 0 END),
  SUM(CASE WHEN days BETWEEN 61 AND 90 THEN open_amt ELSE 0 END),
  SUM(CASE WHEN days > 90 THEN open_amt ELSE 0 END),
  SUM(open_amt)
FROM b GROUP BY customer_id ORDER BY SUM(open_amt) DESC
"""


# The statement lists every entry with its receipt, order, line and product, like the app's page does.
COMMISSION_SQL = """
SELECT e.salesperson_id, e.basis, e.amount, e.rate, e.cut, r.number, o.number, c.name, p.name, ol.unit_price, u.username
FROM performance_commissionentry e
JOIN finance_receipt r ON r.id = e.receipt_id
JOIN orders_order o ON o.id = e.order_id
JOIN customers_customer c ON c.id = o.customer_id
JOIN orders_orderline ol ON ol.id = e.order_line_id
JOIN catalog_product p ON p.id = ol.product_id
JOIN org_user u ON u.id = e.salesperson_id
WHERE e.month = %(month)s ORDER BY e.salesperson_id, e.booked_on, e.receipt_id, e.order_line_id, e.id
"""


def sales_sql(vendor: str) -> str:
    return """
SELECT salesperson_id, COUNT(*), SUM(total) FROM orders_order
WHERE created_at >= %(lo)s AND created_at < %(hi)s AND status NOT IN ('draft', 'rejected', 'cancelled')
GROUP BY salesperson_id
"""


def run_sql(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# --- the pairs -------------------------------------------------------------------------------------------------


def pairs(as_of: date, month: date):
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.db import connection

    from yewu.finance.selectors import aging
    from yewu.org.models import User
    from yewu.performance.selectors import statement
    from yewu.reports.selectors import sales_by_salesperson

    gm = User.objects.get(username="bench_gm")
    vendor = connection.vendor
    next_month = (month + timedelta(days=32)).replace(day=1)
    tz = ZoneInfo(settings.TIME_ZONE)
    lo, hi = datetime.combine(month, datetime.min.time(), tz), datetime.combine(next_month, datetime.min.time(), tz)

    def app_aging():
        rows, total = aging(gm, as_of, "customer")
        return {r.key: tuple(q2(r.buckets[b]) for b in r.buckets) + (q2(r.total),) for r in rows}

    def sql_aging():
        return {r[0]: tuple(q2(x) for x in r[1:]) for r in run_sql(aging_sql(vendor), {"as_of": as_of})}

    def app_comm():
        return {s["salesperson"].pk: (len(s["entries"]), q2(s["basis"]), q2(s["amount"]))
                for s in statement(gm, month)}

    def sql_comm():
        out = {}
        for r in run_sql(COMMISSION_SQL, {"month": month}):
            n, basis, amount = out.get(r[0], (0, Decimal("0"), Decimal("0")))
            out[r[0]] = (n + 1, basis + Decimal(str(r[1])), amount + Decimal(str(r[2])))
        return {k: (n, q2(b), q2(a)) for k, (n, b, a) in out.items()}

    def app_sales():
        rep = sales_by_salesperson(gm, month, next_month - timedelta(days=1))
        return {r.salesperson_id: (r.orders, q2(r.amount)) for r in rep.rows}

    def sql_sales():
        return {r[0]: (r[1], q2(r[2])) for r in run_sql(sales_sql(vendor), {"lo": connection.ops.adapt_datetimefield_value(lo),
                                                                      "hi": connection.ops.adapt_datetimefield_value(hi)})}

    return [("AR aging by customer", app_aging, sql_aging),
            (f"commission {month:%Y-%m}", app_comm, sql_comm),
            (f"sales by salesperson {month:%Y-%m}", app_sales, sql_sales)]


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return result, times


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--generate-only", action="store_true", help="generate the data set (if not there) and stop")
    ap.add_argument("--only", choices=["aging", "commission", "sales"], action="append",
                    help="time only this report (repeatable); default all three")
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out-money or DATABASE_URL=postgres://…/yewu_bench_money — never the real database")
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from yewu.orders.models import Order

    call_command("migrate", verbosity=0)
    generate(args.orders, args.customers, args.seed)
    if args.generate_only:
        return
    today = timezone.localdate()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    print(f"\n{connection.vendor}: {Order.objects.count():,} orders; as of {today}, month {month:%Y-%m}; "
          f"median / p95 of {args.repeat} runs")
    print(f"{'report':<34}{'app ms':>12}{'SQL ms':>10}{'app/SQL':>9}{'app p95':>10}{'SQL p95':>10}  rows  peak MiB  same")
    for key, (name, app, sql) in zip(("aging", "commission", "sales"), pairs(today, month), strict=True):
        if args.only and key not in args.only:
            continue
        a_res, a_t = timed(app, args.repeat)
        s_res, s_t = timed(sql, args.repeat)
        tracemalloc.start()
        app()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        same = a_res == s_res
        am, sm = statistics.median(a_t), statistics.median(s_t)
        print(f"{name:<34}{am:>12,.1f}{sm:>10,.1f}{am / sm:>8.1f}×{pct(a_t, 95):>10,.1f}{pct(s_t, 95):>10,.1f}"
              f"{len(a_res):>6}{peak:>10,.1f}  {'same result' if same else 'DIFFERENT'}", flush=True)
        if not same:
            diff = [k for k in set(a_res) | set(s_res) if a_res.get(k) != s_res.get(k)][:5]
            for k in diff:
                print(f"    {k}: app {a_res.get(k)}  sql {s_res.get(k)}")


if __name__ == "__main__":
    main()
