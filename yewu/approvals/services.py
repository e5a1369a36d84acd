"""The approval engine (SPEC §8.3), reused by quotes, orders, expenses and complaints.

A document starts an approval with the roles its rules require (from a Decision) or with its chain as
data; each step is decided by a holder of the role — the team's SM for SM steps — never by the submitter
or by someone who already decided a step of the same chain (`sod.no_self_approval`). Two approvers acting
on one step at once: the row lock lets exactly one decide; the other gets 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.models import Notification
from yewu.common.text import clean_text
from yewu.org.models import Role, Team, User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids, users_with_role
from yewu.policy import Decision, Reason
from yewu.policy.approvals import may_decide, superior_role
from yewu.policy.calendar import TZ
from yewu.policy.contracts import phone_approval_eligibility, phone_note, recorder_roles
from yewu.policy.explain import sentences

from .models import ApprovalChain, ApprovalRequest, ApprovalStep, Delegation

# doc_type -> callback(request) run in the same transaction when the request is approved or rejected
_callbacks: dict[str, Callable[[ApprovalRequest], None]] = {}


def on_decided(doc_type: str):
    def register(fn):
        _callbacks[doc_type] = fn
        return fn

    return register


# doc_type -> the document's own decide function, for steps that need more than a comment (e.g. the contract
# review checklist, `contract.review_1wd`). The document's app registers it (``@reviewer("contract")``), so the
# approvals pages decide such steps without importing that app. Signature:
# fn(actor, doc_id: int, approve: bool, *, checklist: dict, credit_opinion: str, comment: str) -> document with .status
_reviewers: dict[str, Callable] = {}


def reviewer(doc_type: str):
    def register(fn):
        _reviewers[doc_type] = fn
        return fn

    return register


def reviewer_for(doc_type: str) -> Callable | None:
    return _reviewers.get(doc_type)


def current_chain(doc_type: str) -> ApprovalChain | None:
    return ApprovalChain.objects.filter(doc_type=doc_type, active=True).order_by("-version").first()


@transaction.atomic
def save_chain(actor: User, doc_type: str, name: str, steps: list[dict]) -> ApprovalChain:
    """A new version of a chain; running approvals keep theirs (`process.version_pinned`)."""
    if not can(actor, "changes_settings"):
        raise PermissionDenied("只有总经理或系统管理员可以修改审批链")
    for s in steps:
        if s.get("role") not in Role.values or int(s.get("limit_wd", 1)) < 0:
            raise ValidationError(f"步骤无效：{s}", fields={"steps": "角色代码和时限（工作日）"})
    last = ApprovalChain.objects.filter(doc_type=doc_type).order_by("-version").first()
    ApprovalChain.objects.filter(doc_type=doc_type).update(active=False)
    chain = ApprovalChain.objects.create(doc_type=doc_type, name=name, steps=steps, version=(last.version + 1) if last else 1)
    record(actor=actor, action="create", obj=chain, after={"steps": steps, "version": chain.version})
    return chain


def _due(limit_wd: int):
    return get_calendar().deadline_after_working_days(timezone.localdate(), limit_wd)


def _eligible_users(step: ApprovalStep, role: str | None = None) -> list[User]:
    role = role or step.role
    users = list(users_with_role(role))
    if role == Role.SM and step.request.team_id:
        users = [u for u in users if step.request.team_id in managed_team_ids(u)]
    return [u for u in users if u.id not in (step.request.submitter_id, step.request.beneficiary_id)]


def _role_name(code: str) -> str:
    return Role(code).label if code in Role.values else code


def page_link(req: ApprovalRequest) -> str:
    """Where a notification about a request opens: its own approval page (decide there, on a phone too)."""
    return f"/approvals/{req.pk}/"


def waiting_message(req: ApprovalRequest) -> str:
    """待您审批：<document> — with the first reason as a sentence (what the approver is asked to accept)."""
    said = sentences(req.reasons or [])
    return f"待您审批：{req.doc_label}" + (f"。{said[0][1]}" if said else "")


def _notify_step(step: ApprovalStep) -> None:
    req = step.request
    for u in _eligible_users(step):
        Notification.objects.get_or_create(
            user=u, key=f"approval:{req.pk}:{step.order}",
            defaults={"rule": "approval.inbox", "message": waiting_message(req), "link": page_link(req)},
        )


def was_asked(user: User, req: ApprovalRequest) -> bool:
    """True when the engine put a step of ``req`` to ``user`` (its 待您审批 notification, `approval.inbox`). A
    colleague of the same role may have decided it since; the notification's link still opens (issue 15)."""
    return Notification.objects.filter(user=user, key__startswith=f"approval:{req.pk}:").exists()


