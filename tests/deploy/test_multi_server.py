"""Beyond one machine (issue 14): two `yewu serve` processes and two `yewu worker` processes on one PostgreSQL.

Clients spread over both servers create orders at the same time while both workers run the periodic schedule:
every order is created once, no document number is given twice and none is lost (the day's numbers are exactly
01..N), every periodic job due in the window is enqueued once and run once. The processes are real subprocesses
on 127.0.0.1 reading the test database, so this runs on PostgreSQL only (SQLite serves one machine by design).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, ORDERS_EACH = 8, 6

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several machines share one PostgreSQL"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path) -> dict:
    s = connection.settings_dict
    url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YEWU_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=url, YEWU_SECRET_KEY="m" * 50, YEWU_DATA_DIR=str(tmp_path / "data"))
    return env


def _start(args, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "yewu.cli", *args], cwd=ROOT, env=_env(tmp_path),
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def _wait_listening(port, proc, log):
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"server on {port} did not start: {log.read()[-2000:]}")
            time.sleep(0.3)


def _stop(procs):
    for proc, _log in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc, log in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def world(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.org.models import ApiToken

    p = Product.objects.create(code="DL-M", name="电缆", kind="standard", unit="米")
    GuidePrice.objects.create(product=p, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    sellers = [company.sales1, company.sales2, company.sales3]
    customers = {
        u.pk: Customer.objects.create(name=f"多机客户{u.pk}", name_key=f"多机客户{u.pk}", city="广州", source="direct",
                                      collected_on=date.today(), entry_due_at=timezone.now(), owner=u, created_by=u,
                                      delivery_address="广州市天河区天河路1号", credit_grade="A",
                                      credit_limit=Decimal("1000000.00"))
        for u in sellers
    }
    tokens = [(ApiToken.issue(u), customers[u.pk].pk) for u in sellers]
    return p, tokens


def test_two_servers_and_two_workers_share_one_postgresql(world, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from yewu.common import jobs
    from yewu.common.models import ScheduledJob
    from yewu.orders.models import Order

    product, tokens = world
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        for i, port in enumerate(ports):
            procs.append(_start(["serve", "--port", str(port), "--workers", "2", "--threads", "2"], tmp_path, f"s{i}"))
        for i in range(2):
            procs.append(_start(["worker", "--schedule-interval", "1", "--interval", "0.3"], tmp_path, f"w{i}"))
        for port, (proc, log) in zip(ports, procs[:2], strict=True):
            _wait_listening(port, proc, log)

        results: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def client(k: int):
            token, customer_id = tokens[k % len(tokens)]
            for j in range(ORDERS_EACH):
                port = ports[(k + j) % 2]  # spread over both servers
                body = {"customer_id": customer_id, "settlement": "PREPAY",
                        "lines": [{"product_id": product.pk, "quantity": "2", "unit_price": "100.00"}]}
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/orders", json.dumps(body).encode(),
                                             {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=120) as r:
                        out = (r.status, json.loads(r.read()))
                except urllib.error.HTTPError as e:
                    out = (e.code, {"body": e.read()[:500].decode(errors="replace")})
                with lock:
                    results.append(out)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        # the workers have been ticking every second all along; give them a moment to run what they enqueued
        interval_jobs = [n for n, j in jobs.JOBS.items() if j.every_seconds and j.every_seconds >= 60]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = set(DBTaskResult.objects.values_list("task_path", flat=True))
            pending = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
            if all(jobs.JOBS[n].task in seen for n in interval_jobs) and pending == 0:
                break
            time.sleep(1)
    finally:
        _stop(procs)

    # every order created once, on either server
    assert [s for s, _ in results] == [201] * (CLIENTS * ORDERS_EACH), [r for r in results if r[0] != 201][:3]
    numbers = [body["number"] for _, body in results]
    assert len(set(numbers)) == len(numbers)
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(numbers)
    # nothing lost: today's order numbers are exactly 01..N, with no gap and no repeat
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, len(numbers) + 1))

    # every interval job due while both workers ran was enqueued once per due time (two enqueues of one job are at
    # least its interval apart) and each enqueued run was claimed by exactly one worker and finished
    per_task = Counter(DBTaskResult.objects.values_list("task_path", flat=True))
    for name in interval_jobs:
        job = jobs.JOBS[name]
        assert per_task[job.task] >= 1, (name, per_task)
        times = sorted(DBTaskResult.objects.filter(task_path=job.task).values_list("enqueued_at", flat=True))
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert all(g >= job.every_seconds - 2 for g in gaps), (name, gaps)
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
    assert all(len(w) == 1 for w in DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert ScheduledJob.objects.filter(name__in=interval_jobs, last_run_at__isnull=True).count() == 0


def _call(port, path, token, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode() if body else None,
                                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.loads(r.read())


def test_a_setting_or_holiday_changed_elsewhere_counts_on_the_other_server_at_its_next_request(company, tmp_path):
    """Each server keeps the settings and the calendar in its own process (org/policy_cache.py): a settings
    version saved through server A, and holiday rows written by a third process, count on server B's next
    request, while B's copy is warm (one worker process each, so the same process answers every time)."""
    from yewu.org.models import ApiToken, HolidayOverride

    gm = ApiToken.issue(company.gm)
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        for i, port in enumerate(ports):
            procs.append(_start(["serve", "--port", str(port), "--workers", "1", "--threads", "1"], tmp_path, f"p{i}"))
        for port, (proc, log) in zip(ports, procs, strict=True):
            _wait_listening(port, proc, log)
        a, b = ports

        def floor_on_b():
            _, out = _call(b, "/api/v1/settings", gm)
            return out["version"], next(s["value"] for s in out["settings"] if s["key"] == "price.special_floor.pct")

        def board_day_on_b():  # the morning leaderboard reports the working day before "today"
            return _call(b, "/api/v1/leaderboard?today=2025-11-13", gm)[1]["day"]

        assert floor_on_b() == (0, "90") and board_day_on_b() == "2025-11-12"  # B's copy is now warm
        status, v = _call(a, "/api/v1/settings/versions", gm, {"changes": {"price.special_floor.pct": "85"},
                                                               "reason": "多机测试"})
        assert status == 201
        assert floor_on_b() == (v["id"], "85")

        h = HolidayOverride.objects.create(date=date(2025, 11, 12), is_working_day=False, note="公司活动")
        assert board_day_on_b() == "2025-11-11"
        h.is_working_day = True
        h.save()
        assert board_day_on_b() == "2025-11-12"
        h.delete()
        HolidayOverride.objects.create(date=date(2025, 11, 11), is_working_day=False)
        HolidayOverride.objects.create(date=date(2025, 11, 12), is_working_day=False)
        assert board_day_on_b() == "2025-11-10"
    finally:
        _stop(procs)
