"""What each role sees first (`/`): figures, queues and charts read from every business area.

The desk is the top floor: it may read any area's selectors and nothing imports it. Each home page costs a
constant number of queries whatever the data size (sums and counts in the database, lists capped).
Row-level scope always comes from the area's own selector (orders_visible_to, receipts_visible_to, ...).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from yewu.approvals.services import inbox
from yewu.customers.models import Visit
from yewu.customers.selectors import customers_visible_to, first_contact_overdue, pool
from yewu.expenses.selectors import balance_total, pay_queue
from yewu.finance.models import Allocation, InvoiceRequest, ReceiptStatus, RequestState
from yewu.finance.selectors import aging, collection_tasks_visible_to, receipts_visible_to
from yewu.orders.models import OrderLine, OrderStatus
from yewu.orders.ordering.selectors import custom_lines_to_date, late_orders
from yewu.orders.shipping.check import ship_hold, with_ship_facts
from yewu.orders.visibility import orders_visible_to
from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.performance.models import CommissionEntry
from yewu.policy.salesmgmt import METRICS
from yewu.sales.models import QuoteState
from yewu.sales.selectors import quotes_visible_to
from yewu.salesmgmt.actuals import daily_actuals
from yewu.salesmgmt.actuals import empty as empty_actuals
from yewu.salesmgmt.models import DailyTarget, MonthlyTarget

from . import queues
from .blocks import Card, Home, ItemList
from .charts import Chart

ZERO = Decimal("0.00")
LIVE = (OrderStatus.PENDING_APPROVAL, OrderStatus.AWAITING_PAYMENT, OrderStatus.READY, OrderStatus.PARTLY_SHIPPED,
        OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED)
WAITING = OrderedDict([
    (OrderStatus.PENDING_APPROVAL, "等待审批"),
    (OrderStatus.AWAITING_PAYMENT, "等待收款/定金"),
    (OrderStatus.READY, "等待发货"),
    (OrderStatus.PARTLY_SHIPPED, "部分发货"),
])
BUCKETS = OrderedDict([("not_due", "未到期"), ("d1_30", "1–30天"), ("d31_60", "31–60天"), ("d61_90", "61–90天"),
                       ("over_90", "90天以上")])


def month_start(d: date) -> date:
    return d.replace(day=1)


def prev_month(d: date) -> date:
    return (month_start(d) - timedelta(days=1)).replace(day=1)


def _sum(qs, fld="amount") -> Decimal:
    return qs.aggregate(s=Coalesce(Sum(fld), ZERO))["s"]


def collections(orders_qs, start: date, end: date) -> Decimal:
    """到账: money of posted receipts arriving in [start, end] applied to the given orders (releases excluded)."""
    return _sum(Allocation.objects.filter(order__in=orders_qs, reversed_on__isnull=True,
                                          kind__in=[Allocation.Kind.AUTO, Allocation.Kind.MANUAL],
                                          receipt__status=ReceiptStatus.POSTED,
                                          receipt__arrived_on__gte=start, receipt__arrived_on__lte=end))


def order_figures(orders_qs, start: date, end: date) -> tuple[int, Decimal]:
    r = orders_qs.filter(status__in=LIVE, created_at__date__gte=start, created_at__date__lte=end).aggregate(
        n=Count("id"), s=Coalesce(Sum("total"), ZERO))
    return r["n"], r["s"]


def order_board(orders_qs, today: date, **extra) -> dict:
    """One query: this month's and last month's same-period order count and amount, and how many orders wait
    in each state."""
    m0, pm = month_start(today), prev_month(today)
    pm_to = pm.replace(day=min(today.day, (m0 - timedelta(days=1)).day))
    live = Q(status__in=LIVE)
    this = live & Q(created_at__date__gte=m0, created_at__date__lte=today)
    last = live & Q(created_at__date__gte=pm, created_at__date__lte=pm_to)
    agg = {"n": Count("id", filter=this), "s": Coalesce(Sum("total", filter=this), ZERO),
           "n_last": Count("id", filter=last), "s_last": Coalesce(Sum("total", filter=last), ZERO)}
    agg.update({f"w_{st}": Count("id", filter=Q(status=st)) for st in WAITING})
    r = orders_qs.aggregate(**agg, **extra)
    r["waiting"] = {st: r.pop(f"w_{st}") for st in WAITING}
    return r


def collection_board(orders_qs, today: date) -> dict:
    """One query: 到账 this month and last month to the same day."""
    m0, pm = month_start(today), prev_month(today)
    pm_to = pm.replace(day=min(today.day, (m0 - timedelta(days=1)).day))
    this = Q(receipt__arrived_on__gte=m0, receipt__arrived_on__lte=today)
    last = Q(receipt__arrived_on__gte=pm, receipt__arrived_on__lte=pm_to)
    return Allocation.objects.filter(order__in=orders_qs, reversed_on__isnull=True,
                                     kind__in=[Allocation.Kind.AUTO, Allocation.Kind.MANUAL],
                                     receipt__status=ReceiptStatus.POSTED).aggregate(
        got=Coalesce(Sum("amount", filter=this), ZERO), got_last=Coalesce(Sum("amount", filter=last), ZERO))


def _approvals(user, home: Home, limit: int = 8) -> None:
    steps = inbox(user)
    items = [{"label": s.request.doc_label or s.request.doc_type,
              "sub": f"提交人 {s.request.submitter.name}",
              "due": timezone.localtime(s.due_at) if s.due_at else None,
              "late": bool(s.due_at and s.due_at < timezone.now()),
              "link": f"/approvals/{s.request_id}/"} for s in steps[:limit]]
    home.cards.append(Card("待我审批", len(steps), "/approvals/", alert=bool(steps)))
    home.lists.append(ItemList("待我审批", items, "/approvals/", "没有等待您审批的单据", len(steps)))


def _waiting_orders(counts: dict, home: Home, title: str = "订单在等什么") -> None:
    items = [{"label": label, "value": counts.get(st, 0), "link": f"/orders/?status={st}"} for st, label in WAITING.items()]
    home.lists.append(ItemList(title, items, "/orders/", count=sum(counts.values())))


def _aging_chart(user, key="aging", title="应收账龄", as_of: date | None = None) -> Chart:
    _, total = aging(user, as_of, group="salesperson")
    return Chart(key, title, "bar", list(BUCKETS.values()), [("应收余额", [total.buckets.get(b, ZERO) for b in BUCKETS])],
                 link="/finance/ar/")


# --- salesperson ---------------------------------------------------------------------------------------


def sp_home(user, today: date) -> Home:
    h = Home("SP", "我的今天")
    mine = orders_visible_to(user).filter(salesperson=user)
    board = order_board(mine, today)
    months = _months_back(today, 6)
    trend = _trend_chart(mine, months, "trend", "近6个月我的订单与到账")
    h.cards += [Card("本月到账", trend.series[1][1][-1], "/finance/receipts/", money=True),
                Card("本月订单", board["n"], "/orders/"),
                Card("本月订单金额", board["s"], "/orders/", money=True)]
    own = customers_visible_to(user).filter(owner=user)
    overdue = first_contact_overdue(own.only("id", "name", "assigned_at", "first_contact_at", "owner_id"))
    h.lists.append(ItemList("逾期未首次联系", [{"label": c.name, "sub": f"应于 {timezone.localtime(due):%m-%d %H:%M} 前联系",
                                          "late": True, "link": f"/customers/{c.pk}/"} for c, due in overdue[:8]],
                            "/customers/", "没有逾期的首次联系", len(overdue)))
    h.lists.append(overdue_follow_ups(own, today))
    soon = today + timedelta(days=3)
    quotes = list(quotes_visible_to(user).filter(owner=user, valid_until__gte=today, valid_until__lte=soon,
                                                 state__in=[QuoteState.APPROVED, QuoteState.SENT])
                  .order_by("valid_until")[:8])
    h.lists.append(ItemList("即将过期的报价（3天内）", [{"label": f"{q.number} · {q.customer.name}", "sub": f"有效期至 {q.valid_until}",
                                                "link": f"/sales/quotes/{q.pk}/"} for q in quotes], "/sales/quotes/",
                            "没有即将过期的报价", len(quotes)))
    _waiting_orders(board["waiting"], h, "我的订单在等什么")
    tasks = collection_tasks_visible_to(user).filter(salesperson=user, closed_on__isnull=True)
    listed = list(tasks.select_related("customer", "order").order_by("-days_past_due", "id")[:8])
    total = sum((t.overdue_amount for t in listed), ZERO)
    n = len(listed)
    if n == 8:  # more than shown: count and sum in the database
        agg = tasks.aggregate(n=Count("id"), s=Coalesce(Sum("overdue_amount"), ZERO))
        n, total = agg["n"], agg["s"]
    h.cards.append(Card("客户逾期应收", total, "/finance/ar/", money=True, alert=total > 0, hint=f"{n} 笔"))
    h.lists.append(ItemList("我的客户逾期应收", [{"label": f"{t.customer.name} · {t.order.number}",
                                            "value": f"{t.overdue_amount:,.2f}", "sub": f"逾期 {t.days_past_due} 天",
                                            "late": True, "link": f"/orders/{t.order_id}/"} for t in listed],
                            "/finance/ar/", "没有逾期应收", n))
    h.cards += targets_and_commission(user, today, trend.series[1][1][-1])
    h.charts.append(trend)
    return h


def overdue_follow_ups(own, today: date) -> ItemList:
    """My customers whose last visit agreed a next visit (`next_visit_on`) that has passed without a later visit.
    One query (values only, however many customers)."""
    last = Visit.objects.filter(customer=OuterRef("pk")).order_by("-at", "-id").values("next_visit_on")[:1]
    due = list(own.annotate(next_on=Subquery(last)).filter(next_on__lt=today).order_by("next_on", "id")
               .values("id", "name", "next_on"))
    return ItemList("我的逾期跟进", [{"label": c["name"], "sub": f"约定 {c['next_on']:%m-%d} 跟进，已过 {(today - c['next_on']).days} 天",
                                   "late": True, "link": f"/customers/{c['id']}/"} for c in due[:8]],
                    "/customers/", "没有逾期的跟进", len(due))


def targets_and_commission(user, today: date, collected: Decimal) -> list[Card]:
    """`target.monthly_set` / `daily.quantified_activity`: this month's collection target vs what arrived (the
    figure above), today's targets vs today's actuals when the month is decomposed; `commission.base`: the
    commission booked this month. Constant queries: the target, today's split and actuals, one sum."""
    m0 = month_start(today)
    out: list[Card] = []
    t = MonthlyTarget.objects.filter(salesperson=user, month=m0).first()
    if t is not None:
        pct = f"{collected / t.collections * 100:.0f}%" if t.collections else "—"
        out.append(Card("本月到账目标", t.collections, "/salesmgmt/targets/", money=True, hint=f"已完成 {pct}"))
        day = DailyTarget.objects.filter(target=t, day=today).first()
        if day is not None:
            done = daily_actuals([user.pk], today, today).get((user.pk, today)) or empty_actuals()
            for m in ("visits", "calls"):
                out.append(Card(f"今日{METRICS[m]}", f"{done[m]} / {getattr(day, m)}", "/salesmgmt/",
                                hint="实际 / 目标", alert=done[m] < getattr(day, m)))
    got = CommissionEntry.objects.filter(salesperson=user, month=m0).aggregate(
        s=Coalesce(Sum("amount"), ZERO), cut=Coalesce(Sum(F("basis") * F("cut") / 100), ZERO))
    out.append(Card("本月提成", got["s"], "/performance/commission/", money=True,
                    hint=f"特价少计 {Decimal(got['cut']).quantize(Decimal('0.01')):,.2f}" if got["cut"] else "按到账计"))
    return out