def _step_limit(req: ApprovalRequest, step: ApprovalStep) -> int:
    return int(req.chain_snapshot[step.order].get("limit_wd", 1))


def _open_stage(req: ApprovalRequest, stage: int) -> list[ApprovalStep]:
    opened = list(req.steps.filter(stage=stage, state=ApprovalStep.State.WAITING))
    for s in opened:
        s.state = ApprovalStep.State.PENDING
        s.due_at = _due(_step_limit(req, s))
        s.save(update_fields=["state", "due_at"])
        _notify_step(s)
    return opened


@transaction.atomic
def start(*, doc_type: str, doc_id, submitter: User, roles: Sequence[str] | None = None, decision: Decision | None = None,
          label: str = "", link: str = "", team: Team | None = None, beneficiary: User | None = None,
          steps: list[dict] | None = None, policy_version: int | None = None) -> ApprovalRequest:
    """Start an approval. ``steps`` (dicts with role, limit_wd and optionally stage — equal stages run in
    parallel), else ``roles`` (e.g. a Decision's approvers, one after another), else the document type's chain.
    ``policy_version``: the settings version the routing was decided under (default: the one in force now); the
    request keeps it and its steps whatever later versions say (`process.version_pinned`)."""
    chain = None
    if steps is None and roles is None and decision is not None:
        roles = list(decision.approvers)
    if steps is None and roles is None:
        chain = current_chain(doc_type)
        if chain is None:
            raise ValidationError(f"没有 {doc_type} 的审批链")
        steps = chain.steps
    elif steps is None:
        steps = [{"role": r, "limit_wd": 1} for r in roles]
    if not steps:
        raise ValidationError("审批链为空")
    try:
        with transaction.atomic():
            req = ApprovalRequest.objects.create(
                doc_type=doc_type, doc_id=str(doc_id), doc_label=label[:200], link=link, chain=chain, chain_snapshot=steps,
                reasons=[r.as_dict() for r in decision.reasons] if decision else [], submitter=submitter,
                beneficiary=beneficiary, team=team if team is not None else submitter.team,
                policy_version=get_policy().version if policy_version is None else policy_version,
            )
    except IntegrityError as e:
        raise Conflict("该单据已在审批中，不能重复提交", rule="approval.inbox", code="already_pending") from e
    ApprovalStep.objects.bulk_create([ApprovalStep(request=req, order=i, role=s["role"], stage=int(s.get("stage", i)))
                                      for i, s in enumerate(steps)])
    _open_stage(req, min(int(s.get("stage", i)) for i, s in enumerate(steps)))
    record(actor=submitter, action="submit", object_type="approvals.approvalrequest", object_id=req.pk,
           after={"doc": f"{doc_type}:{doc_id}", "steps": steps, "policy_version": req.policy_version}, decision=decision,
           policy_version=req.policy_version)
    return req


def acting_role(actor: User, step: ApprovalStep) -> str:
    """The role the actor decides this step in: the step's own, or its superior's after `approval.overdue`
    escalated it."""
    if step.role in actor.role_set or not step.escalated_to:
        return step.role
    return step.escalated_to if step.escalated_to in actor.role_set else step.role


def active_delegations(delegate: User, role: str | None = None, day=None):
    day = day or timezone.localdate()
    qs = Delegation.objects.filter(delegate=delegate, starts_on__lte=day, ends_on__gte=day, revoked_at__isnull=True)
    if role:
        qs = qs.filter(role=role)
    return qs.select_related("delegator")


