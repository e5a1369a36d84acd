"""Demo trading history for ``yewu loaddemo`` (called by :func:`yewu.catalog.demo.load` after the products).

About 40 orders over the last three months for the demo's trading (active) customers, a few quotes, invoices,
and an expense claim and a cash advance — every record made THROUGH THE SERVICES with the clock set back
(``yewu.customers.demo._clock``): orders are created and submitted by their salesperson, approved by the
manager/GM in the approval engine, paid by the cashier (finance receipts, which book the commission), shipped
by the warehouse and signed for. Each order follows a timetable (approve → pay → ship → deliver → pay); steps
whose time has not come yet stay undone, so recent orders wait in the inboxes and older CREDIT orders left
unpaid are overdue in AR aging.

Deterministic (``random.Random(SEED)``; dates relative to the day of loading) and idempotent: one transaction
and a marker. A service refusal for one order (a rule the generated data happens to break) rolls back that
order's step only — the demo adapts to the rules, it never bypasses them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.common.errors import YewuError
from yewu.common.models import Mutex
from yewu.policy.calendar import TZ

SEED = 20251101
MARKER = "demo:orders-loaded"
CUSTOMERS_MARKER = "demo:customers-loaded"
N_ORDERS = 40

# unit -> the step an order quantity comes in (cable by 10 m, wire by the roll, terminals by the bag …)
QTY_STEP = {"米": 10, "卷": 1, "个": 50, "条": 100, "套": 1}


class _Stop(Exception):
    """A step's time has not come yet (or a service refused it): the order stays where it is."""


def _work_time(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(9, 16), rng.randint(0, 59), tzinfo=TZ)


def _office(t: datetime) -> datetime:
    """The same moment if within office hours (09:00–18:00 Shanghai), else the next opening at 09:xx."""
    local = t.astimezone(TZ)
    if 9 <= local.hour < 18:
        return t
    day = local.date() + timedelta(days=1) if local.hour >= 18 else local.date()
    return datetime(day.year, day.month, day.day, 9, local.minute, tzinfo=TZ)


def load() -> dict:
    from yewu.customers.demo import ensure_users

    with transaction.atomic():
        users = ensure_users()
        if Mutex.objects.filter(name=MARKER).exists() or not Mutex.objects.filter(name=CUSTOMERS_MARKER).exists():
            return {}
        from yewu.catalog.models import Product

        if not Product.objects.filter(code__in=["BV-2.5", "YJV-3X4"]).exists():
            return {}
        counts = _History(users).run()
        Mutex.objects.create(name=MARKER)
    return counts


