"""Timers and nightly jobs for customers (SPEC §10 "Jobs"), run by ``yewu worker`` through the task queue.

The logic lives in plain functions (``run_scan_deadlines``, ``run_nightly``) that take ``now`` and are
idempotent — every notification has a key, every change is conditional — so a job may safely run twice.
The ``@task`` wrappers below are thin; the schedule is in :mod:`yewu.common.jobs`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks import task

from yewu.audit.services import record
from yewu.common.jobs import notify
from yewu.org.models import Role, User
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy.calendar import TZ
from yewu.policy.customers import first_contact_reason

from .models import Confidentiality, Customer, DemandGrade, Status
from .selectors import first_contact_overdue

logger = logging.getLogger("yewu.jobs")


def _link(pk: int) -> str:
    try:
        return reverse("customers:detail", args=[pk])
    except NoReverseMatch:
        return f"/customers/{pk}/"


def _managers_of(owner: User | None) -> list[User]:
    """The owner's SM (team manager); without one, the GMs."""
    team = owner.team if owner is not None and owner.team_id else None
    if team is not None and team.manager_id and team.manager.is_active:
        return [team.manager]
    return list(users_with_role(Role.GM))


def lead_allocation_deadline(received_at: datetime, cal, cfg) -> datetime:
    """`cust.web_lead_allocation`: a lead received before the hand-over hour (18:00) is handed to the SM that
    day, later ones the next day; allocation is due within N working days of the hand-over day."""
    hour = cfg["cust.web_lead_intake.handover_hour"]
    local = received_at.astimezone(TZ)
    handover_day = local.date() if local.time() < time(hour, 0) else local.date() + timedelta(days=1)
    return cal.deadline_after_working_days(handover_day, cfg["cust.web_lead_allocation.due_working_days"])


def run_scan_deadlines(now: datetime | None = None) -> dict:
    """Deadline timers (every 5 minutes). Returns counts of notifications created."""
    now = now or timezone.now()
    cfg, cal = get_policy(), get_calendar()
    out = {"first_contact": 0, "lead_allocation": 0, "quotes": 0}

    # cust.first_contact_1w: owner has not logged a contact within 7 days of assignment -> owner's SM
    for c, due in first_contact_overdue(Customer.objects.select_related("owner__team__manager"), now):
        reason = first_contact_reason(c.assigned_at, due, now)
        key = f"first_contact:{c.pk}:{c.assigned_at.isoformat()}"
        for m in _managers_of(c.owner):
            out["first_contact"] += notify(
                m, key, f"{c.name}（{c.owner.name}）：{reason.message}", rule="cust.first_contact_1w", link=_link(c.pk)
            )

    # cust.web_lead_allocation: pool leads still awaiting allocation 1 WD after the 18:00 hand-over -> SMs
    leads = Customer.objects.filter(is_web_lead=True, owner__isnull=True, status=Status.LEAD,
                                    lead_received_at__isnull=False)
    sms = None
    for c in leads:
        due = lead_allocation_deadline(c.lead_received_at, cal, cfg)
        if now <= due:
            continue
        if sms is None:
            sms = list(users_with_role(Role.SM)) or list(users_with_role(Role.GM))
        msg = (f"网络线索「{c.name}」待分配已逾期：{c.lead_received_at.astimezone(TZ):%Y-%m-%d %H:%M} 接收，"
               f"应于 {due:%Y-%m-%d %H:%M} 前分配")
        for m in sms:
            out["lead_allocation"] += notify(m, f"lead_allocation:{c.pk}", msg, rule="cust.web_lead_allocation",
                                             link=_link(c.pk))

    # quotation deadlines live in the sales app (optional)
    try:
        from yewu.sales.services import scan_quote_deadlines
    except (ImportError, AttributeError):
        scan_quote_deadlines = None
    if scan_quote_deadlines is not None:
        try:
            n = scan_quote_deadlines(now=now)
        except TypeError:  # an implementation without ``now``
            n = scan_quote_deadlines()
        out["quotes"] = n if isinstance(n, int) else 0
    return out


def run_nightly(now: datetime | None = None) -> dict:
    """Nightly job (01:00 Asia/Shanghai)."""
    now = now or timezone.now()
    today: date = now.astimezone(TZ).date()
    out = {"confidentiality_expired": 0, "key_customer_suggested": 0, "task_results_pruned": 0}

    # cust.confidentiality: past its expiry date the level drops to internal (row access only); audited
    expired = Customer.objects.filter(
        confidentiality__in=[Confidentiality.SECRET, Confidentiality.CONFIDENTIAL, Confidentiality.TOP_SECRET],
        confidentiality_expires_on__lt=today,
    )
    for pk in expired.values_list("pk", flat=True):
        with transaction.atomic():
            c = Customer.objects.select_for_update().filter(pk=pk, confidentiality_expires_on__lt=today).exclude(
                confidentiality=Confidentiality.INTERNAL).first()
            if c is None:
                continue
            before = {"confidentiality": c.confidentiality, "confidentiality_expires_on": c.confidentiality_expires_on}
            c.confidentiality = Confidentiality.INTERNAL
            c.save(update_fields=["confidentiality", "updated_at"])
            record(actor=None, action="update", obj=c, before=before,
                   after={"confidentiality": c.confidentiality}, rule="cust.confidentiality",
                   reason=f"保密期限 {before['confidentiality_expires_on']} 已过，密级降为内部")
            out["confidentiality_expired"] += 1

    # cust.key_customer: grade-A customers not yet flagged are suggested to the owner's SM (the top-20%-by-
    # receipts criterion needs receipts, which arrive with the money module)
    for c in Customer.objects.filter(demand_grade=DemandGrade.A, key_customer=False, owner__isnull=False).exclude(
        status__in=[Status.ARCHIVED, Status.BLACKLISTED]
    ).select_related("owner", "owner__team"):
        for m in _managers_of(c.owner):
            out["key_customer_suggested"] += notify(
                m, f"key_customer:{c.pk}", f"建议将 A 级客户「{c.name}」（{c.owner.name}）设为重点客户",
                rule="cust.key_customer", link=_link(c.pk),
            )

    # housekeeping: finished task results older than 14 days
    try:
        from django_tasks_db.models import DBTaskResult

        old = DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=14))
        out["task_results_pruned"] = old.delete()[0]
    except (ImportError, LookupError):
        pass
    return out


@task()
def scan_deadlines() -> dict:
    return run_scan_deadlines()


@task()
def nightly() -> dict:
    return run_nightly()