def _check(actor: User, step: ApprovalStep, role: str, roles, team_ids, others) -> Decision:
    req = step.request
    d = may_decide(actor_id=actor.id, actor_roles=roles, step_role=role, submitter_id=req.submitter_id,
                   beneficiary_id=req.beneficiary_id, earlier_deciders=others)
    if d.allowed and role == Role.SM and req.team_id and req.team_id not in team_ids:
        return Decision.refuse(Reason("approval.inbox", "此单据属于其他团队，应由该团队的业务经理审批",
                                      "another team's SM must approve"))
    return d


def can_decide(actor: User, step: ApprovalStep) -> Decision:
    """The actor's own role (or the superior's after escalation), else a dated delegation whose delegator
    still holds the role; ``data["on_behalf_of"]`` names the delegator then."""
    req = step.request
    others = [s.decided_by_id for s in req.steps.all() if s.decided_by_id and s.order != step.order]
    role = acting_role(actor, step)
    d = _check(actor, step, role, actor.role_set, managed_team_ids(actor), others)
    if d.allowed or role in actor.role_set:
        return d
    for want in {step.role, step.escalated_to} - {""}:
        for dg in active_delegations(actor, want):
            if not dg.delegator.is_active or want not in dg.delegator.role_set or dg.delegator_id in others:
                continue
            dd = _check(actor, step, want, actor.role_set | {want}, managed_team_ids(dg.delegator), others)
            if dd.allowed and dg.delegator_id not in (req.submitter_id, req.beneficiary_id):
                return Decision.allow(Reason("approval.overdue", f"受 {dg.delegator.name} 委托（{dg.starts_on}–{dg.ends_on}）审批",
                                             "deciding under a dated delegation"), on_behalf_of=dg.delegator_id,
                                      delegation=dg.pk)
    return d


@transaction.atomic
def delegate(actor: User, *, delegate_id: int, role: str, starts_on, ends_on, reason: str = "") -> Delegation:
    """Dated delegation of the actor's approval role (`approval.overdue`); logged."""
    if role not in actor.role_set:
        raise RuleRefused(f"您没有 {role} 角色，不能委托", rule="approval.overdue", fields={"role": "须为本人角色"})
    to = User.objects.filter(pk=delegate_id, is_active=True).first()
    if to is None or to.pk == actor.pk:
        raise ValidationError("被委托人无效", fields={"delegate_id": "须为其他在职用户"})
    if ends_on < starts_on or ends_on < timezone.localdate():
        raise ValidationError("委托期限无效", fields={"ends_on": "不能早于开始日或今天"})
    dg = Delegation.objects.create(delegator=actor, delegate=to, role=role, starts_on=starts_on, ends_on=ends_on,
                                   reason=clean_text(reason, field="reason", label="原因", max_len=200))
    record(actor=actor, action="delegate", obj=dg, rule="approval.overdue",
           after={"delegate": to.pk, "role": role, "starts_on": starts_on, "ends_on": ends_on, "reason": dg.reason})
    return dg


@transaction.atomic
def revoke_delegation(actor: User, delegation_id: int) -> Delegation:
    dg = Delegation.objects.select_for_update().filter(pk=delegation_id, delegator=actor).first()
    if dg is None:
        raise NotFound("委托不存在")
    if dg.revoked_at is None:
        dg.revoked_at = timezone.now()
        dg.save(update_fields=["revoked_at"])
        record(actor=actor, action="revoke", obj=dg, rule="approval.overdue", after={"revoked_at": dg.revoked_at})
    return dg


