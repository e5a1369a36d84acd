"""Statements: the customer statement (对账单) and the sales department's monthly AR report (业务部应收账款月报表)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db.models import Q

from yewu.customers.models import Customer
from yewu.finance.access import money_customers
from yewu.finance.base import ZERO
from yewu.finance.receivables.balances import received_returns
from yewu.finance.receivables.selectors import receivables
from yewu.orders.models import ShipmentLine
from yewu.org.models import User
from yewu.policy.calendar import TZ
from yewu.policy.receivables import aging_bucket, money

from ..models import Allocation, Receipt


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


def monthly_ar(user: User, month: date) -> tuple[list[dict], dict]:
    """Per salesperson (the order's) for one month: receivables at the start, deliveries and collections
    (allocations of receipts arrived in the month, less reversals booked in it) during it, receivables at the
    end, and the overdue part at the end (`ar.aging` buckets)."""
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
