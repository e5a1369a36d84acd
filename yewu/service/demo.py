"""Demo service history (called by ``yewu loaddemo`` after the customers and orders): about three months of
tickets of every type, complaints at every step (one overdue, one major, one claim under SM review), a key-customer
campaign in progress, service jobs of each category and a maintenance contract near renewal. Everything goes
through the services with the clock set back (``_clock``), so deadlines, escalations and the audit log are real.
Idempotent: a marker row makes a second run change nothing."""

from __future__ import annotations

import base64
import math
import random
import struct
import zlib
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yewu.common.models import Mutex
from yewu.customers.demo import _clock, ensure_users
from yewu.customers.models import Customer
from yewu.org.models import Department
from yewu.policy.calendar import TZ

from .complaints import services as complaints
from .jobs import services as jobs
from .revisits import services as revisits
from .tickets import services as tickets

MARKER = "demo:service-loaded"
CUSTOMERS_MARKER = "demo:customers-loaded"

CONTENT = {
    "inquiry": ["YJV 3×95 电缆的交货期是多少？", "BV 2.5 平方有没有现货？", "请问控制电缆能否定制颜色？"],
    "tracking": ["上周的订单什么时候发货？", "货到哪里了？司机电话多少？"],
    "suggestion": ["建议送货前一天电话通知。", "希望发票和货一起送到。"],
    "service": ["配电房电缆接头发热，请派人查看。"],
    "adhoc_order": ["临时加订 BV 4 平方 20 卷。"],
}


def _png_signature() -> str:
    """A small scribble as a PNG data URL (the demo's drawn signature)."""
    w, h = 120, 40
    rows = []
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            on = abs((y - 20) - int(12 * math.sin(x / 9))) < 2
            row += bytes([0, 0, 0] if on else [255, 255, 255])
        rows.append(bytes(row))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _departments(u: dict) -> dict[str, Department]:
    out = {}
    for name, leader in (("质检部", "qc"), ("仓储物流部", "wh"), ("生产部", "prod"), ("客服部", "csmanager")):
        d, _ = Department.objects.get_or_create(name=name)
        if d.manager_id is None and leader in u:
            d.manager = u[leader]
            d.save(update_fields=["manager"])
            if u[leader].department_id is None or leader != "csmanager":
                u[leader].department = d
                u[leader].save(update_fields=["department"])
        out[name] = d
    return out


def _wd_back(today: date, days: int, hour: int = 10) -> datetime:
    d = today - timedelta(days=days)
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return datetime.combine(d, time(hour, 15), tzinfo=TZ)


def load() -> dict:
    with transaction.atomic():
        if Mutex.objects.filter(name=MARKER).exists() or not Mutex.objects.filter(name=CUSTOMERS_MARKER).exists():
            return {}
        u = ensure_users()
        out = _load(u)
        Mutex.objects.create(name=MARKER)
    return out


