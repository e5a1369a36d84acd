"""Visit plans (客户走访单, `visit.plan_approval`) and meeting minutes (会谈纪要, `visit.minutes_2wd`), SPEC §2.6."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from yewu.common.text import clean_text
from yewu.customers.archive import selectors
from yewu.customers.archive.selectors import can_edit, customer_for, edit_denied_rule
from yewu.customers.lending.services import last_decision
from yewu.customers.models import Channel, Customer, Minutes, Visit, VisitPlan, VisitStep
from yewu.org.models import User
from yewu.org.permissions import can, roles_with
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids
from yewu.policy import credit as rules
from yewu.policy.calendar import TZ

DOC_TYPE = "visit_plan"


def _aware(dt: datetime) -> datetime:
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


# --- reads ------------------------------------------------------------------------------------------------


def plans_visible_to(user: User) -> QuerySet[VisitPlan]:
    """SP: own; SM: own team's; GM: all; ADM: approved plans only (attendance)."""
    qs = VisitPlan.objects.select_related("user").prefetch_related("customers")
    roles = user.role_set
    if roles & roles_with("manages_all_teams"):
        return qs
    q = Q(user=user)
    if roles & roles_with("approves_visit_plans"):
        q |= Q(user__team_id__in=managed_team_ids(user))
    if roles & roles_with("sees_approved_visit_plans"):
        q |= Q(state=VisitPlan.State.APPROVED)
    return qs.filter(q)


def plan_for_visit(user: User, c: Customer, at: datetime) -> VisitPlan | None:
    """An approved plan of ``user`` covering ``c`` on the visit's day, approved before its start."""
    day = at.astimezone(TZ).date()
    for p in VisitPlan.objects.filter(user=user, customers=c, state=VisitPlan.State.APPROVED,
                                      approved_late=False).order_by("starts_at"):
        if p.starts_at.astimezone(TZ).date() <= day <= p.ends_at.astimezone(TZ).date():
            return p
    return None


def minutes_due(v: Visit):
    return rules.minutes_deadline(v.at.astimezone(TZ).date(), get_calendar(), get_policy())


def minutes_overdue(now=None) -> list[tuple[Visit, datetime]]:
    """Meetings whose minutes were not written within 2 working days (`visit.minutes_2wd`)."""
    now = now or timezone.now()
    out = []
    for v in (Visit.objects.filter(meeting=True, minutes__isnull=True).select_related("customer", "user", "user__team")
              .order_by("at")):
        due = minutes_due(v)
        if now > due:
            out.append((v, due))
    return out


# --- plans --------------------------------------------------------------------------------------------------


@transaction.atomic
def create_plan(actor: User, customer_ids: list[int], starts_at: datetime, ends_at: datetime, objectives: str,
                plan: str = "") -> VisitPlan:
    """客户走访单: the SP's outgoing visit plan, sent to the team's SM, who must approve it before its start."""
    if not can(actor, "writes_visit_plans"):
        raise PermissionDenied("客户走访单由业务员填写", rule="visit.plan_approval")
    if not customer_ids:
        raise ValidationError("请选择走访客户", fields={"customer_ids": "至少一个客户"})
    customers = []
    for pk in dict.fromkeys(customer_ids):
        c = selectors.customer_for(actor, pk)
        if c is None or not selectors.can_edit(actor, c):
            raise PermissionDenied("只能为自己负责的客户填写走访单", rule="acl.sp_scope",
                                   fields={"customer_ids": f"客户 {pk} 不是您负责的"})
        customers.append(c)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if starts_at <= timezone.now():
        raise ValidationError("走访单须在出发前提交并由经理批准，出发时间不能早于现在",
                              fields={"starts_at": "须晚于现在"}, rule="visit.plan_approval")
    if ends_at < starts_at:
        raise ValidationError("结束时间不能早于出发时间", fields={"ends_at": "不能早于出发时间"})
    p = VisitPlan.objects.create(
        user=actor, starts_at=starts_at, ends_at=ends_at,
        objectives=clean_text(objectives, field="objectives", label="走访目的", max_len=2000, required=True),
        plan=clean_text(plan, field="plan", label="走访计划", max_len=4000),
    )
    p.customers.set(customers)
    names = "、".join(c.name for c in customers)
    req = approvals.start(doc_type=DOC_TYPE, doc_id=p.pk, submitter=actor, roles=sorted(roles_with("approves_visit_plans")),
                          label=f"客户走访单：{timezone.localtime(starts_at):%m-%d %H:%M} {names}"[:200],
                          link=reverse("customers:visit_plans") + f"#plan-{p.pk}", team=actor.team)
    p.approval_id = req.pk
    p.save(update_fields=["approval_id"])
    record(actor=actor, action="create", obj=p, after={**snapshot(p), "customers": [c.pk for c in customers]},
           rule="visit.plan_approval")
    return p