@transaction.atomic
def decide(actor: User, request_id: int, approve: bool, comment: str = "", *, data: dict | None = None,
           step_id: int | None = None) -> ApprovalRequest:
    """Decide the actor's pending step (of a parallel stage: the one the actor may decide, or ``step_id``)."""
    comment = clean_text(comment, field="comment", label="审批意见", max_len=500, required=not approve)
    req = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if req is None:
        raise NotFound("审批不存在")
    if req.state != ApprovalRequest.State.PENDING:
        raise Conflict(f"该审批已{req.get_state_display()}，不能再次处理", rule="approval.inbox", code="already_decided")
    pending = list(req.steps.filter(state=ApprovalStep.State.PENDING).order_by("order"))
    if step_id is not None:
        pending = [s for s in pending if s.pk == step_id]
        if not pending:
            raise Conflict("该步骤不在待审批状态", rule="approval.inbox", code="already_decided")
    step, first_refusal, allowed = None, None, None
    for s in pending:
        d = can_decide(actor, s)
        if d.allowed:
            step, allowed = s, d
            break
        first_refusal = first_refusal or d
    if step is None:
        raise RuleRefused.from_decision(first_refusal, status=403, code="not_your_step")
    spec = _spec(req, step)
    if spec.get("requires") and not data:
        # e.g. a contract review step: its checklist is filled on the document's own form/endpoint
        raise ValidationError(f"此步骤须填写{spec.get('requires_label', '评审意见')}，请在单据页面办理",
                              fields={"data": spec["requires"]}, rule=spec.get("rule") or None)
    if approve:
        _check_blockers(req)
    _apply(req, step, actor, approve, comment, data)
    record(actor=actor, action="approve" if approve else "reject", object_type="approvals.approvalrequest",
           object_id=req.pk, after={"step": step.order, "role": step.role, "acting_role": acting_role(actor, step),
                                    "on_behalf_of": allowed.data.get("on_behalf_of"), "state": step.state,
                                    "comment": comment, "data": data or {}},
           rule="approval.inbox")
    return req


def _spec(req: ApprovalRequest, step: ApprovalStep) -> dict:
    return req.chain_snapshot[step.order] if step.order < len(req.chain_snapshot) else {}


def _apply(req: ApprovalRequest, step: ApprovalStep, decided_by: User, approve: bool, comment: str,
           data: dict | None) -> None:
    """Record the step's decision, open the next stage or close the request (callbacks, notifications)."""
    now = timezone.now()
    step.state = ApprovalStep.State.APPROVED if approve else ApprovalStep.State.REJECTED
    step.decided_by, step.decided_at, step.comment = decided_by, now, comment
    if data is not None:
        step.data = data
    step.save()
    still_open = req.steps.filter(stage=step.stage, state=ApprovalStep.State.PENDING).exists()
    nxt = req.steps.filter(stage__gt=step.stage, state=ApprovalStep.State.WAITING).order_by("stage").first()
    if approve and still_open:
        return  # a parallel step of this stage is still open
    if approve and nxt is not None:
        _open_stage(req, nxt.stage)
        return
    req.state = ApprovalRequest.State.APPROVED if approve else ApprovalRequest.State.REJECTED
    req.closed_at = now
    req.save(update_fields=["state", "closed_at"])
    req.steps.filter(state__in=[ApprovalStep.State.WAITING, ApprovalStep.State.PENDING]).update(
        state=ApprovalStep.State.SKIPPED)
    result = "通过" if approve else "被驳回：" + comment
    Notification.objects.get_or_create(
        user=req.submitter, key=f"approval:{req.pk}:result",
        defaults={"rule": "approval.inbox", "link": req.link, "message": f"{req.doc_label} 审批{result}"},
    )
    # contract.phone_approval: whoever confirmed a step on the phone hears how the whole approval ended
    confirmer_ids = {((s.data or {}).get("phone") or {}).get("confirmer_id") for s in req.steps.exclude(data={})}
    for confirmer in User.objects.filter(pk__in=confirmer_ids - {None}):
        notify(confirmer, f"phone-approval:{req.pk}:result",
               f"您电话确认的审批已结束：{req.doc_label} 审批{result}", rule=PHONE_RULE, link=req.link or "/approvals/")
    cb = _callbacks.get(req.doc_type)
    if cb:
        cb(req)


# --- blockers: a document may be frozen by another rule (e.g. contract.dispute litigation) -----------------------