def _load(u: dict) -> dict:
    rng = random.Random(12)
    depts = _departments(u)
    cs, csm = u["cs"], u["csmanager"]
    qa = depts["质检部"]
    today = timezone.localdate()
    custs = list(Customer.objects.filter(owner__isnull=False).order_by("id")[:60])
    keys = list(Customer.objects.filter(key_customer=True).order_by("id"))
    counts = {"tickets": 0, "complaints": 0, "jobs": 0}

    def ticket(at, type, cust=None, **kw):
        with _clock(at + timedelta(minutes=3)):
            t = tickets.create_ticket(cs, tickets.TicketIn(type=type, channel=kw.pop("channel", "phone"),
                                                          content=kw.pop("content", None) or rng.choice(CONTENT.get(type, ["投诉"])),
                                                          customer_id=cust.pk if cust else None, received_at=at, **kw))
        counts["tickets"] += 1
        return t

    # plain tickets over three months, most answered within a working day
    for i in range(24):
        at = _wd_back(today, 90 - i * 3 - rng.randint(0, 2), rng.randint(9, 16))
        typ = ["inquiry", "tracking", "suggestion", "inquiry", "tracking", "adhoc_order"][i % 6]
        t = ticket(at, typ, custs[i % len(custs)])
        if i < 22:
            with _clock(at + timedelta(hours=rng.randint(1, 20))):
                tickets.respond(cs, t.pk, "已电话答复客户" if typ != "tracking" else "已按订单系统告知发货日期")
    for n, region in enumerate(("广州天河", "广州番禺", "佛山", "东莞")):  # unconverted enquiries with their origin region
        at = _wd_back(today, 5 + n * 9)
        t = ticket(at, "inquiry", None, caller_name="未留名", caller_phone="", region=region)
        with _clock(at + timedelta(hours=2)):
            tickets.respond(cs, t.pk, "已介绍产品与价格，客户未下单")
    ticket(_wd_back(today, 0, 9), "inquiry", custs[5], content="今天新来电：询问 YJV 报价")

    def complaint(days, category, cust, **kw):
        t = ticket(_wd_back(today, days), kw.pop("type", "complaint"), cust, category=category,
                   content=kw.pop("content", "产品质量投诉：电缆外护套开裂"), **kw)
        counts["complaints"] += 1
        return t.complaint

    def step(days_after, c, fn, *a, **kw):
        at = c.received_at + timedelta(days=days_after)
        with _clock(at):
            return fn(*a, now=at, **kw)

    # 1. closed: quality complaint, two satisfied visits
    c = complaint(80, "quality", custs[0])
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="经核实为绝缘层工艺问题", department_id=qa.pk)
    step(1, c, complaints.propose, u["qc"], c.pk, [{"text": "免费更换问题批次电缆", "responsible": "褚质检"},
                                                    {"text": "按米数退款"}])
    sol = c.solutions.first()
    step(1.2, c, complaints.select, u["qc"], c.pk, sol.pk)
    step(2, c, complaints.consult, cs, c.pk, agrees=True, opinion="同意更换")
    step(6, c, complaints.implement, u["qc"], c.pk, "已更换 200 米")
    for d, sat in ((8, "satisfied"), (20, "very_satisfied")):
        step(d, c, revisits.record_visit, cs, revisits.VisitIn(complaint_id=c.pk, channel="phone", contact="采购王工",
                                                               visited_at=c.received_at + timedelta(days=d), satisfaction=sat,
                                                               opinion="无"))
    step(21, c, complaints.close, csm, c.pk)
    # 2. unfounded
    c = complaint(60, "price", custs[1], content="认为发票金额有误")
    step(0.2, c, complaints.judge, cs, c.pk, valid=False, finding="核对发票无误，已向客户解释")
    # 3. at intake (today)
    complaint(0, "service", custs[2], content="送货司机态度差")
    # 4. overdue at the department (dispatched 12 days ago, no solution) → escalated
    c = complaint(12, "delivery", custs[3], content="承诺到货日期延误三天")
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实，物流延误", department_id=depts["仓储物流部"].pk)
    # 5. major, waiting for the GM's choice
    c = complaint(3, "quality", keys[0] if keys else custs[4], content="重点客户整批电缆检测不合格")
    step(0.05, c, complaints.flag_major, csm, c.pk, True)
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实，需总经理决定", department_id=qa.pk)
    step(1, c, complaints.propose, u["qc"], c.pk, [{"text": "整批召回并更换"}, {"text": "折价 20% 并延长质保"}])
    # 6. claim ≥ 10,000 under SM review
    complaint(2, "quality", custs[6], type="claim", claim_amount="12000.00", claim_materials="检测报告、现场照片",
              content="电缆故障导致停工，索赔损失")
    # 7. consulting (solution selected, customer to be asked)
    c = complaint(4, "delivery", custs[7], content="送错型号")
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实", department_id=depts["仓储物流部"].pk)
    step(1, c, complaints.propose, u["wh"], c.pk, [{"text": "当天换货并上门取回"}])
    step(1.1, c, complaints.select, u["wh"], c.pk, c.solutions.first().pk)
    # 8. second rejection → GM
    c = complaint(9, "service", custs[8], content="安装服务不到位")
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实", department_id=depts["客服部"].pk)
    for r in range(2):
        step(1 + r * 2, c, complaints.propose, csm, c.pk, [{"text": f"第{r + 1}次方案：重新安排安装"}])
        step(1.1 + r * 2, c, complaints.select, csm, c.pk, c.solutions.last().pk)
        step(1.5 + r * 2, c, complaints.consult, cs, c.pk, agrees=False, opinion="不接受")
    # 9. follow-up due (implemented 2 days ago)
    c = complaint(8, "other", custs[9], content="包装破损")
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实", department_id=depts["仓储物流部"].pk)
    step(1, c, complaints.propose, u["wh"], c.pk, [{"text": "补发包装并致歉"}])
    step(1.1, c, complaints.select, u["wh"], c.pk, c.solutions.first().pk)
    step(2, c, complaints.consult, cs, c.pk, agrees=True, opinion="同意")
    step(6, c, complaints.implement, u["wh"], c.pk, "已补发")
    # 10. implementing (customer agreed yesterday)
    c = complaint(5, "quality", custs[13 % len(custs)], content="接线端子氧化")
    step(0.1, c, complaints.judge, cs, c.pk, valid=True, finding="属实，仓储受潮", department_id=qa.pk)
    step(1, c, complaints.propose, u["qc"], c.pk, [{"text": "更换端子并加装防潮包装", "cost": "860.00", "responsible": "褚质检"}])
    step(1.2, c, complaints.select, u["qc"], c.pk, c.solutions.first().pk)
    step(2, c, complaints.consult, cs, c.pk, agrees=True, opinion="同意，请尽快")
    complaints.escalate_overdue(timezone.now())

    # campaign of the quarter, in progress: a few key customers visited, one with failed attempts
    q0 = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    with _clock(datetime.combine(q0, time(9), tzinfo=TZ) + timedelta(days=1)):
        camp = revisits.create_campaign(csm, f"{today.year}年第{(today.month - 1) // 3 + 1}季度重点客户回访", q0,
                                        q0 + timedelta(days=89))
    for i, k in enumerate(keys[:3]):
        at = _wd_back(today, 5 + i, 10)
        with _clock(at):
            revisits.record_visit(cs, revisits.VisitIn(customer_id=k.pk, campaign_id=camp.pk, channel="phone", contact="负责人",
                                                       visited_at=at, satisfaction="satisfied" if i else "dissatisfied",
                                                       opinion="交货偶有延误" if not i else "无",
                                                       improvement_department_id=depts["仓储物流部"].pk if not i else None))
    if len(keys) > 3:
        for n in range(2):
            with _clock(_wd_back(today, 3 - n, 15)):
                revisits.failed_attempt(cs, camp.pk, keys[3].pk, f"第{n + 1}次电话无人接听")

    # service jobs of each category and a maintenance contract near renewal
    mc_cust = custs[10]
    with _clock(_wd_back(today, 330)):
        mc = jobs.create_contract(csm, mc_cust.pk, today - timedelta(days=345), today + timedelta(days=20), "6000.00",
                                  "配电线路年度维保")
    sig = _png_signature()
    specs = [("A", "天河", custs[11], 30, True), ("B", "番禺", mc_cust, 15, True), ("C", "白云", custs[12], 2, False),
             ("D", "黄埔", None, 0, False), ("A", "海珠", custs[14 % len(custs)], 55, True),
             ("C", "荔湾", custs[15 % len(custs)], 40, True), ("C", "花都", custs[16 % len(custs)], 10, True)]
    for cat, district, cust, days, done in specs:
        at = _wd_back(today, days, 14)
        service_ticket = ticket(at - timedelta(minutes=5), "service", cust) if cust else None  # the 报修 call
        with _clock(at):
            j = jobs.register_job(cs, jobs.JobIn(category=cat, district=district, problem="线路故障排查",
                                                 customer_id=cust.pk if cust else None, registered_at=at,
                                                 ticket_id=service_ticket.pk if service_ticket else None))
        counts["jobs"] += 1
        if cat == "D":
            continue
        with _clock(at + timedelta(hours=1)):
            jobs.dispatch(cs, j.pk, u["sales2"].pk)
        if done:
            with _clock(at + timedelta(hours=3)):
                jobs.arrive(u["sales2"], j.pk)
            with _clock(at + timedelta(hours=5)):
                jobs.close_job(u["sales2"], j.pk, work_done="更换接头，测试正常", signer_name="客户电工", signature=sig,
                               amount="350.00" if cat == "A" else None)
                jobs.rate(cs, j.pk, {"attitude": 4, "skill": 4 - days % 2, "arrival": 3, "follow_through": 4})
    # an on-site problem left unsolved yesterday: already with the customer's SP, the supervisor and the SM
    at = _wd_back(today, 1, 9)
    with _clock(at):
        j = jobs.register_job(cs, jobs.JobIn(category="C", district="越秀", problem="配电柜频繁跳闸",
                                             customer_id=custs[17 % len(custs)].pk, registered_at=at))
    with _clock(at + timedelta(minutes=30)):
        jobs.dispatch(cs, j.pk, u["sales2"].pk)
    with _clock(at + timedelta(hours=2)):
        jobs.arrive(u["sales2"], j.pk)
    with _clock(at + timedelta(hours=3)):
        jobs.report_unsolved(u["sales2"], j.pk, "需更换进口断路器，现场无备件", now=at + timedelta(hours=3))
    counts["jobs"] += 1
    jobs.escalate_unsolved(timezone.now())
    jobs.nightly(timezone.now())
    revisits.first_delivery_tasks(timezone.now())
    counts["maintenance_contract"] = mc.number
    return counts
