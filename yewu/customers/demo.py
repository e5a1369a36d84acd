"""The demo company (``yewu loaddemo``): users of every role and ~200 customers with history.

Deterministic (``random.Random(SEED)``; dates are relative to the day of loading) and idempotent: the whole
load is one transaction and leaves a marker, so a second run changes nothing. Customers, visits, leads and
reviews go through the real services with the clock set back (``_clock``), so name keys, search keys,
entry deadlines, ownership history and the audit log are exactly what live use would have produced.
"""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from pypinyin import lazy_pinyin

from yewu.common.errors import Conflict
from yewu.common.models import Mutex
from yewu.org.models import Department, Team, User
from yewu.policy.calendar import TZ
from yewu.policy.credit import next_report_due
from yewu.policy.customers import credit_code_check_char

SEED = 20250901
PASSWORD = "demo1234"
MARKER = "demo:customers-loaded"

# username, display name, roles, team
USERS = [
    ("gm", "王总", ["GM"], None),
    ("manager", "李经理", ["SM"], "一组"),
    ("manager2", "赵经理", ["SM"], "二组"),
    ("sales1", "张三", ["SP"], "一组"),
    ("sales2", "李四", ["SP"], "一组"),
    ("sales3", "王五", ["SP"], "二组"),
    ("leads", "陈推广", ["LS"], None),
    ("finance", "周财务", ["FIN", "FD"], None),
    ("cashier", "吴出纳", ["CA"], None),
    ("cs", "郑客服", ["CS"], None),
    ("csmanager", "孙客服经理", ["CSM", "CIA"], None),
    ("admin", "系统管理员", ["SYS"], None),
    ("fd", "钱总监", ["FD"], None),  # a second FD: the evaluator (finance) cannot approve own credit rating
    ("adm", "刘行政", ["ADM"], None),
    ("wh", "钱库管", ["WH"], None),
    ("prod", "冯生产", ["PROD"], None),
    ("qc", "褚质检", ["QC"], None),
]
ROLE_NOTE = {
    "gm": "总经理 GM", "manager": "业务经理 SM（一组：广州）", "manager2": "业务经理 SM（二组：佛山/深圳/东莞/中山…）",
    "sales1": "业务员 SP（一组）", "sales2": "业务员 SP（一组）", "sales3": "业务员 SP（二组）",
    "leads": "网络推广专员 LS", "finance": "财务 FIN + 财务总监 FD", "cashier": "出纳 CA", "cs": "客服 CS",
    "csmanager": "客服经理 CSM + 客户信息管理员 CIA", "admin": "系统管理员 SYS（超级用户，/admin/）",
    "fd": "财务总监 FD（授信审批）", "adm": "行政部 ADM（查看已批准的走访单）",
    "wh": "库管 WH（发货、出仓单，看不到价格）", "prod": "生产部 PROD（定制产品交期）", "qc": "质检 QC（退货检验）",
}
TEAMS = {"一组": "广州", "二组": "佛山,深圳,东莞,中山,江门,惠州,珠海"}
SP_PROFILE = {  # territories, knowledge tags, ability factor
    "sales1": ("广州", "电缆,线束", Decimal("1.2")),
    "sales2": ("广州", "照明,五金,电器", Decimal("1.0")),
    "sales3": ("佛山,深圳,东莞,中山,江门,惠州,珠海", "电缆,建材", Decimal("1.0")),
}