# --- sales manager -------------------------------------------------------------------------------------


def sm_home(user, today: date) -> Home:
    h = Home("SM", "团队今天")
    team = orders_visible_to(user)
    board, money = order_board(team, today), collection_board(team, today)
    h.cards += [Card("本月到账", money["got"], "/finance/receipts/", money=True, hint=f"上月同期 {money['got_last']:,.2f}"),
                Card("本月订单金额", board["s"], "/orders/", money=True, hint=f"上月同期 {board['s_last']:,.2f}"),
                Card("本月订单数", board["n"], "/orders/", hint=f"上月同期 {board['n_last']}")]
    _approvals(user, h)
    visible = customers_visible_to(user)
    overdue = first_contact_overdue(visible.only("id", "name", "assigned_at", "first_contact_at", "owner_id"))
    late_n = late_orders(user, today).count()
    pool_n = pool(user).count()
    h.lists.append(ItemList("工作台逾期事项", [
        {"label": "逾期未首次联系", "value": len(overdue), "link": "/worklist/", "late": bool(overdue)},
        {"label": "延期发货订单", "value": late_n, "link": "/worklist/", "late": bool(late_n)},
        {"label": "待分配线索（公海）", "value": pool_n, "link": "/worklist/"},
    ], "/worklist/", count=len(overdue) + late_n))
    h.cards.append(Card("待分配线索", pool_n, "/worklist/", alert=pool_n > 0))
    over30 = list(collection_tasks_visible_to(user).filter(closed_on__isnull=True, days_past_due__gt=30)
                  .values("salesperson__display_name", "salesperson__username")
                  .annotate(s=Sum("overdue_amount")).order_by("-s")[:10])
    h.charts.append(Chart("ar30", "逾期30天以上应收（按业务员）", "hbar",
                          [r["salesperson__display_name"] or r["salesperson__username"] for r in over30],
                          [("金额", [r["s"] for r in over30])], link="/finance/ar/"))
    h.charts.append(Chart("mtd", "本月累计 vs 上月同期", "bar", ["到账", "订单金额"],
                          [("上月同期", [money["got_last"], board["s_last"]]), ("本月", [money["got"], board["s"]])]))
    return h


