"""Generate N benchmark customers (1–2 contacts, 0–3 visits each) into a SEPARATE bench database.

    YEWU_DATA_DIR=bench/out .venv/bin/python bench/gen_customers.py --n 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yewu_bench .venv/bin/python bench/gen_customers.py --n 100000

Realistic Chinese company names (city + brand + trade + legal form), name_key from
yewu.policy.customers.name_key and the pinyin keys from services._search_keys (the same functions filing
uses), bulk_create in batches. Adds customers until the database holds N; re-running is cheap.
The PostgreSQL database is created if missing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CITIES = {  # city → districts
    "广州": ["白云区", "天河区", "番禺区", "海珠区", "越秀区", "黄埔区", "花都区", "增城区"],
    "佛山": ["南海区", "顺德区", "禅城区", "三水区"], "深圳": ["宝安区", "龙岗区", "南山区", "福田区"],
    "东莞": ["长安镇", "虎门镇", "塘厦镇", "常平镇"], "中山": ["小榄镇", "古镇镇", "火炬区"], "珠海": ["香洲区", "斗门区"],
    "惠州": ["惠城区", "惠阳区"], "江门": ["蓬江区", "新会区"], "肇庆": ["端州区"], "清远": ["清城区"],
    "长沙": ["岳麓区", "雨花区"], "武汉": ["江汉区", "洪山区"], "南宁": ["青秀区"], "厦门": ["湖里区", "思明区"],
    "福州": ["鼓楼区"], "杭州": ["萧山区", "余杭区"], "上海": ["闵行区", "嘉定区"], "成都": ["武侯区", "郫都区"],
    "重庆": ["渝北区", "九龙坡区"], "昆明": ["官渡区"],
}
CITY_WEIGHTS = [30, 12, 12, 10, 6, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 1]
BRAND_CHARS = ("恒通明辉华强永盛新科金达宏发鑫源利丰兴隆广达盛世东方瑞祥富华德信安泰嘉和万顺长城联合天宇中华海星"
               "正泰佳宝伟业鸿运腾飞立信凯旋光明大众南方远航创新汇能力通百川金鹏亿达华南粤海宝丰振兴骏马鼎盛")
TRADES = ["电线电缆", "五金", "照明", "电器", "机电", "建材", "塑胶", "电子", "自动化", "贸易", "科技", "实业", "线束",
          "开关", "灯饰", "电气", "工程", "机械", "装饰", "供应链"]
FORMS = ["有限公司"] * 10 + ["贸易有限公司"] * 3 + ["股份有限公司", "经营部", "商行", "厂", "五金店", "电器行"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌辉鹏飞宇浩然俊峰婷雪梅海燕晓东"
TITLES = ["采购经理", "总经理", "老板", "采购", "财务", "工程部经理", "仓管", "项目经理", "副总", ""]
PURPOSES = ["首次拜访，介绍公司产品", "送样品", "报价跟进", "回访使用情况", "催收货款", "洽谈年度合作", "处理质量反馈", "节日问候"]


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_pg_database(url)
    import django

    django.setup()


def ensure_pg_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    name = name.split("?")[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def bench_company():
    """A company of 10 teams × 10 salespeople, their managers and a GM (idempotent)."""
    from yewu.org.models import Department, Team, User

    dept, _ = Department.objects.get_or_create(name="业务部")

    def user(username, roles, team=None, name=""):
        u = User.objects.filter(username=username).first()
        if u is None:
            u = User.objects.create_user(username=username, password="demo1234", roles=roles, team=team,
                                         department=dept, display_name=name or username)
        return u

    gm = user("bench_gm", ["GM"], name="基准总经理")
    sps, managers = [], []
    for t in range(1, 11):
        team, _ = Team.objects.get_or_create(name=f"基准{t}组", defaults={"department": dept})
        m = user(f"bench_sm{t:02d}", ["SM"], team, f"经理{t:02d}")
        if team.manager_id != m.id:
            team.manager = m
            team.save(update_fields=["manager"])
        managers.append(m)
        for i in range(1, 11):
            sps.append(user(f"bench_sp{t:02d}{i:02d}", ["SP"], team, f"业务员{t:02d}{i:02d}"))
    return gm, managers, sps


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def landline(rng: random.Random) -> str:
    return f"0{rng.choice(['20', '757', '755', '769', '760'])}-{rng.randrange(2 * 10**7, 9 * 10**7)}"


def company_name(rng: random.Random, city: str) -> str:
    brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
    prefix = city + ("市" if rng.random() < 0.3 else "") if rng.random() < 0.8 else ""
    return f"{prefix}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"


def generate(n: int, seed: int, batch: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from yewu.customers.models import Contact, Customer, OwnershipChange, SearchToken, Source, Visit
    from yewu.customers.search.services import index_rows
    from yewu.customers.search.services import search_keys as _search_keys
    from yewu.policy.customers import name_key, normalize_phone

    gm, managers, sps = bench_company()
    have = Customer.objects.count()
    if have >= n:
        print(f"{connection.vendor}: already {have} customers (≥ {n}); nothing to do")
        return
    rng = random.Random(seed + have)
    keys = set(Customer.objects.values_list("name_key", flat=True))
    cities, sources = list(CITIES), list(Source.values)
    now = timezone.now()
    t0 = time.perf_counter()
    todo = n - have
    made = 0
    while made < todo:
        size = min(batch, todo - made)
        customers = []
        while len(customers) < size:
            city = rng.choices(cities, CITY_WEIGHTS)[0]
            name = company_name(rng, city)
            key = name_key(name)
            if key in keys:
                continue
            keys.add(key)
            owner = rng.choice(sps) if rng.random() < 0.8 else None
            at = now - timedelta(days=rng.randrange(0, 1500), minutes=rng.randrange(0, 1440))
            level = rng.random()
            customers.append(Customer(
                name=name, name_key=key, **_search_keys(name), city=city, district=rng.choice(CITIES[city]),
                industry=rng.choice(TRADES), source=rng.choice(sources), demand_grade=rng.choice("ABCCC"),
                owner=owner, created_by=owner or rng.choice(managers), collected_on=at.date(), entry_due_at=at,
                assigned_at=at if owner else None, status=rng.choice(["prospect", "active", "active", "dormant"]),
                delivery_address=f"{city}{rng.choice(CITIES[city])}{rng.choice(BRAND_CHARS)}{rng.choice('路街道')}"
                                 f"{rng.randrange(1, 300)}号",
                confidentiality="top_secret" if level < 0.003 else "confidential" if level < 0.02 else "secret",
                review_state="accepted",
            ))
        with transaction.atomic():
            Customer.objects.bulk_create(customers, batch_size=batch)
            contacts, visits, history = [], [], []
            for c in customers:
                for _ in range(rng.choice((1, 1, 2))):
                    m = mobile(rng)
                    p = landline(rng) if rng.random() < 0.4 else ""
                    contacts.append(Contact(customer_id=c.pk, name=person(rng), title=rng.choice(TITLES), mobile=m,
                                            phone=p, mobile_norm=normalize_phone(m), phone_norm=normalize_phone(p),
                                            is_decision_maker=rng.random() < 0.3))
                for _ in range(rng.choice((0, 1, 1, 2, 3)) if c.owner_id else 0):
                    visits.append(Visit(customer_id=c.pk, user_id=c.owner_id, at=now - timedelta(days=rng.randrange(1, 400)),
                                        channel=rng.choice(["visit", "phone", "phone", "wechat"]),
                                        purpose=rng.choice(PURPOSES)))
                history.append(OwnershipChange(customer_id=c.pk, to_user_id=c.owner_id, by_id=c.created_by_id,
                                               kind="filed", rule="cust.first_to_file"))
            Contact.objects.bulk_create(contacts, batch_size=batch)
            Visit.objects.bulk_create(visits, batch_size=batch)
            OwnershipChange.objects.bulk_create(history, batch_size=batch)
            phones: dict[int, set[str]] = {}
            for ct in contacts:
                phones.setdefault(ct.customer_id, set()).update(x for x in (ct.mobile_norm, ct.phone_norm) if x)
            SearchToken.objects.bulk_create(index_rows(customers, phones), batch_size=batch)  # the search index
        made += size
        rate = made / (time.perf_counter() - t0)
        print(f"  {have + made:>8} customers  ({rate:,.0f}/s)", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"{connection.vendor}: {Customer.objects.count()} customers, {Contact.objects.count()} contacts, "
          f"{Visit.objects.count()} visits in {time.perf_counter() - t0:.1f}s")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="customers wanted in the bench database")
    ap.add_argument("--seed", type=int, default=20251126)
    ap.add_argument("--batch", type=int, default=2000)
    args = ap.parse_args(argv)
    if not os.environ.get("DATABASE_URL") and not os.environ.get("YEWU_DATA_DIR"):
        sys.exit("set YEWU_DATA_DIR=bench/out or DATABASE_URL=postgres://…/yewu_bench — never the real database")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.n, args.seed, args.batch)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does in a running company: statistics and the
        with connection.cursor() as cur:  # visibility map (index-only scans) — a bulk load right before a bench has neither
            cur.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