@approvals.on_decided(DOC_TYPE)
def _plan_decided(req) -> None:
    p = VisitPlan.objects.select_for_update().filter(pk=int(req.doc_id)).first()
    if p is None or p.state != VisitPlan.State.PENDING:
        return
    now = timezone.now()
    before = snapshot(p, ["state", "approved_at", "approved_late"])
    if req.state == req.State.APPROVED:
        p.state, p.approved_at, p.approved_late = VisitPlan.State.APPROVED, now, now > p.starts_at
    else:
        p.state = VisitPlan.State.REJECTED
    p.save(update_fields=["state", "approved_at", "approved_late"])
    last = last_decision(req)
    record(actor=last.decided_by if last else None, action="approve" if p.state == "approved" else "reject", obj=p,
           before=before, after=snapshot(p, ["state", "approved_at", "approved_late"]), rule="visit.plan_approval",
           reason="出发后才批准：本单下的拜访仍记为无走访单" if p.approved_late else (last.comment if last else ""))


# --- minutes --------------------------------------------------------------------------------------------------


@transaction.atomic
def write_minutes(actor: User, visit_id: int, *, note_taker: str, content: str, attendees: str = "",
                  agreements: str = "", now=None) -> Minutes:
    """会谈纪要 for a face-to-face meeting, by the SP who met; late (after 2 WD) saves and is flagged."""
    now = now or timezone.now()
    v = Visit.objects.select_for_update().select_related("customer").filter(pk=visit_id).first()
    if v is None or selectors.customer_for(actor, v.customer_id) is None:
        raise NotFound("拜访记录不存在或无权查看")
    if v.user_id != actor.id:
        raise PermissionDenied("会谈纪要由参加会谈的业务员撰写", rule="visit.minutes_2wd")
    if not (v.meeting or v.channel == Channel.VISIT):
        raise ValidationError("只有面谈（会谈）需要会谈纪要", rule="visit.minutes_2wd")
    if Minutes.objects.filter(visit=v).exists():
        raise Conflict("该会谈已有纪要", rule="visit.minutes_2wd", code="already_written")
    due = minutes_due(v)
    m = Minutes.objects.create(
        visit=v, author=actor,
        note_taker=clean_text(note_taker, field="note_taker", label="记录人", max_len=50, required=True),
        attendees=clean_text(attendees, field="attendees", label="参加人员", max_len=300),
        content=clean_text(content, field="content", label="会谈内容", max_len=8000, required=True),
        agreements=clean_text(agreements, field="agreements", label="达成事项", max_len=4000),
        due_at=due, written_at=now, late=now > due,
    )
    if not v.meeting:
        v.meeting = True
        v.save(update_fields=["meeting"])
    record(actor=actor, action="create", obj=m, object_type="customers.customer", object_id=v.customer_id,
           after={"minutes": m.pk, "visit": v.pk, "due_at": due, "late": m.late}, rule="visit.minutes_2wd",
           reason=f"会谈纪要{'逾期' if m.late else '按时'}提交（应于 {due:%Y-%m-%d %H:%M} 前）")
    return m


def _minutes_for_manager(actor: User, minutes_id: int) -> Minutes:
    m = Minutes.objects.select_for_update().select_related("visit", "visit__customer", "author").filter(pk=minutes_id).first()
    if m is None:
        raise NotFound("会谈纪要不存在")
    if not (can(actor, "manages_all_teams") or (can(actor, "approves_visit_plans") and m.author.team_id in managed_team_ids(actor))):
        raise PermissionDenied("会谈纪要由业务员所在团队的业务经理审阅", rule="visit.minutes_2wd")
    return m


@transaction.atomic
def review_minutes(actor: User, minutes_id: int, accept: bool, note: str = "") -> Minutes:
    m = _minutes_for_manager(actor, minutes_id)
    if m.state not in (Minutes.State.SUBMITTED,):
        raise Conflict(f"纪要当前状态为「{m.get_state_display()}」，不能审阅", rule="visit.minutes_2wd")
    note = clean_text(note, field="note", label="审阅意见", max_len=300, required=not accept)
    m.state = Minutes.State.REVIEWED if accept else Minutes.State.RETURNED
    m.reviewed_by, m.reviewed_at, m.review_note = actor, timezone.now(), note
    m.save()
    record(actor=actor, action="review", obj=m, object_type="customers.customer", object_id=m.visit.customer_id,
           after={"minutes": m.pk, "state": m.state}, rule="visit.minutes_2wd", reason=note)
    return m


@transaction.atomic
def advance_minutes(actor: User, minutes_id: int, step: str) -> Minutes:
    """After SM review: sent to the customer → receipt confirmed (by the author). A returned minute is rewritten
    by editing its content (resubmit)."""
    m = Minutes.objects.select_for_update().select_related("visit").filter(pk=minutes_id).first()
    if m is None or m.author_id != actor.id:
        raise NotFound("会谈纪要不存在或不是您撰写的")
    now = timezone.now()
    if step == "sent" and m.state == Minutes.State.REVIEWED:
        m.state, m.sent_at = Minutes.State.SENT, now
    elif step == "confirmed" and m.state == Minutes.State.SENT:
        m.state, m.confirmed_at = Minutes.State.CONFIRMED, now
    else:
        raise Conflict(f"纪要当前状态为「{m.get_state_display()}」，不能{'发送' if step == 'sent' else '确认回执'}",
                       rule="visit.minutes_2wd")
    m.save()
    record(actor=actor, action="update", obj=m, object_type="customers.customer", object_id=m.visit.customer_id,
           after={"minutes": m.pk, "state": m.state}, rule="visit.minutes_2wd")
    return m


