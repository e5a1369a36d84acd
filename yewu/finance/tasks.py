"""Nightly money jobs (01:00 Asia/Shanghai): `ar.collection_task` and `ar.reconcile_semiannual`.

Plain functions taking ``today`` and idempotent (notification keys, one task per order, one reconciliation per
customer and half-year), so a job may run twice; the ``@task`` wrapper is registered in yewu.common.jobs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from yewu.audit.services import record
from yewu.common.jobs import notify
from yewu.customers.models import Customer
from yewu.orders.models import Order
from yewu.org.models import User
from yewu.org.selectors import get_policy, users_with_ability
from yewu.policy.receivables import collection_action, fmt, previous_half_year_end

from .access import SYSTEM
from .models import CollectionTask, Receipt, Reconciliation
from .receivables.selectors import receivables
from .statements.selectors import statement

ZERO = Decimal("0.00")


def _sm_of(user: User | None) -> list[User]:
    if user is not None and user.team_id and user.team.manager_id:
        return [user.team.manager]
    return list(users_with_ability("hears_unmanaged_escalations"))


@transaction.atomic
def run_collection(today: date | None = None) -> dict:
    """`ar.collection_task`: reminder to the owner 3 days before due; a collection task on day 1 past due;
    more than 30 days past due → on the SM list. Tasks of orders no longer overdue are closed."""
    today = today or timezone.localdate()
    cfg = get_policy()
    out = {"reminders": 0, "tasks": 0, "escalated": 0, "closed": 0}
    overdue: dict[int, dict] = {}
    for r in receivables(SYSTEM, today):
        o = r.order
        act = collection_action(r.due_on, today, cfg)
        if act == "remind":
            if notify(o.salesperson, f"ar:remind:{o.pk}:{r.due_on}", f"回款提醒：{o.customer.name} 订单 {o.number} "
                      f"{fmt(r.open)} 元将于 {r.due_on:%Y-%m-%d} 到期", rule="ar.collection_task", link="/finance/ar/"):
                out["reminders"] += 1
        elif act in ("task", "escalate"):
            x = overdue.setdefault(o.pk, {"order": o, "due": r.due_on, "amount": ZERO})
            x["due"] = min(x["due"], r.due_on)
            x["amount"] += r.open
    for oid, x in overdue.items():
        o, days = x["order"], (today - x["due"]).days
        t = CollectionTask.objects.filter(order_id=oid).first()
        if t is None:
            t = CollectionTask.objects.create(order=o, customer=o.customer, salesperson=o.salesperson, due_on=x["due"],
                                              overdue_amount=x["amount"], days_past_due=days, opened_on=today)
            record(actor=None, action="create", obj=t, after={"order": o.number, "amount": x["amount"], "days": days},
                   rule="ar.collection_task")
            notify(o.salesperson, f"ar:task:{oid}", f"催收任务：{o.customer.name} 订单 {o.number} 逾期 {days} 天，"
                   f"未收 {fmt(x['amount'])} 元", rule="ar.collection_task", link="/finance/ar/")
            out["tasks"] += 1
        else:
            t.overdue_amount, t.days_past_due, t.due_on, t.closed_on = x["amount"], days, x["due"], None
            t.save(update_fields=["overdue_amount", "days_past_due", "due_on", "closed_on"])
        if days > cfg["ar.collection_task.sm_list_days"] and t.escalated_on is None:
            t.escalated_on = today
            t.save(update_fields=["escalated_on"])
            for m in _sm_of(o.salesperson):
                notify(m, f"ar:escalate:{oid}", f"逾期超过 {cfg['ar.collection_task.sm_list_days']} 天：{o.customer.name} "
                       f"订单 {o.number} 未收 {fmt(x['amount'])} 元（业务员 {o.salesperson.name}）", rule="ar.collection_task",
                       link="/finance/ar/")
            out["escalated"] += 1
    for t in CollectionTask.objects.filter(closed_on__isnull=True).exclude(order_id__in=list(overdue)):
        t.closed_on, t.overdue_amount, t.days_past_due = today, ZERO, 0
        t.save(update_fields=["closed_on", "overdue_amount", "days_past_due"])
        out["closed"] += 1
    return out


@transaction.atomic
def run_reconciliation(today: date | None = None) -> dict:
    """`ar.reconcile_semiannual`: after 30 June / 31 December, one reconciliation per customer with a balance or
    trade in the half-year, for its owner, due 15 calendar days later; overdue ones are reported to SM and FIN."""
    today = today or timezone.localdate()
    cfg = get_policy()
    end = previous_half_year_end(today)
    start = date(end.year, 1, 1) if end.month == 6 else date(end.year, 7, 1)
    due = end + timedelta(days=cfg["ar.reconcile_semiannual.report_days"])
    out = {"created": 0, "overdue": 0}
    traded = set(Order.objects.filter(Q(shipments__shipped_at__date__gte=start) & Q(shipments__shipped_at__date__lte=end))
                 .values_list("customer_id", flat=True))
    traded |= set(Receipt.objects.filter(arrived_on__gte=start, arrived_on__lte=end).values_list("customer_id", flat=True))
    candidates = traded | set(Order.objects.filter(shipments__isnull=False).values_list("customer_id", flat=True))
    existing = set(Reconciliation.objects.filter(period_end=end).values_list("customer_id", flat=True))
    for c in Customer.objects.filter(pk__in=candidates - existing).select_related("owner"):
        bal = statement(c, start, end)["closing"]
        if bal == 0 and c.pk not in traded:
            continue
        rec = Reconciliation.objects.create(customer=c, owner=c.owner, period_end=end, balance=bal, due_on=due)
        if c.owner:
            notify(c.owner, f"recon:{rec.pk}", f"半年对账：请与 {c.name} 核对截至 {end:%Y-%m-%d} 的余额 {fmt(bal)} 元，"
                   f"{due:%Y-%m-%d} 前报经理和财务", rule="ar.reconcile_semiannual", link="/finance/ar/")
        out["created"] += 1
    for rec in Reconciliation.objects.filter(state=Reconciliation.State.PENDING, due_on__lt=today, overdue_notified=False) \
            .select_related("customer", "owner", "owner__team"):
        for u in _sm_of(rec.owner) + list(users_with_ability("chases_reconciliations")):
            notify(u, f"recon:{rec.pk}:overdue", f"半年对账逾期：{rec.customer.name}（截至 {rec.period_end:%Y-%m-%d}，"
                   f"应于 {rec.due_on:%Y-%m-%d} 前报送）", rule="ar.reconcile_semiannual", link="/finance/ar/")
        rec.overdue_notified = True
        rec.save(update_fields=["overdue_notified"])
        out["overdue"] += 1
    return out


def run_nightly(today: date | None = None) -> dict:
    return {"collection": run_collection(today), "reconciliation": run_reconciliation(today)}


@task()
def nightly() -> dict:
    return run_nightly()