# city -> (weight, area code for landlines, credit-code region prefix, districts)
CITIES = {
    "广州": (70, "020", "4401", ["天河区", "白云区", "番禺区", "海珠区", "越秀区", "荔湾区", "黄埔区", "花都区", "增城区", "南沙区", "从化区"]),
    "佛山": (9, "0757", "4406", ["禅城区", "南海区", "顺德区", "三水区", "高明区"]),
    "深圳": (7, "0755", "4403", ["宝安区", "龙岗区", "南山区", "福田区", "龙华区"]),
    "东莞": (6, "0769", "4419", ["长安镇", "虎门镇", "厚街镇", "塘厦镇", "松山湖"]),
    "中山": (4, "0760", "4420", ["古镇镇", "小榄镇", "火炬开发区"]),
    "江门": (2, "0750", "4407", ["蓬江区", "江海区", "新会区"]),
    "惠州": (1, "0752", "4413", ["惠城区", "惠阳区"]),
    "珠海": (1, "0756", "4404", ["香洲区", "斗门区"]),
}
BRAND = [
    "宏达", "永兴", "金盛", "华通", "恒昌", "鑫源", "粤通", "南方", "联创", "志高", "骏业", "嘉和", "瑞丰", "广源",
    "利华", "新锐", "朗峰", "泰和", "众邦", "中鸿", "兴业", "明辉", "安达", "晟丰", "顺发", "宝丽", "汇通", "德力",
    "华美", "丰泽", "锦程", "天力", "昊天", "远航", "恒信", "通力", "聚源", "金鹏", "海鸿", "力拓", "东升", "景辉",
    "佳能达", "创维新", "粤海", "穗安", "长城", "百川", "冠华", "银河", "祥和", "正泰源", "凯旋", "盈科", "诚信",
    "富达", "星光", "万利", "金穗", "新华", "伟业", "英达", "华强", "荣昌", "信隆", "合兴", "岭南", "珠江", "羊城",
]
INDUSTRY = [  # name word, 行业, tags for allocation
    ("电缆", "电线电缆", "电缆"), ("电线电缆", "电线电缆", "电缆"), ("线束", "线束加工", "线束"), ("五金", "五金", "五金"),
    ("电器", "电器", "电器"), ("机电", "机电设备", "电器"), ("照明", "照明", "照明"), ("灯饰", "照明", "照明"),
    ("建材", "建材", "建材"), ("电子", "电子", "线束"), ("电气", "电气工程", "电缆"), ("自动化", "自动化设备", "电器"),
    ("开关", "电器", "电器"), ("机电设备", "机电设备", "电器"), ("装饰材料", "建材", "建材"),
]
SUFFIX = ["有限公司", "有限公司", "有限公司", "科技有限公司", "实业有限公司", "贸易有限公司", "制品厂", "经营部",
          "商行", "工程有限公司", "设备有限公司", "股份有限公司"]
ROADS = ["黄埔大道西", "广园中路", "沙太路", "迎宾路", "工业大道", "科技路", "建设路", "人民路", "环城路", "新港东路",
         "广州大道北", "市桥大道", "站前路", "江南大道中", "五金城", "兴业路", "创业路", "东风路"]
SURNAMES = "陈李黄张梁林刘吴何罗郑周王杨谢曾冯邓麦钟赖叶苏卢蔡朱"
GIVEN = ["志强", "伟明", "丽华", "少华", "建国", "家豪", "嘉欣", "国栋", "美玲", "文杰", "俊杰", "晓东", "秀英", "永健",
         "振华", "海燕", "锦荣", "婉婷", "建华", "敏", "静", "勇", "辉", "国强", "小燕", "志明", "淑芬", "耀祖"]
TITLES = ["总经理", "采购经理", "采购主管", "老板", "技术主管", "财务经理", "工程部经理", "副总经理", "采购员"]
MOBILE_PREFIX = ["135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188",
                 "189", "133", "153", "180", "181", "177", "199", "134", "182"]
PURPOSES = [
    ("初次拜访，了解需求", "opening"), ("产品介绍", "introduction"), ("报价跟进", "objections"), ("送样品", "introduction"),
    ("技术交流", "introduction"), ("合同洽谈", "closing"), ("节日问候", ""), ("了解竞争对手情况", "observation"),
    ("回款沟通", ""), ("新品推介", "introduction"),
]
CONTENT = [
    "客户目前主要采购{p}，月用量约{n}万元，对交期要求较高。",
    "与{c}沟通，对方关注价格和账期，计划下月集中采购。",
    "客户反映上一家供应商质量不稳定，愿意试用我司产品。",
    "介绍了国标和非国标产品的区别，客户倾向国标型号。",
    "客户项目在招标阶段，需要提供资质文件和检测报告。",
    "{c}表示老板出差，下周再约时间详谈。",
]
NEXT_STEPS = ["寄送样品", "发报价单", "约见采购经理", "安排技术人员上门", "提交资质文件", "跟进招标结果", "电话回访"]
CHANNELS = ["visit", "phone", "phone", "wechat", "wechat", "email", "visit"]


@contextlib.contextmanager
def _clock(at: datetime):
    """Run services as if it were ``at`` (auto_now fields, deadlines, audit times follow). A plain function stands in
    for ``timezone.now`` (as ``mock.patch`` would, without building a MagicMock: the demo sets the clock ~4,600
    times and the mocks cost about a tenth of ``loaddemo``)."""
    from yewu.org.policy_cache import policy_scope  # demo only: imported when loaddemo runs

    saved = timezone.now
    timezone.now = lambda: at
    try:
        with policy_scope():
            yield
    finally:
        timezone.now = saved


def _work_time(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), tzinfo=TZ)