_blockers: list[Callable[[ApprovalRequest], Reason | None]] = []


def register_blocker(fn: Callable[[ApprovalRequest], Reason | None]):
    """``fn(request)`` returns a Reason when no step of the request may be approved now (rejecting stays open)."""
    _blockers.append(fn)
    return fn


def blocker(req: ApprovalRequest) -> Reason | None:
    for fn in _blockers:
        why = fn(req)
        if why is not None:
            return why
    return None


def _check_blockers(req: ApprovalRequest) -> None:
    why = blocker(req)
    if why is not None:
        raise RuleRefused(why.message, rule=why.rule, code="blocked")


# --- contract.phone_approval ------------------------------------------------------------------------------------

PHONE_RULE = "contract.phone_approval"


def phone_candidates(step: ApprovalStep) -> list[User]:
    """Who could have approved this step on the phone: active holders of its role (or of the role it was
    escalated to) whom the engine would let decide it."""
    out = []
    for role in [step.role, step.escalated_to]:
        if not role:
            continue
        for u in _eligible_users(step, role):
            if u not in out and _check_absent(u, step).allowed:
                out.append(u)
    return out


def _check_absent(approver: User, step: ApprovalStep) -> Decision:
    req = step.request
    others = [s.decided_by_id for s in req.steps.all() if s.decided_by_id and s.order != step.order]
    role = acting_role(approver, step)
    return _check(approver, step, role, approver.role_set, managed_team_ids(approver), others)


def phone_check(actor: User, step: ApprovalStep, *, approver: User, confirmer: User, called_at, travelling: bool,
                urgent: bool) -> Decision:
    req = step.request
    d = phone_approval_eligibility(
        recorder_id=actor.id, recorder_roles_=actor.role_set, confirmer_id=confirmer.id,
        confirmer_roles=confirmer.role_set if confirmer.is_active else set(), approver_id=approver.id,
        submitter_id=req.submitter_id, beneficiary_id=req.beneficiary_id, travelling=travelling, urgent=urgent,
        called_at=called_at, opened_at=req.created_at, now=timezone.now(),
        needs_form=bool(_spec(req, step).get("requires")), cfg=get_policy())
    if not d.allowed:
        return d
    if not approver.is_active:
        return Decision.refuse(Reason(PHONE_RULE, "审批人账号已停用", "the approver is inactive"))
    return _check_absent(approver, step)


