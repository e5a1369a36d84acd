"""Sales-management benchmark (issue 13): the 18:00 draft of the 部门管理表 and the morning leaderboard for 100
salespeople with a year of receipts, visits and calls, against hand-written SQL of the same figures in the same run.

    YEWU_DATA_DIR=bench/out_salesmgmt .venv/bin/python bench/bench_salesmgmt.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench_sm .venv/bin/python bench/bench_salesmgmt.py
    ... bench/bench_salesmgmt.py --today 2026-11-28        # the draft late in a month (27 days month-to-date)
    ... bench/bench_salesmgmt.py --root /tmp/before         # another tree's yewu (before/after), same baselines

The data is generated with bulk inserts (not the services: this measures reads). Figures only — never assertions:
p50/p95 of
- ``draft``: ``daily.selectors.compute_rows`` for all 100 SPs on working day D (what the 18:00 job reads: the day's
  targets and actuals, month-to-date targets and actuals, next-day targets, work logs), vs one hand-written SQL
  statement per source with conditional aggregation (day and month-to-date in one pass). Since 2026-12-03 the
  baseline computes every figure the draft shows: it had left out the day's phone entries and the month-to-date
  customers met (distinct customer-days); the old baseline is still timed and printed as ``draft_ratio_old``;
- ``draft_service``: the whole ``draft_table`` service for the 10 teams (reads + writes + audit), no baseline;
- ``leaderboard``: ``leaderboard.selectors.board`` vs hand-written SQL of the same figures (receipts day/week/month
  per owner, orders week/month, new customers week/month, month targets);
and the ratio of each to its baseline. The generated data stays in the bench database (re-used by later runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
os.environ.setdefault("YEWU_DATA_DIR", str(ROOT / "bench" / "out_salesmgmt"))


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(xs):
    return {"n": len(xs), "p50_ms": round(statistics.median(xs) * 1000, 2), "p95_ms": round(pct(xs, 95) * 1000, 2)}


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def generate(sps_n: int, days: int, calls_per_day: int, visits_per_day: int, today: date) -> None:
    from django.db import transaction

    from yewu.customers.models import Customer, Visit
    from yewu.finance.models import Receipt
    from yewu.org.models import Department, Team, User
    from yewu.org.selectors import get_calendar
    from yewu.policy.calendar import TZ
    from yewu.salesmgmt.models import CallLog, MonthlyTarget
    from yewu.salesmgmt.targets.services import split_days

    if User.objects.filter(username="bsp000").exists():
        return
    rng = random.Random(7)
    cal = get_calendar()
    with transaction.atomic():
        dept, _ = Department.objects.get_or_create(name="业务部")
        fin = User.objects.create_user(username="bfin", password="x", roles=["FIN"], display_name="财务")
        gm = User.objects.create_user(username="bgm", password="x", roles=["GM"], display_name="总经理")
        teams = []
        for t in range(sps_n // 10):
            team = Team.objects.create(name=f"B队{t:02d}", department=dept)
            team.manager = User.objects.create_user(username=f"bsm{t:02d}", password="x", roles=["SM"], team=team,
                                                    display_name=f"经理{t}")
            team.save()
            teams.append(team)
        sps = [User.objects.create_user(username=f"bsp{i:03d}", password="x", roles=["SP"], team=teams[i // 10],
                                        display_name=f"业务员{i:03d}") for i in range(sps_n)]
        custs = {}
        for sp in sps:
            custs[sp.pk] = list(Customer.objects.bulk_create([
                Customer(name=f"B客户{sp.pk}-{k}", name_key=f"b客户{sp.pk}-{k}", city="广州", source="direct", owner=sp,
                         created_by=sp, collected_on=today - timedelta(days=rng.randint(0, days)),
                         entry_due_at=datetime.now(TZ)) for k in range(5)]))
        start = today - timedelta(days=days)
        wdays = [start + timedelta(days=i) for i in range(days + 1) if cal.is_working_day(start + timedelta(days=i))]
        receipts, visits, calls = [], [], []
        n = 0
        for d in wdays:
            for sp in sps:
                if rng.random() < 0.6:
                    n += 1
                    receipts.append(Receipt(number=f"BSK{n:07d}", customer=rng.choice(custs[sp.pk]), recorded_by=fin,
                                            amount=Decimal(rng.randint(5, 200) * 100), arrived_on=d, method="transfer"))
                for _ in range(visits_per_day):
                    at = datetime.combine(d, dtime(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=TZ)
                    visits.append(Visit(customer=rng.choice(custs[sp.pk]), user=sp, at=at, channel="visit",
                                        purpose="拜访", contacts_met="陈老板"))
                for _ in range(calls_per_day):
                    at = datetime.combine(d, dtime(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=TZ)
                    calls.append(CallLog(salesperson=sp, at=at, day=d, outcome="interested"))
        Receipt.objects.bulk_create(receipts, batch_size=5000)
        Visit.objects.bulk_create(visits, batch_size=5000)
        CallLog.objects.bulk_create(calls, batch_size=5000)
        month = today.replace(day=1)
        for sp in sps:
            t = MonthlyTarget.objects.create(salesperson=sp, team=sp.team, month=month, set_by=gm,
                                             collections=Decimal("200000.00"), visits=60, calls=300, new_intent=60, met=20)
            split_days(t)
        print(f"generated: {len(sps)} SPs, {len(receipts)} receipts, {len(visits)} visits, {len(calls)} calls",
              file=sys.stderr)


def baseline_draft(ids, day: date, month: date, nxt: date, *, old: bool = False):
    """Hand-written SQL of the draft's figures: per SP, day and month-to-date in one pass per source. ``old``: the
    visits statement as it was before 2026-12-03 (without the day's phone entries and the month's customers met)."""
    from django.db import connection

    from yewu.policy.calendar import TZ

    def utc(d):
        return datetime.combine(d, dtime.min, tzinfo=TZ)

    lo, hi, dlo = utc(month), utc(day + timedelta(days=1)), utc(day)
    ph = ",".join(["%s"] * len(ids))
    # a customer met counts once per day: the month's figure counts (customer, China-time day) pairs
    local_day = ("customer_id::text || '/' || (at AT TIME ZONE 'Asia/Shanghai')::date::text"
                 if connection.vendor == "postgresql" else "customer_id || '/' || date(at, '+8 hours')")
    q = [
        (f"SELECT c.owner_id, SUM(CASE WHEN r.arrived_on = %s THEN r.amount ELSE 0 END), SUM(r.amount) "
         f"FROM finance_receipt r JOIN customers_customer c ON c.id = r.customer_id WHERE r.status = 'posted' "
         f"AND r.arrived_on BETWEEN %s AND %s AND c.owner_id IN ({ph}) GROUP BY c.owner_id", [day, month, day, *ids]),
        (f"SELECT user_id, SUM(CASE WHEN at >= %s AND channel = 'visit' THEN 1 ELSE 0 END), "
         f"SUM(CASE WHEN channel = 'visit' THEN 1 ELSE 0 END), COUNT(DISTINCT CASE WHEN at >= %s AND channel = 'visit' "
         f"AND contacts_met <> '' THEN customer_id END), SUM(CASE WHEN channel = 'phone' THEN 1 ELSE 0 END) "
         f"FROM customers_visit WHERE at >= %s AND at < %s AND user_id IN ({ph}) GROUP BY user_id",
         [dlo, dlo, lo, hi, *ids]) if old else
        (f"SELECT user_id, SUM(CASE WHEN at >= %s AND channel = 'visit' THEN 1 ELSE 0 END), "
         f"SUM(CASE WHEN channel = 'visit' THEN 1 ELSE 0 END), COUNT(DISTINCT CASE WHEN at >= %s AND channel = 'visit' "
         f"AND contacts_met <> '' THEN customer_id END), COUNT(DISTINCT CASE WHEN channel = 'visit' AND contacts_met <> '' "
         f"THEN {local_day} END), SUM(CASE WHEN at >= %s AND channel = 'phone' THEN 1 ELSE 0 END), "
         f"SUM(CASE WHEN channel = 'phone' THEN 1 ELSE 0 END) "
         f"FROM customers_visit WHERE at >= %s AND at < %s AND user_id IN ({ph}) GROUP BY user_id",
         [dlo, dlo, dlo, lo, hi, *ids]),
        (f"SELECT salesperson_id, SUM(CASE WHEN day = %s THEN 1 ELSE 0 END), COUNT(*) FROM salesmgmt_calllog "
         f"WHERE day BETWEEN %s AND %s AND salesperson_id IN ({ph}) GROUP BY salesperson_id", [day, month, day, *ids]),
        (f"SELECT owner_id, SUM(CASE WHEN created_at >= %s THEN 1 ELSE 0 END), COUNT(*) FROM customers_customer "
         f"WHERE created_at >= %s AND created_at < %s AND owner_id IN ({ph}) GROUP BY owner_id", [dlo, lo, hi, *ids]),
        (f"SELECT salesperson_id, SUM(collections), SUM(visits), SUM(calls), SUM(new_intent), SUM(met) "
         f"FROM salesmgmt_dailytarget WHERE day BETWEEN %s AND %s AND salesperson_id IN ({ph}) GROUP BY salesperson_id",
         [month, day, *ids]),
        (f"SELECT salesperson_id, day, collections, visits, calls, new_intent, met FROM salesmgmt_dailytarget "
         f"WHERE day IN (%s, %s) AND salesperson_id IN ({ph})", [day, nxt, *ids]),
        (f"SELECT salesperson_id, day, metric, value FROM salesmgmt_actualcorrection WHERE day BETWEEN %s AND %s "
         f"AND salesperson_id IN ({ph})", [month, day, *ids]),
        (f"SELECT salesperson_id, content FROM salesmgmt_worklog WHERE day = %s AND salesperson_id IN ({ph})", [day, *ids]),
    ]
    with connection.cursor() as cur:
        out = []
        for sql, params in q:
            cur.execute(sql, params)
            out.append(cur.fetchall())
    return out


def baseline_board(ids, day: date, week: date, month: date):
    from django.db import connection

    from yewu.policy.calendar import TZ

    def utc(d):
        return datetime.combine(d, dtime.min, tzinfo=TZ)

    start = min(week, month)
    ph = ",".join(["%s"] * len(ids))
    q = [
        (f"SELECT c.owner_id, SUM(CASE WHEN r.arrived_on = %s THEN r.amount ELSE 0 END), "
         f"SUM(CASE WHEN r.arrived_on >= %s THEN r.amount ELSE 0 END), SUM(CASE WHEN r.arrived_on >= %s THEN r.amount "
         f"ELSE 0 END) FROM finance_receipt r JOIN customers_customer c ON c.id = r.customer_id WHERE r.status = 'posted' "
         f"AND r.arrived_on BETWEEN %s AND %s AND c.owner_id IN ({ph}) GROUP BY c.owner_id",
         [day, week, month, start, day, *ids]),
        (f"SELECT salesperson_id, SUM(CASE WHEN created_at >= %s THEN total ELSE 0 END), SUM(CASE WHEN created_at >= %s "
         f"THEN total ELSE 0 END) FROM orders_order WHERE created_at >= %s AND created_at < %s AND status NOT IN "
         f"('draft', 'rejected', 'cancelled') AND salesperson_id IN ({ph}) GROUP BY salesperson_id",
         [utc(week), utc(month), utc(start), utc(day + timedelta(days=1)), *ids]),
        (f"SELECT owner_id, SUM(CASE WHEN created_at >= %s THEN 1 ELSE 0 END), SUM(CASE WHEN created_at >= %s THEN 1 "
         f"ELSE 0 END) FROM customers_customer WHERE created_at >= %s AND created_at < %s AND owner_id IN ({ph}) "
         f"GROUP BY owner_id", [utc(week), utc(month), utc(start), utc(day + timedelta(days=1)), *ids]),
        (f"SELECT salesperson_id, collections FROM salesmgmt_monthlytarget WHERE month = %s AND salesperson_id IN ({ph})",
         [month, *ids]),
        ("SELECT id, display_name, team_id, roles FROM org_user WHERE is_active", []),
    ]
    with connection.cursor() as cur:
        out = []
        for sql, params in q:
            cur.execute(sql, params)
            out.append(cur.fetchall())
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sps", type=int, default=100)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--calls", type=int, default=12, help="calls per SP and working day")
    ap.add_argument("--visits", type=int, default=3, help="visits per SP and working day")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--today", default="", help="YYYY-MM-DD instead of today (D = the working day before it)")
    ap.add_argument("--root", default=str(ROOT), help="source tree whose yewu package is measured")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(args.root).resolve()))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import timezone

    import yewu.salesmgmt
    from yewu.org.models import Team, User
    from yewu.org.selectors import get_calendar, salespeople
    from yewu.policy import salesmgmt as pol
    from yewu.salesmgmt.daily import selectors as dsel
    from yewu.salesmgmt.daily import services as dsvc
    from yewu.salesmgmt.leaderboard import selectors as lsel
    from yewu.salesmgmt.models import DepartmentTable

    where = Path(yewu.salesmgmt.__file__).resolve().parents[2]
    assert where == Path(args.root).resolve(), f"measuring {where}"
    today = timezone.localdate()
    t0 = time.perf_counter()
    generate(args.sps, args.days, args.calls, args.visits, today)
    if args.today:
        today = date.fromisoformat(args.today)
    gen_s = time.perf_counter() - t0
    cal = get_calendar()
    day = pol.leaderboard_day(today, cal)
    month, week = day.replace(day=1), day - timedelta(days=day.weekday())
    sps = [u for u in salespeople().select_related("team") if u.username.startswith("bsp")]
    ids = [s.pk for s in sps]
    gm = User.objects.get(username="bgm")
    res = {"tree": str(where), "database": connection.vendor, "salespeople": len(sps), "day": day.isoformat(),
           "generate_s": round(gen_s, 1)}
    nxt = cal.next_working_day(day)
    draft = timed(lambda: dsel.compute_rows(sps, day), args.runs)
    base_d = timed(lambda: baseline_draft(ids, day, month, nxt), args.runs)
    base_old = timed(lambda: baseline_draft(ids, day, month, nxt, old=True), args.runs)
    board = timed(lambda: lsel.board(gm, today), args.runs)
    base_b = timed(lambda: baseline_board(ids, day, week, month), args.runs)
    teams = list(Team.objects.filter(name__startswith="B队"))

    def service():
        DepartmentTable.objects.filter(team__in=teams, day=day).delete()
        for t in teams:
            dsvc.draft_table(t, day)

    svc = timed(service, max(3, args.runs // 3))
    res["draft"] = summary(draft)
    res["draft_baseline_sql"] = summary(base_d)
    res["draft_ratio"] = round(statistics.median(draft) / statistics.median(base_d), 2)
    res["draft_baseline_sql_old"] = summary(base_old)
    res["draft_ratio_old"] = round(statistics.median(draft) / statistics.median(base_old), 2)
    res["leaderboard"] = summary(board)
    res["leaderboard_baseline_sql"] = summary(base_b)
    res["leaderboard_ratio"] = round(statistics.median(board) / statistics.median(base_b), 2)
    res["draft_service_10_teams"] = summary(svc)
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
