"""Approval inbox (SPEC §8.3 `approval.inbox`): each approver's pending steps with the document, the chain and
its progress, the reasons (rule ids, figures) and the overdue flag; approve or reject with a comment. A step that
needs more than a comment (the CS/FIN contract review, `contract.review_1wd`) shows its own form and is decided
through the document's own service, which its app registers with ``services.reviewer`` (approvals imports no
business area)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.models import Role
from yewu.org.selectors import get_policy, users_with_role
from yewu.policy import orders as rules
from yewu.policy.contracts import recorder_roles
from yewu.policy.explain import sentences
from yewu.policy.rulebook import rule_name

from . import services
from .models import ApprovalRequest, ApprovalStep

DOC_TYPES = {"order": "销售订单", "quote": "报价单", "expense": "费用报销", "complaint": "投诉", "return": "退货",
             "contract": "合同", "contract_custody": "合同原件借出", "claim": "索赔审核", "invoice_request": "开票申请",
             "write_off": "坏账核销", "archive_access": "调阅档案", "visit_plan": "拜访计划", "credit_rating": "信用评级",
             "process_definition": "流程发布", "target_change": "目标调整", "commission_statement": "提成结算单",
             "cash_advance": "现金借支", "payment": "付款审批", "demo_doc": "单据"}


def role_label(code: str) -> str:
    return Role(code).label if code in Role.values else code


def explained(reasons: list[dict]) -> list[dict]:
    """Each reason as one plain sentence (yewu.policy.explain) with its rule id linking to the rule's text."""
    return [{"rule": rule, "sentence": text, "name": rule_name(rule), "link": f"/rules/{rule}/" if rule else ""}
            for rule, text in sentences(reasons or [])]


def _card(step: ApprovalStep, now, typed: dict | None = None) -> dict:
    req = step.request
    steps = list(req.steps.select_related("decided_by"))
    return {
        "step": step, "req": req, "doc_type": DOC_TYPES.get(req.doc_type, req.doc_type),
        "chain": [{"s": s, "role_label": role_label(s.role), "current": s.pk == step.pk,
                   "overdue": s.state == ApprovalStep.State.PENDING and s.due_at is not None and s.due_at < now} for s in steps],
        "position": step.order + 1, "count": len(steps), "role_label": role_label(step.role),
        "overdue": step.due_at is not None and step.due_at < now,
        "reasons": explained(req.reasons),
        "review": _contract_review(req, step, typed if typed and typed.get("_req") == req.pk else None),
    }


def _contract_review(req: ApprovalRequest, step: ApprovalStep, typed: dict | None = None) -> dict | None:
    """A contract review step that requires the checklist: what its form shows (None for other steps), with what
    the reviewer typed when the last attempt was refused."""
    if req.doc_type != "contract":
        return None
    spec = req.chain_snapshot[step.order] if step.order < len(req.chain_snapshot) else {}
    typed = typed or {}
    return {"contract_id": req.doc_id, "pdf": f"/api/v1/contracts/{req.doc_id}/review.pdf",
            "checklist": [(k, label, typed.get(f"cl_{k}", "")) for k, label in rules.REVIEW_CHECKLIST.items()]
            if spec.get("requires") else [],
            "credit_opinion": typed.get("credit_opinion", ""), "comment": typed.get("comment", ""),
            "missing": set(typed.get("_missing", []))}


@login_required
def inbox(request):
    return _inbox(request)


@login_required
def detail(request, pk):
    """One approval on its own page — where a notification's link lands (WeCom/DingTalk/e-mail, on a phone):
    the document, the sentence saying why it needs approval, the chain and, when it is the user's turn, the
    approve/reject form on the same screen. Visible to its approvers (now or before), its submitter, whoever may
    decide it and whoever it was put to (a colleague of the same role may have decided it); anybody else gets 404."""
    return _detail(request, pk)


def _detail(request, pk, typed: dict | None = None):
    req = ApprovalRequest.objects.filter(pk=pk).select_related("submitter").first()
    if req is None:
        raise Http404
    now = timezone.now()
    mine = next((s for s in services.inbox(request.user) if s.request_id == req.pk), None)
    steps = list(req.steps.select_related("decided_by"))
    if (mine is None and req.submitter_id != request.user.pk and not any(s.decided_by_id == request.user.pk for s in steps)
            and not services.was_asked(request.user, req)):
        raise Http404
    step = mine or next((s for s in steps if s.state == ApprovalStep.State.PENDING), None) or steps[-1]
    card = _card(step, now, typed)
    card["can_decide"] = mine is not None
    return render(request, "approvals/detail.html", {"c": card, "req": req, "now": now,
                                                      "state": ApprovalRequest.State(req.state).label})


def _inbox(request, typed: dict | None = None):
    now = timezone.now()
    cards = [{**_card(s, now, typed), "can_decide": True} for s in services.inbox(request.user)]
    decided = (ApprovalStep.objects.filter(decided_by=request.user).select_related("request")
               .order_by("-decided_at")[:10])
    return render(request, "approvals/inbox.html", {"cards": cards, "decided": decided, "now": now,
                                                     "overdue": sum(1 for c in cards if c["overdue"]),
                                                     "phone": _phone_items(request.user, now),
                                                     "tasks": services.tasks_for(request.user)})


