"""Service jobs, surveys and maintenance contracts (SPEC §6.4), one transaction each, audited.

`service.arrival_sla` sets the arrival deadline in business hours from the district's zone (a company setting);
`service.dispatch` escalates a late repair to the service manager at once; `service.close_signature` closes a job
only with the customer's signature (drawn on the phone screen, or a photo of the paper voucher) and, for carry-in
repairs, the four checks; paid jobs (A, B) become an invoice request in finance's invoice flow on the completion day.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.customers.models import Customer
from yewu.finance.models import InvoiceKind
from yewu.finance.services import request_invoice_for_charge
from yewu.org.models import User
from yewu.org.permissions import can, require, roles_with
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules

from ..base import choice, clean_text, money, number, when
from ..models import Complaint, MaintenanceContract, ServiceJob, Survey

MAX_SIGNATURE = 300_000  # bytes of the PNG data URL
MAX_PHOTO = 3_000_000
_DATA_URL = re.compile(r"^data:image/png;base64,[A-Za-z0-9+/=]+$")


@dataclass
class JobIn:
    category: str
    district: str
    problem: str
    customer_id: int | None = None
    address: str = ""
    registered_at: datetime | str | None = None
    carry_in: bool = False
    ticket_id: int | None = None
    complaint_id: int | None = None
    contract_id: int | None = None


def _users(ability: str) -> list[User]:
    roles = roles_with(ability)
    return [u for u in User.objects.filter(is_active=True).order_by("id") if set(u.roles or ()) & roles]


@transaction.atomic
def register_job(actor: User, data: JobIn, now: datetime | None = None) -> ServiceJob:
    require(actor, "dispatches_service_jobs")
    now = now or timezone.now()
    cat = choice(data.category, rules.JOB_CATEGORIES, field="category", label="服务类别", rule="service.close_signature")
    district = clean_text(data.district, field="district", label="区", max_len=30, required=True)
    cfg = get_policy()
    zone = rules.zone_of(district, cfg)
    if zone is None:
        raise ValidationError(f"“{district}”不在市区/郊区名单中（设置 service.arrival_sla.*_districts）",
                              fields={"district": "不在市区/郊区名单"}, rule="service.arrival_sla")
    reg = when(data.registered_at, field="registered_at", label="登记时间", default=now, rule="service.arrival_sla")
    d = rules.check_received_at(reg, now, "service.arrival_sla")
    if d.refused:
        raise RuleRefused(d.message(), rule=d.rule, fields={"registered_at": "不能晚于当前时间"})
    customer = None
    if data.customer_id not in (None, ""):
        customer = Customer.objects.filter(pk=int(data.customer_id)).first()
        if customer is None:
            raise ValidationError("客户不存在", fields={"customer_id": "不存在"})
    contract = None
    if cat == "B":
        contract = MaintenanceContract.objects.filter(pk=data.contract_id or 0).first() if data.contract_id else (
            MaintenanceContract.objects.filter(customer=customer, starts_on__lte=reg.date(), ends_on__gte=reg.date()).first()
            if customer else None)
        if contract is None:
            raise ValidationError("B 类（维保合同）须有有效的维保合同", fields={"contract_id": "无有效维保合同"})
    complaint_id = None
    if data.complaint_id not in (None, ""):  # a complaint that is really a service request (complaint.customer_consult)
        complaint_id = Complaint.objects.filter(pk=int(data.complaint_id)).values_list("pk", flat=True).first()
        if complaint_id is None:
            raise ValidationError("投诉不存在", fields={"complaint_id": "不存在"})
    due = rules.arrival_due(reg, zone, get_calendar(), cfg)
    job = ServiceJob.objects.create(
        number=number("FW"), customer=customer, contract=contract, category=cat, district=district, zone=zone,
        address=clean_text(data.address, field="address", label="地址", max_len=200),
        problem=clean_text(data.problem, field="problem", label="故障描述", max_len=2000, required=True),
        registered_at=reg, arrival_due_at=due.due_at, carry_in=bool(data.carry_in), created_by=actor,
        ticket_id=data.ticket_id or None, complaint_id=complaint_id)
    Survey.objects.create(job=job, due_on=rules.survey_due(timezone.localdate(reg), get_calendar()))
    record(actor=actor, action="create", obj=job, after=snapshot(job, ["number", "category", "zone", "arrival_due_at"]),
           rule=due.rule, reason=due.label, policy_version=cfg.version)
    return job


def _job(job_id: int) -> ServiceJob:
    j = ServiceJob.objects.select_for_update().filter(pk=job_id).first()
    if j is None:
        raise NotFound("服务单不存在")
    return j


@transaction.atomic
def dispatch(actor: User, job_id: int, technician_id: int, now: datetime | None = None) -> ServiceJob:
    require(actor, "dispatches_service_jobs")
    now = now or timezone.now()
    j = _job(job_id)
    tech = User.objects.filter(pk=technician_id, is_active=True).first()
    if tech is None:
        raise ValidationError("技术员不存在", fields={"technician_id": "不存在"}, rule="service.dispatch")
    if j.state not in (ServiceJob.State.REGISTERED, ServiceJob.State.DISPATCHED):
        raise Conflict("服务单已到达或结单，不能再派工", rule="service.dispatch", code="state")
    before = snapshot(j, ["technician", "state"])
    ServiceJob.objects.filter(pk=j.pk).update(technician=tech, dispatched_at=now, state=ServiceJob.State.DISPATCHED)
    j.technician, j.dispatched_at, j.state = tech, now, ServiceJob.State.DISPATCHED
    notify(tech, f"job:{j.pk}:{tech.pk}", f"服务单 {j.number}：请于 {j.arrival_due_at.astimezone(rules.TZ):%m-%d %H:%M} 前到达",
           rule="service.arrival_sla", link=f"/service/jobs/{j.pk}/")
    record(actor=actor, action="dispatch", obj=j, before=before, after=snapshot(j, ["technician", "state"]),
           rule="service.dispatch")
    return j


def _may_work(actor: User, j: ServiceJob) -> None:
    if actor.id != j.technician_id and not can(actor, "dispatches_service_jobs"):
        raise PermissionDenied("只有派工的技术员或客服可以登记", rule="service.close_signature")


@transaction.atomic
def arrive(actor: User, job_id: int, arrived_at=None, now: datetime | None = None) -> ServiceJob:
    now = now or timezone.now()
    j = _job(job_id)
    _may_work(actor, j)
    at = when(arrived_at, field="arrived_at", label="到达时间", default=now, rule="service.arrival_sla")
    if at < j.registered_at or at > now:
        raise ValidationError("到达时间须在登记之后、当前之前", fields={"arrived_at": "时间无效"}, rule="service.arrival_sla")
    if j.state != ServiceJob.State.DISPATCHED:
        raise Conflict("服务单未派工或已到达", rule="service.dispatch", code="state")
    d = rules.arrival_check(j.registered_at, at, j.zone, get_calendar(), get_policy())
    ServiceJob.objects.filter(pk=j.pk).update(arrived_at=at, arrival_hours=d.data["hours"], state=ServiceJob.State.ARRIVED)
    j.arrived_at, j.arrival_hours, j.state = at, d.data["hours"], ServiceJob.State.ARRIVED
    record(actor=actor, action="arrive", obj=j, after={"arrived_at": at, "hours": d.data["hours"]},
           rule="service.arrival_sla", decision=d)
    return j


@transaction.atomic
def close_job(actor: User, job_id: int, *, work_done: str, signer_name: str = "", signature: str = "",
              photo: bytes | None = None, amount=None, checks: dict | None = None,
              now: datetime | None = None) -> ServiceJob:
    """`service.close_signature`: refused (nothing changes) without a signature or, for carry-in, its checks."""
    now = now or timezone.now()
    j = _job(job_id)
    _may_work(actor, j)
    if j.state == ServiceJob.State.CLOSED:
        raise Conflict("服务单已结单", rule="service.close_signature", code="closed")
    work_done = clean_text(work_done, field="work_done", label="处理情况", max_len=2000, required=True)
    signer = clean_text(signer_name, field="signer_name", label="签名人", max_len=50)
    sig = (signature or "").strip()
    if sig and (len(sig) > MAX_SIGNATURE or not _DATA_URL.match(sig)):
        raise ValidationError("签名图片无效或过大", fields={"signature": "应为 PNG，≤ 300 KB"}, rule="service.close_signature")
    if sig:
        try:
            raw = base64.b64decode(sig.split(",", 1)[1], validate=True)
        except ValueError:
            raise ValidationError("签名图片无效", fields={"signature": "无效"}, rule="service.close_signature") from None
        if not raw.startswith(b"\x89PNG") or len(raw) < 200:
            raise ValidationError("签名为空或不是图片", fields={"signature": "请客户在屏幕上签名"},
                                  rule="service.close_signature")
    if photo is not None and (len(photo) > MAX_PHOTO or not (photo.startswith(b"\xff\xd8") or photo.startswith(b"\x89PNG"))):
        raise ValidationError("凭证照片应为 JPEG/PNG，≤ 3 MB", fields={"photo": "格式或大小无效"}, rule="service.close_signature")
    checks = {k: bool((checks or {}).get(k)) for k in ("pickup_receipt", "register_entry", "repair_tag", "supervisor_inspected")}
    d = rules.check_job_close(signed=bool(sig or photo) and bool(signer), carry_in=j.carry_in, **checks)
    if d.refused:
        fields = dict(d.data["fields"])
        if (sig or photo) and not signer:
            fields["signer_name"] = "请填写签名人"
        raise RuleRefused(d.message(), rule=d.rule, decision=d, fields=fields)
    amt = money(amount, field="amount", label="收费金额") or j.amount
    before = snapshot(j, ["state", "closed_at"])
    ServiceJob.objects.filter(pk=j.pk).update(
        state=ServiceJob.State.CLOSED, closed_at=now, closed_by=actor, work_done=work_done, signer_name=signer,
        signature=sig, signature_photo=photo, amount=amt, carry_in_checks=checks,
        invoice_requested_at=now if j.category in rules.PAID_CATEGORIES else None)
    j.refresh_from_db()
    if j.category in rules.PAID_CATEGORIES:
        _request_invoice(actor, j)
    record(actor=actor, action="close", obj=j, before=before, after=snapshot(j, ["state", "closed_at", "signer_name"]),
           rule="service.close_signature", decision=d)
    return j


def _request_invoice(actor: User, j: ServiceJob) -> None:
    """`service.close_signature`: a paid job (A, B) with a customer and a fee becomes an invoice request in finance's
    invoice flow on its completion day; without a customer or a fee finance is told to look at the job instead."""
    if j.customer_id and j.amount > 0:
        kind = j.customer.invoice_choice if j.customer.invoice_choice in InvoiceKind.values else InvoiceKind.GENERAL
        request_invoice_for_charge(actor, customer_id=j.customer_id, kind=kind, amount=j.amount,
                                   source=f"service_job:{j.pk}", rule="service.close_signature",
                                   note=f"服务单 {j.number}（{rules.JOB_CATEGORIES[j.category]}）收费")
        return
    for u in _users("reads_paid_service_jobs"):
        notify(u, f"job-invoice:{j.pk}", f"服务单 {j.number}（{rules.JOB_CATEGORIES[j.category]}，{j.customer.name if j.customer_id else ''}）"
               f"今日完工，收费 ¥{j.amount:,.2f}，请核对开票", rule="service.close_signature", link=f"/service/jobs/{j.pk}/")


@transaction.atomic
def rate(actor: User, job_id: int, ratings: dict, now: datetime | None = None) -> Survey:
    """`service.survey_100pct`: the caller rates the technician on four items, 1–4 each."""
    require(actor, "records_return_visits")
    now = now or timezone.now()
    s = Survey.objects.select_for_update().filter(job_id=job_id).first()
    if s is None:
        raise NotFound("没有该服务单的回访调查")
    if s.done_at:
        raise Conflict("调查已完成", rule="service.survey_100pct", code="done")
    clean = {}
    for k in rules.SURVEY_ITEMS:
        try:
            v = int((ratings or {}).get(k))
        except (TypeError, ValueError):
            v = 0
        if not 1 <= v <= 4:
            raise ValidationError(f"{rules.SURVEY_ITEMS[k]}须评 1–4 级", fields={k: "1–4"}, rule="service.survey_100pct")
        clean[k] = v
    s.ratings, s.done_at, s.recorded_by = clean, now, actor
    s.save(update_fields=["ratings", "done_at", "recorded_by"])
    record(actor=actor, action="survey", obj=s.job, after=clean, rule="service.survey_100pct")
    return s


@transaction.atomic
def create_contract(actor: User, customer_id: int, starts_on: date, ends_on: date, amount=None, scope: str = "") -> MaintenanceContract:
    require(actor, "dispatches_service_jobs")
    c = Customer.objects.filter(pk=customer_id).first()
    if c is None:
        raise ValidationError("客户不存在", fields={"customer_id": "不存在"})
    if ends_on <= starts_on:
        raise ValidationError("结束日期须晚于开始日期", fields={"ends_on": "早于开始"})
    mc = MaintenanceContract.objects.create(number=number("WB"), customer=c, starts_on=starts_on, ends_on=ends_on,
                                            amount=money(amount, field="amount", label="金额") or 0,
                                            scope=clean_text(scope, field="scope", label="服务范围", max_len=200),
                                            created_by=actor)
    record(actor=actor, action="create", obj=mc, after=snapshot(mc))
    return mc


def escalate_late(now: datetime | None = None) -> dict:
    """`service.dispatch` (every 5 min): a repair past its promised (arrival) time escalates to the service
    supervisor at once, once."""
    now = now or timezone.now()
    n = 0
    for j in ServiceJob.objects.filter(state__in=(ServiceJob.State.REGISTERED, ServiceJob.State.DISPATCHED),
                                       arrival_due_at__lt=now, escalated_at__isnull=True):
        with transaction.atomic():
            if not ServiceJob.objects.filter(pk=j.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            for u in _users("supervises_service_jobs"):
                notify(u, f"job-late:{j.pk}", f"服务单 {j.number} 已超过到达期限，请服务主管处理", rule="service.dispatch",
                       link=f"/service/jobs/{j.pk}/")
            record(actor=None, action="escalate", obj=j, after={"late": True}, rule="service.dispatch")
            n += 1
    return {"jobs_escalated": n}


def nightly(now: datetime | None = None) -> dict:
    """Undispatched calls flagged first for the next working day (`service.dispatch`); renewal notices one month
    before a maintenance contract ends (`service.maintenance_renewal_1m`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = get_calendar()
    start = datetime.combine(today, datetime.min.time(), tzinfo=rules.TZ)
    undispatched = ServiceJob.objects.filter(state=ServiceJob.State.REGISTERED, registered_at__lt=start).count()
    surveys = survey_reminders(now) if cal.is_working_day(today) else 0
    if undispatched and cal.is_working_day(today):
        for u in _users("dispatches_service_jobs"):
            notify(u, f"jobs-first:{today}", f"有 {undispatched} 张前日未派工的服务单，今日优先派工", rule="service.dispatch",
                   link="/service/jobs/")
    renewals = 0
    for mc in MaintenanceContract.objects.filter(renewal_notice_at__isnull=True, ends_on__gte=today):
        if rules.renewal_notice_on(mc.ends_on, get_policy()) <= today:
            with transaction.atomic():
                if not MaintenanceContract.objects.filter(pk=mc.pk, renewal_notice_at__isnull=True).update(renewal_notice_at=now):
                    continue
                for u in _users("runs_customer_service"):
                    notify(u, f"renewal:{mc.pk}", f"维保合同 {mc.number}（{mc.customer.name}）将于 {mc.ends_on} 到期，请安排续约回访",
                           rule="service.maintenance_renewal_1m", link="/service/jobs/")
                record(actor=None, action="renewal_notice", obj=mc, after={"ends_on": mc.ends_on},
                       rule="service.maintenance_renewal_1m")
                renewals += 1
    return {"undispatched": undispatched, "renewal_notices": renewals, "surveys_due": surveys}


def survey_reminders(now: datetime | None = None) -> int:
    """`service.survey_100pct` (nightly, working days): every caller of the previous working day(s) gets a survey
    today — one reminder per day to the CS agents with the count; returns the number of surveys due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Survey.objects.filter(done_at__isnull=True, due_on__lte=today).count()
    if due:
        for u in _users("records_return_visits"):
            notify(u, f"surveys:{today}", f"今日有 {due} 位来电客户待做服务满意度调查（不抽样）", rule="service.survey_100pct",
                   link="/service/jobs/surveys/")
    return due


def _unsolved_targets(j: ServiceJob, role: str) -> list[User]:
    """Who hears of an unsolved on-site problem at each level of `service.dispatch` (SP → SM → GM)."""
    owner = j.customer.owner if j.customer_id and j.customer.owner_id else None
    if role == "SP":
        return ([owner] if owner and owner.is_active else []) + _users("supervises_service_jobs")
    if role == "SM":
        team = owner.team if owner and owner.team_id else None
        sm = team.manager if team and team.manager_id and team.manager.is_active else None
        return [sm] if sm else _users("hears_unsolved_service_last")
    return _users("hears_unsolved_service_last")


def _escalate_unsolved(j: ServiceJob, d, now: datetime) -> bool:
    level = d.data["level"]
    if level <= j.unsolved_level:
        return False
    if not ServiceJob.objects.filter(pk=j.pk, unsolved_level__lt=level).update(unsolved_level=level):
        return False
    for lv in range(j.unsolved_level + 1, level + 1):
        role = rules.UNSOLVED_CHAIN[lv - 1]
        for u in _unsolved_targets(j, role):
            notify(u, f"job-unsolved:{j.pk}:{lv}", f"服务单 {j.number} 现场问题未解决（{rules.UNSOLVED_LABELS[role]}）：{j.unsolved_note[:40]}",
                   rule="service.dispatch", link=f"/service/jobs/{j.pk}/")
    record(actor=None, action="escalate_unsolved", obj=j, before={"level": j.unsolved_level},
           after={"level": level, "to": rules.UNSOLVED_CHAIN[level - 1]}, rule="service.dispatch", decision=d)
    j.unsolved_level = level
    return True


@transaction.atomic
def report_unsolved(actor: User, job_id: int, note: str, now: datetime | None = None) -> ServiceJob:
    """`service.dispatch`: the technician reports a problem not solved on site — the customer's SP and the service
    supervisor hear of it at once; the SM, then the GM, each N working hours later while it stays unsolved."""
    now = now or timezone.now()
    j = _job(job_id)
    _may_work(actor, j)
    note = clean_text(note, field="note", label="未解决问题说明", max_len=1000, required=True)
    if j.state != ServiceJob.State.ARRIVED:
        raise Conflict("只有已到达现场、未结单的服务单可以上报现场未解决", rule="service.dispatch", code="state",
                       fields={"state": j.state})
    if j.unsolved_at is not None:
        raise Conflict("该服务单已上报现场未解决", rule="service.dispatch", code="already_reported",
                       fields={"note": "已上报"})
    ServiceJob.objects.filter(pk=j.pk).update(unsolved_at=now, unsolved_note=note)
    j.unsolved_at, j.unsolved_note = now, note
    d = rules.unsolved_escalation(now, now, get_calendar(), get_policy())
    record(actor=actor, action="report_unsolved", obj=j, after={"note": note}, rule="service.dispatch", decision=d)
    _escalate_unsolved(j, d, now)
    return j


def escalate_unsolved(now: datetime | None = None) -> dict:
    """Timer (every 5 min), `service.dispatch`: unsolved on-site problems of open jobs move up SP → SM → GM."""
    now = now or timezone.now()
    cal, cfg = get_calendar(), get_policy()
    n = 0
    for j in ServiceJob.objects.filter(unsolved_at__isnull=False, unsolved_level__lt=len(rules.UNSOLVED_CHAIN)).exclude(
            state=ServiceJob.State.CLOSED).select_related("customer__owner__team__manager"):
        with transaction.atomic():
            n += _escalate_unsolved(j, rules.unsolved_escalation(j.unsolved_at, now, cal, cfg), now)
    return {"unsolved_escalated": n}
