"""The approval engine (SPEC §8.3), reused by quotes, orders, expenses and complaints.

A document starts an approval with the roles its rules require (from a Decision) or with its chain as
data; each step is decided by a holder of the role — the team's SM for SM steps — never by the submitter
or by someone who already decided a step of the same chain (`sod.no_self_approval`). Two approvers acting
on one step at once: the row lock lets exactly one decide; the other gets 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.common.text import clean_text
from yewu.org.models import Role, Team, User
from yewu.org.selectors import get_calendar, managed_team_ids, users_with_role
from yewu.policy import Decision, Reason
from yewu.policy.approvals import may_decide

from .models import ApprovalChain, ApprovalRequest, ApprovalStep

# doc_type -> callback(request) run in the same transaction when the request is approved or rejected
_callbacks: dict[str, Callable[[ApprovalRequest], None]] = {}


def on_decided(doc_type: str):
    def register(fn):
        _callbacks[doc_type] = fn
        return fn

    return register


def current_chain(doc_type: str) -> ApprovalChain | None:
    return ApprovalChain.objects.filter(doc_type=doc_type, active=True).order_by("-version").first()


@transaction.atomic
def save_chain(actor: User, doc_type: str, name: str, steps: list[dict]) -> ApprovalChain:
    """A new version of a chain; running approvals keep theirs (`process.version_pinned`)."""
    if not actor.has_role(Role.GM, Role.SYS):
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


def _eligible_users(step: ApprovalStep) -> list[User]:
    users = list(users_with_role(step.role))
    if step.role == Role.SM and step.request.team_id:
        users = [u for u in users if step.request.team_id in managed_team_ids(u)]
    return [u for u in users if u.id != step.request.submitter_id]


def _notify_step(step: ApprovalStep) -> None:
    req = step.request
    for u in _eligible_users(step):
        Notification.objects.get_or_create(
            user=u, key=f"approval:{req.pk}:{step.order}",
            defaults={"rule": "approval.inbox", "message": f"待您审批：{req.doc_label}", "link": req.link or "/approvals/"},
        )


@transaction.atomic
def start(*, doc_type: str, doc_id, submitter: User, roles: Sequence[str] | None = None, decision: Decision | None = None,
          label: str = "", link: str = "", team: Team | None = None, beneficiary: User | None = None) -> ApprovalRequest:
    """Start an approval. ``roles`` (e.g. a Decision's approvers) win over the document type's chain."""
    chain = None
    if roles is None and decision is not None:
        roles = list(decision.approvers)
    if roles is None:
        chain = current_chain(doc_type)
        if chain is None:
            raise ValidationError(f"没有 {doc_type} 的审批链")
        steps = chain.steps
    else:
        steps = [{"role": r, "limit_wd": 1} for r in roles]
    if not steps:
        raise ValidationError("审批链为空")
    try:
        with transaction.atomic():
            req = ApprovalRequest.objects.create(
                doc_type=doc_type, doc_id=str(doc_id), doc_label=label[:200], link=link, chain=chain, chain_snapshot=steps,
                reasons=[r.as_dict() for r in decision.reasons] if decision else [], submitter=submitter,
                beneficiary=beneficiary, team=team if team is not None else submitter.team,
            )
    except IntegrityError as e:
        raise Conflict("该单据已在审批中，不能重复提交", rule="approval.inbox", code="already_pending") from e
    ApprovalStep.objects.bulk_create([ApprovalStep(request=req, order=i, role=s["role"]) for i, s in enumerate(steps)])
    first = req.steps.get(order=0)
    first.state = ApprovalStep.State.PENDING
    first.due_at = _due(int(steps[0].get("limit_wd", 1)))
    first.save()
    _notify_step(first)
    record(actor=submitter, action="submit", object_type="approvals.approvalrequest", object_id=req.pk,
           after={"doc": f"{doc_type}:{doc_id}", "steps": steps}, decision=decision)
    return req


def can_decide(actor: User, step: ApprovalStep) -> Decision:
    req = step.request
    earlier = [s.decided_by_id for s in req.steps.all() if s.decided_by_id and s.order < step.order]
    d = may_decide(actor_id=actor.id, actor_roles=actor.role_set, step_role=step.role, submitter_id=req.submitter_id,
                   beneficiary_id=req.beneficiary_id, earlier_deciders=earlier)
    if d.allowed and step.role == Role.SM and req.team_id and req.team_id not in managed_team_ids(actor):
        return Decision.refuse(Reason("approval.inbox", "此单据属于其他团队，应由该团队的业务经理审批",
                                      "another team's SM must approve"))
    return d


@transaction.atomic
def decide(actor: User, request_id: int, approve: bool, comment: str = "") -> ApprovalRequest:
    comment = clean_text(comment, field="comment", label="审批意见", max_len=500, required=not approve)
    req = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if req is None:
        raise NotFound("审批不存在")
    if req.state != ApprovalRequest.State.PENDING:
        raise Conflict(f"该审批已{req.get_state_display()}，不能再次处理", rule="approval.inbox", code="already_decided")
    step = req.steps.filter(state=ApprovalStep.State.PENDING).order_by("order").first()
    d = can_decide(actor, step)
    if d.refused:
        raise RuleRefused.from_decision(d, status=403, code="not_your_step")
    now = timezone.now()
    step.state = ApprovalStep.State.APPROVED if approve else ApprovalStep.State.REJECTED
    step.decided_by, step.decided_at, step.comment = actor, now, comment
    step.save()
    nxt = req.steps.filter(order=step.order + 1).first()
    if approve and nxt is not None:
        nxt.state = ApprovalStep.State.PENDING
        nxt.due_at = _due(int(req.chain_snapshot[nxt.order].get("limit_wd", 1)))
        nxt.save()
        _notify_step(nxt)
    else:
        req.state = ApprovalRequest.State.APPROVED if approve else ApprovalRequest.State.REJECTED
        req.closed_at = now
        req.save(update_fields=["state", "closed_at"])
        req.steps.filter(state=ApprovalStep.State.WAITING).update(state=ApprovalStep.State.SKIPPED)
        Notification.objects.get_or_create(
            user=req.submitter, key=f"approval:{req.pk}:result",
            defaults={"rule": "approval.inbox", "link": req.link,
                      "message": f"{req.doc_label} 审批{'通过' if approve else '被驳回：' + comment}"},
        )
        cb = _callbacks.get(req.doc_type)
        if cb:
            cb(req)
    record(actor=actor, action="approve" if approve else "reject", object_type="approvals.approvalrequest",
           object_id=req.pk, after={"step": step.order, "role": step.role, "state": step.state, "comment": comment},
           rule="approval.inbox")
    return req


def inbox(user: User):
    """Pending steps this user may decide."""
    steps = (ApprovalStep.objects.filter(state=ApprovalStep.State.PENDING, role__in=list(user.role_set))
             .select_related("request", "request__submitter").order_by("due_at", "id"))
    return [s for s in steps if can_decide(user, s).allowed]


def overdue_steps(now=None):
    now = now or timezone.now()
    return ApprovalStep.objects.filter(state=ApprovalStep.State.PENDING, due_at__lt=now).select_related("request")
