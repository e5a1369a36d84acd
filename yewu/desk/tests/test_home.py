"""Role home pages: the figures each role sees first, charts equal to their tables, constant query counts."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from yewu.finance.tests.conftest import books  # noqa: F401  (fixture)
from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def trade(books):  # noqa: F811
    """Two salespeople of team 一组 and one of 二组, each with an order this month and money received."""
    from yewu.finance import services as money

    co = books.co
    today = timezone.localdate()
    o1 = books.order(books.gz, [("10", "100.00", None)], shipped_on=today)  # sales1: 1,000.00
    other1 = books.shop.customer("李四的客户", owner=co.sales2)
    o2 = books.order(other1, [("5", "100.00", None)], shipped_on=today)  # sales2: 500.00
    o3 = books.order(books.other, [("7", "100.00", None)], shipped_on=today)  # sales3 (二组): 700.00
    money.create_receipt(co.finance, customer_id=books.gz.pk, amount="600.00", arrived_on=today)
    money.create_receipt(co.finance, customer_id=other1.pk, amount="500.00", arrived_on=today)
    money.create_receipt(co.finance, customer_id=books.other.pk, amount="300.00", arrived_on=today)
    books.orders = (o1, o2, o3)
    return books


def _cards(home) -> dict:
    return {c.label: c.value for c in home.cards}


def test_salesperson_sees_own_month_only(trade):
    from yewu.desk.home.selectors import home_for

    h = home_for(trade.co.sales1)
    cards = _cards(h)
    assert cards["本月到账"] == Decimal("600.00")
    assert cards["本月订单金额"] == Decimal("1000.00") and cards["本月订单"] == 1
    page = login(trade.co.sales1).get("/").content.decode()
    assert "本月到账" in page and "600.00" in page
    assert "李四的客户" not in page


def test_manager_sees_team_and_not_other_team(trade):
    from yewu.desk.home.selectors import home_for

    cards = _cards(home_for(trade.co.manager))
    assert cards["本月到账"] == Decimal("1100.00")  # 600 + 500, not 二组's 300
    assert cards["本月订单金额"] == Decimal("1500.00")
    gm = _cards(home_for(trade.co.gm))
    assert gm["本月到账"] == Decimal("1400.00") and gm["本月销售额"] == Decimal("2200.00")


def test_every_chart_equals_its_table_and_its_workbook(trade):
    from yewu.desk.home.selectors import home_for

    for user in (trade.co.sales1, trade.co.sales3, trade.co.manager, trade.co.manager2, trade.co.gm, trade.co.finance):
        h = home_for(user)
        assert h.charts, user
        c = login(user)
        for chart in h.charts:
            opt = chart.option()
            if chart.kind == "pie":
                assert [d["value"] for d in opt["series"][0]["data"]] == [float(r[1]) for r in chart.rows]
            else:
                for i, s in enumerate(opt["series"]):
                    assert s["data"] == [float(r[i + 1]) for r in chart.rows]
                cats = opt["yAxis" if chart.kind == "hbar" else "xAxis"]["data"]
                assert cats == [r[0] for r in chart.rows]
            wb = load_workbook(BytesIO(c.get(f"/home/charts/{chart.key}.xlsx").content))
            rows = list(wb.active.iter_rows(min_row=3, values_only=True))
            assert [tuple(Decimal(str(v)).quantize(Decimal("0.01")) if not isinstance(v, str) else v for v in r) for r in rows] == \
                   [tuple(v if isinstance(v, str) else Decimal(v).quantize(Decimal("0.01")) for v in r) for r in chart.rows]


def test_gm_trend_counts_this_months_sales_and_collections(trade):
    from yewu.desk.home.selectors import home_for

    trend = home_for(trade.co.gm).chart("trend")
    assert len(trend.categories) == 12 and trend.categories[-1] == f"{timezone.localdate():%Y-%m}"
    last = trend.rows[-1]
    assert last[1] == Decimal("2200.00") and last[2] == Decimal("1400.00")


def test_manager_ar_over_30_days_by_salesperson(trade):
    from yewu.desk.home.selectors import home_for
    from yewu.finance.tasks import run_collection

    old = timezone.localdate() - timedelta(days=75)
    trade.order(trade.gz, [("20", "100.00", None)], shipped_on=old, created=old, term_days=30)
    trade.order(trade.other, [("30", "100.00", None)], shipped_on=old, created=old, term_days=30)  # 二组
    run_collection()  # the nightly `ar.collection_task` job
    chart = home_for(trade.co.manager).chart("ar30")
    assert chart.categories == ["张三"] and chart.series[0][1] == [Decimal("2000.00")]
    assert "王五" in home_for(trade.co.manager2).chart("ar30").categories
    sp = home_for(trade.co.sales1)
    assert {c.label: c.value for c in sp.cards}["客户逾期应收"] == Decimal("2000.00")


@pytest.mark.parametrize("who", ["sales1", "manager", "gm", "finance", "cashier", "cs"])
def test_home_costs_a_constant_number_of_queries(trade, who):
    user = trade.co.users[who]
    c = login(user)
    c.get("/")  # warm caches (policy, calendar)
    with CaptureQueriesContext(connection) as small:
        assert c.get("/").status_code == 200
    for i in range(15):  # more data of every kind
        cust = trade.shop.customer(f"新客户{i}", owner=trade.co.sales1 if i % 2 else trade.co.sales2)
        trade.order(cust, [("1", "100.00", None)], shipped_on=timezone.localdate() - timedelta(days=40 + i),
                    created=timezone.localdate() - timedelta(days=40 + i))
    with CaptureQueriesContext(connection) as big:
        assert c.get("/").status_code == 200
    assert len(big.captured_queries) <= 15, "\n".join(q["sql"][:150] for q in big.captured_queries)
    assert len(big.captured_queries) == len(small.captured_queries)


def test_warehouse_home_lists_ready_orders_without_prices(trade):
    from yewu.org.models import User

    wh = User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="钱库管")
    from yewu.orders.models import Order, OrderStatus

    o = trade.orders[0]
    Order.objects.filter(pk=o.pk).update(status=OrderStatus.READY, promised_ship_on=date.today())
    page = login(wh).get("/").content.decode()
    assert "待发货订单" in page and o.number in page
    assert "1,000.00" not in page and "本月到账" not in page


def test_old_menu_still_reachable(trade):
    page = login(trade.co.sales1).get("/menu/").content.decode()
    assert 'href="/customers/"' in page


def _user(username, roles):
    from yewu.org.models import User

    return User.objects.create_user(username=username, password="x", roles=roles, display_name=username)


def _ticket(n, assignee=None, late=False):
    from yewu.service.models import Ticket

    now = timezone.now()
    return Ticket.objects.create(number=f"GD-{n}", caller_name=f"来电{n}", type="enquiry", channel="phone", content="查货",
                                 received_at=now - timedelta(days=3), due_at=now + timedelta(days=-1 if late else 1),
                                 assignee=assignee)


@pytest.mark.parametrize("who", ["cs", "csmanager", "leads", "wh", "prod", "adm", "qc", "manager2"])
def test_every_other_role_home_costs_a_constant_number_of_queries(trade, who):
    roles = {"wh": ["WH"], "prod": ["PROD"], "adm": ["ADM"], "qc": ["QC"]}
    user = trade.co.users[who] if who in trade.co.users else _user(who, roles[who])
    c = login(user)
    c.get("/")
    with CaptureQueriesContext(connection) as small:
        assert c.get("/").status_code == 200
    for i in range(12):
        _ticket(i, assignee=trade.co.cs if i % 2 else None, late=i % 3 == 0)
        trade.order(trade.shop.customer(f"客户{i}", owner=trade.co.sales3), [("1", "100.00", None)],
                    shipped_on=timezone.localdate() - timedelta(days=35 + i), created=timezone.localdate() - timedelta(days=35 + i))
    with CaptureQueriesContext(connection) as big:
        page = c.get("/")
    assert page.status_code == 200
    assert len(big.captured_queries) <= 15, "\n".join(q["sql"][:150] for q in big.captured_queries)
    assert len(big.captured_queries) == len(small.captured_queries)


def test_cs_home_lists_open_tickets_with_late_first(trade):
    _ticket(1, assignee=trade.co.cs)
    _ticket(2, assignee=trade.co.cs, late=True)
    _ticket(3, assignee=trade.co.csmanager)  # someone else's
    from yewu.desk.home.selectors import home_for

    h = home_for(trade.co.cs)
    assert {c.label: c.value for c in h.cards}["待处理工单"] == 2
    queue = next(x for x in h.lists if x.title.startswith("待处理工单"))
    assert [i["label"].split(" · ")[0] for i in queue.items] == ["GD-2", "GD-1"] and queue.items[0]["late"]
    assert {c.label: c.value for c in home_for(trade.co.csmanager).cards}["待处理工单"] == 3  # the CSM sees all


def test_salesperson_sees_targets_and_commission_once_targets_exist(trade):
    from yewu.desk.home.selectors import home_for
    from yewu.salesmgmt.models import DailyTarget, MonthlyTarget

    sp, today = trade.co.sales1, timezone.localdate()
    assert "本月到账目标" not in _cards(home_for(sp))  # no target yet: this month's collections and orders only
    t = MonthlyTarget.objects.create(salesperson=sp, team=sp.team, month=today.replace(day=1), collections=Decimal("3000.00"),
                                     visits=40, calls=100, set_by=trade.co.manager)
    DailyTarget.objects.create(target=t, salesperson=sp, day=today, visits=2, calls=5)
    h = home_for(sp)
    cards = {c.label: c for c in h.cards}
    assert cards["本月到账目标"].value == Decimal("3000.00") and cards["本月到账目标"].hint == "已完成 20%"  # 600 of 3,000
    assert cards["今日电话量"].value == "0 / 5" and cards["今日电话量"].alert
    assert "本月提成" in cards


def test_gm_sees_the_commission_cut_of_special_prices(trade):
    from yewu.desk.home.selectors import home_for
    from yewu.performance.models import CommissionEntry

    e = CommissionEntry.objects.filter(salesperson=trade.co.sales1).first()
    if e is None:
        pytest.skip("the fixture's receipts book no commission entries")
    CommissionEntry.objects.filter(pk=e.pk).update(basis=Decimal("1000.00"), cut=Decimal("0.300"))
    assert _cards(home_for(trade.co.gm))["本月特价降提成"] == Decimal("3.00")  # 1,000 × 0.3 pp


def test_finance_home_lists_receipts_to_allocate_and_invoices_to_issue(trade):
    from yewu.desk.home.selectors import home_for

    h = home_for(trade.co.finance)
    titles = [x.title for x in h.lists]
    assert "待分配的收款" in titles and "待开发票" in titles
    page = login(trade.co.finance).get("/").content.decode()
    assert "待开票申请" in page and "待分配收款" in page
