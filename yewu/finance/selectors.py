"""Reads for money records and the ONE place deciding who sees which (`acl.finance_scope`: FIN, FD, CA and GM
see all money; `acl.team_scope`: an SM sees the team's customers'; `acl.sp_scope`: an SP only their own
customers'). Delivered amounts, due dates, open amounts, invoiceable amounts and the receivables aging."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to
from yewu.orders.models import Order, OrderLine, OrderStatus, ReturnRequest, ReturnStatus, ShipmentLine
from yewu.org.models import User
from yewu.org.selectors import managed_team_ids
from yewu.policy.calendar import TZ
from yewu.policy.receivables import BUCKETS, aging_bucket, due_date, money

from .models import (
    CLAIMING_STATES,
    Allocation,
    CollectionTask,
    DeferralRequest,
    Invoice,
    InvoiceRequest,
    InvoiceRequestLine,
    Receipt,
    ReceiptStatus,
    Reconciliation,
    RequestState,
    WriteOff,
)

ZERO = Decimal("0.00")
MONEY_ROLES = ("FIN", "FD", "CA", "GM")
# orders money can be allocated to (not draft/cancelled/rejected; closed = fully paid)
PAYABLE_STATES = (OrderStatus.PENDING_APPROVAL, OrderStatus.AWAITING_PAYMENT, OrderStatus.READY,
                  OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def sees_all_money(user: User) -> bool:
    return user.is_authenticated and user.has_role(*MONEY_ROLES)


def money_customers(user: User) -> QuerySet[Customer]:
    """Customers whose money records ``user`` may read."""
    if sees_all_money(user):
        return Customer.objects.all()
    if not user.is_authenticated:
        return Customer.objects.none()
    q = Q(pk__in=[])
    if user.has_role("SM"):
        q |= Q(owner__team_id__in=managed_team_ids(user))
    if user.has_role("SP"):
        q |= Q(owner=user)
    return customers_visible_to(user).filter(q)


def receipts_visible_to(user: User) -> QuerySet[Receipt]:
    qs = Receipt.objects.select_related("customer", "recorded_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def receipt_for(user: User, pk: int) -> Receipt | None:
    return receipts_visible_to(user).filter(pk=pk).first()


def invoice_requests_visible_to(user: User) -> QuerySet[InvoiceRequest]:
    qs = InvoiceRequest.objects.select_related("customer", "requested_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("customer", "request")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def deferrals_visible_to(user: User) -> QuerySet[DeferralRequest]:
    qs = DeferralRequest.objects.select_related("customer", "order", "requested_by", "decided_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def collection_tasks_visible_to(user: User) -> QuerySet[CollectionTask]:
    qs = CollectionTask.objects.select_related("customer", "order", "salesperson")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def reconciliations_visible_to(user: User) -> QuerySet[Reconciliation]:
    qs = Reconciliation.objects.select_related("customer", "owner")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def write_offs_visible_to(user: User) -> QuerySet[WriteOff]:
    qs = WriteOff.objects.select_related("customer", "order", "requested_by")
    return qs if sees_all_money(user) else qs.filter(customer__in=money_customers(user))


def can_write_off(actor: User, order: Order) -> bool:
    """`ar.bad_debt`: who may propose writing off an order's debt — FIN, the SM of the order's team, or the SP who
    sold it or owns the customer."""
    if actor.has_role("FIN"):
        return True
    owner = order.customer.owner
    if actor.has_role("SM") and order.salesperson.team_id in managed_team_ids(actor):
        return True
    return actor.has_role("SP") and actor.id in (order.salesperson_id, owner.id if owner else None)


# --- balances -------------------------------------------------------------------------------------------------


def customer_credit_balance(customer_id: int) -> Decimal:
    """Money received and not allocated to any order (预收/余额), posted receipts only."""
    v = Receipt.objects.filter(customer_id=customer_id, status=ReceiptStatus.POSTED).aggregate(
        a=Sum("amount"), b=Sum("allocated"))
    return money((v["a"] or ZERO) - (v["b"] or ZERO))


# returns whose goods are back in our warehouse (red-ink goods-issue note) — they count in the money figures
RETURNED_STATES = (ReturnStatus.RECEIVED, ReturnStatus.CREDITED)


def received_returns() -> QuerySet[ReturnRequest]:
    """Returns received back (`return.flow`), exchanges included: the goods left the customer, so their value
    leaves the delivered value; an exchange's new shipment adds it again."""
    return ReturnRequest.objects.filter(status__in=RETURNED_STATES, received_at__isnull=False)


