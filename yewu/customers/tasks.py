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
from yewu.customers.credit.services import open_investigation, overdue_reports, ungraded_needing_investigation
from yewu.customers.leads.selectors import first_contact_overdue
from yewu.customers.models import Confidentiality, Customer, DemandGrade, Status
from yewu.customers.upkeep.services import missing_reports, month_of, unverified_this_quarter
from yewu.customers.visits.services import minutes_overdue
from yewu.org.models import User
from yewu.org.permissions import roles_with
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy import credit as credit_rules
from yewu.policy.calendar import TZ
from yewu.policy.customers import first_contact_reason

logger = logging.getLogger("yewu.jobs")


def _link(pk: int) -> str:
    try:
        return reverse("customers:detail", args=[pk])
    except NoReverseMatch:
        return f"/customers/{pk}/"


def _holders(ability: str) -> list[User]:
    """Active users holding a role that carries ``ability`` (by id), for notifications."""
    ids = {u.id for role in roles_with(ability) for u in users_with_role(role)}
    return list(User.objects.filter(id__in=ids).order_by("id"))


def _managers_of(owner: User | None) -> list[User]:
    """The owner's SM (team manager); without one, the GMs."""
    team = owner.team if owner is not None and owner.team_id else None
    if team is not None and team.manager_id and team.manager.is_active:
        return [team.manager]
    return _holders("manages_all_teams")


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
    out = {"first_contact": 0, "lead_allocation": 0}

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
            sms = _holders("manages_team_customers") or _holders("manages_all_teams")
        msg = (f"网络线索「{c.name}」待分配已逾期：{c.lead_received_at.astimezone(TZ):%Y-%m-%d %H:%M} 接收，"
               f"应于 {due:%Y-%m-%d %H:%M} 前分配")
        for m in sms:
            out["lead_allocation"] += notify(m, f"lead_allocation:{c.pk}", msg, rule="cust.web_lead_allocation",
                                             link=_link(c.pk))

    # visit.minutes_2wd: a meeting's minutes not written within 2 working days -> the SP and the SM
    out["minutes"] = 0
    for v, due in minutes_overdue(now):
        msg = (f"会谈纪要逾期：{v.customer.name} {v.at.astimezone(TZ):%Y-%m-%d} 的会谈应于 {due:%Y-%m-%d %H:%M} 前提交纪要")
        for u in [v.user, *_managers_of(v.user)]:
            out["minutes"] += notify(u, f"minutes:{v.pk}", msg, rule="visit.minutes_2wd", link=_link(v.customer_id))

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

    out.update(run_upkeep(now))

    # housekeeping: finished task results older than 14 days
    try:
        from django_tasks_db.models import DBTaskResult

        old = DBTaskResult.objects.finished().filter(finished_at__lt=now - timedelta(days=14))
        out["task_results_pruned"] = old.delete()[0]
    except (ImportError, LookupError):
        pass
    return out


def run_upkeep(now: datetime) -> dict:
    """Nightly upkeep of §2.5 and §2.7: credit report cadence, investigation tasks, quarterly verification,
    the monthly information report. Idempotent (notification keys, conditional creates)."""
    today = now.astimezone(TZ).date()
    cfg, cal = get_policy(), get_calendar()
    out = {"credit_reports_overdue": 0, "investigations_opened": 0, "quarterly_reminders": 0,
           "quarterly_overdue": 0, "info_report_reminders": 0, "info_report_missing": 0}

    # credit.investigation_cadence: overdue periodic reports are flagged to the owner's SM (not blocking),
    # and a periodic-report task is opened
    for c in overdue_reports(today):
        reason = credit_rules.report_overdue_reason(c.credit_next_report_on, today, c.credit_grade, cfg)
        for m in _managers_of(c.owner):
            out["credit_reports_overdue"] += notify(m, f"credit_report:{c.pk}:{c.credit_next_report_on}",
                                                    f"{c.name}：{reason.message}", rule=reason.rule, link=_link(c.pk))
        if not c.credit_investigations.filter(state="open").exists():
            open_investigation(None, c.pk, reason=reason.message)
            out["investigations_opened"] += 1
    # credit.grade_policy: an ungraded active customer gets an investigation task
    for pk in list(ungraded_needing_investigation().values_list("pk", flat=True)[:500]):
        open_investigation(None, pk, reason="未评级客户：开立首次信用调查任务（credit.grade_policy）")
        out["investigations_opened"] += 1

    # cust.archive_quarterly_review: reminder on the first working day of the quarter's last month; overdue
    # (to the SM) on the first day of the next quarter for what stayed unverified
    q = credit_rules.quarter_start(today)
    if today == credit_rules.quarterly_reminder_day(today, cal):
        by_owner: dict[int, list] = {}
        for c in unverified_this_quarter(Customer.objects.select_related("owner"), today):
            by_owner.setdefault(c.owner_id, [c.owner, 0])[1] += 1
        for owner, n in by_owner.values():
            out["quarterly_reminders"] += notify(
                owner, f"quarterly_review:{owner.pk}:{q}",
                f"本季度（至 {credit_rules.quarter_end(today)}）还有 {n} 个客户档案未核实，请确认或更新",
                rule="cust.archive_quarterly_review", link="/upkeep/")
    if today == q:
        prev = credit_rules.quarter_start(q - timedelta(days=1))
        by_sm: dict[int, list] = {}
        for c in unverified_this_quarter(Customer.objects.select_related("owner", "owner__team__manager"),
                                         q - timedelta(days=1)):
            for m in _managers_of(c.owner):
                by_sm.setdefault(m.pk, [m, 0])[1] += 1
        for m, n in by_sm.values():
            out["quarterly_overdue"] += notify(
                m, f"quarterly_overdue:{m.pk}:{prev}", f"上季度（{prev} 起）有 {n} 个客户档案未核实，已逾期",
                rule="cust.archive_quarterly_review", link="/upkeep/")

    # cust.monthly_info_report: reminder in days 1–7 to SPs without this month's report; from the 8th the SM
    # sees who is missing
    month = month_of(today)
    due = credit_rules.info_report_due(month, cfg)
    missing = missing_reports(month)
    if today <= due:
        for u in missing:
            out["info_report_reminders"] += notify(
                u, f"info_report:{u.pk}:{month}", f"请在 {due} 前提交 {month:%Y年%m月} 客户信息报告",
                rule="cust.monthly_info_report", link="/upkeep/")
    else:
        by_sm2: dict[int, list] = {}
        for u in missing:
            for m in _managers_of(u):
                by_sm2.setdefault(m.pk, [m, []])[1].append(u.name)
        for m, names in by_sm2.values():
            out["info_report_missing"] += notify(
                m, f"info_report_missing:{m.pk}:{month}",
                f"{month:%Y年%m月}客户信息报告逾期未交（应于 {due} 前）：{'、'.join(names)}",
                rule="cust.monthly_info_report", link="/upkeep/")
    return out


@task()
def scan_deadlines() -> dict:
    return run_scan_deadlines()


@task()
def nightly() -> dict:
    return run_nightly()