def _phone_items(user, now) -> list[dict]:
    """`contract.phone_approval`: pending steps sales support may record a phone approval for, with who could
    have approved each on the phone and who may have taken the call."""
    steps = services.phone_recordable(user)
    if not steps:
        return []
    confirmers = []
    for r in sorted(recorder_roles(get_policy())):
        confirmers += [u for u in users_with_role(r) if u not in confirmers]
    out = []
    for s in steps:
        cands = services.phone_candidates(s)
        if cands:
            out.append({"step": s, "req": s.request, "role_label": role_label(s.role), "doc_type": DOC_TYPES.get(s.request.doc_type, s.request.doc_type),
                        "candidates": cands, "confirmers": confirmers,
                        "overdue": s.due_at is not None and s.due_at < now})
    return out


@login_required
@require_POST
def phone_approve(request, pk):
    """Sales support records an approval confirmed on the phone (`contract.phone_approval`)."""
    from datetime import datetime

    p = request.POST
    try:
        raw = p.get("called_at", "").strip()
        try:
            called_at = timezone.make_aware(datetime.fromisoformat(raw)) if raw else None
        except ValueError:
            raise YewuError("电话确认时间格式不对", fields={"called_at": "日期时间"}, rule="contract.phone_approval") from None
        approver, confirmer = p.get("approver_id", ""), p.get("confirmer_id", "")
        if not approver.isdigit():
            raise YewuError("请选择审批人", fields={"approver_id": "必填"}, rule="contract.phone_approval")
        req = services.phone_approve(request.user, pk, approver_id=int(approver),
                                     confirmer_id=int(confirmer) if confirmer.isdigit() else None, called_at=called_at,
                                     note=p.get("note", ""), travelling=p.get("travelling") == "1",
                                     urgent=p.get("urgent") == "1",
                                     step_id=int(p["step_id"]) if p.get("step_id", "").isdigit() else None)
        done = "审批全部通过" if req.state == ApprovalRequest.State.APPROVED else "已转下一步"
        messages.success(request, f"已登记电话确认审批：{req.doc_label}，{done}；已通知确认人（contract.phone_approval）")
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))
    nxt = p.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = ""
    return redirect(nxt or f"/approvals/#phone-{pk}")


@login_required
@require_POST
def decide(request, pk):
    action = request.POST.get("action")
    comment = request.POST.get("comment", "")
    nxt = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = ""
    try:
        if action not in ("approve", "reject"):
            raise YewuError("请选择同意或驳回")
        req = services.decide(request.user, pk, action == "approve", comment)
        label = req.doc_label or f"审批 #{req.pk}"
        if action == "reject":
            messages.success(request, f"已驳回：{label}，已退回提交人")
        elif req.state == ApprovalRequest.State.APPROVED:
            messages.success(request, f"已同意：{label}，审批全部完成")
        else:
            nxt_step = req.steps.filter(state=ApprovalStep.State.PENDING).first()
            messages.success(request, f"已同意：{label}，转下一步" + (f"（{role_label(nxt_step.role)}）" if nxt_step else ""))
    except YewuError as e:
        messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))
    return redirect(nxt or "approvals:inbox")


@login_required
@require_POST
def contract_review(request, pk):
    """CS/FIN (and the GM) decide a contract review step with the checklist and the credit/limit opinion
    (`contract.review_1wd`) through the review function the orders app registered (``services.reviewer``)."""
    req = ApprovalRequest.objects.filter(pk=pk, doc_type="contract").first()
    review = services.reviewer_for("contract")
    p = request.POST
    try:
        if req is None or review is None:
            raise YewuError("合同评审不存在")
        action = p.get("action")
        if action not in ("approve", "reject"):
            raise YewuError("请选择通过或驳回")
        checklist = {k: p.get(f"cl_{k}", "") for k in rules.REVIEW_CHECKLIST}
        c = review(request.user, int(req.doc_id), action == "approve", checklist=checklist,
                             credit_opinion=p.get("credit_opinion", ""), comment=p.get("comment", ""))
        label = req.doc_label
        if action == "reject":
            messages.success(request, f"已驳回：{label}，已退回业务员")
        elif c.status == "approved":
            messages.success(request, f"已通过：{label}，评审全部通过，业务员可签订合同")
        else:
            messages.success(request, f"已通过：{label}，等待其他评审")
    except YewuError as e:
        msg = e.message + (f"（{e.rule}）" if e.rule else "")
        missing = [str(v).removeprefix("请填写") for k, v in e.fields.items() if k.startswith(("checklist.", "credit_opinion"))]
        messages.error(request, msg + ("。未填：" + "、".join(missing) if missing else ""))
        if req is not None and missing:  # show the form again with what was typed, the blanks marked
            typed = {k: p.get(k, "") for k in p if k.startswith("cl_") or k in ("credit_opinion", "comment")}
            typed["_req"] = req.pk
            typed["_missing"] = [k.replace("checklist.", "cl_") for k in e.fields]
            if p.get("next") == f"/approvals/{req.pk}/":  # decided on the approval's own page: show it there again
                return _detail(request, req.pk, typed)
            return _inbox(request, typed)
    nxt = p.get("next", "")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = ""
    return redirect(nxt or (f"/approvals/#req-{pk}" if req is not None else "approvals:inbox"))
