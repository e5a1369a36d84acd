"""Pricing-check and quotation benchmark (issue 3).

    .venv/bin/python bench/bench_pricing.py                       # SQLite test database (throw-away)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/bench_pricing.py

Runs against a throw-away test database (Django's test-database machinery: ``test_…``, created and
destroyed here), never the real one. Measures, single client, warm:
- the pure policy function ``yewu.policy.pricing.check_line_price`` (no database);
- the service layer ``yewu.sales.services.check_price`` (product + guide price lookup + policy settings);
- the API ``POST /api/v1/pricing/check`` through Django's test Client with a Bearer token (routing, auth,
  schema parsing, JSON);
- ``services.create_quote`` with 20 lines (each line priced, numbering under a lock, audit entry);
- baseline: ``Product.objects.get(pk=…)`` (one indexed SELECT) for ratios.
Figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(xs):
    tot = sum(xs)
    return {"n": len(xs), "per_s": round(len(xs) / tot, 1) if tot else 0.0,
            "p50_ms": round(statistics.median(xs) * 1000, 3), "p95_ms": round(pct(xs, 95) * 1000, 3)}


def timed(fn, n):
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checks", type=int, default=2000)
    ap.add_argument("--quotes", type=int, default=100)
    ap.add_argument("--products", type=int, default=500)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        figures = run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2))


def run(args):
    from datetime import date

    import django
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from yewu.catalog import services as cat
    from yewu.catalog.models import Product
    from yewu.customers.models import Customer
    from yewu.org.models import ApiToken, Department, Team, User
    from yewu.policy import pricing
    from yewu.sales import services

    rnd = random.Random(7)
    dept = Department.objects.create(name="业务部")
    team = Team.objects.create(name="一组", department=dept)
    mgr = User.objects.create_user("m", password="x", roles=["SM"], team=team)
    team.manager = mgr
    team.save()
    sp = User.objects.create_user("sp", password="x", roles=["SP"], team=team)
    fin = User.objects.create_user("fin", password="x", roles=["FIN"])
    cust = Customer.objects.create(name="广州甲公司", name_key="bench-a", city="广州", source="direct", collected_on=date.today(),
                                   entry_due_at=timezone.now(), owner=sp, created_by=sp)
    prods = []
    for i in range(args.products):
        g = Decimal(rnd.randint(1000, 500000)) / 100
        prods.append((cat.create_product(fin, {"code": f"B{i:05d}", "name": f"产品{i}", "guide_price": str(g)}), g))

    def price_for(g):
        return str((g * Decimal(rnd.uniform(0.91, 1.1))).quantize(Decimal("0.01")))

    inputs = [(p, g, price_for(g), rnd.choice(["vat_special", "general", "none"]), rnd.choice(["0", "0", "5"]))
              for p, g in (rnd.choice(prods) for _ in range(args.checks))]

    baseline = summary(timed(lambda i: Product.objects.get(pk=inputs[i][0].pk), args.checks))
    pure = summary(timed(lambda i: pricing.check_line_price(guide_price=inputs[i][1], unit_price=Decimal(inputs[i][2]),
                                                            fee_rate=Decimal(inputs[i][4]), invoice=inputs[i][3],
                                                            quantity=Decimal("1")), args.checks))
    service = summary(timed(lambda i: services.check_price(sp, product_id=inputs[i][0].pk, quantity="3",
                                                           unit_price=inputs[i][2], vat_invoice=inputs[i][3],
                                                           fee_rate=inputs[i][4]), args.checks))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(sp)}")
    bodies = [json.dumps({"product_id": p.pk, "quantity": "3", "unit_price": pr, "vat_invoice": inv, "fee_rate": x})
              for p, _, pr, inv, x in inputs]
    statuses = []

    def api_call(i):
        r = client.post("/api/v1/pricing/check", data=bodies[i], content_type="application/json")
        statuses.append(r.status_code)

    api = summary(timed(api_call, args.checks))

    def make_quote(i):
        lines = []
        for p, g in rnd.sample(prods, 20):
            lines.append({"product_id": p.pk, "quantity": str(rnd.randint(1, 50)),
                          "unit_price": str((g * Decimal("1.02")).quantize(Decimal("0.01")))})
        services.create_quote(sp, {"customer_id": cust.pk, "lines": lines})

    quotes = summary(timed(make_quote, args.quotes))
    q_lines = {**quotes, "lines_per_s": round(quotes["per_s"] * 20, 1)}
    return {
        "database": connection.vendor, "django": django.get_version(), "python": sys.version.split()[0],
        "products": args.products, "baseline_product_get": baseline,
        "check_pure_policy": pure, "check_service": service, "check_api": {**api, "http_200": statuses.count(200)},
        "quote_create_20_lines": q_lines,
        "ratios_to_baseline_p50": {k: round(v["p50_ms"] / baseline["p50_ms"], 2) for k, v in
                                   (("pure", pure), ("service", service), ("api", api), ("quote20", quotes))},
    }


if __name__ == "__main__":
    main()
