"""Sales management walk-through (SPEC §7): the SM sets the team's targets in one grid, the SP logs calls on a
phone, the 18:00 timer drafts the 部门管理表, the SM submits it before 09:00, and the morning leaderboard on a
wall-size and a phone-size viewport. The server clock is set by the test (the live server shares the process)."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from yewu.policy.calendar import TZ

WALL = {"width": 1920, "height": 1080}


def _clock(monkeypatch, *args):
    at = datetime(*args, tzinfo=TZ)
    monkeypatch.setattr(timezone, "now", lambda: at)


def test_salesmgmt_walkthrough(site, company, browser, monkeypatch):
    from yewu.customers.models import Customer
    from yewu.finance.models import Receipt
    from yewu.salesmgmt import tasks
    from yewu.salesmgmt.models import CallLog, DepartmentTable, MonthlyTarget

    _clock(monkeypatch, 2025, 9, 29, 10)
    sm = site.login("manager", phone=False)
    sm.goto(site.url("/salesmgmt/targets/?month=2025-10"))
    for sp, coll in ((company.sales1, "100000.00"), (company.sales2, "80000.00")):
        sm.fill(f"input[name=collections_{sp.pk}]", coll)
        sm.fill(f"input[name=visits_{sp.pk}]", "60")
        sm.fill(f"input[name=calls_{sp.pk}]", "360")
        sm.fill(f"input[name=new_intent_{sp.pk}]", "54")
        sm.fill(f"input[name=met_{sp.pk}]", "18")
    sm.click("text=保存目标")
    sm.wait_for_selector("text=目标已保存")
    assert MonthlyTarget.objects.filter(month=date(2025, 10, 1)).count() == 2
    sm.goto(site.url(f"/salesmgmt/targets/?month=2025-10&sp={company.sales1.pk}"))
    assert "5555.56" in sm.content()
    site.shot(sm, "salesmgmt-01-sm-targets-grid")

    _clock(monkeypatch, 2025, 10, 9, 10, 30)
    sp = site.login("sales1", phone=True)
    sp.goto(site.url("/salesmgmt/"))
    for outcome in ("interested", "no_answer", "follow_up"):
        sp.click(f"#callpad button[value={outcome}]")
        sp.wait_for_selector("text=已登记电话")
    assert CallLog.objects.filter(salesperson=company.sales1).count() == 3
    assert sp.inner_text("#calls-today") == "3"
    site.shot(sp, "salesmgmt-02-sp-phone-calls")

    def cust(name, city, owner):
        return Customer.objects.create(name=name, name_key=name, city=city, source="direct", owner=owner,
                                       created_by=owner, collected_on=date(2025, 9, 1), entry_due_at=timezone.now())

    c1 = cust("天河恒鑫五金", "广州", company.sales1)
    c2 = cust("白云宏达机电", "广州", company.sales2)
    c3 = cust("佛山永盛电气", "佛山", company.sales3)
    for i, (c, amount) in enumerate(((c1, "3000.00"), (c2, "5600.00"), (c3, "1200.00"))):
        Receipt.objects.create(number=f"SK-W{i}", customer=c, amount=Decimal(amount), arrived_on=date(2025, 10, 9),
                               method="transfer", recorded_by=company.finance)

    _clock(monkeypatch, 2025, 10, 9, 18, 0)
    assert tasks.run_draft()["drafted"] == 2  # the 18:00 timer
    t = DepartmentTable.objects.get(team=company.team1, day=date(2025, 10, 9))

    _clock(monkeypatch, 2025, 10, 10, 8, 50)
    sm = site.login("manager", phone=False)  # the next morning: sessions last 12 hours
    sm.goto(site.url(f"/salesmgmt/tables/{t.pk}/"))
    sm.fill(f"textarea[name=note_{company.sales1.pk}]", "电话量不足，明早 9:20 检查清单")
    sm.click("#submit-table")
    sm.wait_for_selector("text=已按时提交行政部")
    t.refresh_from_db()
    assert t.state == "submitted" and not t.late
    site.shot(sm, "salesmgmt-03-sm-table-submitted")

    _clock(monkeypatch, 2025, 10, 10, 9, 5)
    ctx = browser.new_context(viewport=WALL, locale="zh-CN", timezone_id="Asia/Shanghai")
    wall = ctx.new_page()
    wall.goto(site.url("/login/"))
    wall.fill("input[name=username]", "gm")
    wall.fill("input[name=password]", "demo1234")
    wall.click("button.primary")
    wall.wait_for_url(site.url("/"))
    wall.goto(site.url("/salesmgmt/leaderboard/"))
    wall.wait_for_selector("#chart canvas")
    wall.wait_for_timeout(800)
    items = wall.locator("#rank li").all_inner_texts()
    assert "李四" in items[0] and "5,600.00" in items[0] and "张三" in items[1]
    wall.screenshot(path=str(site.shot.__globals__["SHOTS"] / "salesmgmt-04-leaderboard-wall.png"))
    ctx.close()
    sp = site.login("sales1", phone=True)  # the next morning: yesterday's 12-hour session has ended
    sp.goto(site.url("/salesmgmt/leaderboard/"))
    sp.wait_for_selector("#chart canvas")
    sp.wait_for_timeout(800)
    site.shot(sp, "salesmgmt-05-leaderboard-phone")
