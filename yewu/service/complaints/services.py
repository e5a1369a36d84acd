"""Complaint workflow writes (SPEC §6.2), one transaction each, every change audited.

intake (客户投诉记录表) → judged valid and dispatched the same day to a real department and its leader (投诉传递单)
or unfounded (closed) → the department proposes solutions within 3 WD → its manager (the GM if major) selects →
the customer is consulted (客户意见表): agrees → implement; disagrees → back to the department with a new 3-WD
clock, the second rejection to the GM → return visits → closed only when satisfied.

Each step moves with a conditional update on the step it expects (``filter(step=...).update(...)``, after a row
lock), so two people deciding one step at once resolve to exactly one winner; the other gets 409 naming the rule.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.org.models import Department, User
from yewu.org.permissions import can, require, roles_with
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules

from ..base import choice, clean_text, money, number, when
from ..models import Complaint, Consultation, Solution, Ticket, VisitTask

S = Complaint.Step


def _users_with(ability: str) -> list[User]:
    roles = roles_with(ability)
    return [u for u in User.objects.filter(is_active=True).order_by("id") if set(u.roles or ()) & roles]


def _gms() -> list[User]:
    return _users_with("decides_major_complaints")


def _link(c: Complaint) -> str:
    return f"/service/complaints/{c.pk}/"


def _locked(complaint_id: int) -> Complaint:
    c = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if c is None:
        raise NotFound("投诉不存在")
    return c


def _advance(c: Complaint, expected: str, rule: str, **changes) -> Complaint:
    """Move ``c`` from ``expected`` with a conditional update: exactly one of concurrent deciders wins."""
    if c.step != expected or not Complaint.objects.filter(pk=c.pk, step=expected).update(**changes):
        raise Conflict(f"该投诉当前步骤为“{c.get_step_display()}”，此操作已由他人完成或不适用", rule=rule,
                       code="step_already_decided", fields={"step": c.step})
    for k, v in changes.items():
        setattr(c, k, v)
    return c


def _audit(actor, c: Complaint, action: str, before: dict, rule: str, reason: str = "", decision=None) -> None:
    record(actor=actor, action=action, obj=c, before=before, after=snapshot(c), rule=rule, reason=reason,
           decision=decision, policy_version=get_policy().version)


# --- intake ----------------------------------------------------------------------------------------------------


def intake(actor: User | None, ticket: Ticket, data, *, now: datetime | None = None) -> Complaint:
    """`complaint.intake` from a complaint / claim ticket (called inside the ticket's transaction)."""
    now = now or timezone.now()
    cal, cfg = get_calendar(), get_policy()
    category = choice(getattr(data, "category", "other") or "other", rules.COMPLAINT_CATEGORIES, field="category",
                      label="投诉类别", rule="complaint.intake")
    is_claim = ticket.type == "claim"
    amount = money(getattr(data, "claim_amount", None), field="claim_amount", label="索赔金额", required=is_claim)
    materials = clean_text(getattr(data, "claim_materials", ""), field="claim_materials", label="索赔材料", max_len=2000)
    discussed = clean_text(getattr(data, "solutions_discussed", ""), field="solutions_discussed", label="已商讨的解决办法",
                           max_len=1000)
    promised = getattr(data, "promised_resolution_at", None)
    promised = when(promised, field="promised_resolution_at", label="承诺解决时间") if promised else None
    if promised is not None and promised < ticket.received_at:
        raise ValidationError("承诺解决时间不能早于收到时间", fields={"promised_resolution_at": "早于收到时间"},
                              rule="complaint.intake")
    reply = rules.reply_due(ticket.received_at, cal, cfg)
    c = Complaint.objects.create(
        number=number("TS"), ticket=ticket, customer=ticket.customer, category=category, channel=ticket.channel,
        content=ticket.content, solutions_discussed=discussed, promised_resolution_at=promised, is_claim=is_claim,
        claim_amount=amount, claim_materials=materials, received_at=ticket.received_at, reply_due_at=reply.due_at,
        step_due_at=reply.due_at, step_rule=reply.rule, created_by=actor)
    suggestion = rules.major_suggestion(key_customer=bool(ticket.customer and ticket.customer.key_customer),
                                        claim_amount=amount, cfg=cfg)
    record(actor=actor, action="create", obj=c, after=snapshot(c), rule="complaint.intake", reason=reply.label,
           decision=suggestion, policy_version=cfg.version)
    if is_claim:
        _start_claim_review(actor, c)
    return c


def _start_claim_review(actor: User | None, c: Complaint) -> None:
    """`claim.manager_review`: every claim, whatever its amount, goes to the SM's approvals inbox with materials."""
    d = rules.claim_review()
    team = c.customer.owner.team if c.customer_id and c.customer.owner_id else None
    submitter = actor or _users_with("runs_customer_service")[0]
    req = approvals.start(doc_type="claim", doc_id=c.pk, submitter=submitter, roles=list(d.approvers), decision=d,
                          label=f"索赔审核 {c.number} ¥{c.claim_amount:,.2f}", link=_link(c), team=team)
    Complaint.objects.filter(pk=c.pk).update(claim_approval=req, claim_state="pending")
    c.claim_approval, c.claim_state = req, "pending"


@approvals.on_decided("claim")
def _claim_decided(req: ApprovalRequest) -> None:
    c = Complaint.objects.select_for_update().get(pk=int(req.doc_id))
    state = "approved" if req.state == ApprovalRequest.State.APPROVED else "rejected"
    Complaint.objects.filter(pk=c.pk).update(claim_state=state)
    record(actor=None, action="claim_review", obj=c, before={"claim_state": c.claim_state},
           after={"claim_state": state}, rule="claim.manager_review")


# --- judge and dispatch ----------------------------------------------------------------------------------------


@transaction.atomic
def judge(actor: User, complaint_id: int, *, valid: bool, finding: str, department_id=None,
          now: datetime | None = None) -> Complaint:
    """Judged unfounded (closed, the finding is the reply) or valid and dispatched at once to the responsible
    department and its leader (`complaint.dispatch_same_day`), starting the 3-WD clock (`complaint.solution_3wd`)."""
    require(actor, "handles_complaints")
    now = now or timezone.now()
    finding = clean_text(finding, field="finding", label="判定意见", max_len=1000, required=True, rule="complaint.reply_5wd")
    c = _locked(complaint_id)
    before = snapshot(c)
    if not valid:
        _advance(c, S.INTAKE, "complaint.reply_5wd", step=S.CLOSED, outcome="unfounded", finding=finding, judged_at=now,
                 judged_by=actor, replied_at=now, closed_at=now, closed_by=actor, step_due_at=None, step_rule="")
        _answer_ticket(actor, c, Ticket.State.ANSWERED, f"投诉不成立：{finding}", now)
        _audit(actor, c, "judge_unfounded", before, "complaint.reply_5wd", "投诉不成立，已答复客户并结案")
        return c
    try:
        dept = Department.objects.select_related("manager").get(pk=int(department_id))
    except (TypeError, ValueError, Department.DoesNotExist):
        raise ValidationError("请选择公司的责任部门", fields={"department_id": "部门不存在"},
                              rule="complaint.dispatch_same_day") from None
    if dept.manager_id is None or not dept.manager.is_active:
        raise RuleRefused(f"部门“{dept.name}”没有负责人，无法转交", rule="complaint.dispatch_same_day",
                          fields={"department_id": "部门无负责人"})
    due = rules.solution_due(now, get_calendar(), get_policy())
    _advance(c, S.INTAKE, "complaint.dispatch_same_day", step=S.PROPOSING, finding=finding, judged_at=now,
             judged_by=actor, department=dept, leader=dept.manager, dispatched_at=now, step_due_at=due.due_at,
             step_rule=due.rule)
    notify(dept.manager, f"complaint-dispatch:{c.pk}:{c.reopens}:{c.rejections}",
           f"投诉传递单 {c.number}：请于 {due.due_at:%Y-%m-%d %H:%M} 前提出解决方案", rule=due.rule, link=_link(c))
    _answer_ticket(actor, c, Ticket.State.TRANSFERRED, f"已转交{dept.name}（{dept.manager.name}）处理", now)
    _audit(actor, c, "dispatch", before, "complaint.dispatch_same_day", f"转交 {dept.name}（{dept.manager.name}）；{due.label}")
    return c


def _answer_ticket(actor: User, c: Complaint, state: str, text: str, now: datetime) -> None:
    """`ticket.first_response_1wd`: judging the complaint answers (unfounded) or transfers (valid) its ticket."""
    if c.ticket_id and Ticket.objects.filter(pk=c.ticket_id, state=Ticket.State.OPEN).update(
            state=state, responded_at=now, response=text[:2000]):
        record(actor=actor, action="respond", object_type="service.ticket", object_id=c.ticket_id,
               after={"state": state, "response": text[:200]}, rule="ticket.first_response_1wd")


def _is_department_side(actor: User, c: Complaint) -> bool:
    return (actor.id in (c.leader_id, getattr(c.department, "manager_id", None))
            or (c.department_id is not None and actor.department_id == c.department_id and not can(actor, "sees_all_tickets"))
            or can(actor, "decides_major_complaints"))


@transaction.atomic
def propose(actor: User, complaint_id: int, solutions: list[dict], now: datetime | None = None) -> Complaint:
    """`complaint.solution_3wd`: the responsible department answers with one or more solutions."""
    now = now or timezone.now()
    c = _locked(complaint_id)
    if not _is_department_side(actor, c):
        raise PermissionDenied("只有责任部门（负责人或成员）可以提出解决方案", rule="complaint.solution_3wd")
    if not isinstance(solutions, list) or not 1 <= len(solutions) <= 5:
        raise ValidationError("请提出 1–5 个解决方案", fields={"solutions": "1–5 个"}, rule="complaint.solution_3wd")
    clean = []
    for i, s in enumerate(solutions):
        s = s if isinstance(s, dict) else {"text": s}
        clean.append({"text": clean_text(s.get("text"), field=f"solutions.{i}.text", label="方案内容", max_len=1000,
                                         required=True, rule="complaint.solution_3wd"),
                      "cost": money(s.get("cost"), field=f"solutions.{i}.cost", label="费用"),
                      "responsible": clean_text(s.get("responsible"), field=f"solutions.{i}.responsible", label="责任人",
                                                max_len=50)})
    before = snapshot(c)
    selector = "GM" if c.major else "DEPT_MANAGER"
    _advance(c, S.PROPOSING, "complaint.solution_3wd", step=S.SELECTING, step_due_at=c.reply_due_at,
             step_rule="complaint.solution_review")
    rnd = c.rejections + c.reopens + 1
    Solution.objects.bulk_create([Solution(complaint=c, round=rnd, proposed_by=actor, proposed_at=now, **s) for s in clean])
    for u in (_gms() if selector == "GM" else [c.leader]):
        notify(u, f"complaint-select:{c.pk}:{rnd}", f"投诉 {c.number}：请选定解决方案", rule="complaint.solution_review",
               link=_link(c))
    _audit(actor, c, "propose", before, "complaint.solution_3wd", f"第 {rnd} 轮，{len(clean)} 个方案")
    return c


@transaction.atomic
def select(actor: User, complaint_id: int, solution_id, now: datetime | None = None) -> Complaint:
    """`complaint.solution_review`: the department manager (the GM if major, or after the second rejection)
    selects one solution; a claim needs its SM review first (`claim.manager_review`)."""
    now = now or timezone.now()
    c = _locked(complaint_id)
    gm_step = c.step == S.GM_REVIEW
    if c.major or gm_step:
        if not can(actor, "decides_major_complaints"):
            raise PermissionDenied("重大投诉（或客户第二次不同意）的方案须由总经理选定", rule="complaint.solution_review",
                                   fields={"solution_id": "无权选定"})
    elif not (actor.id == c.leader_id or can(actor, "decides_major_complaints")):
        raise PermissionDenied("只有责任部门负责人可以选定方案", rule="complaint.solution_review",
                               fields={"solution_id": "无权选定"})
    if c.is_claim and c.claim_state != "approved":
        raise RuleRefused("索赔尚未经业务经理审核通过，不能选定方案", rule="claim.manager_review",
                          fields={"claim_state": c.claim_state or "未提交"})
    try:
        sol = c.solutions.get(pk=int(solution_id))
    except (TypeError, ValueError, Solution.DoesNotExist):
        raise ValidationError("方案不属于该投诉", fields={"solution_id": "方案不存在"}, rule="complaint.solution_review") from None
    before = snapshot(c)
    expected = S.GM_REVIEW if gm_step else S.SELECTING
    if gm_step:  # the GM's choice after the second rejection is final: implement
        _advance(c, expected, "complaint.customer_consult", step=S.IMPLEMENTING, selected_solution=sol,
                 selected_by=actor, selected_at=now, step_due_at=c.promised_resolution_at, step_rule="")
    else:
        _advance(c, expected, "complaint.solution_review", step=S.CONSULTING, selected_solution=sol, selected_by=actor,
                 selected_at=now, step_due_at=c.reply_due_at, step_rule="complaint.reply_5wd")
    _audit(actor, c, "select", before, "complaint.solution_review", f"选定方案 #{sol.pk}（{actor.name}）")
    return c


@transaction.atomic
def consult(actor: User, complaint_id: int, *, agrees: bool, opinion: str, now: datetime | None = None) -> Complaint:
    """`complaint.customer_consult` (客户意见表): agrees → implement; disagrees → the department again with a new
    3-WD clock; the second rejection goes to the GM. The consultation is the substantive reply
    (`complaint.reply_5wd`)."""
    require(actor, "handles_complaints")
    now = now or timezone.now()
    opinion = clean_text(opinion, field="opinion", label="客户意见", max_len=1000, required=True,
                         rule="complaint.customer_consult")
    c = _locked(complaint_id)
    d = rules.consult_outcome(bool(agrees), c.rejections)
    before = snapshot(c)
    sol = c.selected_solution
    nxt = d.data["next"]
    common = {"replied_at": c.replied_at or now, "rejections": d.data["rejections"]}
    if nxt == "implement":
        _advance(c, S.CONSULTING, "complaint.customer_consult", step=S.IMPLEMENTING,
                 step_due_at=c.promised_resolution_at, step_rule="", **common)
        notify(c.leader, f"complaint-implement:{c.pk}:{c.rejections}", f"投诉 {c.number}：客户同意方案，请实施",
               rule="complaint.customer_consult", link=_link(c))
    elif nxt == "department":
        due = rules.solution_due(now, get_calendar(), get_policy())
        _advance(c, S.CONSULTING, "complaint.customer_consult", step=S.PROPOSING, selected_solution=None,
                 step_due_at=due.due_at, step_rule=due.rule, **common)
        notify(c.leader, f"complaint-dispatch:{c.pk}:{c.reopens}:{c.rejections}",
               f"投诉 {c.number}：客户不同意，请于 {due.due_at:%Y-%m-%d %H:%M} 前重新提出方案", rule=due.rule, link=_link(c))
    else:
        due = rules.gm_due(now)
        _advance(c, S.CONSULTING, "complaint.customer_consult", step=S.GM_REVIEW, step_due_at=due.due_at,
                 step_rule="complaint.customer_consult", **common)
        for u in _gms():
            notify(u, f"complaint-gm:{c.pk}", f"投诉 {c.number}：客户第二次不同意，请总经理处理",
                   rule="complaint.customer_consult", link=_link(c))
    Consultation.objects.create(complaint=c, solution=sol, agrees=bool(agrees), opinion=opinion, recorded_by=actor, at=now)
    _audit(actor, c, "consult", before, "complaint.customer_consult", d.message(), d)
    return c


@transaction.atomic
def implement(actor: User, complaint_id: int, note: str = "", now: datetime | None = None) -> Complaint:
    """Implementation done: the first return visit is due within 5 WD (`complaint.followup_5wd`)."""
    now = now or timezone.now()
    c = _locked(complaint_id)
    if not (_is_department_side(actor, c) or can(actor, "handles_complaints")):
        raise PermissionDenied("只有责任部门或客服可以登记实施", rule="complaint.customer_consult")
    note = clean_text(note, field="note", label="实施说明", max_len=1000)
    before = snapshot(c)
    due = rules.followup_due(now, get_calendar(), get_policy())
    _advance(c, S.IMPLEMENTING, "complaint.followup_5wd", step=S.FOLLOWUP, implemented_at=now, implemented_by=actor,
             step_due_at=due.due_at, step_rule=due.rule)
    if c.customer_id:
        VisitTask.objects.get_or_create(key=f"complaint:{c.pk}:{c.reopens}", defaults={
            "rule": due.rule, "customer": c.customer, "due_at": due.due_at})
    _audit(actor, c, "implement", before, "complaint.followup_5wd", (note + "；" if note else "") + due.label)
    return c


def visits_since_implementation(c: Complaint) -> list[str]:
    qs = c.visits.order_by("visited_at", "id")
    if c.implemented_at:
        qs = qs.filter(visited_at__gte=c.implemented_at)
    return list(qs.values_list("satisfaction", flat=True))


def after_visit(actor: User, c: Complaint, satisfaction: str, now: datetime) -> None:
    """Called by the return-visit service in its transaction: a dissatisfied result reopens the complaint at
    investigation (the department again, new 3-WD clock) — `complaint.close_satisfied`."""
    if c.step != S.FOLLOWUP or satisfaction in rules.SATISFIED:
        return
    before = snapshot(c)
    due = rules.solution_due(now, get_calendar(), get_policy())
    _advance(c, S.FOLLOWUP, "complaint.close_satisfied", step=S.PROPOSING, reopens=c.reopens + 1,
             selected_solution=None, implemented_at=None, step_due_at=due.due_at, step_rule=due.rule)
    notify(c.leader, f"complaint-reopen:{c.pk}:{c.reopens}", f"投诉 {c.number} 回访不满意，重新调查并提出方案",
           rule="complaint.close_satisfied", link=_link(c))
    _audit(actor, c, "reopen", before, "complaint.close_satisfied", f"回访结果：{rules.SATISFACTION[satisfaction]}")


@transaction.atomic
def close(actor: User, complaint_id: int, now: datetime | None = None) -> Complaint:
    """`complaint.close_satisfied` + `complaint.followups_by_type`: refused (422, nothing changes) without the
    required visits or a satisfied latest result."""
    require(actor, "handles_complaints")
    now = now or timezone.now()
    c = _locked(complaint_id)
    if c.step != S.FOLLOWUP:
        raise Conflict(f"该投诉当前步骤为“{c.get_step_display()}”，不能结案", rule="complaint.close_satisfied",
                       code="step_already_decided", fields={"step": c.step})
    d = rules.check_close(c.category, visits_since_implementation(c), get_policy())
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"visits": d.message()}
        raise err
    before = snapshot(c)
    _advance(c, S.FOLLOWUP, "complaint.close_satisfied", step=S.CLOSED, outcome="resolved", closed_at=now,
             closed_by=actor, step_due_at=None, step_rule="")
    _audit(actor, c, "close", before, "complaint.close_satisfied", d.message(), d)
    return c