# --- general manager -----------------------------------------------------------------------------------


def _months_back(today: date, n: int) -> list[date]:
    out, m = [], month_start(today)
    for _ in range(n):
        out.append(m)
        m = prev_month(m)
    return list(reversed(out))


def _trend_chart(orders_qs, months: list[date], key: str, title: str) -> Chart:
    start = months[0]
    sales = dict(orders_qs.filter(status__in=LIVE, created_at__date__gte=start)
                 .annotate(m=TruncMonth("created_at")).values("m").annotate(s=Sum("total")).values_list("m", "s"))
    coll = dict(Allocation.objects.filter(order__in=orders_qs, reversed_on__isnull=True,
                                          kind__in=[Allocation.Kind.AUTO, Allocation.Kind.MANUAL],
                                          receipt__status=ReceiptStatus.POSTED, receipt__arrived_on__gte=start)
                .annotate(m=TruncMonth("receipt__arrived_on")).values("m").annotate(s=Sum("amount")).values_list("m", "s"))

    def key_of(m):
        return (m.date() if hasattr(m, "date") else m).replace(day=1)

    sales = {key_of(k): v for k, v in sales.items()}
    coll = {key_of(k): v for k, v in coll.items()}
    return Chart(key, title, "line", [f"{m:%Y-%m}" for m in months],
                 [("销售额", [sales.get(m, ZERO) or ZERO for m in months]), ("到账", [coll.get(m, ZERO) or ZERO for m in months])])


