"""Process definitions (SPEC §8.1): new versions, submission to the GM through the approval engine, publication,
and the version pinning of running instances (`process.version_pinned`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest, ApprovalStep
from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability, users_with_role
from yewu.policy.processes import (
    DOC_PROCESS,
    FINDING_OPEN_STATES,
    REVIEW_KINDS,
    due_review,
    publish_check,
    rectification_due,
    rollout_due,
    verify_check,
)

from . import selectors
from .models import Finding, ProcessDefinition, ProcessReview, ProcessStep, Suggestion

DOC_TYPE = "process_definition"
RULE = "process.publish_approval"
S = ProcessDefinition.Status
OPEN_STATES = (S.DRAFT, S.SUBMITTED, S.GM_APPROVED)


def can_manage(user: User, d: ProcessDefinition | None = None) -> bool:
    """Who drafts and submits definitions: the GM, administration (行政部), the system admin, or the process's
    own administrator."""
    if can(user, "manages_processes"):
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
            raise ValidationError(f"角色无效：{v}", fields={"role": "角色代码，如 SM"}, rule=RULE)
        if k == "limit_n":
            try:
                v = int(v) if v not in (None, "") else None
            except (TypeError, ValueError):
                raise ValidationError(f"时限数值无效：{v}", fields={"limit_n": "整数"}, rule=RULE) from None
        setattr(step, k, v if v is not None else ("" if k not in ("limit_n",) else None))
    if not step.action.strip():
        raise ValidationError("请填写动作", fields={"action": "必填"}, rule=RULE)
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


def can_decide(user: User, req: ApprovalRequest | None) -> bool:
    """Whether the approval engine lets ``user`` decide a pending step of the publication request (the GM, or a
    dated delegate / the superior after escalation; never the submitter — `approval.inbox`)."""
    if req is None:
        return False
    steps = req.steps.filter(state=ApprovalStep.State.PENDING).select_related("request")
    return any(approvals.can_decide(user, s).allowed for s in steps)


@receiver(pre_save, sender=ApprovalRequest, dispatch_uid="processes_pin_version")
def _pin_version(sender, instance: ApprovalRequest, raw=False, **kwargs):
    """`process.version_pinned`: an approval of a document that runs in a process records the process version
    published when it started; later versions do not change it (the chain version is snapshotted by the engine)."""
    if raw or not instance._state.adding or instance.process_version_id:
        return
    code = DOC_PROCESS.get(instance.doc_type)
    if code:
        instance.process_version = published(code)


# --- process.evaluation_audit (SPEC §8.4): reviews, findings, improvement suggestions ------------------------

EVAL_RULE = "process.evaluation_audit"


def current(code: str) -> ProcessDefinition | None:
    """The published version of a process, else its latest version."""
    return published(code) or ProcessDefinition.objects.filter(code=code).order_by("-version").first()


def is_administrator(user: User, d: ProcessDefinition | None) -> bool:
    return d is not None and d.administrator_id is not None and d.administrator_id == user.pk


def can_verify(user: User, d: ProcessDefinition | None) -> bool:
    """The GM or the process administrator verify findings and decide suggestions."""
    return can(user, "oversees_all_processes") or is_administrator(user, d)


def _responsible(d: ProcessDefinition) -> list[User]:
    """The process administrator, else the GMs."""
    if d.administrator_id and d.administrator.is_active:
        return [d.administrator]
    return list(users_with_ability("oversees_all_processes"))


def _responsible_by_code():
    """``responsible(code)`` for a nightly job: the people who answer for a process, looked up once per code."""
    cache: dict[str, list[User]] = {}

    def responsible(code: str) -> list[User]:
        if code not in cache:
            d = current(code)
            cache[code] = _responsible(d) if d else []
        return cache[code]

    return responsible


def create_due_reviews(today=None) -> list:
    """`process.evaluation_audit` (nightly): for each published process, the efficiency evaluation of the last ended
    quarter and the audit of the last ended half-year (cadences are settings) — created once; the process
    administrator (or the GM) is notified. Idempotent."""
    today = today or timezone.localdate()
    cal, cfg = get_calendar(), get_policy()
    made = []
    for d in ProcessDefinition.objects.filter(status=S.PUBLISHED).select_related("administrator").order_by("code"):
        for kind, kind_label in REVIEW_KINDS.items():
            period, due = due_review(kind, today, cal, cfg)
            if d.effective_date and d.effective_date > period.end:
                continue  # not in force during that period
            with transaction.atomic():
                r, created = ProcessReview.objects.get_or_create(
                    code=d.code, kind=kind, period=period.label,
                    defaults={"definition": d, "period_start": period.start, "period_end": period.end, "due_date": due})
                if not created:
                    continue
                record(actor=None, action="create", obj=r, rule=EVAL_RULE,
                       after={"kind": kind, "period": period.label, "due_date": due, "version": d.version})
            made.append(r)
            for u in _responsible(d):
                notify(u, f"process-review:{r.pk}",
                       f"流程 {d.code} {d.name} {period.label} {kind_label}待完成，期限 {due:%Y-%m-%d}",
                       rule=EVAL_RULE, link=f"/processes/{d.code}/#reviews")
    return made


def flag_overdue_reviews(today=None) -> int:
    """Nightly: an evaluation/audit not completed by its due date → the process administrator (or the GMs) is
    reminded once."""
    today = today or timezone.localdate()
    n = 0
    responsible = _responsible_by_code()
    for r in ProcessReview.objects.filter(done_at__isnull=True, due_date__lt=today).order_by("due_date", "id"):
        for u in responsible(r.code):
            if notify(u, f"process-review-overdue:{r.pk}", f"流程 {r} 已逾期未完成（期限 {r.due_date:%Y-%m-%d}）",
                      rule=EVAL_RULE, link=f"/processes/{r.code}/#reviews"):
                n += 1
    return n


def _review(review_id: int, lock: bool = True):
    qs = ProcessReview.objects.select_for_update() if lock else ProcessReview.objects
    r = qs.filter(pk=review_id).first()
    if r is None:
        raise NotFound("评审不存在")
    return r


@transaction.atomic
def complete_review(actor: User, review_id: int, summary: str) -> object:
    """Record the evaluation/audit as done (conclusion + a snapshot of the period's monitoring figures)."""
    r = _review(review_id)
    d = current(r.code)
    if not can_manage(actor, d):
        raise PermissionDenied("只有总经理、行政部或流程管理员可以完成评估/审计", rule=EVAL_RULE)
    if r.done_at:
        raise Conflict(f"{r} 已于 {timezone.localtime(r.done_at):%Y-%m-%d} 完成", rule=EVAL_RULE, code="done")
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError("请填写评估/审计结论", fields={"summary": "必填"}, rule=EVAL_RULE)
    r.summary, r.done_at, r.done_by = summary, timezone.now(), actor
    r.figures = selectors.period_figures(r.code, r.period_start, r.period_end)
    r.save(update_fields=["summary", "done_at", "done_by", "figures"])
    late = timezone.localdate() > r.due_date
    record(actor=actor, action="complete", obj=r, rule=EVAL_RULE,
           after={"summary": summary, "figures": r.figures, "late": late})
    return r


@transaction.atomic
def add_finding(actor: User, review_id: int, description: str, owner_id: int, due_date=None) -> object:
    """A finding gets an owner and a rectification due date: 10 WD after today by default (D); a later or earlier
    date may be set, never in the past."""
    r = _review(review_id)
    d = current(r.code)
    if not can_manage(actor, d):
        raise PermissionDenied("只有总经理、行政部或流程管理员可以登记问题", rule=EVAL_RULE)
    description = (description or "").strip()
    if not description:
        raise ValidationError("请填写问题描述", fields={"description": "必填"}, rule=EVAL_RULE)
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
    if owner is None:
        raise ValidationError("请指定整改责任人", fields={"owner_id": "在职员工"}, rule=EVAL_RULE)
    today = timezone.localdate()
    if due_date is None:
        due_date = rectification_due(today, get_calendar(), get_policy())
    elif due_date < today:
        raise ValidationError("整改期限不能早于今天", fields={"due_date": f"≥ {today:%Y-%m-%d}"}, rule=EVAL_RULE)
    f = Finding.objects.create(review=r, description=description, owner=owner, due_date=due_date, created_by=actor)
    record(actor=actor, action="create", obj=f, rule=EVAL_RULE,
           after={"description": description, "owner": owner.name, "due_date": due_date})
    notify(owner, f"process-finding:{f.pk}",
           f"{r} 发现问题请您整改，期限 {due_date:%Y-%m-%d}：{description[:60]}", rule=EVAL_RULE,
           link="/processes/improvement/")
    return f


def _finding(finding_id: int):
    f = Finding.objects.select_for_update().filter(pk=finding_id).first()
    if f is None:
        raise NotFound("问题不存在")
    return f


@transaction.atomic
def rectify(actor: User, finding_id: int, text: str) -> object:
    """The owner records what was done; the finding then waits for verification."""
    f = _finding(finding_id)
    if f.owner_id != actor.pk:
        raise PermissionDenied("只有整改责任人可以登记整改", rule=EVAL_RULE)
    if f.state not in (Finding.State.OPEN, Finding.State.REOPENED):
        raise Conflict(f"问题为“{f.get_state_display()}”，不能登记整改", rule=EVAL_RULE, code="not_open")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写整改措施", fields={"rectification": "必填"}, rule=EVAL_RULE)
    before = {"state": f.state}
    f.state, f.rectification, f.rectified_at = Finding.State.RECTIFIED, text, timezone.now()
    f.save(update_fields=["state", "rectification", "rectified_at"])
    record(actor=actor, action="rectify", obj=f, rule=EVAL_RULE, before=before,
           after={"state": f.state, "rectification": text, "late": timezone.localdate() > f.due_date})
    d = current(f.review.code)
    for u in _responsible(d):
        if u.pk != actor.pk:
            notify(u, f"process-finding-rectified:{f.pk}:{f.rectified_at:%Y%m%d%H%M%S}",
                   f"{f.review} 问题#{f.pk} 已整改，请验证", rule=EVAL_RULE, link="/processes/improvement/")
    return f


@transaction.atomic
def verify(actor: User, finding_id: int, approve: bool, comment: str = "") -> object:
    """The GM or the process administrator — never the owner — verifies a rectified finding (closed) or reopens it
    (comment required; the owner rectifies again)."""
    f = _finding(finding_id)
    d = current(f.review.code)
    decision = verify_check(actor.pk, f.owner_id, can(actor, "oversees_all_processes"), is_administrator(actor, d))
    if decision.refused:
        record(actor=actor, action="refuse", obj=f, rule=EVAL_RULE, decision=decision)
        raise RuleRefused.from_decision(decision, status=403)
    if f.state != Finding.State.RECTIFIED:
        raise Conflict(f"问题为“{f.get_state_display()}”，须先由责任人登记整改", rule=EVAL_RULE, code="not_rectified")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError("重新整改须填写意见", fields={"comment": "必填"}, rule=EVAL_RULE)
    f.state = Finding.State.VERIFIED if approve else Finding.State.REOPENED
    f.verified_by, f.verified_at, f.comment = actor, timezone.now(), comment[:500]
    f.save(update_fields=["state", "verified_by", "verified_at", "comment"])
    record(actor=actor, action="verify" if approve else "reopen", obj=f, rule=EVAL_RULE, decision=decision,
           before={"state": Finding.State.RECTIFIED}, after={"state": f.state, "comment": f.comment})
    if not approve:
        notify(f.owner, f"process-finding-reopened:{f.pk}:{f.verified_at:%Y%m%d%H%M%S}",
               f"{f.review} 问题#{f.pk} 验证未通过，请重新整改：{f.comment[:60]}", rule=EVAL_RULE,
               link="/processes/improvement/")
    return f


def flag_overdue_findings(today=None) -> int:
    """Nightly: each finding still open/reopened after its due date → its owner and the process administrator (or
    the GM) are told once per finding and day."""
    today = today or timezone.localdate()
    n = 0
    responsible = _responsible_by_code()
    for f in Finding.objects.filter(state__in=FINDING_OPEN_STATES, due_date__lt=today).select_related("review", "owner"):
        msg = f"{f.review} 问题#{f.pk} 整改已逾期（期限 {f.due_date:%Y-%m-%d}）"
        for u in {f.owner, *responsible(f.review.code)}:
            if notify(u, f"process-finding-overdue:{f.pk}:{today:%Y%m%d}", msg, rule=EVAL_RULE,
                      link="/processes/improvement/"):
                n += 1
    return n


@transaction.atomic
def submit_suggestion(actor: User, code: str, text: str) -> object:
    """Any employee may suggest an improvement to a process; the administrator (or the GM) is notified."""
    d = current(code)
    if d is None:
        raise NotFound(f"流程 {code} 不存在")
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError("请具体写出改进建议（至少 5 个字）", fields={"text": "至少 5 个字"}, rule=EVAL_RULE)
    s = Suggestion.objects.create(code=d.code, text=text[:4000], submitted_by=actor)
    record(actor=actor, action="create", obj=s, rule=EVAL_RULE, after={"code": d.code, "text": s.text})
    for u in _responsible(d):
        if u.pk != actor.pk:
            notify(u, f"process-suggestion:{s.pk}", f"{actor.name} 对流程 {d.code} {d.name} 提出改进建议",
                   rule=EVAL_RULE, link="/processes/improvement/")
    return s


@transaction.atomic
def decide_suggestion(actor: User, suggestion_id: int, accept: bool, comment: str = "",
                      start_version: bool = False) -> object:
    """The GM or the process administrator (not the suggester) accepts a suggestion as effective — the employee is
    flagged for reward and, if asked, a new draft version of the process is started from it — or rejects it with a
    comment."""
    s = Suggestion.objects.select_for_update().filter(pk=suggestion_id).first()
    if s is None:
        raise NotFound("建议不存在")
    d = current(s.code)
    if not can_verify(actor, d):
        raise PermissionDenied("只有总经理或流程管理员可以处理改进建议", rule=EVAL_RULE)
    if s.submitted_by_id == actor.pk:
        raise PermissionDenied("不能处理自己提出的建议", rule=EVAL_RULE)
    if s.state != Suggestion.State.SUBMITTED:
        raise Conflict(f"建议已处理（{s.get_state_display()}）", rule=EVAL_RULE, code="decided")
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError("不采纳须填写意见", fields={"comment": "必填"}, rule=EVAL_RULE)
    s.state = Suggestion.State.ACCEPTED if accept else Suggestion.State.REJECTED
    s.decided_by, s.decided_at, s.comment = actor, timezone.now(), comment[:500]
    s.reward_flag = bool(accept)
    if accept and start_version:
        s.new_version = new_version(actor, s.code, f"改进建议#{s.pk}（{s.submitted_by.name}）：{s.text}"[:300])
    s.save(update_fields=["state", "decided_by", "decided_at", "comment", "reward_flag", "new_version"])
    record(actor=actor, action="accept" if accept else "reject", obj=s, rule=EVAL_RULE,
           after={"state": s.state, "comment": s.comment, "reward_flag": s.reward_flag,
                  "new_version": s.new_version.version if s.new_version_id else None})
    notify(s.submitted_by, f"process-suggestion-decided:{s.pk}",
           f"您对流程 {s.code} 的改进建议{'已被采纳，已标记奖励' if accept else '未被采纳'}" + (f"：{s.comment}" if s.comment else ""),
           rule=EVAL_RULE, link="/processes/improvement/")
    return s
