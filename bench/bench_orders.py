"""Order creation through the HTTP API with 8 concurrent clients, against the same rows written with raw SQL.

    .venv/bin/python bench/bench_orders.py                                                    # SQLite, bench/out/orders/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_ui_bench .venv/bin/python bench/bench_orders.py

The script makes a fresh bench database (SQLite: deletes bench/out/orders/yewu.sqlite3; PostgreSQL: drops
and recreates the named database — so never point it at real data), migrates it, creates 8 salespeople each
with an existing grade-A customer (one closed order), two products and an API token per salesperson, then:

1. **API** — starts a live server in a child process (``yewu serve``: gunicorn with threaded workers; ``--server
   dev`` uses Django's ``runserver --noreload`` instead, for comparison) and runs 8 client threads, one per salesperson, each
   POSTing ``/api/v1/orders`` (3 lines, CREDIT, 4,480.00 — within limit, no approval) with a Bearer token
   over one keep-alive connection per client. (One connection per request would make the dev server start
   a thread — and, with ``CONN_MAX_AGE=60``, leave a database connection — per request.) The full path is measured: HTTP, auth, ninja validation, the line price
   check per line, settlement rules, credit exposure, the ``DD`` document number under its row lock, order
   and lines, the audit entry.
2. **Raw SQL baseline** — 8 threads, each with its own database connection, insert the same rows (one
   ``orders_order`` row and its 3 ``orders_orderline`` rows, one transaction per order) with plain
   ``INSERT`` statements and precomputed values.

Why a live server and not the test client in threads: the test client runs the view in the calling thread,
so client and server code would share one interpreter and its GIL and the figure would mix both; a child
process keeps client overhead out of the server's CPU budget and exercises the real HTTP/auth stack. The
server is one Python process (like one threaded worker), so Python work in it is serialised by its GIL.

Printed: orders/s, p50/p95/p99 latency per order (ms) for both, and API ÷ baseline ratios. Figures only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SQLITE_DIR = ROOT / "bench" / "out" / "orders"
CLIENTS = 8


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(lat: list[float], wall: float) -> dict:
    if not lat:
        return {"n": 0, "per_s": 0.0, "p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan"), "wall_s": wall}
    return {"n": len(lat), "per_s": len(lat) / wall, "p50_ms": statistics.median(lat) * 1000,
            "p95_ms": pct(lat, 95) * 1000, "p99_ms": pct(lat, 99) * 1000, "wall_s": wall}


def fresh_database() -> dict:
    """A clean bench database; returns the environment for the server process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "yewu.settings", "YEWU_LOG_LEVEL": "ERROR"}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg
        from psycopg import sql

        base, name = url.rsplit("/", 1)
        name = name.split("?")[0]
        if not name.endswith("bench"):
            sys.exit(f"refusing to drop {name!r}: the bench database name must end in 'bench'")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    elif url:
        sys.exit("DATABASE_URL must be postgres://…/<name>bench, or unset for SQLite in bench/out/orders/")
    else:
        shutil.rmtree(SQLITE_DIR, ignore_errors=True)
        SQLITE_DIR.mkdir(parents=True)
        env["YEWU_DATA_DIR"] = str(SQLITE_DIR)
        os.environ["YEWU_DATA_DIR"] = str(SQLITE_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yewu.settings"
    return env


def setup_data(n_clients: int):
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.orders.models import Order, OrderStatus
    from yewu.orders.ordering.services import LineIn, create_order
    from yewu.org.models import ApiToken, Department, Team, User

    dept = Department.objects.create(name="业务部")
    team = Team.objects.create(name="基准组", department=dept, territories="广州")
    products = []
    for code, price in (("BJ-DL-1", "100.00"), ("BJ-DL-2", "25.50"), ("BJ-XS-3", "8.80")):
        p = Product.objects.create(code=code, name=f"基准电缆{code}", kind="standard", unit="米")
        GuidePrice.objects.create(product=p, price=Decimal(price), effective_from=date(2020, 1, 1))
        products.append((p.pk, price))
    clients = []
    for i in range(n_clients):
        u = User.objects.create_user(username=f"bench_sp{i}", password="demo1234", roles=["SP"], team=team,
                                     department=dept, display_name=f"业务员{i}")
        c = Customer.objects.create(
            name=f"广州基准客户{i}有限公司", name_key=f"广州基准客户{i}", city="广州", source="direct",
            collected_on=date.today(), entry_due_at=timezone.now(), owner=u, created_by=u,
            delivery_address=f"广州市天河区天河路{i + 1}号", credit_grade="A", credit_limit=Decimal("100000000.00"), term_days=30)
        first, _ = create_order(u, customer_id=c.pk, settlement="PREPAY", lines=[LineIn(products[0][0], "1", "100.00")])
        Order.objects.filter(pk=first.pk).update(status=OrderStatus.CLOSED, paid_amount=first.total)  # existing customer
        clients.append({"user": u, "customer": c, "token": ApiToken.issue(u)})
    return products, clients


def order_body(customer_id: int, products) -> dict:
    qty = ("20", "80", "50")  # 2,000.00 + 2,040.00 + 440.00 = 4,480.00: CREDIT within limit, no approval
    return {"customer_id": customer_id, "settlement": "CREDIT", "delivery_address": "",
            "lines": [{"product_id": pid, "quantity": q, "unit_price": price} for (pid, price), q in zip(products, qty,
                                                                                                           strict=True)]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, log: str = "", kind: str = "gunicorn", workers: int = 0,
                 threads: int = 0) -> subprocess.Popen:
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    if kind == "dev":  # Django's development server (what `yewu serve` was before issue 14)
        cmd = [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    else:  # the production server: `yewu serve` (gunicorn, threaded workers)
        cmd = [sys.executable, "-m", "yewu.cli", "serve", "--port", str(port)]
        cmd += ["--workers", str(workers)] if workers else []
        cmd += ["--threads", str(threads)] if threads else []
    env = {**env, "YEWU_SECRET_KEY": env.get("YEWU_SECRET_KEY") or "bench-" + "k" * 50}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("the server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("the server did not start within 60 s")


class Client:
    """One keep-alive HTTP/1.1 connection per client (reopened if the server closes it), as a browser or an
    integration would hold; the threaded server then keeps one thread and one database connection per client."""

    def __init__(self, port: int, token: str):
        self.port, self.token, self.conn = port, token, None

    def post(self, body: bytes) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("POST", "/api/v1/orders", body=body,
                          headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (the gunicorn master and its
    workers), from /proc; 0.0 where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(e) == pid or int(fields[1]) == pid:  # fields[1] = ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def pid_cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (the database's server processes)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def database_server_pids() -> list[int]:
    """PostgreSQL: the server processes of the bench database's other connections (the web server's, kept between
    requests), so their CPU can be told apart from other databases' work on the machine; SQLite: none."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [r[0] for r in cur.fetchall()]
    connection.close()
    return pids


def run_threads(n: int, work) -> tuple[list[float], float, list[str]]:
    """Start n threads together (barrier); returns all latencies, the wall time and any errors."""
    lat: list[list[float]] = [[] for _ in range(n)]
    errors: list[str] = []
    barrier = threading.Barrier(n + 1)

    def target(i):
        barrier.wait()
        try:
            work(i, lat[i])
        except Exception as e:  # a figure only: report, never hide
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return [x for xs in lat for x in xs], time.perf_counter() - t0, errors


def api_phase(port, clients, products, per_client) -> tuple[dict, list[str]]:
    bodies = [json.dumps(order_body(c["customer"].pk, products)).encode() for c in clients]

    def work(i, out):
        client = Client(port, clients[i]["token"])
        try:
            for _ in range(per_client):
                t = time.perf_counter()
                status, resp = client.post(bodies[i])
                out.append(time.perf_counter() - t)
                if status != 201:
                    raise RuntimeError(f"HTTP {status}: {resp[:300]!r}")
        finally:
            client.close()

    lat, wall, errors = run_threads(len(clients), work)
    return summary(lat, wall), errors


def raw_phase(clients, products, per_client, tag: str) -> tuple[dict, list[str]]:
    """The same rows with plain INSERTs: one order row and its 3 line rows per transaction."""
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from yewu.orders.models import Order, OrderLine

    ot, lt = Order._meta.db_table, OrderLine._meta.db_table
    ret = " RETURNING id" if connection.vendor == "postgresql" else ""
    qty = (Decimal("20"), Decimal("80"), Decimal("50"))
    lines = [(pid, q, Decimal(price), (q * Decimal(price)).quantize(Decimal("0.01"))) for (pid, price), q in
             zip(products, qty, strict=True)]
    total = sum(x[3] for x in lines)
    order_sql = (f"INSERT INTO {ot} (number, customer_id, salesperson_id, settlement, term_days, delivery_address,"  # noqa: S608
                 " invoice_choice, status, total, custom_total, deposit_required, paid_amount, returned_amount, is_new_customer,"
                 " decision, policy_version, note, created_by_id, created_at, idempotency_hash)"
                 f" VALUES (%s, %s, %s, 'CREDIT', 30, %s, 'vat_special', 'draft', %s, 0, 0, 0, 0, %s, %s, 0, '', %s, %s, ''){ret}")
    line_sql = (f"INSERT INTO {lt} (order_id, product_id, kind, quantity, unit_price, guide_price, line_total,"  # noqa: S608
                " price_outcome, fee_rate, fee, shipped_qty, returned_qty, exchange_qty)"
                " VALUES (%s, %s, 'standard', %s, %s, %s, %s, 'allowed', 0, 0, 0, 0, 0)")
    decision = json.dumps({"outcome": "needs_approval", "rule": "approve.credit_over_20k_manager", "reasons": []})

    def work(i, out):
        c = clients[i]
        try:
            for k in range(per_client):
                t = time.perf_counter()
                with transaction.atomic(), connection.cursor() as cur:
                    cur.execute(order_sql, [f"RAW-{tag}-{i}-{k}", c["customer"].pk, c["user"].pk, c["customer"].delivery_address,
                                            total, False, decision, c["user"].pk, timezone.now()])
                    oid = cur.fetchone()[0] if ret else cur.lastrowid
                    cur.executemany(line_sql, [(oid, pid, q, p, p, amt) for pid, q, p, amt in lines])
                out.append(time.perf_counter() - t)
        finally:
            connections.close_all()

    lat, wall, errors = run_threads(len(clients), work)
    return summary(lat, wall), errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-client", type=int, default=50, help="orders per client (8 clients)")
    ap.add_argument("--warmup", type=int, default=3, help="orders per client before measuring")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    ap.add_argument("--server-log", default="", help="write the server's output (errors, request log) here")
    ap.add_argument("--server", choices=["gunicorn", "dev"], default="gunicorn",
                    help="gunicorn = `yewu serve` (default); dev = Django's runserver, for comparison")
    ap.add_argument("--workers", type=int, default=0, help="gunicorn processes (default: yewu serve's own)")
    ap.add_argument("--threads", type=int, default=0, help="threads per gunicorn process (default: yewu serve's own)")
    args = ap.parse_args(argv)
    env = fresh_database()
    import django

    django.setup()
    from django.db import connection, connections

    from yewu.orders.models import Order

    products, clients = setup_data(CLIENTS)
    vendor = connection.vendor
    connections.close_all()
    port = free_port()
    server = start_server(env, port, args.server_log, args.server, args.workers, args.threads)
    try:
        api_phase(port, clients, products, args.warmup)
        c0 = tree_cpu_s(server.pid)
        api1, api1_err = api_phase(port, clients[:1], products, args.per_client)
        api1["server_cpu_ms"] = (tree_cpu_s(server.pid) - c0) * 1000 / max(1, api1["n"])
        db_pids = database_server_pids()
        cpu0, me0, db0 = tree_cpu_s(server.pid), os.times(), pid_cpu_s(db_pids)
        api, api_err = api_phase(port, clients, products, args.per_client)
        cpu1, me1, db1 = tree_cpu_s(server.pid), os.times(), pid_cpu_s(db_pids)
        api["server_cpu_ms"] = (cpu1 - cpu0) * 1000 / max(1, api["n"])
        api["database_cpu_ms"] = (db1 - db0) * 1000 / max(1, api["n"])
        api["client_cpu_ms"] = ((me1.user + me1.system) - (me0.user + me0.system)) * 1000 / max(1, api["n"])
    finally:
        server.terminate()
        try:
            server.wait(60)  # gunicorn finishes its requests first
        except subprocess.TimeoutExpired:
            server.kill()
    _, warm_err = raw_phase(clients, products, args.warmup, "W")
    if warm_err:
        sys.exit("raw SQL baseline failed: " + "; ".join(warm_err))
    raw, raw_err = raw_phase(clients, products, args.per_client, "M")
    created = Order.objects.exclude(number__startswith="RAW-").count() - CLIENTS  # minus the set-up orders
    print(f"# server: {args.server} (workers {args.workers or 'default'}, threads {args.threads or 'default'})")
    print(f"# {vendor} · {CLIENTS} concurrent clients × {args.per_client} orders (3 lines each) · "
          f"{created} API orders in the database (incl. {CLIENTS * args.warmup} warm-up, {args.per_client} single-client)")
    print(f"{'':26} {'orders/s':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for name, s in (("raw SQL INSERT (baseline)", raw), ("POST /api/v1/orders", api),
                    ("  same, 1 client alone", api1)):
        print(f"{name:26} {s['per_s']:9.1f} {s['p50_ms']:9.2f} {s['p95_ms']:9.2f} {s['p99_ms']:9.2f}")
    for e in api_err + raw_err + api1_err:
        print("ERROR", e)
    if not api["n"] or not raw["n"]:
        return 1
    ratios = {"throughput": api["per_s"] / raw["per_s"], "p50": api["p50_ms"] / raw["p50_ms"],
              "p95": api["p95_ms"] / raw["p95_ms"], "p99": api["p99_ms"] / raw["p99_ms"]}
    print(f"# CPU per order in the 8-client run: server {api['server_cpu_ms']:.2f} ms (gunicorn master and workers), "
          f"clients {api['client_cpu_ms']:.2f} ms (this process)"
          + (f", database {api['database_cpu_ms']:.2f} ms ({len(db_pids)} PostgreSQL processes of the web server)" if db_pids else "")
          + f" — 2 cores give {2000 / max(0.01, api['server_cpu_ms'] + api['client_cpu_ms'] + api['database_cpu_ms']):.0f} orders/s at most;"
          f" server with 1 client alone {api1['server_cpu_ms']:.2f} ms")
    print(f"{'API ÷ baseline':26} {ratios['throughput']:9.3f} {ratios['p50']:9.1f} {ratios['p95']:9.1f} {ratios['p99']:9.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"vendor": vendor, "clients": CLIENTS, "per_client": args.per_client,
                                               "api": api, "api_1_client": api1, "raw": raw, "ratios": ratios,
                                               "errors": api_err + raw_err}, indent=2))
    return 1 if api_err or raw_err or api1_err else 0


if __name__ == "__main__":
    sys.exit(main())
