"""Order timers and the nightly job (SPEC §10 "Jobs"); logic in plain idempotent functions taking ``now``.

- nightly 01:00: `delivery.standard_3_4d` / `delivery.custom_production` late lines are flagged (once per line
  and promise) and reported to the salesperson and the team's SM; contract originals taken out of custody and
  not back by their return date (`contract.filing_1wd`); last month's contract register still unconfirmed after
  the 5th (`contract.monthly_register`).
- every 5 minutes: custom ship dates PROD has not entered within 1 WD of the deposit; `contract.filing_1wd`
  signed contracts not in CS custody within 1 WD of signing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from yewu.audit.services import record
from yewu.common.jobs import notify
from yewu.org.models import User
from yewu.org.selectors import users_with_ability
from yewu.policy import orders as rules
from yewu.policy.calendar import TZ

from .contracts.records import flag_overdue_loans, flag_unconfirmed_register
from .models import Contract, ContractStatus, OrderLine
from .ordering.selectors import custom_dates_overdue, late_lines_qs


def _managers_of(user: User | None) -> list[User]:
    team = user.team if user is not None and user.team_id else None
    if team is not None and team.manager_id and team.manager.is_active:
        return [team.manager]
    return list(users_with_ability("stands_in_for_team_manager"))


def flag_late_lines(now: datetime | None = None) -> int:
    """Flag lines unshipped after their promised day; notify the salesperson and the SM. Returns new flags."""
    now = now or timezone.now()
    today = now.astimezone(TZ).date()
    n = 0
    for ln in late_lines_qs(today).filter(late_flagged_on__isnull=True):
        reason = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
        if reason is None:
            continue
        with transaction.atomic():
            if not OrderLine.objects.filter(pk=ln.pk, late_flagged_on__isnull=True).update(late_flagged_on=today):
                continue
            o = ln.order
            msg = f"订单 {o.number}（{o.customer.name}）{ln.product.code} 发货逾期：{reason.message}"
            for u in [o.salesperson, *_managers_of(o.salesperson)]:
                notify(u, f"late-line:{ln.pk}:{ln.promised_ship_on}", msg, rule=reason.rule, link=f"/orders/{o.pk}/")
            record(actor=None, action="flag", obj=o, after={"line": ln.pk, "late_flagged_on": today,
                                                           "promised_ship_on": ln.promised_ship_on},
                   rule=reason.rule, reason=reason.message)
            n += 1
    return n


def remind_custom_dates(now: datetime | None = None) -> int:
    """`delivery.custom_production`: PROD has not entered a custom ship date within 1 WD of the deposit."""
    now = now or timezone.now()
    n = 0
    for ln in custom_dates_overdue(now):
        o = ln.order
        due = ln.prod_date_due_at.astimezone(TZ)
        msg = f"订单 {o.number}（{o.customer.name}）定制产品 {ln.product.code} 的交期未在 {due:%Y-%m-%d %H:%M} 前录入"
        for u in [*users_with_ability("enters_custom_ship_dates"), *_managers_of(o.salesperson)]:
            n += notify(u, f"custom-date-overdue:{ln.pk}", msg, rule="delivery.custom_production", link=f"/orders/{o.pk}/")
    return n


def flag_unfiled_contracts(now: datetime | None = None) -> int:
    """`contract.filing_1wd`: a signed contract whose scan is not in CS custody by its filing deadline."""
    now = now or timezone.now()
    n = 0
    for c in Contract.objects.filter(status=ContractStatus.SIGNED, filing_due_at__lt=now,
                                     filing_flagged_at__isnull=True).select_related("order", "customer"):
        with transaction.atomic():
            if not Contract.objects.filter(pk=c.pk, filing_flagged_at__isnull=True).update(filing_flagged_at=now):
                continue
            due = c.filing_due_at.astimezone(TZ)
            msg = f"合同 {c.number}（{c.customer.name}）签订后未在 {due:%Y-%m-%d %H:%M} 前交客服归档"
            for u in [*users_with_ability("supervises_contract_filing"), c.order.salesperson]:
                notify(u, f"contract-filing:{c.pk}", msg, rule="contract.filing_1wd", link=f"/orders/{c.order_id}/")
            record(actor=None, action="flag", obj=c, after={"filing_flagged_at": now}, rule="contract.filing_1wd", reason=msg)
            n += 1
    return n


def run_timers(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {"custom_dates": remind_custom_dates(now), "contracts_unfiled": flag_unfiled_contracts(now)}


def run_nightly(now: datetime | None = None) -> dict:
    return {"late_lines": flag_late_lines(now), "custody_overdue": flag_overdue_loans(now),
            "register_unconfirmed": flag_unconfirmed_register(now)}


@task()
def timers() -> dict:
    return run_timers()


@task()
def nightly() -> dict:
    return run_nightly()