@transaction.atomic
def phone_approve(actor: User, request_id: int, *, approver_id: int, confirmer_id: int | None = None, called_at,
                  note: str = "", travelling: bool = False, urgent: bool = False,
                  step_id: int | None = None) -> ApprovalRequest:
    """`contract.phone_approval`: the approver is travelling and the case is urgent; sales support records the
    approval the approver gave on the phone (absent approver, confirmer = who took the call, time of the call,
    note). The step is approved *by phone* in the absent approver's name — who must be able to decide it under
    the engine's rules (role, `sod.no_self_approval`, SM team) — audited, shown on the chain, and the confirmer is
    notified of the result (now, and when the whole approval ends)."""
    note = clean_text(note, field="note", label="说明", max_len=300, required=True)
    if called_at is None:
        raise ValidationError("请填写电话确认时间", fields={"called_at": "必填"}, rule=PHONE_RULE)
    if timezone.is_naive(called_at):
        called_at = called_at.replace(tzinfo=TZ)
    req = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if req is None:
        raise NotFound("审批不存在")
    if not recorder_roles(get_policy()) & actor.role_set:
        raise PermissionDenied(f"电话确认审批只能由销售支持（{'/'.join(sorted(recorder_roles(get_policy())))}）代为登记",
                               rule=PHONE_RULE)
    if req.state != ApprovalRequest.State.PENDING:
        raise Conflict(f"该审批已{req.get_state_display()}，不能再登记", rule="approval.inbox", code="already_decided")
    approver = User.objects.filter(pk=approver_id).first()
    confirmer = User.objects.filter(pk=confirmer_id).first() if confirmer_id else actor
    if approver is None:
        raise ValidationError("请选择审批人", fields={"approver_id": "必填"}, rule=PHONE_RULE)
    if confirmer is None:
        raise ValidationError("确认人不存在", fields={"confirmer_id": "无效"}, rule=PHONE_RULE)
    pending = list(req.steps.filter(state=ApprovalStep.State.PENDING).order_by("order"))
    if step_id is not None:
        pending = [s for s in pending if s.pk == step_id]
        if not pending:
            raise Conflict("该步骤不在待审批状态", rule="approval.inbox", code="already_decided")
    step, refusal = None, None
    for s in pending:
        d = phone_check(actor, s, approver=approver, confirmer=confirmer, called_at=called_at, travelling=travelling,
                        urgent=urgent)
        if d.allowed:
            step = s
            break
        refusal = refusal or d
    if step is None:
        raise RuleRefused.from_decision(refusal, status=403, code="phone_not_allowed")
    _check_blockers(req)
    shown = phone_note(approver.name, confirmer.name, called_at)
    phone = {"approver_id": approver.id, "approver": approver.name, "confirmer_id": confirmer.id,
             "confirmer": confirmer.name, "recorded_by_id": actor.id, "recorded_by": actor.name,
             "called_at": called_at.isoformat(), "note": note, "travelling": True, "urgent": True, "shown": shown}
    _apply(req, step, approver, True, f"{shown}（{note}）"[:500], {**(step.data or {}), "phone": phone})
    record(actor=actor, action="phone_approve", object_type="approvals.approvalrequest", object_id=req.pk,
           after={"step": step.order, "role": step.role, "state": step.state, "phone": phone}, rule=PHONE_RULE,
           reason=shown)
    state = {"approved": "审批全部通过", "pending": "已转下一步"}.get(req.state, req.get_state_display())
    notify(confirmer, f"phone-approval:{req.pk}:{step.order}",
           f"您电话确认的审批已登记：{req.doc_label}（{Role(step.role).label if step.role in Role.values else step.role}"
           f"·{approver.name}）同意，{state}", rule=PHONE_RULE, link=req.link or "/approvals/")
    notify(approver, f"phone-approval:{req.pk}:{step.order}:approver",
           f"{actor.name} 已按您的电话确认代为登记审批：{req.doc_label}（{shown}）", rule=PHONE_RULE,
           link=req.link or "/approvals/")
    return req


def phone_recordable(user: User, limit: int = 50) -> list[ApprovalStep]:
    """Pending steps sales support could record a phone approval for (plain steps, someone could decide them)."""
    if not recorder_roles(get_policy()) & user.role_set:
        return []
    steps = (ApprovalStep.objects.filter(state=ApprovalStep.State.PENDING)
             .select_related("request", "request__submitter").prefetch_related("request__steps")
             .order_by("due_at", "id"))
    out = []
    for s in steps:
        req = s.request
        if _spec(req, s).get("requires") or user.id in (req.submitter_id, req.beneficiary_id):
            continue
        out.append(s)
        if len(out) >= limit:
            break
    return out


@transaction.atomic
def void(actor: User | None, request_id: int, reason: str, rule: str = "") -> ApprovalRequest | None:
    """Void a pending or approved request (e.g. amounts changed after approval, SPEC §4.1); callbacks do not run."""
    req = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if req is None or req.state in (ApprovalRequest.State.CANCELLED, ApprovalRequest.State.REJECTED):
        return req
    before = req.state
    req.state, req.closed_at = ApprovalRequest.State.CANCELLED, timezone.now()
    req.save(update_fields=["state", "closed_at"])
    req.steps.filter(state__in=[ApprovalStep.State.WAITING, ApprovalStep.State.PENDING]).update(
        state=ApprovalStep.State.SKIPPED)
    record(actor=actor, action="void", object_type="approvals.approvalrequest", object_id=req.pk,
           before={"state": before}, after={"state": req.state}, rule=rule, reason=reason)
    return req