class _Gen:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.mobiles: set[str] = set()
        self.names: set[str] = set()

    def city(self) -> str:
        names = list(CITIES)
        return self.rng.choices(names, weights=[CITIES[c][0] for c in names])[0]

    def company(self, city: str) -> tuple[str, str, str, str]:
        """(name, district, industry label, tag)"""
        r = self.rng
        district = r.choice(CITIES[city][3])
        word, industry, tag = r.choice(INDUSTRY)
        brand = r.choice(BRAND)
        place = f"{city}市" if r.random() < 0.8 else ""
        mid = district if (place and r.random() < 0.35) else ""
        name = f"{place}{mid}{brand}{word}{r.choice(SUFFIX)}"
        return name, district, industry, tag

    def mobile(self) -> str:
        while True:
            m = self.rng.choice(MOBILE_PREFIX) + f"{self.rng.randint(0, 99999999):08d}"
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def credit_code(self, city: str) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "91" + CITIES[city][2] + f"{self.rng.randint(0, 99):02d}" + "".join(
            self.rng.choice(alphabet) for _ in range(9))
        return body + credit_code_check_char(body)

    def contacts(self, city: str, brand_py: str):
        from yewu.customers.archive.services import ContactIn

        out = []
        for i in range(self.rng.choice([1, 1, 2, 2, 3])):
            c = ContactIn(name=self.person(), title=self.rng.choice(TITLES), is_decision_maker=(i == 0),
                          mobile=self.mobile())
            if self.rng.random() < 0.4:
                c.phone = f"{CITIES[city][1]}-{self.rng.randint(2, 8)}{self.rng.randint(0, 9999999):07d}"
            if self.rng.random() < 0.3:
                c.email = f"{brand_py}{self.rng.randint(1, 99)}@{self.rng.choice(['163.com', 'qq.com', '126.com'])}"
            if self.rng.random() < 0.5:
                c.wechat = f"wx_{brand_py}{self.rng.randint(100, 999)}"
            out.append(c)
        return out


def ensure_users() -> dict[str, User]:
    dept, _ = Department.objects.get_or_create(name="业务部")
    teams = {}
    for name, terr in TEAMS.items():
        teams[name], _ = Team.objects.get_or_create(name=name, defaults={"department": dept, "territories": terr})
    users = {}
    for username, display, roles, team in USERS:
        u = User.objects.filter(username=username).first()
        if u is None:
            u = User(username=username, display_name=display, roles=roles, department=dept,
                     team=teams[team] if team else None, is_staff=("SYS" in roles or "GM" in roles),
                     is_superuser="SYS" in roles)
            if username in SP_PROFILE:
                u.territories, u.knowledge_tags, u.ability_factor = SP_PROFILE[username]
            u.set_password(PASSWORD)
            u.save()
        users[username] = u
    changed = False
    for tname, mgr in (("一组", "manager"), ("二组", "manager2")):
        if teams[tname].manager_id is None:
            teams[tname].manager = users[mgr]
            teams[tname].save(update_fields=["manager"])
            changed = True
    if dept.manager_id is None:
        dept.manager = users["gm"]
        dept.save(update_fields=["manager"])
    if changed:
        users = {k: User.objects.get(pk=v.pk) for k, v in users.items()}
    return users


def load(stdout=None) -> dict:
    """Load the demo company; returns counts. Second and later runs change nothing."""
    with transaction.atomic():
        users = ensure_users()
        if Mutex.objects.filter(name=MARKER).exists():
            return {"loaded": False}
        counts = _load_customers(users)
        Mutex.objects.create(name=MARKER)
    return {"loaded": True, **counts}


