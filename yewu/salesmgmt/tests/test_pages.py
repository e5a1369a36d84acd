"""The pages: the SM's grid form, the SP's one-tap call pad, the table review page and the coaching list."""

from datetime import date

from yewu.salesmgmt import tasks
from yewu.salesmgmt.models import CallLog, DepartmentTable, MonthlyTarget


def test_sm_sets_targets_in_the_grid_page_and_sp_sees_progress(company, client, clock):
    clock(2025, 9, 29, 10)
    client.force_login(company.manager)
    page = client.get("/salesmgmt/targets/?month=2025-10").content.decode()
    assert "张三" in page and "李四" in page and "王五" not in page and "18 个工作日" in page
    data = {"month": "2025-10", "salesperson_id": [company.sales1.pk, company.sales2.pk]}
    for sp in (company.sales1, company.sales2):
        data.update({f"collections_{sp.pk}": "100000.00", f"visits_{sp.pk}": "60", f"calls_{sp.pk}": "-3",
                     f"new_intent_{sp.pk}": "54", f"met_{sp.pk}": "18"})
    r = client.post("/salesmgmt/targets/save/", data, follow=True)
    assert "不能为负数" in r.content.decode() and MonthlyTarget.objects.count() == 0
    for sp in (company.sales1, company.sales2):
        data[f"calls_{sp.pk}"] = "360"
    r = client.post("/salesmgmt/targets/save/", data, follow=True)
    assert "目标已保存" in r.content.decode() and MonthlyTarget.objects.count() == 2
    client.force_login(company.sales1)
    page = client.get("/salesmgmt/targets/?month=2025-10").content.decode()
    assert "张三" in page and "李四" not in page and 'name="collections_' not in page


def test_sp_logs_calls_with_one_tap(company, client, clock):
    clock(2025, 10, 9, 10)
    client.force_login(company.sales1)
    page = client.get("/salesmgmt/").content.decode()
    assert 'value="interested"' in page and "工作日志" in page
    client.post("/salesmgmt/calls/", {"outcome": "interested"})
    client.post("/salesmgmt/calls/", {"outcome": "no_answer"})
    assert CallLog.objects.filter(salesperson=company.sales1, day=date(2025, 10, 9)).count() == 2


def test_table_page_submit_and_coaching_page(company, client, clock):
    clock(2025, 10, 9, 18)
    tasks.run_draft()
    t = DepartmentTable.objects.get(team=company.team1)
    client.force_login(company.manager)
    page = client.get(f"/salesmgmt/tables/{t.pk}/").content.decode()
    assert "审核并提交行政部" in page and "10-10 09:00" in page
    clock(2025, 10, 10, 9, 12)
    client.force_login(company.manager)  # the next morning: yesterday's 12-hour session has ended
    r = client.post(f"/salesmgmt/tables/{t.pk}/submit/", {f"note_{company.sales1.pk}": "跟进"}, follow=True)
    assert "逾期" in r.content.decode()
    t.refresh_from_db()
    assert t.late and t.rows[0]["note"] == "跟进"
    assert "逾期提交" in client.get("/salesmgmt/tables/").content.decode()
    assert client.get("/salesmgmt/coaching/").status_code == 200


def test_weekly_and_monthly_report_from_live_data(company, client, api_client, clock, make_customer):
    from decimal import Decimal

    from yewu.finance.models import Receipt

    clock(2025, 10, 14, 10)
    c = make_customer(company.sales1)
    Receipt.objects.create(number="SK-R1", customer=c, amount=Decimal("2500.00"), arrived_on=date(2025, 10, 13),
                           method="transfer", recorded_by=company.finance)
    r = api_client(company.manager).get("/api/v1/daily/report?kind=week&start=2025-10-15").json()
    assert r["start"] == "2025-10-13" and r["due_at"].startswith("2025-10-20T12:00")
    zs = next(w for w in r["work"] if w["salesperson"] == "张三")
    assert zs["collections"] == "2500.00" and zs["new_intent"] == "1"
    assert [t["city"] for t in r["target_customers"]] == ["广州"]
    m = api_client(company.manager).get("/api/v1/daily/report?kind=month&start=2025-09-01").json()
    assert m["due_at"].startswith("2025-10-11T23:59:59")  # the 3rd working day of October 2025 (adjusted Saturday)
    assert [w["salesperson"] for w in api_client(company.sales2).get("/api/v1/daily/report").json()["work"]] == ["李四"]
    client.force_login(company.manager)
    page = client.get("/salesmgmt/reports/?kind=week&start=2025-10-13")
    assert "销售员工作统计" in page.content.decode()
    x = client.get("/salesmgmt/reports/?kind=week&start=2025-10-13&format=xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
