"""daily.morning_leaderboard: yesterday's receipts per SP ranked, team totals, MTD attainment, champions."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yewu.finance.models import Receipt
from yewu.salesmgmt.leaderboard.selectors import board


def test_board_ranks_yesterdays_receipts_with_team_totals_and_champions(company, api_client, clock, jpost, make_customer):
    clock(2025, 9, 20, 10)
    rows = [{"salesperson_id": company.sales1.pk, "collections": "100000.00"}]
    jpost(api_client(company.manager), "/api/v1/targets", {"month": "2025-10", "rows": rows})
    c1, c2, c3 = make_customer(company.sales1), make_customer(company.sales2), make_customer(company.sales3)
    for i, (c, amount, day) in enumerate([(c1, "3000.00", date(2025, 10, 9)), (c2, "5000.00", date(2025, 10, 9)),
                                          (c3, "1000.00", date(2025, 10, 9)), (c1, "9000.00", date(2025, 10, 10)),
                                          (c3, "700.00", date(2025, 10, 13))]):
        Receipt.objects.create(number=f"SK{i}", customer=c, amount=Decimal(amount), arrived_on=day, method="transfer",
                               recorded_by=company.finance)
    clock(2025, 10, 13, 9, 5)  # Mon: the board reports Sat 10-11 (adjusted working day), which had none
    b = api_client(company.sales1).get("/api/v1/leaderboard").json()
    assert b["day"] == "2025-10-11" and b["total"] == "0.00"
    clock(2025, 10, 10, 9, 5)  # Fri: reports Thu 10-09
    b = api_client(company.sales3).get("/api/v1/leaderboard").json()  # an SP sees the whole board
    assert b["day"] == "2025-10-09" and b["live"] is True
    assert [(r["rank"], r["line"]) for r in b["rows"]] == [(1, "李四 到账 5,000.00"), (2, "张三 到账 3,000.00"),
                                                          (3, "王五 到账 1,000.00")]
    assert b["total"] == "9000.00"
    assert {t["team"]: t["amount"] for t in b["teams"]} == {"一组": "8000.00", "二组": "1000.00"}
    zs = b["rows"][1]
    assert zs["mtd"] == "3000.00" and zs["month_target"] == "100000.00" and zs["mtd_pct"] == "3.0"
    assert b["champions"]["month"]["collections"]["names"] == ["李四"]
    assert b["champions"]["week"]["new_customers"]["value"] == 0  # customers were filed in September
    clock(2025, 10, 13, 8, 30)
    b = api_client(company.gm).get("/api/v1/leaderboard").json()
    assert b["live"] is False
    clock(2025, 10, 14, 9, 0)  # reports Mon 10-13; month champion is now 张三 with 12,000.00
    b = api_client(company.gm).get("/api/v1/leaderboard").json()
    assert b["champions"]["month"]["collections"] == {"names": ["张三"], "value": "12000.00"}
    assert b["champions"]["week"]["collections"]["names"] == ["王五"]


def test_board_page_and_access(company, client, clock):
    clock(2025, 10, 10, 9, 5)
    client.force_login(company.sales1)
    r = client.get("/salesmgmt/leaderboard/")
    assert r.status_code == 200 and "echarts.min.js" in r.content.decode() and "board-data" in r.content.decode()
    client.force_login(company.cs)
    assert client.get("/api/v1/leaderboard").status_code in (401, 403)


def test_board_shows_only_this_months_targets_and_reads_a_fixed_number_of_statements(company, api_client, clock, jpost):
    clock(2025, 9, 20, 10)
    rows = [{"salesperson_id": company.sales1.pk, "collections": "100000.00"}]
    jpost(api_client(company.manager), "/api/v1/targets", {"month": "2025-10", "rows": rows})
    clock(2025, 10, 14, 9, 5)
    assert {r["salesperson_id"]: r["month_target"] for r in board(company.gm)["rows"]}[company.sales1.pk] == "100000.00"
    clock(2025, 11, 4, 9, 5)  # reports Mon 11-03: October's target is not November's
    board(company.gm)
    with CaptureQueriesContext(connection) as ctx:
        b = board(company.gm)
    r = {r["salesperson_id"]: r for r in b["rows"]}[company.sales1.pk]
    assert r["month_target"] is None and r["mtd_pct"] is None
    # settings stamp, the sales force with its month targets, receipts, orders, new customers
    assert len(ctx.captured_queries) == 5, [q["sql"] for q in ctx.captured_queries]