def gm_home(user, today: date) -> Home:
    h = Home("GM", "公司今天")
    allo = orders_visible_to(user)
    m0 = month_start(today)
    trend = _trend_chart(allo, _months_back(today, 12), "trend", "近12个月销售与到账")
    # the month's commission cut of special prices rides on the board's query (a constant subquery; MAX over the
    # orders just carries it — there are entries only where there are orders)
    cut_sq = Subquery(CommissionEntry.objects.filter(month=m0).values("month")
                      .annotate(s=Sum(F("basis") * F("cut") / 100)).values("s")[:1])
    board = order_board(allo, today, cut=Max(cut_sq))
    h.cards += [Card("本月到账", trend.series[1][1][-1], "/finance/receipts/", money=True),
                Card("本月销售额", board["s"], "/orders/", money=True, hint=f"{board['n']} 单")]
    _approvals(user, h)
    h.charts.append(trend)
    h.charts.append(_aging_chart(user, as_of=today))
    top = list(allo.filter(status__in=LIVE, created_at__date__gte=today - timedelta(days=365))
               .values("customer_id", "customer__name").annotate(s=Sum("total")).order_by("-s")[:10])
    h.charts.append(Chart("top", "近一年前十大客户", "hbar", [t["customer__name"] for t in top], [("销售额", [t["s"] for t in top])]))
    lost = OrderLine.objects.filter(order__in=allo.filter(status__in=LIVE, created_at__date__gte=m0),
                                    unit_price__lt=F("guide_price")).aggregate(
        below=Coalesce(Sum((F("guide_price") - F("unit_price")) * F("quantity")), ZERO), n=Count("id"))
    h.cards.append(Card("本月低于指导价让利", Decimal(lost["below"]).quantize(Decimal("0.01")), "/reports/sales-by-salesperson/",
                        money=True, hint=f"{lost['n']} 行低于指导价"))
    h.cards.append(Card("本月特价降提成", Decimal(board["cut"] or 0).quantize(Decimal("0.01")), "/performance/commission/",
                        money=True, hint="特价每低 1% 提成降点"))
    pending = board["waiting"][OrderStatus.PENDING_APPROVAL]
    h.cards.append(Card("审批中的订单", pending, f"/orders/?status={OrderStatus.PENDING_APPROVAL}"))
    return h