def returned_credit(order_ids) -> dict[int, Decimal]:
    """Per order: value of plain (non-exchange) returns received — what the customer no longer owes."""
    out: dict[int, Decimal] = {}
    for chunk in _chunks(list(order_ids)):
        for oid, amt in received_returns().filter(order_id__in=chunk, exchange=False).values_list("order_id", "amount"):
            out[oid] = out.get(oid, ZERO) + amt
    return out


def net_total(order: Order, credited: dict[int, Decimal] | None = None) -> Decimal:
    """The order's total less its received plain returns: what the customer owes for it in all."""
    c = credited if credited is not None else returned_credit([order.pk])
    return money(order.total - c.get(order.pk, ZERO))


def net_unpaid(order: Order, credited: dict[int, Decimal] | None = None) -> Decimal:
    """Owed and not yet paid, net of returns (money already allocated beyond the net total stays allocated:
    the order is then over-paid, see :func:`overpaid`)."""
    return max(net_total(order, credited) - order.paid_amount, ZERO)


def overpaid(order: Order) -> Decimal:
    """Money allocated to the order beyond its total net of returns (a return's excess is released to the
    customer's credit balance at once, so this is 0 after every return is received)."""
    return max(order.paid_amount - net_total(order), ZERO)


def line_delivered(ln: OrderLine) -> Decimal:
    """Delivered value of a line net of what came back (returns and exchanges received)."""
    return money(ln.shipped_qty * ln.unit_price) - money(ln.returned_qty * ln.unit_price)


def delivered_amount(order: Order) -> Decimal:
    return sum((line_delivered(ln) for ln in order.lines.all()), ZERO)


def delivery_dates(order_ids) -> dict[int, date]:
    """First delivery date per order. Delivery date = the goods-issue note's (出仓单) date, in Asia/Shanghai."""
    out: dict[int, date] = {}
    for oid, at in ShipmentLine.objects.filter(shipment__order_id__in=list(order_ids)).values_list(
            "shipment__order_id", "shipment__shipped_at"):
        d = at.astimezone(TZ).date()
        if oid not in out or d < out[oid]:
            out[oid] = d
    return out


def order_due_on(order: Order, delivered_on: date | None) -> date | None:
    """Used to pick the oldest due first: delivered orders fall due per `ar.aging`; an order waiting for money
    before release is due now (its submission date); anything else is not yet due."""
    if delivered_on is not None:
        return _deferred(order.pk, due_date(order.settlement, delivered_on, order.term_days))
    if order.status == OrderStatus.AWAITING_PAYMENT:
        return (order.submitted_at or order.created_at).astimezone(TZ).date()
    return None


def _deferred(order_id: int, due: date) -> date:
    later = DeferralRequest.objects.filter(order_id=order_id, outcome=DeferralRequest.Outcome.GRANTED).order_by(
        "-new_due_on").values_list("new_due_on", flat=True).first()
    return max(due, later) if later else due


def open_orders(customer_id: int) -> list[Order]:
    """Orders still owing money, net of received returns (``returned_value`` and ``net_unpaid`` set on each)."""
    orders = list(Order.objects.filter(customer_id=customer_id, status__in=PAYABLE_STATES).order_by("created_at", "id"))
    credited = returned_credit([o.pk for o in orders])
    out = []
    for o in orders:
        o.returned_value, o.net_unpaid = credited.get(o.pk, ZERO), net_unpaid(o, credited)
        if o.net_unpaid > 0:
            out.append(o)
    return out


# --- invoices -------------------------------------------------------------------------------------------------


def invoice_claimed(order_ids) -> dict[int, Decimal]:
    rows = InvoiceRequestLine.objects.filter(order_id__in=list(order_ids), request__state__in=CLAIMING_STATES).values(
        "order_id").annotate(s=Sum("amount"))
    return {r["order_id"]: money(r["s"] or ZERO) for r in rows}


