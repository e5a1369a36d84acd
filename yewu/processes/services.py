"""Process definitions (SPEC §8.1): new versions, submission to the GM through the approval engine, publication,
and the version pinning of running instances (`process.version_pinned`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.org.models import Role, User
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy.processes import DOC_PROCESS, publish_check, rollout_due

from .models import ProcessDefinition, ProcessStep

DOC_TYPE = "process_definition"
RULE = "process.publish_approval"
S = ProcessDefinition.Status
OPEN_STATES = (S.DRAFT, S.SUBMITTED, S.GM_APPROVED)


def can_manage(user: User, d: ProcessDefinition | None = None) -> bool:
    """Who drafts and submits definitions: the GM, administration (行政部), the system admin, or the process's
    own administrator."""
    if user.has_role(Role.GM, Role.ADM, Role.SYS):
        return True
    return d is not None and d.administrator_id == user.pk


def published(code: str) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(code=code, status=S.PUBLISHED).first()


def _get(definition_id: int, lock: bool = True) -> ProcessDefinition:
    qs = ProcessDefinition.objects.select_for_update() if lock else ProcessDefinition.objects
    d = qs.filter(pk=definition_id).first()
    if d is None:
        raise NotFound("流程定义不存在")
    return d


@transaction.atomic
def new_version(actor: User, code: str, note: str = "") -> ProcessDefinition:
    """A new draft version copied from the published one (else the latest), steps included."""
    rows = list(ProcessDefinition.objects.select_for_update().filter(code=code).order_by("-version"))
    if not rows:
        raise NotFound(f"流程 {code} 不存在")
    if not can_manage(actor, rows[0]):
        raise PermissionDenied("只有总经理、行政部或流程管理员可以修订流程", rule=RULE)
    open_ = next((r for r in rows if r.status in OPEN_STATES), None)
    if open_ is not None:
        raise Conflict(f"{open_.code} v{open_.version} 仍为“{open_.get_status_display()}”，请先处理该版本", rule=RULE,
                       code="open_version")
    src = next((r for r in rows if r.status == S.PUBLISHED), rows[0])
    d = ProcessDefinition.objects.create(
        code=src.code, name=src.name, objective=src.objective, owner_department=src.owner_department,
        administrator=src.administrator, version=rows[0].version + 1, status=S.DRAFT, based_on=src,
        change_note=note[:300], created_by=actor)
    ProcessStep.objects.bulk_create([
        ProcessStep(definition=d, code=s.code, order=s.order, department=s.department, role=s.role, action=s.action,
                    instructions=s.instructions, expected_result=s.expected_result, input_forms=s.input_forms,
                    limit_kind=s.limit_kind, limit_n=s.limit_n, branch_condition=s.branch_condition,
                    is_approval=s.is_approval, key_point=s.key_point, standard=s.standard)
        for s in src.steps.all()])
    record(actor=actor, action="create", obj=d, after={"version": d.version, "based_on": src.version, "note": d.change_note})
    return d


EDITABLE = ("department", "role", "action", "instructions", "expected_result", "input_forms", "limit_kind", "limit_n",
            "branch_condition", "is_approval", "key_point", "standard")


@transaction.atomic
def update_step(actor: User, step_id: int, **values) -> ProcessStep:
    """Edit one step of a draft version (published and submitted versions are frozen)."""
    step = ProcessStep.objects.select_related("definition").filter(pk=step_id).first()
    if step is None:
        raise NotFound("步骤不存在")
    d = _get(step.definition_id)
    if not can_manage(actor, d):
        raise PermissionDenied("只有总经理、行政部或流程管理员可以修订流程", rule=RULE)
    if d.status != S.DRAFT:
        raise Conflict(f"{d.label} 为“{d.get_status_display()}”，只能修改草稿版本；请先创建新版本", rule=RULE,
                       code="not_draft")
    before = {k: getattr(step, k) for k in EDITABLE}
    for k, v in values.items():
        if k not in EDITABLE:
            continue
        if k == "role" and v and v not in Role.values:
            raise ValidationError(f"角色无效：{v}", fields={"role": "角色代码，如 SM"})
        if k == "limit_n":
            v = int(v) if v not in (None, "") else None
        setattr(step, k, v if v is not None else ("" if k not in ("limit_n",) else None))
    if not step.action.strip():
        raise ValidationError("请填写动作", fields={"action": "必填"})
    step.save()
    record(actor=actor, action="update", obj=step, before=before, after={k: getattr(step, k) for k in EDITABLE})
    return step


@transaction.atomic
def submit(actor: User, definition_id: int) -> ApprovalRequest:
    """`process.publish_approval` (submit): only a draft whose steps all have a responsible role and a time limit;
    it goes to the GM through the approval engine."""
    d = _get(definition_id)
    if not can_manage(actor, d):
        raise PermissionDenied("只有总经理、行政部或流程管理员可以提交流程", rule=RULE)
    if d.status != S.DRAFT:
        raise Conflict(f"{d.label} 为“{d.get_status_display()}”，只有草稿可以提交", rule=RULE, code="not_draft")
    decision = publish_check([s.as_rule_input() for s in d.steps.all()])
    if decision.refused:
        record(actor=actor, action="refuse", obj=d, rule=RULE, decision=decision)
        raise RuleRefused.from_decision(decision)
    d.status = S.SUBMITTED
    d.save(update_fields=["status"])
    cfg = get_policy()
    req = approvals.start(doc_type=DOC_TYPE, doc_id=d.pk, submitter=actor, decision=decision,
                          steps=[{"role": Role.GM, "limit_wd": cfg["process.publish_approval.gm_limit_wd"]}],
                          label=f"流程 {d.code} {d.name} v{d.version}", link=f"/processes/{d.code}/?v={d.version}")
    record(actor=actor, action="submit", obj=d, rule=RULE, decision=decision, after={"status": d.status})
    return req


def _publish(d: ProcessDefinition, actor: User | None) -> None:
    """Takes effect today; the previous published version retires; roll-out (training) due in 1 working day; the
    roles of its steps are notified."""
    now, today = timezone.now(), timezone.localdate()
    for prev in ProcessDefinition.objects.select_for_update().filter(code=d.code, status=S.PUBLISHED).exclude(pk=d.pk):
        prev.status, prev.retired_at = S.RETIRED, now
        prev.save(update_fields=["status", "retired_at"])
        record(actor=actor, action="retire", obj=prev, rule=RULE, after={"status": prev.status, "replaced_by": d.version})
    d.status, d.published_at, d.effective_date = S.PUBLISHED, now, today
    d.rollout_due = rollout_due(today, get_calendar(), get_policy())
    d.save(update_fields=["status", "published_at", "effective_date", "rollout_due"])
    record(actor=actor, action="publish", obj=d, rule=RULE,
           after={"status": d.status, "effective_date": today, "rollout_due": d.rollout_due})
    roles = sorted({s.role for s in d.steps.all() if s.role})
    for role in roles:
        for u in users_with_role(role):
            notify(u, f"process-training:{d.pk}",
                   f"流程 {d.code} {d.name} v{d.version} 已发布生效，请于 {d.rollout_due:%Y-%m-%d} 前完成培训（您的角色：{role}）",
                   rule=RULE, link=f"/processes/{d.code}/")


@approvals.on_decided(DOC_TYPE)
def _on_decided(req: ApprovalRequest) -> None:
    d = _get(int(req.doc_id))
    last = req.steps.exclude(decided_by=None).select_related("decided_by").order_by("-decided_at").first()
    actor = last.decided_by if last else None
    if d.status != S.SUBMITTED:
        return
    if req.state == ApprovalRequest.State.APPROVED:
        d.status, d.approved_at = S.GM_APPROVED, timezone.now()
        d.save(update_fields=["status", "approved_at"])
        record(actor=actor, action="approve", obj=d, rule=RULE, after={"status": d.status})
        _publish(d, actor)
    else:  # rejection returns the version to its author as a draft (approval.inbox)
        d.status = S.DRAFT
        d.save(update_fields=["status"])
        record(actor=actor, action="reject", obj=d, rule=RULE, after={"status": d.status},
               reason=last.comment if last else "")


@transaction.atomic
def decide(actor: User, definition_id: int, approve: bool, comment: str = "") -> ProcessDefinition:
    """The GM approves or rejects from the process page (same as deciding it in the approval inbox)."""
    d = _get(definition_id, lock=False)
    req = ApprovalRequest.objects.filter(doc_type=DOC_TYPE, doc_id=str(d.pk), state=ApprovalRequest.State.PENDING).first()
    if req is None:
        raise Conflict(f"{d.label} 没有待审批的发布申请", rule=RULE, code="not_submitted")
    approvals.decide(actor, req.pk, approve, comment)
    d.refresh_from_db()
    return d


def pending_request(d: ProcessDefinition) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(doc_type=DOC_TYPE, doc_id=str(d.pk), state=ApprovalRequest.State.PENDING).first()


@receiver(pre_save, sender=ApprovalRequest, dispatch_uid="processes_pin_version")
def _pin_version(sender, instance: ApprovalRequest, raw=False, **kwargs):
    """`process.version_pinned`: an approval of a document that runs in a process records the process version
    published when it started; later versions do not change it (the chain version is snapshotted by the engine)."""
    if raw or not instance._state.adding or instance.process_version_id:
        return
    code = DOC_PROCESS.get(instance.doc_type)
    if code:
        instance.process_version = published(code)