@transaction.atomic
def resubmit_minutes(actor: User, minutes_id: int, content: str, agreements: str = "") -> Minutes:
    m = Minutes.objects.select_for_update().select_related("visit").filter(pk=minutes_id).first()
    if m is None or m.author_id != actor.id:
        raise NotFound("会谈纪要不存在或不是您撰写的")
    if m.state != Minutes.State.RETURNED:
        raise Conflict("只有被退回的纪要可以修改后重新提交", rule="visit.minutes_2wd")
    m.content = clean_text(content, field="content", label="会谈内容", max_len=8000, required=True)
    m.agreements = clean_text(agreements, field="agreements", label="达成事项", max_len=4000)
    m.state = Minutes.State.SUBMITTED
    m.save()
    record(actor=actor, action="update", obj=m, object_type="customers.customer", object_id=m.visit.customer_id,
           after={"minutes": m.pk, "state": m.state}, rule="visit.minutes_2wd", reason="修改后重新提交")
    return m


@dataclass
class VisitIn:
    channel: str
    purpose: str
    at: Any = None
    contacts_met: str = ""
    step: str = ""
    content: str = ""
    dissatisfaction: str = ""
    next_step: str = ""
    next_visit_on: date | None = None
    accompanied_by_id: int | None = None
    meeting: bool = False
    note_taker: str = ""


@transaction.atomic
def log_visit(actor: User, customer_id: int, data: VisitIn) -> Visit:
    """Visit / communication log (客户拜访记录簿). The first logged contact satisfies `cust.first_contact_1w`;
    an outgoing visit without an approved plan is flagged *unplanned* (`visit.plan_approval`)."""

    c = customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    if not can_edit(actor, c):
        raise PermissionDenied("只能为自己负责的客户记录拜访", rule=edit_denied_rule(actor))
    if data.channel not in Channel.values:
        raise ValidationError("请选择沟通方式", fields={"channel": "、".join(Channel.values)})
    if data.step and data.step not in VisitStep.values:
        raise ValidationError("进展无效", fields={"step": "、".join(VisitStep.values)})
    now = timezone.now()
    at = data.at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if data.accompanied_by_id is not None:
        acc = User.objects.filter(pk=data.accompanied_by_id, is_active=True).first()
        if acc is None or not can(acc, "accompanies_visits"):
            raise ValidationError("陪同经理须为在职的业务经理或总经理", fields={"accompanied_by_id": "不是业务经理"})
    if at > now + timezone.timedelta(minutes=5):
        raise ValidationError("拜访时间不能晚于现在", fields={"at": "不能是将来时间"})
    if data.next_visit_on and data.next_visit_on < timezone.localdate(at):
        raise ValidationError("下次拜访日期不能早于本次", fields={"next_visit_on": "不能早于本次拜访"})
    if data.meeting and data.channel != Channel.VISIT:
        raise ValidationError("会谈须为面谈（拜访）", fields={"meeting": "仅拜访可标为会谈"}, rule="visit.minutes_2wd")
    plan = None
    if data.channel == Channel.VISIT:

        plan = plan_for_visit(actor, c, at)
    v = Visit.objects.create(
        customer=c, user=actor, at=at, channel=data.channel,
        purpose=clean_text(data.purpose, field="purpose", label="目的", max_len=200, required=True),
        contacts_met=clean_text(data.contacts_met, field="contacts_met", label="接洽人", max_len=200),
        step=data.step,
        content=clean_text(data.content, field="content", label="内容", max_len=5000),
        dissatisfaction=clean_text(data.dissatisfaction, field="dissatisfaction", label="不满及处理", max_len=2000),
        next_step=clean_text(data.next_step, field="next_step", label="下一步", max_len=200),
        next_visit_on=data.next_visit_on, accompanied_by_id=data.accompanied_by_id,
        plan=plan, unplanned=data.channel == Channel.VISIT and plan is None,
        meeting=bool(data.meeting), note_taker=clean_text(data.note_taker, field="note_taker", label="记录人", max_len=50),
    )
    updates = ["last_contact_at", "updated_at"]
    if c.owner_id == actor.id and c.first_contact_at is None and c.assigned_at and at >= c.assigned_at:
        c.first_contact_at = at
        updates.append("first_contact_at")
    c.last_contact_at = max(c.last_contact_at or at, at)
    c.save(update_fields=updates)
    record(actor=actor, action="create", obj=v, after=snapshot(v))
    return v