@transaction.atomic
def flag_major(actor: User, complaint_id: int, major: bool = True, now: datetime | None = None) -> Complaint:
    """`complaint.major_to_gm`: CS/CSM flag a complaint major; the GM is told the same working day."""
    require(actor, "flags_major_complaints")
    now = now or timezone.now()
    c = _locked(complaint_id)
    if c.step == S.CLOSED:
        raise Conflict("投诉已结案", rule="complaint.major_to_gm", code="closed")
    before = snapshot(c)
    Complaint.objects.filter(pk=c.pk).update(major=bool(major), major_flagged_at=now, major_flagged_by=actor)
    c.major, c.major_flagged_at, c.major_flagged_by = bool(major), now, actor
    if major:
        due = rules.gm_due(now)
        for u in _gms():
            notify(u, f"complaint-major:{c.pk}", f"重大投诉 {c.number}：{c.content[:40]}", rule=due.rule, link=_link(c))
    _audit(actor, c, "flag_major", before, "complaint.major_to_gm")
    return c


def escalate_overdue(now: datetime | None = None) -> dict:
    """Timer (every 5 min), `complaint.escalate_overdue`: a missed deadline (the reply or the current step) goes to
    the CSM at once and to the GM if still open 2 WD later; each once."""
    now = now or timezone.now()
    cal, cfg = get_calendar(), get_policy()
    out = {"csm": 0, "gm": 0}
    for c in Complaint.objects.exclude(step=S.CLOSED).filter(escalated_gm_at__isnull=True):
        dues = [d for d in (c.step_due_at, None if c.replied_at else c.reply_due_at) if d is not None]
        if not dues:
            continue
        d = rules.escalation(min(dues), now, cal, cfg)
        levels = d.data["levels"]
        with transaction.atomic():
            if "CSM" in levels and Complaint.objects.filter(pk=c.pk, escalated_csm_at__isnull=True).update(escalated_csm_at=now):
                for u in _users_with("runs_customer_service"):
                    notify(u, f"complaint-overdue-csm:{c.pk}", f"投诉 {c.number} 已逾期（{c.get_step_display()}）",
                           rule="complaint.escalate_overdue", link=_link(c))
                record(actor=None, action="escalate", obj=c, after={"to": "CSM"}, rule="complaint.escalate_overdue",
                       decision=d)
                out["csm"] += 1
            if "GM" in levels and Complaint.objects.filter(pk=c.pk, escalated_gm_at__isnull=True).update(escalated_gm_at=now):
                for u in _gms():
                    notify(u, f"complaint-overdue-gm:{c.pk}", f"投诉 {c.number} 逾期 2 个工作日仍未处理",
                           rule="complaint.escalate_overdue", link=_link(c))
                record(actor=None, action="escalate", obj=c, after={"to": "GM"}, rule="complaint.escalate_overdue",
                       decision=d)
                out["gm"] += 1
    return out