# --- finance, cashier, warehouse, production -----------------------------------------------------------


def finance_home(user, today: date) -> Home:
    h = Home("FIN", "财务队列")
    unalloc = receipts_visible_to(user).filter(status=ReceiptStatus.POSTED, allocated__lt=F("amount"))
    r = unalloc.aggregate(n=Count("id"), s=Coalesce(Sum(F("amount") - F("allocated")), ZERO))
    to_issue = InvoiceRequest.objects.filter(state=RequestState.APPROVED)
    issue = list(to_issue.select_related("customer").order_by("requested_at", "id")[:8])
    n_issue = len(issue) if len(issue) < 8 else to_issue.count()
    h.cards += [Card("待分配收款", r["n"], "/finance/receipts/", hint=f"{r['s']:,.2f} 元", alert=r["n"] > 0),
                Card("待开票申请", n_issue, "/finance/invoices/", alert=n_issue > 0)]
    waiting = list(unalloc.select_related("customer").order_by("arrived_on", "id")[:8])
    h.lists.append(ItemList("待分配的收款", [{"label": f"{x.number} · {x.customer.name if x.customer else '未识别付款人'}",
                                         "value": f"{x.amount - x.allocated:,.2f}", "sub": f"到账 {x.arrived_on}",
                                         "link": f"/finance/receipts/{x.pk}/"} for x in waiting],
                            "/finance/receipts/", "没有待分配的收款", r["n"]))
    h.lists.append(ItemList("待开发票", [{"label": f"{x.number} · {x.customer.name}", "value": f"{x.amount:,.2f}",
                                      "sub": x.get_kind_display(), "link": "/finance/invoices/"} for x in issue],
                            "/finance/invoices/", "没有待开的发票", n_issue))
    _approvals(user, h)
    h.charts.append(_aging_chart(user, as_of=today))
    return h


