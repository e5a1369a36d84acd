"""Return visits, key-customer campaigns and visit tasks (SPEC §6.3), one transaction each, audited.

`revisit.record_complete` refuses an incomplete record (4xx naming the fields); `revisit.quiet_hours` only warns
(the warning is kept on the record); a dissatisfied result on a complaint reopens it (`complaint.close_satisfied`)
and, with a named department, creates an improvement action for it (`revisit.key_customers_100pct`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.customers.models import Customer
from yewu.orders.models import Order
from yewu.org.models import Department, User
from yewu.org.permissions import require
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules

from ..base import clean_text, when
from ..complaints import services as complaints
from ..models import Campaign, CampaignMember, Complaint, ReturnVisit, ServiceJob, VisitTask
from .selectors import campaign_members


@dataclass
class VisitIn:
    channel: str = ""
    contact: str = ""
    visited_at: datetime | str | None = None
    satisfaction: str = ""
    opinion: str = ""
    customer_id: int | None = None
    complaint_id: int | None = None
    campaign_id: int | None = None
    job_id: int | None = None
    evaluation: str = ""
    suggestions: str = ""
    needs: str = ""
    followup: str = ""
    improvement_department_id: int | None = None


def _int(v, field):
    if v in (None, ""):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ValidationError("编号无效", fields={field: "应为数字"}) from None


@transaction.atomic
def record_visit(actor: User, data: VisitIn, now: datetime | None = None) -> tuple[ReturnVisit, list[dict]]:
    """Save a return visit; returns (visit, warnings)."""
    require(actor, "records_return_visits")
    now = now or timezone.now()
    values = {
        "channel": (data.channel or "").strip(),
        "contact": clean_text(data.contact, field="contact", label="联系人", max_len=50),
        "visited_at": when(data.visited_at, field="visited_at", label="回访时间", rule="revisit.record_complete")
        if data.visited_at not in (None, "") else None,
        "satisfaction": (data.satisfaction or "").strip(),
        "opinion": clean_text(data.opinion, field="opinion", label="客户意见", max_len=1000),
    }
    d = rules.check_record(values)
    if values["channel"] and values["channel"] not in rules.CHANNELS:
        d = rules.check_record({**values, "channel": ""})
    if d.refused:
        raise RuleRefused(d.message(), rule=d.rule, decision=d, fields=d.data["fields"])
    if values["visited_at"] > now:
        raise ValidationError("回访时间不能晚于当前时间", fields={"visited_at": "不能晚于当前时间"},
                              rule="revisit.record_complete")
    extra = {k: clean_text(getattr(data, k), field=k, label=k, max_len=1000)
             for k in ("evaluation", "suggestions", "needs", "followup")}
    complaint = campaign = job = customer = dept = None
    if (cid := _int(data.complaint_id, "complaint_id")) is not None:
        complaint = Complaint.objects.select_for_update().filter(pk=cid).first()
        if complaint is None:
            raise ValidationError("投诉不存在", fields={"complaint_id": "不存在"})
        customer = complaint.customer
    if (cid := _int(data.campaign_id, "campaign_id")) is not None:
        campaign = Campaign.objects.filter(pk=cid, closed_at__isnull=True).first()
        if campaign is None:
            raise ValidationError("回访活动不存在或已结束", fields={"campaign_id": "不存在或已结束"})
    if (cid := _int(data.job_id, "job_id")) is not None:
        job = ServiceJob.objects.filter(pk=cid).first()
        if job is None:
            raise ValidationError("服务单不存在", fields={"job_id": "不存在"})
        customer = customer or job.customer
    if (cid := _int(data.customer_id, "customer_id")) is not None:
        customer = Customer.objects.filter(pk=cid).first()
        if customer is None:
            raise ValidationError("客户不存在", fields={"customer_id": "不存在"})
    if customer is None and complaint is None:
        raise ValidationError("请选择客户", fields={"customer_id": "必填"}, rule="revisit.record_complete")
    if (did := _int(data.improvement_department_id, "improvement_department_id")) is not None:
        dept = Department.objects.select_related("manager").filter(pk=did).first()
        if dept is None:
            raise ValidationError("部门不存在", fields={"improvement_department_id": "部门不存在"})
    if campaign and not campaign.members.filter(customer=customer).exists():
        raise ValidationError("该客户不在此回访活动中", fields={"campaign_id": "客户不在活动中"})
    warn = rules.check_quiet_hours(values["visited_at"], get_calendar(), get_policy())
    warnings = [r.as_dict() for r in warn.reasons]
    v = ReturnVisit.objects.create(customer=customer, complaint=complaint, campaign=campaign, job=job, recorded_by=actor,
                                   improvement_department=dept, warnings=warnings, **values, **extra)
    record(actor=actor, action="create", obj=v, after=snapshot(v), rule="revisit.record_complete", decision=warn)
    if complaint is not None:
        complaints.after_visit(actor, complaint, v.satisfaction, now)
    if v.satisfaction not in rules.SATISFIED and dept is not None and dept.manager_id:
        notify(dept.manager, f"improve:{v.pk}", f"客户 {customer.name if customer else ''} 回访不满意：{v.opinion[:40]}，请制定改进措施",
               rule="revisit.key_customers_100pct", link=f"/service/visits/{v.pk}/")
    if customer is not None:
        VisitTask.objects.filter(customer=customer, done_visit__isnull=True, due_at__gte=values["visited_at"]
                                 ).exclude(key__startswith="complaint:").update(done_visit=v)
        if complaint is not None:
            VisitTask.objects.filter(key__startswith=f"complaint:{complaint.pk}:", done_visit__isnull=True).update(done_visit=v)
    return v, warnings


# --- campaigns (revisit.key_customers_100pct) ----------------------------------------------------------------


@transaction.atomic
def create_campaign(actor: User, name: str, starts_on: date, ends_on: date) -> Campaign:
    """A quarterly campaign includes every key customer, no sampling."""
    require(actor, "manages_service")
    name = clean_text(name, field="name", label="活动名称", max_len=100, required=True)
    if ends_on < starts_on:
        raise ValidationError("结束日期早于开始日期", fields={"ends_on": "早于开始日期"})
    camp = Campaign.objects.create(name=name, starts_on=starts_on, ends_on=ends_on, created_by=actor)
    keys = list(Customer.objects.filter(key_customer=True).order_by("id"))
    CampaignMember.objects.bulk_create([CampaignMember(campaign=camp, customer=c) for c in keys])
    record(actor=actor, action="create", obj=camp, after={"name": name, "key_customers": len(keys)},
           rule="revisit.key_customers_100pct")
    return camp


@transaction.atomic
def failed_attempt(actor: User, campaign_id: int, customer_id: int, note: str, now: datetime | None = None) -> CampaignMember:
    require(actor, "records_return_visits")
    now = now or timezone.now()
    note = clean_text(note, field="note", label="未接通说明", max_len=200, required=True)
    m = CampaignMember.objects.select_for_update().filter(campaign_id=campaign_id, customer_id=customer_id,
                                                          campaign__closed_at__isnull=True).first()
    if m is None:
        raise NotFound("活动中没有该客户")
    m.failed_attempts = [*m.failed_attempts, {"at": now.isoformat(), "by": actor.name, "note": note}]
    m.save(update_fields=["failed_attempts"])
    record(actor=actor, action="failed_attempt", obj=m.campaign, after={"customer": customer_id, "note": note},
           rule="revisit.key_customers_100pct")
    return m


@transaction.atomic
def sign_off(actor: User, campaign_id: int, customer_id: int) -> CampaignMember:
    """CSM sign-off of a key customer with 3 documented failed attempts."""
    require(actor, "manages_service")
    m = CampaignMember.objects.select_for_update().filter(campaign_id=campaign_id, customer_id=customer_id).first()
    if m is None:
        raise NotFound("活动中没有该客户")
    if len(m.failed_attempts) < 3:
        raise RuleRefused(f"须有 3 次未接通记录（现有 {len(m.failed_attempts)} 次）才能签认",
                          rule="revisit.key_customers_100pct", fields={"failed_attempts": "少于 3 次"})
    m.signed_off_by = actor
    m.save(update_fields=["signed_off_by"])
    record(actor=actor, action="sign_off", obj=m.campaign, after={"customer": customer_id},
           rule="revisit.key_customers_100pct")
    return m


@transaction.atomic
def close_campaign(actor: User, campaign_id: int, summary: str, now: datetime | None = None) -> Campaign:
    require(actor, "manages_service")
    now = now or timezone.now()
    camp = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if camp is None:
        raise NotFound("回访活动不存在")
    if camp.closed_at:
        raise Conflict("回访活动已结束", rule="revisit.key_customers_100pct", code="closed")
    summary = clean_text(summary, field="summary", label="回访总结", max_len=4000)
    d = rules.check_campaign_close(campaign_members(camp))
    if d.refused:
        raise RuleRefused(d.message(), rule=d.rule, decision=d, fields={"members": d.message()})
    camp.closed_at, camp.closed_by, camp.summary = now, actor, summary
    camp.save(update_fields=["closed_at", "closed_by", "summary"])
    record(actor=actor, action="close", obj=camp, after={"kpi": d.data["kpi"]}, rule=d.rule, decision=d)
    return camp


# --- timers ------------------------------------------------------------------------------------------------------


def first_delivery_tasks(now: datetime | None = None) -> int:
    """`revisit.after_first_delivery_3d` (nightly): a new customer's first delivery gets a visit task (3 days)."""
    now = now or timezone.now()
    made = 0
    seen: set[int] = set()
    for o in Order.objects.filter(delivered_on__isnull=False, is_new_customer=True).order_by("delivered_on", "id"):
        if o.customer_id in seen:
            continue
        seen.add(o.customer_id)
        if Order.objects.filter(customer_id=o.customer_id, delivered_on__lt=o.delivered_on).exists():
            continue
        delivered = datetime.combine(o.delivered_on, datetime.min.time(), tzinfo=rules.TZ)
        due = rules.first_delivery_visit_due(delivered, get_policy())
        _, created = VisitTask.objects.get_or_create(key=f"first-delivery:{o.customer_id}", defaults={
            "rule": due.rule, "customer_id": o.customer_id, "due_at": due.due_at})
        made += created
    return made