_TASK_TEXT = {S.PROPOSING: "请提出解决方案（投诉传递单）", S.SELECTING: "请选定解决方案", S.GM_REVIEW: "客户第二次不同意，请总经理处理",
              S.IMPLEMENTING: "客户已同意方案，请实施"}


_TASK_RULE = {S.PROPOSING: "complaint.solution_3wd", S.SELECTING: "complaint.solution_review",
              S.GM_REVIEW: "complaint.customer_consult", S.IMPLEMENTING: "complaint.customer_consult"}


@approvals.register_task_source("complaint")
def inbox_tasks(user: User) -> list[dict]:
    """The complaints waiting on this person, for the approvals inbox: the responsible department's leader
    (propose, select unless major, implement) and the GM (major selections, second rejections)."""
    if not user.is_authenticated:
        return []
    mine = Q(leader=user, step__in=(S.PROPOSING, S.IMPLEMENTING)) | Q(leader=user, step=S.SELECTING, major=False)
    if can(user, "decides_major_complaints"):
        mine |= Q(step=S.GM_REVIEW) | Q(step=S.SELECTING, major=True)
    return [{"kind": "客户投诉", "label": f"{c.number} {c.customer.name if c.customer_id else ''}：{_TASK_TEXT[c.step]}",
             "link": _link(c), "rule": _TASK_RULE[c.step], "due_at": c.step_due_at,
             "step": c.get_step_display()}
            for c in Complaint.objects.filter(mine).select_related("customer").order_by("step_due_at", "id")[:50]]