def invoiceable_by_order(customer_id: int) -> list[dict]:
    """Per order of the customer: delivered (net of returns and exchanges received, `invoice.vat_min_5000`),
    claimed by invoice requests, what may still be invoiced, and ``to_red`` — invoiced beyond what is now
    delivered (goods came back after invoicing: FIN issues a red-letter invoice)."""
    orders = list(Order.objects.filter(customer_id=customer_id).exclude(
        status__in=(OrderStatus.DRAFT, OrderStatus.CANCELLED)).prefetch_related("lines").order_by("created_at", "id"))
    claimed = invoice_claimed([o.pk for o in orders])
    out = []
    for o in orders:
        delivered = delivered_amount(o)
        c = claimed.get(o.pk, ZERO)
        if delivered > 0 or c > 0:
            out.append({"order": o, "delivered": delivered, "claimed": c, "invoiceable": max(money(delivered - c), ZERO),
                        "to_red": max(money(c - delivered), ZERO)})
    return out


def waiting_special_total(customer_id: int) -> Decimal:
    v = InvoiceRequest.objects.filter(customer_id=customer_id, state=RequestState.WAITING).aggregate(s=Sum("amount"))["s"]
    return money(v or ZERO)


def uninvoiced_summary(user: User) -> list[dict]:
    """Per visible customer with delivered goods: delivered; invoiced or in the flow (requested, reviewed, issued);
    accumulated un-invoiced = not yet requested + waiting for the VAT special minimum (`invoice.vat_min_5000`)."""
    cust_ids = set(Order.objects.filter(customer__in=money_customers(user), lines__shipped_qty__gt=0).values_list(
        "customer_id", flat=True))
    cust_ids |= set(InvoiceRequest.objects.filter(customer__in=money_customers(user), state=RequestState.WAITING)
                    .values_list("customer_id", flat=True))
    out = []
    for c in Customer.objects.filter(pk__in=cust_ids).select_related("owner").order_by("name"):
        rows = invoiceable_by_order(c.pk)
        waiting = waiting_special_total(c.pk)
        claimed = sum((r["claimed"] for r in rows), ZERO)
        unrequested = sum((r["invoiceable"] for r in rows), ZERO)
        out.append({"customer": c, "delivered": sum((r["delivered"] for r in rows), ZERO),
                    "claimed": claimed, "in_flow": claimed - waiting, "unrequested": unrequested,
                    "uninvoiced": unrequested + waiting, "waiting": waiting})
    return out


# --- ar.aging -------------------------------------------------------------------------------------------------


@dataclass
class Receivable:
    order: Order
    delivered_on: date
    due_on: date
    amount: Decimal  # delivered value of this shipment
    open: Decimal = ZERO  # unpaid part as of the date, written-off debt excluded
    written_off: Decimal = ZERO  # unpaid part written off (`ar.bad_debt`), still tracked for recovery


@dataclass
class AgingRow:
    key: object
    label: str
    customer: Customer | None = None
    salesperson: User | None = None
    team: str = ""
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    total: Decimal = ZERO
    oldest_due: date | None = None
    written_off: Decimal = ZERO  # `ar.bad_debt`: listed, not in the open buckets


def paid_as_of(order_ids, as_of: date) -> dict[int, Decimal]:
    """Allocated money per order counting receipts arrived by ``as_of`` and not reversed by then."""
    out: dict[int, Decimal] = {}
    for chunk in _chunks(list(order_ids)):
        out.update(_paid(Allocation.objects.filter(order_id__in=chunk), as_of))
    return out


def _paid(allocs: QuerySet[Allocation], as_of: date) -> dict[int, Decimal]:
    rows = allocs.filter(Q(effective_on__isnull=True, receipt__arrived_on__lte=as_of) | Q(effective_on__lte=as_of)).filter(
        Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of)).values("order_id").annotate(s=Sum("amount"))
    return {r["order_id"]: money(r["s"] or ZERO) for r in rows}


