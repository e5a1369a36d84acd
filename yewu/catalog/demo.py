"""Demo products and guide prices for ``yewu loaddemo`` (a Guangzhou cable/wire manufacturer-distributor).

Products and prices go through the catalogue services (finance enters them, with the clock set back), so the
audit log and the effective-dated price history are what live use would have produced. A few products carry an
older price (copper went up). Idempotent: one transaction and a marker; a second run changes nothing. After the
products, :func:`yewu.orders.demo.load` adds the trading history (quotes, orders, receipts, deliveries …).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.common.models import Mutex
from yewu.policy.calendar import TZ

MARKER = "demo:catalog-loaded"
FIRST_PRICE_DAYS_AGO = 200  # the price list in force before any demo order
NEW_PRICE_DAYS_AGO = 40  # copper price rise: a new price row for a few products

# code, name, specification, unit, kind, guide price (tax-inclusive), older price (or None), pack size
PRODUCTS: list[tuple[str, str, str, str, str, str, str | None, int]] = [
    # 国标 power cable (GB/T 12706) and building wire (GB/T 5023)
    ("YJV-3X4", "交联聚乙烯绝缘电力电缆", "YJV 0.6/1kV 3×4mm²", "米", "gb", "18.60", "17.90", 100),
    ("YJV-3X16+1X10", "交联聚乙烯绝缘电力电缆", "YJV 0.6/1kV 3×16+1×10mm²", "米", "gb", "86.50", "82.00", 100),
    ("YJV-3X35+2X16", "交联聚乙烯绝缘电力电缆", "YJV 0.6/1kV 3×35+2×16mm²", "米", "gb", "178.00", "169.00", 100),
    ("YJV22-3X70+1X35", "钢带铠装电力电缆", "YJV22 0.6/1kV 3×70+1×35mm²", "米", "gb", "356.00", None, 100),
    ("YJV-4X95+1X50", "交联聚乙烯绝缘电力电缆", "YJV 0.6/1kV 4×95+1×50mm²", "米", "gb", "528.00", None, 100),
    ("ZR-YJV-3X25+1X16", "阻燃电力电缆", "ZR-YJV 0.6/1kV 3×25+1×16mm²", "米", "gb", "128.00", None, 100),
    ("BV-1.5", "聚氯乙烯绝缘电线", "BV 450/750V 1.5mm² 单芯铜线", "卷", "gb", "168.00", "158.00", 1),
    ("BV-2.5", "聚氯乙烯绝缘电线", "BV 450/750V 2.5mm² 单芯铜线", "卷", "gb", "268.00", "252.00", 1),
    ("BV-4", "聚氯乙烯绝缘电线", "BV 450/750V 4mm² 单芯铜线", "卷", "gb", "418.00", None, 1),
    ("BV-6", "聚氯乙烯绝缘电线", "BV 450/750V 6mm² 单芯铜线", "卷", "gb", "628.00", None, 1),
    ("BVR-10", "聚氯乙烯绝缘软电线", "BVR 450/750V 10mm² 多股软铜线", "卷", "gb", "1068.00", None, 1),
    ("RVV-3X1.5", "聚氯乙烯护套软电缆", "RVV 300/500V 3×1.5mm²", "卷", "gb", "398.00", None, 1),
    ("WDZ-BYJ-2.5", "低烟无卤阻燃电线", "WDZ-BYJ 450/750V 2.5mm²", "卷", "gb", "318.00", None, 1),
    # 常规型号: control and signal cables, accessories
    ("KVV-4X1.5", "聚氯乙烯绝缘控制电缆", "KVV 450/750V 4×1.5mm²", "米", "standard", "6.80", None, 100),
    ("KVV-7X2.5", "聚氯乙烯绝缘控制电缆", "KVV 450/750V 7×2.5mm²", "米", "standard", "15.60", None, 100),
    ("KVVP-10X1.0", "屏蔽控制电缆", "KVVP 450/750V 10×1.0mm² 铜丝编织屏蔽", "米", "standard", "14.20", None, 100),
    ("RVVP-2X0.75", "屏蔽信号线", "RVVP 300/300V 2×0.75mm²", "卷", "standard", "236.00", None, 1),
    ("RVS-2X1.5", "双绞线（消防线）", "RVS 300/300V 2×1.5mm² 红黑", "卷", "standard", "218.00", None, 1),
    ("SYV-75-5", "同轴电缆", "SYV-75-5 96编", "卷", "standard", "158.00", None, 1),
    ("DTG-95", "铜鼻子（接线端子）", "DT-95 镀锡铜接线端子", "个", "standard", "12.50", None, 50),
    ("RSG-50", "热缩管", "Φ50mm 10kV 热缩绝缘管", "米", "standard", "8.60", None, 50),
    # 非国标 (economy), priced by Finance (not on the guide list)
    ("FG-BV-2.5", "经济型电线（非国标）", "BV 2.5mm² 铜芯 线径 1.70mm", "卷", "nonstandard", "198.00", None, 1),
    ("FG-RVV-2X1.0", "经济型护套线（非国标）", "RVV 2×1.0mm² 无氧铜", "卷", "nonstandard", "168.00", None, 1),
    ("FG-YJV-3X10", "经济型电力电缆（非国标）", "YJV 3×10mm² 铝合金导体", "米", "nonstandard", "26.00", None, 100),
    # 定制 (deposit 30 %, PROD sets the ship date; price from Finance)
    ("DZ-YJV62-1X240", "单芯铠装电缆（定制）", "YJV62 8.7/15kV 1×240mm² 非磁性铠装 按项目长度定制", "米", "custom", "468.00", None, 1),
    ("DZ-RVV-LOGO", "印字护套线（定制）", "RVV 2×1.5mm² 客户商标印字 专用颜色", "卷", "custom", "288.00", None, 1),
    ("DZ-TRVV-24X0.5", "高柔性拖链电缆（定制）", "TRVV 24×0.5mm² 耐弯折 1000万次", "米", "custom", "42.00", None, 100),
    # 线束
    ("XS-HVAC-01", "空调连接线束", "3×1.5mm² + 端子 + 护套 1.2m 成套", "条", "harness", "28.50", None, 50),
    ("XS-LED-02", "LED 灯具线束", "2×0.5mm² 防水接头 0.5m", "条", "harness", "6.80", None, 100),
    ("XS-CAB-03", "配电柜内部线束", "BVR 2.5mm² 多色 压端子 成套（每柜）", "套", "harness", "385.00", None, 1),
]


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.now().astimezone(TZ).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def load(stdout=None) -> dict:
    """Load the demo catalogue (then the trading history); returns counts. Later runs change nothing."""
    from yewu.customers.demo import _clock, ensure_users

    out: dict = {}
    with transaction.atomic():
        users = ensure_users()
        if not Mutex.objects.filter(name=MARKER).exists():
            out = _load_products(users, _clock)
            Mutex.objects.create(name=MARKER)
    try:
        from yewu.orders import demo as orders_demo
    except ImportError:
        orders_demo = None
    if orders_demo is not None:
        more = orders_demo.load()
        if more:
            out.update(more)
    return out


def _load_products(u: dict, _clock) -> dict:
    from . import services as s
    from .models import Product

    fin = u["finance"]
    counts = {"products": 0, "guide_prices": 0}
    first_at = _at(FIRST_PRICE_DAYS_AGO)
    for code, name, spec, unit, kind, price, older, pack in PRODUCTS:
        if Product.objects.filter(code=code).exists():  # a product entered by hand before the demo: leave it
            continue
        with _clock(first_at):
            data = {"code": code, "name": name, "specification": spec, "unit": unit, "kind": kind,
                    "pack_size": pack, "guide_price": Decimal(older or price), "effective_from": first_at.date()}
            if kind == "nonstandard":
                data["on_guide_list"] = False
            s.create_product(fin, data)
        counts["products"] += 1
        counts["guide_prices"] += 1
        if older is not None:
            at = _at(NEW_PRICE_DAYS_AGO, 15)
            with _clock(at):
                p = Product.objects.get(code=code)
                s.set_guide_price(fin, p, Decimal(price), at.date(), note="铜价上涨，调整指导价")
            counts["guide_prices"] += 1
    return counts