def inbox(user: User):
    """Pending steps this user may decide (own role, or escalated to the user's role by `approval.overdue`)."""
    roles = list(user.role_set | set(active_delegations(user).values_list("role", flat=True)))
    steps = (ApprovalStep.objects.filter(state=ApprovalStep.State.PENDING)
             .filter(Q(role__in=roles) | Q(escalated_to__in=roles))
             .select_related("request", "request__submitter").prefetch_related("request__steps")
             .order_by("due_at", "id"))
    return [s for s in steps if can_decide(user, s).allowed]


def overdue_steps(now=None):
    now = now or timezone.now()
    return ApprovalStep.objects.filter(state=ApprovalStep.State.PENDING, due_at__lt=now).select_related("request")


def scan_overdue(now=None) -> dict:
    """`approval.overdue` (timer, every 5 minutes): a pending step past its limit reminds its approvers once;
    1 working day after the limit it escalates to the superior role (SM → GM, CS → CSM, FIN → FD, …; see
    :func:`yewu.policy.approvals.superior_role`), whose holders are notified and may then decide the step."""
    now = now or timezone.now()
    cal, cfg = get_calendar(), get_policy()
    after_wd = cfg["approval.overdue.escalate_after_wd"]
    out = {"reminded": 0, "escalated": 0}
    for step in overdue_steps(now).select_related("request__team"):
        with transaction.atomic():
            step = ApprovalStep.objects.select_for_update().select_related("request").get(pk=step.pk)
            if step.state != ApprovalStep.State.PENDING:
                continue
            req = step.request
            due_local = step.due_at.astimezone(TZ)
            if step.reminded_at is None:
                for u in _eligible_users(step):
                    notify(u, f"approval-overdue:{req.pk}:{step.order}",
                           f"审批已逾期：{req.doc_label}（待{_role_name(step.role)}审批，期限 {due_local:%Y-%m-%d %H:%M}）",
                           rule="approval.overdue", link=page_link(req))
                step.reminded_at = now
                step.save(update_fields=["reminded_at"])
                out["reminded"] += 1
            escalate_at = cal.deadline_after_working_days(due_local.date(), after_wd)
            superior = superior_role(step.role)
            if step.escalated_at is None and superior and now > escalate_at:
                step.escalated_to, step.escalated_at = superior, now
                step.save(update_fields=["escalated_to", "escalated_at"])
                for u in _eligible_users(step, superior):
                    notify(u, f"approval-escalated:{req.pk}:{step.order}",
                           f"审批逾期升级给您：{req.doc_label}（原应由{_role_name(step.role)}审批，期限 {due_local:%Y-%m-%d %H:%M}，"
                           f"逾期 {after_wd} 个工作日后升级）", rule="approval.overdue", link=page_link(req))
                record(actor=None, action="escalate", object_type="approvals.approvalrequest", object_id=req.pk,
                       after={"step": step.order, "role": step.role, "escalated_to": superior}, rule="approval.overdue",
                       reason=f"期限 {due_local:%Y-%m-%d %H:%M} 已过 {after_wd} 个工作日")
                out["escalated"] += 1
    return out


# --- tasks of other areas shown in the inbox (additive, issue 12) ------------------------------------------------
# An area registers a function user -> list of task dicts {kind, label, link, rule, due_at, step} for work that is
# not an approval step but waits on one person (e.g. a complaint dispatched to a department leader). The inbox
# page shows them under its approval cards; nothing here decides them.
_task_sources: dict[str, Callable[[User], list[dict]]] = {}


def register_task_source(name: str):
    def register(fn):
        _task_sources[name] = fn
        return fn

    return register


def tasks_for(user: User) -> list[dict]:
    """Every registered area's tasks waiting on ``user`` (the inbox page and ``GET /api/v1/approvals/tasks``), each
    marked with its ``source`` (the name it was registered under), soonest due first, undated last."""
    out: list[dict] = []
    for name, fn in _task_sources.items():
        out += [{**t, "source": name} for t in fn(user)]
    return sorted(out, key=lambda t: (t.get("due_at") is None, t.get("due_at") or timezone.now()))
