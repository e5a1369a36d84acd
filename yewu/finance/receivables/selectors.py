"""Receivables reads (SPEC §5.3): open goods-issue notes as of any date (`ar.aging`), the aging table, a
customer's order balances, the SM's overdue list (`ar.collection_task`), deferrals, reconciliations, write-offs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Floor, Round
from django.utils import timezone

from yewu.common.rows import LocalDates, Unparsed, gc_paused, raw_rows
from yewu.customers.models import Customer
from yewu.finance.access import money_customers, sees_all_money
from yewu.finance.base import ZERO, chunks
from yewu.finance.receivables.balances import open_orders, received_returns
from yewu.orders.models import Order, OrderStatus, ShipmentLine
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids
from yewu.policy.calendar import TZ
from yewu.policy.receivables import BUCKETS, aging_bucket, collection_action, due_date, money

from ..models import Allocation, CollectionTask, DeferralRequest, Reconciliation, WriteOff


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
    if can(actor, "writes_off_any_debt"):
        return True
    owner = order.customer.owner
    if can(actor, "writes_off_team_debt") and order.salesperson.team_id in managed_team_ids(actor):
        return True
    return can(actor, "writes_off_own_debt") and actor.id in (order.salesperson_id, owner.id if owner else None)


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
    for chunk in chunks(list(order_ids)):
        out.update(_paid(Allocation.objects.filter(order_id__in=chunk), as_of))
    return out


def _counted(allocs: QuerySet[Allocation], as_of: date) -> QuerySet[Allocation]:
    """Allocations counting as paid on ``as_of``: their receipt arrived (or, for a release, its date came) and they
    were not reversed by then."""
    return allocs.filter(Q(effective_on__isnull=True, receipt__arrived_on__lte=as_of) | Q(effective_on__lte=as_of)).filter(
        Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))


def _paid(allocs: QuerySet[Allocation], as_of: date) -> dict[int, Decimal]:
    rows = _counted(allocs, as_of).values("order_id").annotate(s=Sum("amount"))
    return {r["order_id"]: money(r["s"] or ZERO) for r in rows}


_VALUE = ExpressionWrapper(F("quantity") * F("order_line__unit_price"), output_field=DecimalField())
_ZERO = Value(Decimal("0"), output_field=DecimalField())
_EXACT_BELOW = Value(Decimal("100000000"), output_field=DecimalField())
# A line's value money(qty × price) in whole cents, computed in the database: FLOOR(qty × price × 100 + 0.5005).
# Exact for 0 ≤ value < 10⁸ on SQLite's floats too: qty × price × 100 has 3 decimals, so + 0.5005 carries a tie
# (….500, rounded up as ROUND_HALF_UP does) over the next integer and leaves ….499 below it, with a margin of 0.0005
# that is far above the float error (< 10⁻⁵) there. Other lines are computed in Python (None here).
_LINE_CENTS = Floor(ExpressionWrapper(_VALUE * 100 + Value(Decimal("0.5005")), output_field=DecimalField()))
_CENTS_IF_EXACT = Case(When(value__gte=_ZERO, value__lt=_EXACT_BELOW, then=_LINE_CENTS), default=None,
                       output_field=IntegerField())


def _maybe_open(lines: QuerySet[ShipmentLine], as_of: date) -> RawSQL | QuerySet:
    """The orders of ``lines`` that may have something open on ``as_of``, as a subquery for ``order_id__in``: all
    but those whose money counted by then (as in :func:`_paid`) covers their delivered value, both summed in whole
    cents in the database (each line's value money(qty × price), see ``_LINE_CENTS``). Such an order has nothing
    open nor written off in :func:`_open_items` when no line value is < 0: its notes are then ≥ 0, returns only lower
    them, the money (≥ their sum) covers them oldest first and a write-off is capped at what is open. Orders with a
    line value < 0 or ≥ 10⁸ (no exact float cents) always stay in."""
    # Two grouped reads joined on the order (not a subquery per order: PostgreSQL runs that one order at a time).
    try:
        delivered, d_params = lines.values("shipment__order_id").annotate(
            cents=Sum(_LINE_CENTS), low=Min(_VALUE), high=Max(_VALUE)).values_list(
            "shipment__order_id", "cents", "low", "high").order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. a user who sees no customer's money
        return lines.none().values("shipment__order_id")
    paid, p_params = _counted(Allocation.objects.all(), as_of).values("order_id").annotate(
        cents=Sum(Round(F("amount") * 100))).values_list("order_id", "cents").order_by().query.sql_with_params()
    return RawSQL(f'SELECT d."shipment__order_id" FROM ({delivered}) d LEFT JOIN ({paid}) p '
                  f'ON p."order_id" = d."shipment__order_id" '
                  f'WHERE d."cents" > COALESCE(p."cents", 0) OR d."low" < 0 OR d."high" >= 100000000',
                  (*d_params, *p_params))


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


def _cents(x: Decimal) -> int:
    """Money in whole cents (the amounts read here have 2 places; anything finer is rounded as money() does)."""
    return int(money(x).scaleb(2))


def _paid_cents(allocs: QuerySet[Allocation], as_of: date) -> dict[int, int]:
    """:func:`_paid` in whole cents, each allocation rounded to the cent in the database and summed there (exact on
    SQLite's floats too: whole numbers below 2⁵³)."""
    rows = _counted(allocs, as_of).values("order_id").annotate(
        c=Sum(Round(F("amount") * 100), output_field=IntegerField())).values_list("order_id", "c").order_by()
    return {oid: int(c or 0) for oid, c in rows}


def _open_items(user: User, as_of: date, customer_id: int | None = None, order_id: int | None = None,
                keep_written_off: bool = False) -> list[_Open]:
    """The open goods-issue notes, see :func:`_open_cents`."""
    return [_Open(oid, cid, spid, d, due, Decimal(amt).scaleb(-2), Decimal(op).scaleb(-2), Decimal(w).scaleb(-2))
            for oid, cid, spid, d, due, amt, op, w in _open_cents(user, as_of, customer_id, order_id, keep_written_off)]


@gc_paused()
def _open_cents(user: User, as_of: date, customer_id: int | None = None, order_id: int | None = None,
                keep_written_off: bool = False) -> list[list]:
    """The receivables computation on plain values (no model instances, no id lists in the SQL, money in whole
    cents), so it scales to millions of shipments: each goods-issue note (出仓单) is owed from its local date and
    falls due per `ar.aging` (deferrals granted by ``as_of`` move it later); goods received back by ``as_of``
    (returns and exchanges, `return.flow`) reduce the order's delivered value, newest note first; money allocated
    to the order by ``as_of`` pays its shipments oldest first (any excess over the net delivered value is simply not
    open). Approved write-offs (`ar.bad_debt`) then take the oldest open notes out of the open amount
    (``written_off``): money received pays the live debt first, and once the order's open amount falls below what
    was written off, the difference is recovery. ``keep_written_off`` keeps notes that are only written-off debt.
    One list per note: [order, customer, salesperson, delivered on, due on, amount, open, written off], the last
    three in cents."""
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
    returned: dict[int, int] = defaultdict(int)
    for oid, amt in rets.values_list("order_id", "amount").iterator(chunk_size=5000):
        returned[oid] += _cents(amt)
    wo = {oid: _cents(w) for oid, w in written_off_by_order(as_of, order_ids=[order_id] if order_id else None).items()}
    if all(v >= 0 for v in returned.values()) and all(v >= 0 for v in wo.values()):  # as the services write them
        lines = lines.filter(shipment__order_id__in=_maybe_open(lines, as_of))
    per_ship: dict[tuple[int, int], list] = {}  # (order, note) → [date, value in cents, customer, SP, settlement, term]
    inexact: dict[int, tuple[int, int]] = {}  # line → (order, note): its value is computed here from qty and price
    # Raw rows: a note's local date is worked out once per note (from SQLite's text, once per hour), cents are
    # made ints here — no converters per line.
    rows, convert = raw_rows(lines.alias(value=_VALUE).annotate(cents=_CENTS_IF_EXACT, shipped=Unparsed(
        "shipment__shipped_at")).values_list(
            "id", "shipment_id", "shipment__order_id", "shipped", "cents", "shipment__order__customer_id",
            "shipment__order__salesperson_id", "shipment__order__settlement", "shipment__order__term_days"))
    local_date = LocalDates(TZ, convert.get(3), connections[lines.db].timezone)
    for lid, sid, oid, at, cents, cid, spid, settlement, term in rows:
        key = (oid, sid)
        item = per_ship.get(key)
        if item is None:
            item = per_ship[key] = [local_date(at), 0, cid, spid, settlement, term]
        if cents is None:
            inexact[lid] = key
        else:
            item[1] += int(cents)
    for chunk in chunks(sorted(inexact)):
        for lid, qty, price in ShipmentLine.objects.filter(pk__in=chunk).values_list(
                "id", "quantity", "order_line__unit_price"):
            per_ship[inexact[lid]][1] += _cents(qty * price)
    if not per_ship:
        return []
    paid = _paid_cents(allocs, as_of)
    granted: dict[int, date] = {}
    for oid, nd in DeferralRequest.objects.filter(order__isnull=False, outcome=DeferralRequest.Outcome.GRANTED,
                                                 decided_on__lte=as_of).values_list("order_id", "new_due_on"):
        granted[oid] = max(nd, granted.get(oid, nd))
    by_order: dict[int, list[list]] = defaultdict(list)
    dues: dict[tuple, date] = {}  # (settlement, date, term) → due date: the notes share a few thousand
    for (oid, _sid), (d, amt, cid, spid, settlement, term) in sorted(per_ship.items(), key=lambda kv: (kv[1][0], kv[0][1])):
        due = dues.get((settlement, d, term))
        if due is None:
            due = dues[(settlement, d, term)] = due_date(settlement, d, term)
        if oid in granted:
            due = max(due, granted[oid])
        by_order[oid].append([oid, cid, spid, d, due, int(amt), 0, 0])
    out = []
    for oid, items in by_order.items():
        back = returned.get(oid, 0)  # returned by as_of: reduces the newest goods-issue notes first
        for it in reversed(items):  # (a line value < 0 is taken to 0 even with nothing returned)
            cut = min(back, it[5])
            it[5] -= cut
            back -= cut
        left = paid.get(oid, 0)
        for it in items:
            take = min(left, it[5])
            it[6] = it[5] - take
            left -= take
        w = wo.get(oid, 0)
        if w:  # (opens are ≥ 0 here, so no write-off leaves them as they are)
            w = min(w, sum(it[6] for it in items))  # still written off, not yet recovered
        for it in items:
            if w:
                cut = min(w, it[6])
                it[6] -= cut
                it[7] = cut
                w -= cut
            if it[6] > 0 or (keep_written_off and it[7] > 0):
                out.append(it)
    return out


def receivables(user: User, as_of: date | None = None, customer_id: int | None = None,
                order_id: int | None = None, keep_written_off: bool = False) -> list[Receivable]:
    """Open receivables as of a date, one per goods-issue note still (partly) unpaid, with their orders."""
    as_of = as_of or timezone.localdate()
    items = _open_items(user, as_of, customer_id, order_id, keep_written_off)
    orders: dict[int, Order] = {}
    for chunk in chunks(sorted({it.order_id for it in items})):
        orders.update((o.pk, o) for o in Order.objects.filter(pk__in=chunk).select_related(
            "customer", "customer__owner", "salesperson", "salesperson__team"))
    return [Receivable(order=orders[it.order_id], delivered_on=it.delivered_on, due_on=it.due_on, amount=it.amount,
                       open=it.open, written_off=it.written_off) for it in items]


@gc_paused()
def aging(user: User, as_of: date | None = None, group: str = "customer") -> tuple[list[AgingRow], AgingRow]:
    """`ar.aging` per customer, salesperson (the order's) or team, as of any date. Summed in whole cents per row
    (the total from the rows), money once per figure shown."""
    as_of = as_of or timezone.localdate()
    items = _open_cents(user, as_of, keep_written_off=True)
    people = {u.pk: u for u in User.objects.filter(pk__in={it[2] for it in items}).select_related("team")}
    customers: dict[int, Customer] = {}
    if group not in ("salesperson", "team"):
        for chunk in chunks(sorted({it[1] for it in items})):
            customers.update((c.pk, c) for c in Customer.objects.filter(pk__in=chunk).only("id", "name"))
    teams = {pk: u.team.name if u.team_id else "（无团队）" for pk, u in people.items()}
    buckets: dict[date, int] = {}  # per due date, the bucket's index: the items share a few hundred
    rows: dict[object, AgingRow] = {}
    sums: dict[object, list] = {}  # key → [cents per bucket…, written off, oldest due]
    n = len(BUCKETS)
    for _oid, cid, spid, _d, due, _amt, op, w in items:
        if group == "salesperson":
            key = spid
        elif group == "team":
            key = teams[spid]
        else:
            key = cid
        acc = sums.get(key)
        if acc is None:
            sp, team = people[spid], teams[spid]
            label = sp.name if group == "salesperson" else team if group == "team" else customers[cid].name
            rows[key] = AgingRow(key=key, label=label, customer=customers.get(cid) if group not in (
                "salesperson", "team") else None, salesperson=sp if group != "team" else None, team=team)
            acc = sums[key] = [0] * n + [0, None]
        b = buckets.get(due)
        if b is None:
            b = buckets[due] = BUCKETS.index(aging_bucket(due, as_of))
        acc[b] += op
        acc[n] += w
        if op > 0 and b and (acc[n + 1] is None or due < acc[n + 1]):
            acc[n + 1] = due
    tot = [0] * n + [0, None]
    for acc in sums.values():
        for i in range(n + 1):
            tot[i] += acc[i]
        if acc[n + 1] is not None and (tot[n + 1] is None or acc[n + 1] < tot[n + 1]):
            tot[n + 1] = acc[n + 1]
    total = AgingRow(key="total", label="合计")
    for x, acc in ((total, tot), *((row, sums[key]) for key, row in rows.items())):
        for i, name in enumerate(BUCKETS):
            if acc[i]:
                x.buckets[name] += Decimal(acc[i]).scaleb(-2)
        x.total += Decimal(sum(acc[:n])).scaleb(-2)
        x.written_off += Decimal(acc[n]).scaleb(-2)
        x.oldest_due = acc[n + 1]
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

    today = today or timezone.localdate()
    if not can(user, "sees_collection_list"):
        return []
    cfg = get_policy()
    teams = managed_team_ids(user)
    out: dict[int, OverdueOrder] = {}
    for r in receivables(user, today):
        o = r.order
        if not can(user, "sees_all_collection_lists") and o.salesperson.team_id not in teams and (
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