def _load_customers(u: dict[str, User]) -> dict:
    from yewu.customers import services as s
    from yewu.customers.models import Customer, Status

    rng = random.Random(SEED)
    gen = _Gen(rng)
    now = timezone.now()
    today = now.astimezone(TZ).date()
    counts = {"customers": 0, "visits": 0, "web_leads": 0, "pool_leads": 0, "first_contact_overdue": 0,
              "late_entries": 0, "pending_review": 0, "confidential": 0}
    team_sps = {"广州": [u["sales1"], u["sales2"]]}
    mgr_of = {u["sales1"].pk: u["manager"], u["sales2"].pk: u["manager"], u["sales3"].pk: u["manager2"]}

    def new_customer(actor, *, city=None, filed_at, owner=None, web=False, late=False, grade=None):
        for _attempt in range(20):
            c_city = city or gen.city()
            name, district, industry, tag = gen.company(c_city)
            brand_py = "".join(lazy_pinyin(name[-8:-4] or name))[:12] or "kehu"
            collected = filed_at.astimezone(TZ).date() - timedelta(
                days=rng.randint(5, 12) if late else rng.choice([0, 0, 0, 1]))
            data = s.CustomerIn(
                name=name, city=c_city, source="web" if web else rng.choice(
                    ["direct", "direct", "direct", "referral", "trade_show", "walk_in", "association", "press", "event"]),
                contacts=gen.contacts(c_city, brand_py),
                demand_grade=grade or rng.choices(["A", "B", "C"], weights=[15, 35, 50])[0],
                credit_code=gen.credit_code(c_city) if rng.random() < 0.5 else "",
                collected_on=collected,
                extra={
                    "district": district, "industry": industry, "territory": c_city,
                    "kind": "enterprise", "category": rng.choice(["end_user", "end_user", "distributor", "retailer"]),
                    "registered_address": f"{c_city}市{district}{rng.choice(ROADS)}{rng.randint(1, 388)}号",
                    "delivery_address": f"{c_city}市{district}{rng.choice(ROADS)}{rng.randint(1, 388)}号"
                                        + rng.choice(["", "A栋", "3楼", "仓库", "B区2号仓"]),
                    "invoice_choice": rng.choice(["vat_special", "vat_special", "vat_special", "general", "none"]),
                    "scale": rng.choice(["10人以下", "10-50人", "50-200人", "200人以上"]),
                    "main_business": f"{industry}产品的生产与销售",
                    "payday": rng.choice(["每月10日", "每月15日", "每月25日", ""]),
                },
            )
            try:
                with _clock(filed_at):
                    if web:
                        c, _ = s.enter_lead(actor, data, tags=tag)
                    else:
                        c, _ = s.file_customer(actor, data, owner=owner)
            except Conflict:  # a generated name/phone too close to an existing one: draw again
                continue
            counts["customers"] += 1
            counts["late_entries"] += c.late_entry
            return c
        raise RuntimeError("could not generate a unique demo customer")

    def visits(c: Customer, sp: User, start: datetime, n: int, first_within_days: int = 5):
        """n logged contacts from ``start`` up to now, the first within ``first_within_days``."""
        t = start + timedelta(hours=rng.randint(2, 24 * first_within_days))
        for i in range(n):
            if t >= now - timedelta(minutes=30):
                break
            purpose, step = PURPOSES[0] if i == 0 else rng.choice(PURPOSES[1:])
            ch = rng.choice(CHANNELS)
            contact = c.contacts.first()
            mgr = mgr_of.get(sp.pk)
            nxt = rng.choice(NEXT_STEPS)
            data = s.VisitIn(
                channel=ch, purpose=purpose, at=t, step=step,
                contacts_met=contact.name if contact else "",
                content=rng.choice(CONTENT).format(p=c.industry or "电线电缆", n=rng.randint(2, 30),
                                                   c=contact.name if contact else "客户"),
                next_step=nxt,
                next_visit_on=(t + timedelta(days=rng.randint(3, 21))).astimezone(TZ).date() if rng.random() < 0.6 else None,
                accompanied_by_id=mgr.pk if (mgr and ch == "visit" and rng.random() < 0.25) else None,
                dissatisfaction="交货延迟两天，已协调仓库优先发货" if rng.random() < 0.05 else "",
            )
            with _clock(t + timedelta(minutes=rng.randint(5, 90))):
                s.log_visit(sp, c.pk, data)
            counts["visits"] += 1
            t += timedelta(days=rng.randint(3, 25), hours=rng.randint(-3, 3))

    def review(c: Customer, mgr: User, at: datetime, accept=True):
        with _clock(at):
            s.review_customer(mgr, c.pk, accept, "" if accept else "联系人信息不完整，请补充采购负责人电话")

    # 1. the bulk: 190 customers filed by their salesperson over the last 6 months
    plan = []
    for i in range(190):
        city = gen.city()
        days_ago = rng.randint(0, 6) if i % 12 == 0 else int(rng.triangular(7, 180, 40))
        plan.append((days_ago, city))
    plan.sort(key=lambda x: -x[0])
    filed: list[tuple[Customer, User, datetime]] = []
    for i, (days_ago, city) in enumerate(plan):
        sp = rng.choice(team_sps[city]) if city in team_sps else u["sales3"]
        at = _work_time(rng, today - timedelta(days=days_ago))
        if at > now:
            at = now - timedelta(hours=1)
        late = rng.random() < (0.3 if days_ago <= 6 else 0.06)
        overdue = days_ago >= 8 and i % 30 == 7  # a few never contacted: first contact overdue
        if overdue:  # filed by the manager for the salesperson, who never called
            c = new_customer(mgr_of[sp.pk], city=city, filed_at=at, owner=sp, late=late)
            counts["first_contact_overdue"] += 1
        else:
            c = new_customer(sp, city=city, filed_at=at, late=late)
            if days_ago >= 7 or rng.random() < 0.6:
                visits(c, sp, at, rng.choice([1, 2, 2, 3, 3, 4, 5, 6]) if days_ago > 20 else rng.choice([1, 2]))
        filed.append((c, sp, at))

    # 2. reviews: older archives were accepted by the SM the next working morning; recent ones wait
    for c, sp, at in filed:
        age = (now - at).days
        mgr = mgr_of[sp.pk]
        if age >= 6:
            review(c, mgr, at + timedelta(hours=rng.randint(16, 40)), accept=rng.random() > 0.03)
    counts["pending_review"] = Customer.objects.filter(review_state="pending").count()

    # 3. trading customers: older, contacted customers became active (orders come with the sales module)
    for c, _sp, at in filed:
        c.refresh_from_db()
        if (now - at).days > 45 and c.first_contact_at and rng.random() < 0.55:
            grade = rng.choices(["A", "B", "C", ""], weights=[20, 35, 25, 20])[0]
            limit = {"A": rng.choice([50000, 80000, 100000]), "B": rng.choice([10000, 20000]),
                     "C": rng.choice([0, 5000]), "": 0}[grade]
            Customer.objects.filter(pk=c.pk).update(
                status=Status.ACTIVE, trading_since=(at + timedelta(days=rng.randint(10, 40))).astimezone(TZ).date(),
                credit_grade=grade, credit_limit=Decimal(limit), term_days=30 if grade in ("A", "B") else 0,
                credit_rated_at=(at + timedelta(days=20)) if grade else None,
                credit_next_report_on=next_report_due((at + timedelta(days=20)).astimezone(TZ).date(), grade)
                if grade else None,
                default_settlement="CREDIT" if grade in ("A", "B") else rng.choice(["CASH", "PREPAY"]),
            )

    # 4. confidentiality and key customers, set by the managers / GM through the service
    picks = [c for c, _sp, at in filed if (now - at).days > 30]
    rng.shuffle(picks)
    for c in picks[:7]:
        mgr = mgr_of[c.owner_id] if c.owner_id in mgr_of else u["manager"]
        with _clock(now - timedelta(days=rng.randint(1, 20))):
            s.update_customer(mgr, c.pk, {"confidentiality": "confidential"})
        counts["confidential"] += 1
    with _clock(now - timedelta(days=3)):
        s.update_customer(u["gm"], picks[7].pk, {"confidentiality": "top_secret"})
    for c in picks[8:14]:
        mgr = mgr_of[c.owner_id] if c.owner_id in mgr_of else u["manager"]
        with _clock(now - timedelta(days=rng.randint(1, 20))):
            s.update_customer(mgr, c.pk, {"key_customer": True, "demand_grade": "A"})

    # 5. web leads: some allocated (two never contacted), a few still in the pool, some past the
    #    allocation deadline (1 working day after the 18:00 hand-over)
    for i, days_ago in enumerate([20, 15, 12, 9, 6]):
        at = _work_time(rng, today - timedelta(days=days_ago))
        c = new_customer(u["leads"], city="广州" if i % 2 == 0 else None, filed_at=at, web=True)
        counts["web_leads"] += 1
        mgr = u["manager"] if c.city == "广州" else u["manager2"]
        with _clock(at + timedelta(hours=20)):
            c = s.allocate_lead(mgr, c.pk)
        if i >= 3:
            counts["first_contact_overdue"] += 1 if days_ago >= 8 else 0
            continue
        visits(c, c.owner, at + timedelta(hours=20), rng.choice([1, 2, 3]))
    for days_ago in [5, 4, 1, 0, 0]:
        at = _work_time(rng, today - timedelta(days=days_ago))
        if at > now:
            at = now - timedelta(minutes=20)
        new_customer(u["leads"], filed_at=at, web=True, grade="B")
        counts["web_leads"] += 1
        counts["pool_leads"] += 1
    return counts


def logins_table() -> str:
    lines = [f"{'用户名':<10} {'角色':<40}", "-" * 60]
    for username, _display, _roles, _team in USERS:
        lines.append(f"{username:<12} {ROLE_NOTE[username]}")
    lines.append(f"所有演示账号密码 / password for every demo login: {PASSWORD}")
    return "\n".join(lines)