class _History:
    def __init__(self, u: dict):
        from yewu.catalog.models import Product
        from yewu.customers.models import Customer, Status

        self.u = u
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = self.now.astimezone(TZ).date()
        self.products = list(Product.objects.filter(active=True).order_by("code"))
        self.customers = list(Customer.objects.filter(status=Status.ACTIVE, owner__isnull=False)
                              .exclude(supply_suspended=True).select_related("owner").order_by("id"))
        self.last = self.now
        self.mgr = {u["sales1"].pk: u["manager"], u["sales2"].pk: u["manager"], u["sales3"].pk: u["manager2"]}
        self.counts = {"orders": 0, "receipts": 0, "shipments": 0, "deliveries": 0, "invoices": 0, "quotes": 0,
                       "expense_docs": 0, "cash_advances": 0, "contracts": 0, "skipped_steps": 0}

    # --- helpers -----------------------------------------------------------------------------------------------

    def at(self, t: datetime):
        from yewu.customers.demo import _clock

        if t >= self.now - timedelta(minutes=10):
            raise _Stop
        return _clock(t)

    def step(self, t: datetime, fn, *args, **kwargs):
        """Run a service at time ``t`` (moved into office hours) in a savepoint; _Stop if the time is not yet or
        the service refuses."""
        t = _office(t)
        with self.at(t):
            try:
                with transaction.atomic():
                    out = fn(*args, **kwargs)
                    self.last = t
                    return out
            except YewuError:
                self.counts["skipped_steps"] += 1
                raise _Stop from None

    def price_of(self, p, day: date) -> Decimal:
        return p.guide_price_on(day).price

    def lines_for(self, day: date, *, custom=False, big=False, special=False) -> list:
        from .ordering.services import LineIn

        r = self.rng
        pool = [p for p in self.products if p.kind != "custom"]
        picks = r.sample(pool, r.choice([1, 2, 2, 3]))
        if custom:
            picks = [r.choice([p for p in self.products if p.kind == "custom"])] + picks[:1]
        out = []
        for i, p in enumerate(picks):
            st = QTY_STEP.get(p.unit, 1)
            price = self.price_of(p, day)
            # a line of roughly 1,500–9,000 yuan (a big order: 12,000–30,000), in whole packs
            target = Decimal(r.randint(12000, 30000) if big else r.randint(1500, 9000))
            qty = max(int(target / price) // st * st, st)
            if special and i == 0:  # a special price a little under the guide: the SM approves it
                price = (price * Decimal("0.97")).quantize(Decimal("0.01"))
            elif r.random() < 0.3:
                price = (price * Decimal("1.03")).quantize(Decimal("0.01"))
            out.append(LineIn(product_id=p.pk, quantity=Decimal(qty), unit_price=price))
        return out

    def settlement_for(self, c, lines, wanted: str) -> str:
        """The wanted settlement if the rules allow it for this customer and amount, else the first allowed."""
        from yewu.org.selectors import get_policy
        from yewu.policy import orders as rules

        from .ordering.facts import order_facts

        total = sum((Decimal(ln.quantity) * Decimal(ln.unit_price) for ln in lines), Decimal("0")).quantize(Decimal("0.01"))
        opts = rules.settlement_options(order_facts(c, total, Decimal("0"), c.delivery_address), get_policy())
        for s in (wanted, "CASH", "PREPAY"):
            if not opts[s].refused:
                return s
        return "PREPAY"

    # --- the history -------------------------------------------------------------------------------------------

    def run(self) -> dict:
        r = self.rng
        if not self.customers:
            return self.counts
        # the ~40 orders: age (days ago) and a wanted settlement; mostly to the better-graded customers
        plans = []
        for i in range(N_ORDERS):
            days_ago = int(r.triangular(1, 92, 40)) if i % 8 else r.randint(1, 6)
            c = r.choice(self.customers)
            wanted = c.default_settlement if r.random() < 0.6 else r.choice(["CASH", "PREPAY", "COD", "CREDIT"])
            if i == 5:  # a big CREDIT order: the manager approved, the GM has not yet
                days_ago = r.randint(3, 6)
            elif i in (3, 13, 21):  # CREDIT orders of the last days, waiting in the manager's inbox
                days_ago, wanted = r.randint(1, 2), "CREDIT"
            elif i in (7, 15):  # cash orders waiting for the money
                days_ago, wanted = 1, "CASH"
            elif i in (2, 10):  # ready for weeks, not shipped yet: late (delivery.standard_3_4d)
                days_ago = r.randint(14, 30)
            elif i in (9, 17, 23, 31, 35):  # orders that need a sales contract, old enough to get through it
                days_ago = r.randint(20, 60)
            plans.append((days_ago, c, wanted, i))
        plans.sort(key=lambda x: -x[0])
        for days_ago, c, wanted, i in plans:
            kind = {0: "custom", 5: "big", 9: "custom", 11: "special", 17: "custom", 19: "special", 23: "big", 27: "big",
                    31: "big", 35: "big", 2: "late", 10: "late"}.get(i, "")
            # SPEC §4.4: the contract of an order that needs one, at various stages (filed, signed, under review)
            stage = {0: "filed", 9: "review", 17: "signed", 23: "filed", 27: "signed", 31: "review", 35: "filed"}.get(i, "filed")
            self.order(c, days_ago, wanted, kind, stage)
        self.quotes()
        self.invoices()
        self.expenses()
        return self.counts

    def order(self, c, days_ago: int, wanted: str, kind: str, contract_stage: str = "filed") -> None:
        from .models import Order, OrderStatus
        from .ordering import services as s
        from .shipping import services as ship_services

        r = self.rng
        day = self.today - timedelta(days=days_ago)
        t = _work_time(r, day)
        lines = self.lines_for(day, custom=kind == "custom", big=kind == "big", special=kind == "special")
        if kind == "big":
            wanted = "CREDIT"
        settlement = self.settlement_for(c, lines, wanted)
        sp = c.owner
        # every decision of the timetable drawn up front, so the random sequence does not depend on the clock
        approve_after = timedelta(hours=r.randint(1, 20))
        gm_after = approve_after + timedelta(hours=r.randint(2, 30))
        pay_after = timedelta(days=r.randint(0, 3), hours=r.randint(1, 5))
        ship_after = timedelta(days=r.randint(2, 5), hours=r.randint(1, 3))
        deliver_after = timedelta(days=r.randint(1, 2))
        pays_late = r.random()  # CREDIT/COD: < 0.35 never paid (overdue), < 0.55 paid in part, else paid
        pay_day = r.randint(-10, 25)  # days after the due date the customer pays
        signer = r.choice(["张", "陈", "李", "黄"]) + r.choice(["先生", "小姐", "工"])
        try:
            order, _ = self.step(t, s.create_order, sp, customer_id=c.pk, lines=lines, settlement=settlement,
                                 idempotency_key=f"demo-{days_ago}-{c.pk}-{kind}")
            self.counts["orders"] += 1
            order = self.step(t + timedelta(minutes=r.randint(5, 60)), s.submit_order, sp, order.pk)
            if order.status == OrderStatus.PENDING_APPROVAL:
                if kind == "big" and days_ago <= 7:  # the GM's decision still open (the SM has approved)
                    gm_after = timedelta(days=999)
                if days_ago <= 2:  # submitted in the last days: still in the manager's inbox
                    approve_after = gm_after = timedelta(days=999)
                self.last = t
                self.decide(order, t + approve_after, t + gm_after)
                order.refresh_from_db()
                t = max(t, self.last)
            if order.status == OrderStatus.AWAITING_PAYMENT:
                need = order.payment_needed_before_release - order.paid_amount
                self.receipt(order, t + pay_after, need, for_order=True)
                order.refresh_from_db()
                t = t + pay_after
            if order.status != OrderStatus.READY:
                return
            from .contracts.services import release_blocker

            if kind == "late":  # the warehouse has not shipped it: past its promised day (SM work list)
                return
            t, ship_from = self.custom_dates(order, t)
            if release_blocker(order) is not None:  # needs a signed contract first (SPEC §4.4)
                t = self.contract(order, t, contract_stage)
                if release_blocker(order) is not None:
                    return
            t_ship = max(t, ship_from) + ship_after
            ship = self.step(t_ship, ship_services.create_shipment, self.u["wh"], order.pk,
                             [ship_services.ShipLineIn(line_id=ln.pk, quantity=ln.open_qty) for ln in order.lines.all()],
                             note="送货上门")
            self.counts["shipments"] += 1
            t_del = _office(t_ship + deliver_after)
            self.step(t_del, ship_services.confirm_delivery, self.u["wh"], ship.pk,
                      delivered_on=t_del.astimezone(TZ).date(), e_signature=True, signed_by_name=signer)
            self.counts["deliveries"] += 1
            order = Order.objects.get(pk=order.pk)
            if order.unpaid <= 0:
                return
            due = t_del + timedelta(days=order.term_days)
            t_pay = due + timedelta(days=pay_day, hours=r.randint(0, 4))
            if pays_late < 0.35:
                return  # never paid: shows in AR aging and collection
            amount = order.unpaid if pays_late >= 0.55 else (order.unpaid / 2).quantize(Decimal("0.01"))
            self.receipt(order, t_pay, amount)
        except _Stop:
            return

    def custom_dates(self, order, t: datetime) -> tuple[datetime, datetime]:
        """`delivery.custom_production`: PROD enters the custom lines' ship date the day after the deposit.
        Returns (time of the entry, earliest time the warehouse ships: a few days before PROD's date)."""
        from .ordering import services as s

        lines = list(order.lines.filter(kind="custom", promised_ship_on__isnull=True))
        if not lines or order.deposit_arrived_on is None:
            return t, t
        t = _office(t + timedelta(days=1))
        ship_on = t.astimezone(TZ).date() + timedelta(days=6)
        for ln in lines:
            self.step(t, s.set_custom_ship_date, self.u["prod"], order.pk, ln.pk, ship_on)
        return t, datetime.combine(ship_on, datetime.min.time(), tzinfo=TZ).replace(hour=9) - timedelta(days=3)

    def contract(self, order, t: datetime, stage: str) -> datetime:
        """The sales contract (SPEC §4.4) through its services: the salesperson drafts it with the due diligence and
        sends it to review; CS and Finance review in parallel (the GM after them for a major one); the salesperson
        signs (number `contract.number_format`); CS files the signed scan. Stops at ``stage``: review | signed | filed.
        Returns the time of the last step."""
        from yewu.approvals.models import ApprovalStep

        from .attachments import FileIn
        from .contracts import services as k
        from .documents.pdf import contract_review_pdf

        sp, r = order.salesperson, self.rng
        dd = {"licence": "营业执照有效，有效期至 2035 年", "reputation": "同行口碑良好，无涉诉记录",
              "performance": "近一年合作订单均按期付款", "qualifications": "具备一般纳税人资格"}
        t = t + timedelta(hours=1)
        c = self.step(t, k.create_contract, sp, order.pk, due_diligence=dd,
                      terms="送货上门，含税价；质量异议期 15 天；逾期付款按日万分之五计违约金")
        c = self.step(t + timedelta(minutes=20), k.submit_review, sp, c.pk)
        self.counts["contracts"] += 1
        if stage == "review":  # CS has reviewed, Finance's special review still open
            self.step(t + timedelta(hours=3), k.review, self.u["cs"], c.pk, True, checklist=self._checklist(),
                      credit_opinion="客户信用良好，额度足够", comment="同意")
            return t
        t = t + timedelta(hours=r.randint(2, 5))
        for who in ("cs", "finance"):
            self.step(t, k.review, self.u[who], c.pk, True, checklist=self._checklist(),
                      credit_opinion="信用记录良好，本单在额度内", comment="评审通过")
            t = t + timedelta(hours=1)
        if ApprovalStep.objects.filter(request_id=c.approval_id, state=ApprovalStep.State.PENDING, role="GM").exists():
            self.step(t, k.review, self.u["gm"], c.pk, True, comment="同意签订")
        t = _office(t + timedelta(days=1))
        c = self.step(t, k.sign, sp, c.pk, signed_on=t.astimezone(TZ).date())
        if stage == "filed":
            t = _office(t + timedelta(hours=r.randint(2, 20)))
            self.step(t, k.file_signed, self.u["cs"], c.pk, FileIn(f"{c.number}.pdf", "application/pdf",
                                                                    contract_review_pdf(c, prices=True)))
        return t

    @staticmethod
    def _checklist() -> dict:
        return {"economics": "价格与付款条件合理", "feasibility": "交期可以满足", "legality": "条款合法，主体合格",
                "price": "不低于指导价或已获批"}

    def decide(self, order, t_sm: datetime, t_gm: datetime) -> None:
        from yewu.approvals import services as approvals
        from yewu.approvals.models import ApprovalStep

        for _ in range(3):
            step = (ApprovalStep.objects.filter(request_id=order.approval_id, state=ApprovalStep.State.PENDING)
                    .order_by("order").first())
            if step is None:
                return
            if step.role == "GM":
                who, t = self.u["gm"], t_gm
            else:
                who, t = self.mgr.get(order.salesperson_id, self.u["manager"]), t_sm
            self.step(t, approvals.decide, who, order.approval_id, True, "同意")

    def receipt(self, order, t: datetime, amount: Decimal, for_order: bool = False) -> None:
        from yewu.finance import services as fin

        if amount <= 0:
            return
        who = self.u["cashier"] if self.rng.random() < 0.7 else self.u["finance"]
        ref = f"{t:%Y%m%d}{self.rng.randint(100000, 999999)}"
        self.step(t, fin.create_receipt, who, customer_id=order.customer_id, amount=amount,
                  arrived_on=t.astimezone(TZ).date(), method="transfer", reference=ref,
                  for_order_id=order.pk if for_order else None, allocations=[(order.pk, amount)])
        self.counts["receipts"] += 1

    # --- quotes, invoices, expenses ----------------------------------------------------------------------------

    def quotes(self) -> None:
        from yewu.sales import services as q

        r = self.rng
        for i, target in enumerate(["draft", "draft", "submitted", "sent", "sent", "sent", "submitted", "draft"]):
            c = r.choice(self.customers)
            day = self.today - timedelta(days=r.randint(1, 12))
            t = _work_time(r, day)
            lines = [{"product_id": ln.product_id, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price)}
                     for ln in self.lines_for(day, special=(target == "submitted"))]
            try:
                quote = self.step(t, q.create_quote, c.owner, {"customer_id": c.pk, "lines": lines,
                                                                "notes": "含税送货上门价，有效期内按此价供货"})
                self.counts["quotes"] += 1
                if target == "draft":
                    continue
                quote = self.step(t + timedelta(minutes=30 + i), q.submit_quote, c.owner, quote)
                if target == "sent" and quote.state == "approved":
                    self.step(t + timedelta(hours=1), q.send_quote, c.owner, quote)
            except _Stop:
                continue

    def invoices(self) -> None:
        """VAT special invoices for some delivered orders: SP requests, SM reviews, finance issues."""
        from yewu.approvals import services as approvals
        from yewu.finance import services as fin
        from yewu.finance.models import RequestState

        from .models import Order, OrderStatus

        done: set[int] = set()
        delivered = Order.objects.filter(status__in=(OrderStatus.DELIVERED, OrderStatus.CLOSED), invoice_choice="vat_special").order_by("delivered_on", "id")
        for o in delivered:
            if o.customer_id in done or len(done) >= 8 or o.total < Decimal("5000"):
                continue
            done.add(o.customer_id)
            t = datetime.combine(o.delivered_on + timedelta(days=2), datetime.min.time(), tzinfo=TZ).replace(hour=10)
            try:
                req = self.step(t, fin.request_invoice, o.salesperson, customer_id=o.customer_id, kind="vat_special",
                                lines=[(o.pk, o.total)])
                if req.state == RequestState.PENDING_REVIEW:
                    ap = approvals.inbox(self.mgr.get(o.salesperson_id, self.u["manager"]))
                    ap_ids = [s.request_id for s in ap if s.request.doc_type == "invoice_request"
                              and s.request.doc_id == str(req.pk)]
                    for rid in ap_ids:
                        self.step(t + timedelta(hours=3), approvals.decide, self.mgr.get(o.salesperson_id), rid, True, "同意开票")
                req.refresh_from_db()
                if req.state == RequestState.APPROVED:
                    self.step(t + timedelta(days=1), fin.issue_invoice, self.u["finance"], req.pk,
                              f"4400{self.rng.randint(10000000, 99999999)}")
                    self.counts["invoices"] += 1
            except _Stop:
                continue

    def expenses(self) -> None:
        """Expense claims and a cash advance (yewu.expenses), through their approval chains; the cashier pays the
        advance out of petty cash drawn from the bank; the approved claim waits in the cashier's queue."""
        from yewu.expenses import services as ex

        u, r = self.u, self.rng
        day = self.today - timedelta(days=9)
        try:  # sales3's travel advance for a trip to the 二组 customers: approved, waiting for the cashier
            t = _work_time(r, day)
            adv = self.step(t, ex.create_advance, u["sales3"], {
                "purpose_kind": "travel", "purpose": "出差惠州、江门拜访客户（车费、住宿）", "amount": "2000.00",
                "due_date": (day + timedelta(days=20)).isoformat()})
            self.counts["cash_advances"] += 1
            self.approve_all(adv.approval_id, t + timedelta(hours=2))
            # the next morning the cashier draws petty cash from the bank and pays the advance out (借支付讫)
            t_pay = _office(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=TZ).replace(hour=9, minute=30))
            self.step(t_pay, ex.post_entry, u["cashier"], {"receipt": "3000.00", "source": "bank_withdrawal",
                                                           "summary": "从基本户提取备用金"})
            self.step(t_pay + timedelta(minutes=15), ex.pay_advance, u["cashier"], adv.pk)
        except _Stop:
            pass
        claims = [  # (who, days ago, category, purpose, lines, approve?)
            ("sales1", 12, "travel", "拜访番禺、南沙客户交通费", [("滴滴打车 天河—南沙 往返", "186.00"), ("停车费", "30.00")], True),
            ("sales2", 3, "travel", "送样品到花都客户交通费", [("高速路费", "65.00"), ("油费", "120.00")], False),
        ]
        for who, days_ago, cat, purpose, lines, approve in claims:
            d = self.today - timedelta(days=days_ago)
            t = _work_time(r, d)
            try:
                doc = self.step(t, ex.create_payment_doc, u[who], {
                    "kind": "expense", "category": cat, "purpose": purpose,
                    "lines": [{"description": a, "amount": b, "incurred_on": (d - timedelta(days=1)).isoformat(),
                               "attachments": 1} for a, b in lines]})
                self.counts["expense_docs"] += 1
                if approve:
                    self.approve_all(doc.approval_id, t + timedelta(hours=5))
            except _Stop:
                continue

    def approve_all(self, request_id, t: datetime) -> None:
        """Approve each open step of an approval by the first demo user allowed to decide it."""
        from yewu.approvals import services as approvals
        from yewu.approvals.models import ApprovalStep

        if request_id is None:
            return
        names = ["manager", "manager2", "gm", "fd", "finance"]
        for i in range(5):
            step = (ApprovalStep.objects.filter(request_id=request_id, state=ApprovalStep.State.PENDING)
                    .order_by("order").first())
            if step is None:
                return
            who = next((self.u[n] for n in names if approvals.can_decide(self.u[n], step).allowed), None)
            if who is None:
                raise _Stop
            self.step(t + timedelta(hours=i), approvals.decide, who, request_id, True, "同意")
