from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yewu.customers.models import Customer
from yewu.orders.models import Order

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sales(company):
    def customer(name, owner):
        return Customer.objects.create(name=name, name_key=name, city="广州", source="direct", collected_on=date(2026, 1, 1),
                                       entry_due_at=timezone.now(), owner=owner, created_by=owner)

    custs = {u: customer(f"客户{u.username}", u) for u in (company.sales1, company.sales2, company.sales3)}
    n = [0]

    def order(sp, total, when, status="ready"):
        n[0] += 1
        o = Order.objects.create(number=f"T{n[0]:04d}", customer=custs[sp], salesperson=sp, settlement="CASH",
                                 delivery_address="广州", status=status, total=Decimal(total), created_by=sp)
        Order.objects.filter(pk=o.pk).update(created_at=when)
        return o

    # November 2026, Shanghai local time; the first order is 00:30 on 1 Nov local = 31 Oct UTC.
    order(company.sales1, "1000.00", datetime(2026, 11, 1, 0, 30, tzinfo=SH))
    order(company.sales1, "2500.50", datetime(2026, 11, 15, 10, tzinfo=SH))
    order(company.sales1, "9999.00", datetime(2026, 11, 16, 10, tzinfo=SH), status="draft")
    order(company.sales1, "8888.00", datetime(2026, 11, 16, 10, tzinfo=SH), status="cancelled")
    order(company.sales2, "7000.00", datetime(2026, 11, 30, 23, 59, tzinfo=SH))
    order(company.sales2, "5.00", datetime(2026, 12, 1, 0, 0, tzinfo=SH))  # next month
    order(company.sales3, "300.00", datetime(2026, 11, 2, tzinfo=SH))
    return company


NOV = "?start=2026-11-01&end=2026-11-30"


def test_gm_sees_every_salesperson_ranked_by_amount_with_local_day_bounds(sales, api_client):
    r = api_client(sales.gm).get("/api/v1/reports/sales-by-salesperson" + NOV)
    assert r.status_code == 200
    body = r.json()
    assert [(x["name"], x["orders"], x["amount"]) for x in body["rows"]] == [
        ("李四", 1, "7000.00"), ("张三", 2, "3500.50"), ("王五", 1, "300.00")]
    assert body["orders"] == 4 and body["amount"] == "10800.50"


def test_manager_sees_own_team_and_salesperson_only_self(sales, api_client):
    rows = api_client(sales.manager).get("/api/v1/reports/sales-by-salesperson" + NOV).json()["rows"]
    assert {x["name"] for x in rows} == {"张三", "李四"}
    rows = api_client(sales.sales3).get("/api/v1/reports/sales-by-salesperson" + NOV).json()["rows"]
    assert [x["name"] for x in rows] == ["王五"]


def test_end_before_start_is_refused(sales, api_client):
    r = api_client(sales.gm).get("/api/v1/reports/sales-by-salesperson?start=2026-11-30&end=2026-11-01")
    assert r.status_code == 400 and "结束日期" in r.json()["message"]


def test_excel_export_matches_the_screen(sales, client):
    client.force_login(sales.gm)
    page = client.get("/reports/sales-by-salesperson/" + NOV)
    assert page.status_code == 200 and "李四" in page.content.decode()
    r = client.get("/reports/sales-by-salesperson/" + NOV + "&format=xlsx")
    ws = load_workbook(BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert rows[0][1:4] == ["李四", "一组", 1] and float(rows[0][4]) == 7000.00
    assert float(rows[-1][4]) == 10800.50 and rows[-1][1] == "合计"


def test_period_defaults_to_this_month(sales, api_client):
    body = api_client(sales.gm).get("/api/v1/reports/sales-by-salesperson").json()
    today = timezone.localdate()
    assert body["start"] == today.replace(day=1).isoformat() and body["end"] == today.isoformat()
