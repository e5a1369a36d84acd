"""Archive upkeep (SPEC §2.5): quarterly verification (`cust.archive_quarterly_review`) and the monthly
customer information report (客户信息报告, `cust.monthly_info_report`)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from yewu.common.text import clean_text
from yewu.customers.archive import selectors
from yewu.customers.models import Contact, Customer, InfoReport, Status
from yewu.org.models import User
from yewu.org.permissions import can, roles_with
from yewu.org.selectors import get_policy, managed_team_ids, salespeople
from yewu.policy import credit as rules
from yewu.policy.customers import archive_missing

ACTIVE = [Status.ACTIVE]


@transaction.atomic
def verify_customer(actor: User, customer_id: int, note: str = "") -> Customer:
    """The owner confirms the archive is current (or the SM/GM for them); any saved edit also counts."""
    c = selectors.customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    if not selectors.can_edit(actor, c):
        raise PermissionDenied("档案由负责人核实", rule="cust.archive_quarterly_review")
    note = clean_text(note, field="note", label="核实说明", max_len=300)
    c = Customer.objects.select_for_update().get(pk=c.pk)
    before = {"last_verified_at": c.last_verified_at}
    c.last_verified_at = timezone.now()
    c.save(update_fields=["last_verified_at", "updated_at"])
    record(actor=actor, action="verify", obj=c, before=before, after={"last_verified_at": c.last_verified_at},
           rule="cust.archive_quarterly_review", reason=note or "档案已核实（内容无变化）")
    return c


def unverified_this_quarter(qs: QuerySet[Customer], today: date | None = None) -> QuerySet[Customer]:
    """Active customers not verified (confirmed or updated) in the calendar quarter of ``today``."""
    today = today or timezone.localdate()
    start = rules.quarter_start(today)
    start_dt = timezone.make_aware(timezone.datetime(start.year, start.month, start.day))
    return qs.filter(status__in=ACTIVE, owner__isnull=False).filter(
        Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=start_dt))


def incomplete_archives(qs: QuerySet[Customer], limit: int = 300) -> list[tuple[Customer, list[str]]]:
    """Active customers whose archive lacks fields (`cust.archive_quarterly_review`, CIA completeness check)."""


    dm = Contact.objects.filter(customer=OuterRef("pk"), is_decision_maker=True)
    out = []
    for c in qs.filter(status__in=ACTIVE).annotate(has_dm=Exists(dm)).select_related("owner").order_by("name")[:2000]:
        missing = archive_missing({k: getattr(c, k) for k in ("credit_code", "registered_address", "delivery_address",
                                                             "industry", "category", "invoice_choice")},
                                  kind=c.kind, has_decision_maker=c.has_dm)
        if missing:
            out.append((c, missing))
            if len(out) >= limit:
                break
    return out


@transaction.atomic
def record_completeness_check(actor: User, customer_id: int) -> list[str]:
    """The CIA records the quarterly completeness check of one archive (audited with what is missing)."""
    if not can(actor, "checks_archives"):
        raise PermissionDenied("档案完整性由客户信息管理员检查", rule="cust.archive_quarterly_review")
    c = selectors.customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    rows = incomplete_archives(Customer.objects.filter(pk=c.pk))
    missing = rows[0][1] if rows else []
    record(actor=actor, action="verify", obj=c, after={"missing": missing}, rule="cust.archive_quarterly_review",
           reason=("档案完整性检查：缺 " + "、".join(missing)) if missing else "档案完整性检查：完整")
    return missing


# --- monthly information report --------------------------------------------------------------------------------


def month_of(d: date) -> date:
    return d.replace(day=1)


@transaction.atomic
def submit_info_report(actor: User, changes: str, competition: str, other: str = "", now=None) -> InfoReport:
    """客户信息报告 of the current month; late after the 7th (saves, flagged). One per SP and month."""
    if not can(actor, "submits_info_reports"):
        raise PermissionDenied("客户信息报告由业务员提交", rule="cust.monthly_info_report")
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    month = month_of(today)
    due = rules.info_report_due(month, get_policy())
    data = {
        "changes": clean_text(changes, field="changes", label="客户变动情况", max_len=8000, required=True),
        "competition": clean_text(competition, field="competition", label="竞争环境", max_len=8000, required=True),
        "other": clean_text(other, field="other", label="其他", max_len=4000),
    }
    try:
        with transaction.atomic():
            rep = InfoReport.objects.create(user=actor, month=month, submitted_at=now, late=today > due, **data)
    except IntegrityError as e:
        raise Conflict(f"{month:%Y年%m月}的客户信息报告已提交", rule="cust.monthly_info_report",
                       code="already_submitted") from e
    record(actor=actor, action="create", obj=rep, after={"month": month, "late": rep.late, "due": due},
           rule="cust.monthly_info_report", reason=f"{'逾期' if rep.late else '按时'}提交（每月1–{due.day}日）")
    return rep


def reports_visible_to(user: User) -> QuerySet[InfoReport]:
    qs = InfoReport.objects.select_related("user", "user__team")
    roles = user.role_set
    if roles & roles_with("reads_all_info_reports"):
        return qs
    q = Q(user=user)
    if roles & roles_with("manages_team_customers"):
        q |= Q(user__team_id__in=managed_team_ids(user))
    return qs.filter(q)


def report_for(user: User, pk: int) -> InfoReport:
    rep = reports_visible_to(user).filter(pk=pk).first()
    if rep is None:
        raise NotFound("报告不存在或无权查看")
    return rep


def missing_reports(month: date, team_ids=None) -> list[User]:
    """Active SPs without a report for ``month``."""
    sps = salespeople()
    if team_ids is not None:
        sps = sps.filter(team_id__in=team_ids)
    done = set(InfoReport.objects.filter(month=month).values_list("user_id", flat=True))
    return [u for u in sps if u.id not in done]


def parse_month(s: str) -> date:
    try:
        y, m = (int(x) for x in (s or "").split("-")[:2])
        return date(y, m, 1)
    except (ValueError, TypeError) as e:
        raise ValidationError("月份格式为 YYYY-MM", fields={"month": "YYYY-MM"}) from e