def _chunks(ids: list, size: int = 500):
    """SQLite allows a limited number of query parameters: long id lists are read in slices."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


@dataclass
class _Open:
    order_id: int
    customer_id: int
    salesperson_id: int
    delivered_on: date
    due_on: date
    amount: Decimal
    open: Decimal = ZERO
    written_off: Decimal = ZERO


def written_off_by_order(as_of: date, order_ids=None) -> dict[int, Decimal]:
    """Approved write-offs (`ar.bad_debt`) per order, decided by ``as_of``."""
    end = datetime.combine(as_of + timedelta(days=1), time.min, TZ)
    qs = WriteOff.objects.filter(state=WriteOff.State.APPROVED, decided_at__lt=end)
    if order_ids is not None:
        qs = qs.filter(order_id__in=list(order_ids))
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for oid, amt in qs.values_list("order_id", "amount"):
        out[oid] += amt
    return out


def _open_items(user: User, as_of: date, customer_id: int | None = None, order_id: int | None = None,
                keep_written_off: bool = False) -> list[_Open]:
    """The receivables computation on plain values (no model instances, no id lists in the SQL), so it scales to
    millions of shipments: each goods-issue note (出仓单) is owed from its local date and falls due per `ar.aging`
    (deferrals granted by ``as_of`` move it later); goods received back by ``as_of`` (returns and exchanges,
    `return.flow`) reduce the order's delivered value, newest note first; money allocated to the order by
    ``as_of`` pays its shipments oldest first (any excess over the net delivered value is simply not open).
    Approved write-offs (`ar.bad_debt`) then take the oldest open notes out of the open amount (``written_off``):
    money received pays the live debt first, and once the order's open amount falls below what was written off,
    the difference is recovery. ``keep_written_off`` keeps notes that are only written-off debt."""
    end = datetime.combine(as_of + timedelta(days=1), time.min, TZ)
    lines = ShipmentLine.objects.filter(shipment__shipped_at__lt=end).exclude(
        shipment__order__status=OrderStatus.CANCELLED)
    allocs = Allocation.objects.all()
    if not sees_all_money(user):
        lines = lines.filter(shipment__order__customer__in=money_customers(user))
        allocs = allocs.filter(order__customer__in=money_customers(user))
    if customer_id:
        lines = lines.filter(shipment__order__customer_id=customer_id)
        allocs = allocs.filter(order__customer_id=customer_id)
    rets = received_returns().filter(received_at__lt=end).exclude(order__status=OrderStatus.CANCELLED)
    if not sees_all_money(user):
        rets = rets.filter(order__customer__in=money_customers(user))
    if customer_id:
        rets = rets.filter(order__customer_id=customer_id)
    if order_id:
        lines = lines.filter(shipment__order_id=order_id)
        allocs = allocs.filter(order_id=order_id)
        rets = rets.filter(order_id=order_id)
    per_ship: dict[tuple[int, int], list] = {}
    for sid, oid, at, qty, price, cid, spid, settlement, term in lines.values_list(
            "shipment_id", "shipment__order_id", "shipment__shipped_at", "quantity", "order_line__unit_price",
            "shipment__order__customer_id", "shipment__order__salesperson_id", "shipment__order__settlement",
            "shipment__order__term_days").iterator(chunk_size=5000):
        key = (oid, sid)
        item = per_ship.get(key)
        if item is None:
            item = per_ship[key] = [at.astimezone(TZ).date(), ZERO, cid, spid, settlement, term]
        item[1] += money(qty * price)
    if not per_ship:
        return []
    paid = _paid(allocs, as_of)
    granted: dict[int, date] = {}
    for oid, nd in DeferralRequest.objects.filter(order__isnull=False, outcome=DeferralRequest.Outcome.GRANTED,
                                                 decided_on__lte=as_of).values_list("order_id", "new_due_on"):
        granted[oid] = max(nd, granted.get(oid, nd))
    by_order: dict[int, list[_Open]] = defaultdict(list)
    for (oid, _sid), (d, amt, cid, spid, settlement, term) in sorted(per_ship.items(), key=lambda kv: (kv[1][0], kv[0][1])):
        due = due_date(settlement, d, term)
        if oid in granted:
            due = max(due, granted[oid])
        by_order[oid].append(_Open(oid, cid, spid, d, due, amt))
    returned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for oid, amt in rets.values_list("order_id", "amount").iterator(chunk_size=5000):
        returned[oid] += amt
    wo = written_off_by_order(as_of, order_ids=[order_id] if order_id else None)
    out = []
    for oid, items in by_order.items():
        back = returned.get(oid, ZERO)  # returned by as_of: reduces the newest goods-issue notes first
        for it in reversed(items):
            cut = min(back, it.amount)
            it.amount -= cut
            back -= cut
        left = paid.get(oid, ZERO)
        for it in items:
            take = min(left, it.amount)
            it.open = it.amount - take
            left -= take
        w = min(wo.get(oid, ZERO), sum((it.open for it in items), ZERO))  # still written off, not yet recovered
        for it in items:
            cut = min(w, it.open)
            it.open -= cut
            it.written_off = cut
            w -= cut
            if it.open > 0 or (keep_written_off and it.written_off > 0):
                out.append(it)
    return out


def receivables(user: User, as_of: date | None = None, customer_id: int | None = None,
                order_id: int | None = None, keep_written_off: bool = False) -> list[Receivable]:
    """Open receivables as of a date, one per goods-issue note still (partly) unpaid, with their orders."""
    as_of = as_of or timezone.localdate()
    items = _open_items(user, as_of, customer_id, order_id, keep_written_off)
    orders: dict[int, Order] = {}
    for chunk in _chunks(sorted({it.order_id for it in items})):
        orders.update((o.pk, o) for o in Order.objects.filter(pk__in=chunk).select_related(
            "customer", "customer__owner", "salesperson", "salesperson__team"))
    return [Receivable(order=orders[it.order_id], delivered_on=it.delivered_on, due_on=it.due_on, amount=it.amount,
                       open=it.open, written_off=it.written_off) for it in items]


def aging(user: User, as_of: date | None = None, group: str = "customer") -> tuple[list[AgingRow], AgingRow]:
    """`ar.aging` per customer, salesperson (the order's) or team, as of any date."""
    as_of = as_of or timezone.localdate()
    items = _open_items(user, as_of, keep_written_off=True)
    people = {u.pk: u for u in User.objects.filter(pk__in={it.salesperson_id for it in items}).select_related("team")}
    customers: dict[int, Customer] = {}
    if group not in ("salesperson", "team"):
        for chunk in _chunks(sorted({it.customer_id for it in items})):
            customers.update((c.pk, c) for c in Customer.objects.filter(pk__in=chunk).only("id", "name"))
    rows: dict[object, AgingRow] = {}
    total = AgingRow(key="total", label="合计")
    for it in items:
        sp = people[it.salesperson_id]
        team = sp.team.name if sp.team_id else "（无团队）"
        if group == "salesperson":
            key, label = sp.pk, sp.name
        elif group == "team":
            key, label = team, team
        else:
            key, label = it.customer_id, customers[it.customer_id].name
        row = rows.get(key)
        if row is None:
            row = rows[key] = AgingRow(key=key, label=label, customer=customers.get(it.customer_id) if group not in (
                "salesperson", "team") else None, salesperson=sp if group != "team" else None, team=team)
        b = aging_bucket(it.due_on, as_of)
        for x in (row, total):
            x.buckets[b] += it.open
            x.total += it.open
            x.written_off += it.written_off
            if it.open > 0 and b != "not_due" and (x.oldest_due is None or it.due_on < x.oldest_due):
                x.oldest_due = it.due_on
    return sorted(rows.values(), key=lambda x: (-x.total, str(x.label))), total


def customer_order_balances(user: User, customer_id: int) -> list[dict]:
    """The customer's orders still owing or written off: total, returned, paid, open net of returns (``Order.unpaid``),
    delivered-and-open (receivable), written off (`ar.bad_debt`) and what may still be written off."""
    today = timezone.localdate()
    per: dict[int, dict] = {}
    for r in receivables(user, today, customer_id=customer_id, keep_written_off=True):
        x = per.setdefault(r.order.pk, {"order": r.order, "receivable": ZERO, "written_off": ZERO, "overdue": False})
        x["receivable"] += r.open
        x["written_off"] += r.written_off
        x["overdue"] = x["overdue"] or (r.open > 0 and r.due_on < today)
    for o in open_orders(customer_id):
        per.setdefault(o.pk, {"order": o, "receivable": ZERO, "written_off": ZERO, "overdue": False})
    pending: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for oid, amt in WriteOff.objects.filter(order_id__in=list(per), state=WriteOff.State.PENDING).values_list("order_id", "amount"):
        pending[oid] += amt
    out = []
    for oid, x in per.items():
        x["can_write_off"] = max(x["receivable"] - pending[oid], ZERO)
        out.append(x)
    return sorted(out, key=lambda x: (x["order"].created_at, x["order"].pk))


# --- customer statement (对账单) --------------------------------------------------------------------------------


def statement(customer: Customer, start: date, end: date) -> dict:
    """Opening balance, each delivery (debit) and receipt / reversal (credit) between the dates, closing balance.
    Returns (and exchanges) received back are credits on their date. Balance = delivered − returned − received;
    a negative balance is money the customer has paid in advance (or over-paid before a return)."""

    def delivered_between(lo, hi):
        out = []
        for sid, num, at, qty, price, onum in ShipmentLine.objects.filter(shipment__order__customer=customer).values_list(
                "shipment_id", "shipment__number", "shipment__shipped_at", "quantity", "order_line__unit_price",
                "shipment__order__number"):
            d = at.astimezone(TZ).date()
            if (lo is None or d >= lo) and d <= hi:
                out.append((d, sid, num, onum, money(qty * price)))
        return out

    def money_events(lo, hi):
        ev = []
        for num, onum, red, at, amt, exch in received_returns().filter(order__customer=customer).values_list(
                "number", "order__number", "red_note_number", "received_at", "amount", "exchange"):
            d = at.astimezone(TZ).date()
            if (lo is None or d >= lo) and d <= hi:
                ev.append((d, f"{'换货退回' if exch else '退货'} {num}（订单 {onum}，红字出库单 {red}）", amt))
        for r in Receipt.objects.filter(customer=customer):
            if (lo is None or r.arrived_on >= lo) and r.arrived_on <= hi:
                ev.append((r.arrived_on, f"回款 {r.number}（{r.get_method_display()}）", r.amount))
            if r.reversed_on and (lo is None or r.reversed_on >= lo) and r.reversed_on <= hi:
                ev.append((r.reversed_on, f"红冲 {r.number}：{r.reversal_reason}", -r.amount))
        return ev

    from datetime import timedelta

    before = start - timedelta(days=1)
    opening = sum((x[4] for x in delivered_between(None, before)), ZERO) - sum(
        (x[2] for x in money_events(None, before)), ZERO)
    lines = []
    ships: dict[int, list] = {}
    for d, sid, num, onum, amt in delivered_between(start, end):
        ships.setdefault(sid, [d, f"送货 {num}（订单 {onum}）", ZERO])[2] += amt
    for d, text, amt in ships.values():
        lines.append({"date": d, "text": text, "debit": amt, "credit": ZERO})
    for d, text, amt in money_events(start, end):
        lines.append({"date": d, "text": text, "debit": ZERO, "credit": amt})
    lines.sort(key=lambda x: (x["date"], x["credit"] != 0))
    bal = opening
    for ln in lines:
        bal += ln["debit"] - ln["credit"]
        ln["balance"] = bal
    return {"customer": customer, "start": start, "end": end, "opening": opening, "lines": lines, "closing": bal,
            "debits": sum((x["debit"] for x in lines), ZERO), "credits": sum((x["credit"] for x in lines), ZERO)}


# --- 业务部应收账款月报表 (monthly AR report) -----------------------------------------------------------------------


def monthly_ar(user: User, month: date) -> tuple[list[dict], dict]:
    """Per salesperson (the order's) for one month: receivables at the start, deliveries and collections
    (allocations of receipts arrived in the month, less reversals booked in it) during it, receivables at the
    end, and the overdue part at the end (`ar.aging` buckets)."""
    import calendar
    from datetime import timedelta

    start = month.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    rows: dict[int, dict] = {}
    users: dict[int, User] = {}

    def sp_of(pk: int) -> User:
        if pk not in users:
            users[pk] = User.objects.select_related("team").get(pk=pk)
        return users[pk]

    def row(sp: User) -> dict:
        return rows.setdefault(sp.pk, {"salesperson": sp, "team": sp.team.name if sp.team_id else "", "opening": ZERO,
                                       "delivered": ZERO, "collected": ZERO, "closing": ZERO, "overdue": ZERO,
                                       "over_90": ZERO})

    for r in receivables(user, start - timedelta(days=1)):
        row(r.order.salesperson)["opening"] += r.open
    for r in receivables(user, end):
        x = row(r.order.salesperson)
        x["closing"] += r.open
        b = aging_bucket(r.due_on, end)
        if b != "not_due":
            x["overdue"] += r.open
        if b == "over_90":
            x["over_90"] += r.open
    customers = money_customers(user)
    for sp_id, qty, price, at in ShipmentLine.objects.filter(shipment__order__customer__in=customers).values_list(
            "shipment__order__salesperson_id", "quantity", "order_line__unit_price", "shipment__shipped_at"):
        if start <= at.astimezone(TZ).date() <= end:
            row(sp_of(sp_id))["delivered"] += money(qty * price)
    for sp_id, amt, at in received_returns().filter(order__customer__in=customers).values_list(
            "order__salesperson_id", "amount", "received_at"):
        if start <= at.astimezone(TZ).date() <= end:
            row(sp_of(sp_id))["delivered"] -= amt  # goods back in the month: deliveries net of returns
    allocs = Allocation.objects.filter(order__customer__in=customers).filter(
        Q(receipt__arrived_on__gte=start, receipt__arrived_on__lte=end) | Q(reversed_on__gte=start, reversed_on__lte=end)
        | Q(effective_on__gte=start, effective_on__lte=end)
    ).values_list("order__salesperson_id", "amount", "receipt__arrived_on", "reversed_on", "effective_on")
    for sp_id, amt, arrived, rev, eff in allocs:
        x = row(sp_of(sp_id))
        if start <= (eff or arrived) <= end:  # a release (return excess → balance) counts on its own date
            x["collected"] += amt
        if rev and start <= rev <= end:
            x["collected"] -= amt
    out = sorted(rows.values(), key=lambda x: (x["team"], x["salesperson"].name))
    total = {k: sum((x[k] for x in out), ZERO) for k in ("opening", "delivered", "collected", "closing", "overdue", "over_90")}
    return out, total


# --- SM work list (`ar.collection_task`: more than 30 days past due) ------------------------------------------


@dataclass
class OverdueOrder:
    order: Order
    due_on: date  # the oldest past-due date of its open goods-issue notes
    days_past_due: int
    open: Decimal


def overdue_for_manager(user: User, today: date | None = None, limit: int = 200) -> list[OverdueOrder]:
    """`ar.collection_task`: receivables more than ``ar.collection_task.sm_list_days`` (30) days past due, per
    order, on the SM list of the order's team (the SM's money scope, `acl.team_scope`); the GM sees all teams.
    Computed live as of ``today`` (the nightly job only notifies)."""
    from yewu.org.selectors import get_policy
    from yewu.policy.receivables import collection_action

    today = today or timezone.localdate()
    if not user.has_role("SM", "GM"):
        return []
    cfg = get_policy()
    teams = managed_team_ids(user)
    out: dict[int, OverdueOrder] = {}
    for r in receivables(user, today):
        o = r.order
        if not user.has_role("GM") and o.salesperson.team_id not in teams and (
                o.customer.owner is None or o.customer.owner.team_id not in teams):
            continue
        if collection_action(r.due_on, today, cfg) != "escalate":
            continue
        x = out.get(o.pk)
        if x is None:
            out[o.pk] = OverdueOrder(o, r.due_on, (today - r.due_on).days, r.open)
        else:
            x.open += r.open
            if r.due_on < x.due_on:
                x.due_on, x.days_past_due = r.due_on, (today - r.due_on).days
    return sorted(out.values(), key=lambda x: (-x.days_past_due, x.order.number))[:limit]
