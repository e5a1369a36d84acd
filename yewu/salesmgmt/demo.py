"""Demo data for sales management (SPEC §7), every record made THROUGH THE SERVICES with the clock set back:
four more salespeople (so the leaderboard has a field), targets for last and this month set by the SMs on time,
daily activity (calls, visits, new customers, receipts, work logs) for every working day of last month and this
month so far, the 部门管理表 of the last ten working days drafted at 18:00 and submitted before 09:00 (one late),
coaching notes for most shortfalls, an action plan, supervision logs and training records. Idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.common.errors import YewuError
from yewu.common.models import Mutex
from yewu.org.models import User
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol
from yewu.policy.calendar import TZ

MARKER = "demo:salesmgmt-loaded"
EXTRA_SPS = [("sales4", "孙七", "一组"), ("sales5", "周八", "一组"), ("sales6", "吴九", "二组"), ("sales7", "郑十", "二组")]
SHOPS = ["五金交电", "机电设备", "电气工程", "建材商行", "照明电器", "水电安装", "电线电缆经营部", "自动化设备"]
DISTRICTS = {"一组": ["天河", "白云", "番禺", "海珠", "越秀", "黄埔"], "二组": ["佛山", "东莞", "中山", "惠州", "江门"]}


def _at(day: date, h: int, m: int = 0, s: int = 0) -> datetime:
    return datetime.combine(day, time(h, m, s), tzinfo=TZ)


def _extra_salespeople(users: dict) -> list[User]:
    from yewu.org.models import Team  # demo only: loaded by loaddemo after the apps are ready

    out = []
    for username, name, team in EXTRA_SPS:
        u = User.objects.filter(username=username).first()
        if u is None:
            u = User(username=username, display_name=name, roles=["SP"], department=users["sales1"].department,
                     team=Team.objects.get(name=team))
            u.set_password("demo1234")
            u.save()
        out.append(u)
    return out


def _file(rng, sp: User, n: int, at: datetime):
    # demo only: the other areas' demo helpers and services are imported when loaddemo runs
    from yewu.customers.demo import _clock
    from yewu.customers.services import ContactIn, CustomerIn, file_customer

    team = sp.team.name if sp.team_id else "一组"
    city = "广州" if team == "一组" else rng.choice(DISTRICTS["二组"])
    district = rng.choice(DISTRICTS["一组"]) if team == "一组" else ""
    name = f"{city}{district}{rng.choice('恒鑫宏达永盛华通金利万佳顺发')}{rng.choice('泰源丰隆昌晟和兴')}{SHOPS[n % len(SHOPS)]}{n}号"
    data = CustomerIn(name=name, city=city, source="direct",
                      contacts=[ContactIn(name=rng.choice(["陈", "林", "黄", "梁", "何"]) + "老板",
                                          mobile=f"13{rng.randint(100000000, 999999999)}")])
    try:
        with _clock(at):
            c, _ = file_customer(sp, data)
        return c
    except YewuError:
        return None


def load() -> dict:
    # demo only: services of this and other areas imported when loaddemo runs, not when the app loads
    from yewu.catalog.models import Product
    from yewu.customers.demo import _clock, ensure_users
    from yewu.customers.models import Customer
    from yewu.customers.services import VisitIn, log_visit
    from yewu.finance.services import create_receipt

    from .daily import services as daily
    from .models import CoachingNote, DepartmentTable
    from .plans import services as plans
    from .routes import services as routes
    from .targets import services as targets
    from .training import services as training

    if Mutex.objects.filter(name=MARKER).exists():
        return {}
    rng = random.Random(13)
    cal = get_calendar()
    now = timezone.now()
    today = timezone.localdate(now)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    counts = {"targets": 0, "calls": 0, "visits": 0, "receipts": 0, "tables": 0, "late_tables": 0, "coaching": 0}
    with transaction.atomic():
        users = ensure_users()
        sps = [users["sales1"], users["sales2"], users["sales3"]] + _extra_salespeople(users)
        skill = {sp.pk: s for sp, s in zip(sps, (1.15, 0.95, 1.05, 0.8, 1.25, 0.7, 1.0), strict=True)}
        own = {sp.pk: list(Customer.objects.filter(owner=sp).values_list("pk", flat=True)[:40]) for sp in sps}
        seq = 0
        for sp in sps:  # the new salespeople start with a few customers
            while len(own[sp.pk]) < 6:
                seq += 1
                c = _file(rng, sp, seq, _at(last_month - timedelta(days=20), 10))
                if c is not None:
                    own[sp.pk].append(c.pk)
        # targets: set on the previous month's last working day, 10:00, by each team's SM, for the team in one grid
        for month in (last_month, this_month):
            py, pm = pol.previous_month(month.year, month.month)
            set_at = _at(pol.last_working_day(py, pm, cal), 10)
            for mgr in (users["manager"], users["manager2"]):
                rows = [{"salesperson_id": sp.pk, "collections": str(Decimal(rng.choice([80, 100, 120, 150]) * 1000)),
                         "visits": rng.choice([40, 50, 60]), "calls": rng.choice([300, 360, 400]),
                         "new_intent": 3 * len(pol.month_working_days(month.year, month.month, cal)),
                         "met": len(pol.month_working_days(month.year, month.month, cal))}
                        for sp in sps if sp.team_id and sp.team.manager_id == mgr.pk]
                with _clock(set_at):
                    counts["targets"] += targets.set_month_targets(mgr, month, rows)["set"]
        # activity on every working day from the start of last month to today
        days = [d for d in (last_month + timedelta(days=i) for i in range((today - last_month).days + 1))
                if cal.is_working_day(d)]
        fin = users["finance"]
        outcomes = ["interested", "follow_up", "not_interested", "no_answer", "no_answer", "order"]
        for d in days:
            for sp in sps:
                k = skill[sp.pk]
                last_hour = 17 if d < today else min(17, max(9, timezone.localtime(now).hour))
                for _ in range(max(0, int(rng.gauss(16 * k, 4)))):
                    at = _at(d, rng.randint(9, last_hour), rng.randint(0, 59))
                    if at > now:
                        continue
                    with _clock(at):
                        daily.log_call(sp, rng.choice(outcomes))
                    counts["calls"] += 1
                for _ in range(max(0, int(rng.gauss(2.6 * k, 1)))):
                    at = _at(d, rng.randint(9, last_hour), rng.randint(0, 59))
                    if at > now or not own[sp.pk]:
                        continue
                    cid = rng.choice(own[sp.pk])
                    try:
                        with _clock(at):
                            log_visit(sp, cid, VisitIn(channel="visit", purpose=rng.choice(["回访", "推荐新品", "催款", "送样"]),
                                                       at=at, contacts_met=rng.choice(["陈老板", "采购李工", "黄经理", ""]),
                                                       step=rng.choice(["introduction", "objections", "closing"])))
                        counts["visits"] += 1
                    except YewuError:
                        pass
                if rng.random() < 0.25 * k:
                    seq += 1
                    c = _file(rng, sp, seq, _at(d, 15, rng.randint(0, 59)))
                    if c is not None:
                        own[sp.pk].append(c.pk)
                if d < today and rng.random() < 0.55 * k and own[sp.pk]:
                    amount = Decimal(rng.choice([800, 1500, 2600, 3000, 4800, 6500, 9800, 12000, 18600])).quantize(Decimal("0.01"))
                    with _clock(_at(d, 16, 30)):
                        create_receipt(fin, customer_id=rng.choice(own[sp.pk]), amount=amount, arrived_on=d,
                                       reference=f"DEMO-{d:%m%d}-{sp.pk}", auto=False)
                    counts["receipts"] += 1
                if d < today:
                    with _clock(_at(d, 17, 40)):
                        daily.save_work_log(sp, d, rng.choice([
                            "上午电话回访老客户，下午拜访两家新店，介绍 YJV 电缆。", "跟进工程项目报价，催收上月货款。",
                            "陪同经理拜访重点客户，谈成一张订单。", "整理客户资料，电话开发新客户。"]))
        # the 部门管理表 of the last ten working days: drafted 18:00, submitted next working day before 09:00
        recent = [d for d in days if d < today or timezone.localtime(now).time() >= time(18, 0)][-10:]
        late_day = recent[-3] if len(recent) >= 3 else None
        for d in recent:
            for team_mgr in (users["manager"], users["manager2"]):
                with _clock(_at(d, 18, 0)):
                    t = daily.draft_table(team_mgr.managed_teams.first(), d)
                counts["tables"] += 1
                nxt = cal.next_working_day(d)
                sub_at = _at(nxt, 9, 7, 30) if (d == late_day and team_mgr == users["manager2"]) else \
                    _at(nxt, 8, rng.randint(30, 55), rng.randint(0, 59))
                if sub_at <= now and d != recent[-1]:
                    with _clock(sub_at):
                        t = daily.submit_table(team_mgr, t.pk, notes="已审核，未达标人员已安排辅导")
                    counts["late_tables"] += int(t.late)
                for n in CoachingNote.objects.filter(day=d, team=t.team, done_at__isnull=True):
                    at = _at(nxt, 17, 0)
                    if d != recent[-1] and at <= now:
                        with _clock(at):
                            daily.record_coaching(team_mgr, n.pk, rng.choice([
                                "电话量不足：明早 9:20 检查电话清单，要求上午完成 20 通。",
                                "到账未达标：梳理逾期客户，明天上门催款两家。", "新客户开发不足：本周陪同拜访一次。"]))
                        counts["coaching"] += 1
                if d >= recent[-5] and _at(nxt, 9, 25) <= now:
                    with _clock(_at(nxt, 9, 25)):
                        for sp in sps:
                            if sp.team_id == t.team_id:
                                daily.log_supervision(team_mgr, sp.pk, "call_list", "电话清单已检查，客户 20 家")
        # daily.supervision: each SM's accompanied deal-closing visit, one a week (二组 skipped the week before last)
        weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
        for i, w in enumerate(weeks):
            wd = [d for d in days if w <= d < w + timedelta(days=7)]
            for mgr in (users["manager"], users["manager2"]):
                if mgr == users["manager2"] and i == len(weeks) - 2:
                    continue
                at = _at(wd[len(wd) // 2], 14, 30)
                team_sps = [sp for sp in sps if sp.team_id and sp.team.manager_id == mgr.pk]
                if at <= now and team_sps:
                    with _clock(at):
                        daily.log_supervision(mgr, rng.choice(team_sps).pk, "accompanied",
                                              rng.choice(["陪同拜访重点客户，促成电缆订单", "陪同催收并谈成续单",
                                                          "陪同拜访新工程客户，确认报价"]))
                    counts["supervision"] = counts.get("supervision", 0) + 1
        # weekly action items for next week naming key customers (visit.weekly_plan), submitted before Friday 12:00
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        if now <= pol.weekly_plan_due(monday, cal):
            for sp in sps:
                if own[sp.pk]:
                    with _clock(now):
                        plans.submit_plan(sp, "weekly", monday, [
                            {"text": "重点拜访，推荐新品", "planned": 1, "customer_id": own[sp.pk][0]},
                            {"text": "电话回访老客户", "planned": 40}])
        # a monthly action plan per SP for this month (submitted on time last month), with the SM's instructions
        for sp in sps:
            py, pm = pol.previous_month(this_month.year, this_month.month)
            with _clock(_at(pol.last_working_day(py, pm, cal), 15)):
                p = plans.submit_plan(sp, "monthly", this_month, [
                    {"text": "老客户复购回访 30 家", "planned": 30}, {"text": "新开发意向客户 20 家", "planned": 20},
                    {"text": "回款目标", "planned": "100000"}])
            mgr = sp.team.manager
            with _clock(_at(pol.last_working_day(py, pm, cal), 17)):
                plans.instruct(mgr, p.pk, "重点跟进工程类客户，月中检查进度。")
        with _clock(_at(days[0], 9)):
            training.record_training(users["manager"], kind="weekly", title="上周重点问题：回款与报价", day=days[0], days=1,
                                     trainer_id=users["manager"].pk, attendee_ids=[s.pk for s in sps if s.team_id == users["manager"].team_id],
                                     team_id=users["manager"].managed_teams.first().pk)
        # 线路拜访表: one completed route visit (8 steps, stock counted, next visit agreed) on the last working day
        product = next((p for p in Product.objects.filter(active=True).order_by("id")[:20]
                        if p.guide_price_on(days[-1]) is not None), None)
        visit_day = days[-2] if len(days) > 1 else days[-1]
        if own[sps[0].pk]:
            # two weeks earlier the dealer had 40 on hand; now 3: W = 37 × 7 / 28 = 9.25, 1.5 × W − 3 → 20 (pack 10),
            # confirmed into a draft order (route.safety_stock_1_5)
            steps = [{"step": n, "note": "陈列整齐，库存已点" if n == 4 else ""} for n in pol.ROUTE_STEPS]
            first_day = cal.next_working_day(visit_day - timedelta(days=15))
            with _clock(_at(first_day, 10, 30)):
                routes.record_visit(sps[0], customer_id=own[sps[0].pk][0], steps=steps,
                                    lines=[{"product_id": product.pk, "on_hand": 40, "pack": 10}] if product else [],
                                    next_visit_on=visit_day)
            with _clock(_at(visit_day, 10, 30)):
                routes.record_visit(
                    sps[0], customer_id=own[sps[0].pk][0], steps=steps,
                    lines=[{"product_id": product.pk, "on_hand": 3, "pack": 10}] if product else [],
                    next_visit_on=cal.next_working_day(visit_day + timedelta(days=6)), confirm_order=bool(product))
            counts["route_visits"] = 2
        Mutex.objects.create(name=MARKER)
    counts["late_tables"] = DepartmentTable.objects.filter(late=True).count()
    return counts