def cashier_home(user, today: date) -> Home:
    h = Home("CA", "出纳")
    limit = get_policy()["cash.max_on_hand_5000.max_amount"]
    bal = balance_total()
    h.cards += [Card("库存现金", bal, "/expenses/journal/", money=True, hint=f"限额 {limit:,.2f}", alert=bal > limit)]
    docs, advs = pay_queue()
    docs, advs = list(docs[:10]), list(advs[:10])
    items = [{"label": f"{d.number} · {d.applicant.name}", "value": f"{d.amount:,.2f}", "sub": f"付款日 {d.payment_date or '—'}",
              "link": f"/expenses/{d.pk}/"} for d in docs]
    items += [{"label": f"{a.number} · 借支 {a.borrower.name}", "value": f"{a.amount:,.2f}", "link": f"/expenses/advances/{a.pk}/"}
              for a in advs]
    h.cards.append(Card("待付款", len(items), "/expenses/cashier/", alert=bool(items)))
    h.lists.append(ItemList("待付款（已批准）", items, "/expenses/cashier/", "没有待付款的单据", len(items)))
    _approvals(user, h)
    return h


def warehouse_home(user, today: date) -> Home:
    h = Home("WH", "待发货")
    ready = orders_visible_to(user).filter(status__in=[OrderStatus.READY, OrderStatus.PARTLY_SHIPPED])
    # ship.release_check: an order the check holds says why (待签合同, 已暂停供货, ...), as on the order list
    rows = with_ship_facts(ready.select_related("customer")).order_by("promised_ship_on", "id")[:15]
    items = [{"label": f"{o.number} · {o.customer.name}",
              "sub": f"承诺发货 {o.promised_ship_on or '—'}" + (f" · 暂不能发货：{hold}" if (hold := ship_hold(o)) else ""),
              "late": bool(o.promised_ship_on and o.promised_ship_on < today), "link": f"/orders/{o.pk}/"} for o in rows]
    n = ready.count()
    h.cards.append(Card("待发货订单", n, f"/orders/?status={OrderStatus.READY}", alert=n > 0))
    h.lists.append(ItemList("待发货订单（按承诺发货日）", items, "/orders/", "没有待发货的订单", n))
    return h


def production_home(user, today: date) -> Home:
    h = Home("PROD", "定制交期")
    lines = custom_lines_to_date(user).filter(promised_ship_on__isnull=True)
    n = lines.count()
    items = [{"label": f"{ln.order.number} · {ln.product.name}", "sub": f"数量 {ln.quantity:g}",
              "due": timezone.localtime(ln.prod_date_due_at) if ln.prod_date_due_at else None,
              "late": bool(ln.prod_date_due_at and ln.prod_date_due_at < timezone.now()),
              "link": "/orders/custom-dates/"} for ln in lines[:15]]
    h.cards.append(Card("待录入交期的定制行", n, "/orders/custom-dates/", alert=n > 0))
    h.lists.append(ItemList("待录入交期", items, "/orders/custom-dates/", "没有待录入交期的定制行", n))
    return h


def generic_home(user, today: date) -> Home:
    h = Home("", "工作台")
    _approvals(user, h)
    queues.recent_notifications(user, h)
    return h


BUILDERS = [("GM", gm_home), ("SM", sm_home), ("SP", sp_home), ("FIN", finance_home), ("FD", finance_home),
            ("CA", cashier_home), ("WH", warehouse_home), ("PROD", production_home), ("CSM", queues.service_home),
            ("CS", queues.service_home), ("LS", queues.leads_home), ("ADM", queues.admin_home)]


def home_for(user, today: date | None = None) -> Home:
    """The first page of the user's main role (the first match in BUILDERS order)."""
    today = today or timezone.localdate()
    for role, fn in BUILDERS:
        if user.has_role(role):
            h = fn(user, today)
            h.sees_prices = can(user, "sees_prices")
            return h
    h = generic_home(user, today)
    h.sees_prices = can(user, "sees_prices")
    return h

