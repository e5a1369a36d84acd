"""A small trading world for the access tests: customers of two teams (one 绝密), orders in every stage that
matters for scope (closed, delivered with a return, pending approval, custom and partly shipped), their contracts,
shipments, a dispute, a quote, a receipt. Built through the services where the services allow it; statuses that
would need weeks of workflow are set directly. Every amount is distinctive so a response body can be searched
for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

STD_PRICE = Decimal("1357.91")
CUSTOM_PRICE = Decimal("2468.13")
DISPUTE_AMOUNT = Decimal("8642.19")


def money_strings(amounts) -> set[str]:
    """Every way an amount is written: 1357.91, 1,357.91 and 人民币大写."""
    from yewu.sales.documents import rmb_upper

    out = set()
    for a in amounts:
        a = Decimal(a).quantize(Decimal("0.01"))
        out |= {f"{a:f}", f"{a:,.2f}", rmb_upper(a)}
    return out


@dataclass
class World:
    users: dict
    customers: dict
    orders: dict
    shipments: dict = field(default_factory=dict)
    contracts: dict = field(default_factory=dict)
    returns: dict = field(default_factory=dict)
    disputes: dict = field(default_factory=dict)
    quotes: dict = field(default_factory=dict)
    receipts: dict = field(default_factory=dict)
    secret_markers: tuple[str, ...] = ()

    def amounts(self) -> set[str]:
        """Unit prices and every order, contract, return and dispute amount of the world."""
        vals = {STD_PRICE, CUSTOM_PRICE, DISPUTE_AMOUNT}
        for o in self.orders.values():
            o.refresh_from_db()
            vals.add(o.total)
        for r in self.returns.values():
            vals.add(r.amount)
        return money_strings(v for v in vals if v)


def _set(obj, **kw):
    type(obj).objects.filter(pk=obj.pk).update(**kw)
    obj.refresh_from_db()
    return obj


def build(company) -> World:
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Contact, Customer
    from yewu.orders.models import Contract, ContractDispute, OrderStatus, ReturnRequest
    from yewu.orders.ordering import services as osv
    from yewu.orders.shipping import services as ship_svc
    from yewu.org.models import User

    users = dict(company.users)
    for username, roles, name in (("wh", ["WH"], "钱库管"), ("prod", ["PROD"], "冯生产"), ("qc", ["QC"], "褚质检"),
                                  ("adm", ["ADM"], "刘行政")):
        users[username] = User.objects.create_user(username=username, password="demo1234", roles=roles,
                                                   display_name=name, department=company.dept)
    users["admin"] = User.objects.create_user(username="admin", password="demo1234", roles=["SYS"], is_staff=True,
                                              is_superuser=True, display_name="系统管理员")

    def product(code, price, kind):
        p = Product.objects.create(code=code, name=f"矩阵产品{code}", kind=kind, unit="米")
        GuidePrice.objects.create(product=p, price=price, effective_from=date(2020, 1, 1))
        return p

    std, custom = product("JZ-STD", STD_PRICE, "standard"), product("JZ-CUS", CUSTOM_PRICE, "custom")

    def customer(name, owner, addr, city="广州", **kw):
        c = Customer.objects.create(name=name, name_key=name, city=city, source="direct", collected_on=date.today(),
                                    entry_due_at=timezone.now(), owner=owner, created_by=owner or users["gm"],
                                    delivery_address=addr, registered_address=addr, credit_grade="A",
                                    credit_limit=Decimal("500000.00"), **kw)
        Contact.objects.create(customer=c, name=f"{name[:2]}联系人", mobile=kw.pop("mobile", "") or "13800000000")
        return c

    cA = customer("甲组矩阵客户", users["sales1"], "广州市天河区甲路1号")
    cB = customer("乙组矩阵客户", users["sales3"], "佛山市禅城区乙路2号", city="佛山")
    cX = customer("绝密矩阵客户", users["sales1"], "广州市越秀区机要路88号", confidentiality="top_secret",
                  confidentiality_expires_on=date.today() + timedelta(days=365))
    Contact.objects.filter(customer=cX).update(mobile="13977778888", name="机要联系人")

    def order(cust, sp, lines, settlement="PREPAY"):
        o, _ = osv.create_order(sp, customer_id=cust.pk, settlement=settlement,
                                lines=[osv.LineIn(p.pk, q, f"{p_price:f}") for p, q, p_price in lines])
        return o

    # an old, closed order makes cA and cB existing customers
    oA_prev = _set(order(cA, users["sales1"], [(std, "1", STD_PRICE)]), status=OrderStatus.CLOSED)
    _set(oA_prev, paid_amount=oA_prev.total)
    oB_prev = _set(order(cB, users["sales3"], [(std, "4", STD_PRICE)]), status=OrderStatus.CLOSED)
    _set(oB_prev, paid_amount=oB_prev.total)

    # ready = approved and the money due before release (PREPAY: all of it) arrived (ship.release_check)
    oA_done = _set(order(cA, users["sales1"], [(std, "3", STD_PRICE)]), status=OrderStatus.READY)
    oA_done = _set(oA_done, paid_amount=oA_done.total)
    sA = ship_svc.create_shipment(users["wh"], oA_done.pk, [ship_svc.ShipLineIn(oA_done.lines.get().pk, "3")])
    _set(sA, delivered_on=timezone.localdate(), e_signature=True, signed_by_name="甲签收")
    _set(oA_done, status=OrderStatus.DELIVERED, delivered_on=timezone.localdate())
    line = oA_done.lines.get()
    rA = ReturnRequest.objects.create(number="TH-JZ-0001", order=oA_done, line=line, quantity=Decimal("1"),
                                      amount=STD_PRICE, reason="矩阵退货", created_by=users["sales1"])
    kA = Contract.objects.create(order=oA_done, customer=cA, amount=oA_done.total, status="signed",
                                 number="YWXS-JZ-A", signed_on=date.today(), created_by=users["sales1"])

    oA_pending = _set(order(cA, users["sales1"], [(std, "7", STD_PRICE)]),
                      status=OrderStatus.PENDING_APPROVAL)

    oB = _set(order(cB, users["sales3"], [(std, "2", STD_PRICE), (custom, "2", CUSTOM_PRICE)]),
              status=OrderStatus.READY, deposit_arrived_on=timezone.localdate())
    oB = _set(oB, paid_amount=oB.total)
    kB = Contract.objects.create(order=oB, customer=cB, amount=oB.total, status="signed", number="YWXS-JZ-B",
                                 signed_on=date.today(), created_by=users["sales3"])
    std_line = oB.lines.get(product=std)
    sB = ship_svc.create_shipment(users["wh"], oB.pk, [ship_svc.ShipLineIn(std_line.pk, "2")])
    dB = ContractDispute.objects.create(contract=kB, kind="breach", description="矩阵争议", amount_at_stake=DISPUTE_AMOUNT,
                                        occurred_on=date.today(), owner=users["manager2"], created_by=users["manager2"])

    return World(
        users=users, customers={"A": cA, "B": cB, "X": cX},
        orders={"A_prev": oA_prev, "B_prev": oB_prev, "A_done": oA_done, "A_pending": oA_pending, "B": oB},
        shipments={"A": sA, "B": sB}, contracts={"A": kA, "B": kB}, returns={"A": rA}, disputes={"B": dB},
        secret_markers=("机要路88号", "13977778888", "机要联系人"),
    )
