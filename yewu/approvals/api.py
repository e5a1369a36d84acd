from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from yewu.common.schemas import ERRORS, Out
from yewu.policy.rulebook import rule_name

from . import services
from .models import ApprovalRequest, Delegation

router = Router(tags=["approvals"])


class ApprovalStepOut(Out):
    order: int
    stage: int
    role: str
    escalated_to: str
    state: str
    due_at: datetime | None
    decided_by: str | None
    comment: str
    phone: dict[str, Any] | None = Field(None, description="电话审批记录（contract.phone_approval）")


class RequestOut(Out):
    id: int
    doc_type: str
    doc_id: str
    label: str
    link: str
    state: str
    submitter: str
    reasons: list[dict[str, Any]] = Field(..., description="提交时的规则判定")
    steps: list[ApprovalStepOut]


class DelegationOut(Out):
    id: int
    delegator: str
    delegate: str
    role: str
    starts_on: date
    ends_on: date
    reason: str
    revoked: bool


def _out(req: ApprovalRequest) -> dict:
    return {
        "id": req.pk, "doc_type": req.doc_type, "doc_id": req.doc_id, "label": req.doc_label, "link": req.link,
        "state": req.state, "submitter": req.submitter.name, "reasons": req.reasons,
        "steps": [{"order": s.order, "stage": s.stage, "role": s.role, "escalated_to": s.escalated_to, "state": s.state, "due_at": s.due_at.isoformat() if s.due_at else None,
                   "decided_by": s.decided_by.name if s.decided_by_id else None, "comment": s.comment,
                   "phone": (s.data or {}).get("phone")}
                  for s in req.steps.select_related("decided_by")],
    }


class DecideIn(Schema):
    comment: str = ""


@router.get("/inbox", response={200: list[RequestOut], **ERRORS}, summary="My pending approvals (approval.inbox)")
def inbox(request):
    return [_out(s.request) for s in services.inbox(request.auth)]


class TaskOut(Out):
    source: str = Field(..., description="登记该待办的业务（如 complaint）")
    kind: str = Field(..., description="待办类别（中文，如 客户投诉）")
    label: str = Field(..., description="单号、客户和要做的事")
    step: str = Field(..., description="当前环节（中文）")
    rule: str = Field(..., description="规则编号，如 complaint.solution_review")
    rule_name: str = Field(..., description="规则名称")
    due_at: datetime | None = Field(..., description="期限")
    overdue: bool
    link: str = Field(..., description="处理该待办的页面")


@router.get("/tasks", response={200: list[TaskOut], **ERRORS},
            summary="My other waiting tasks shown under the approvals in the inbox (complaint steps, …)")
def tasks(request):
    """What the inbox page lists as 其他待办: work that is not an approval step but waits on this user — a complaint
    dispatched to their department (`complaint.solution_3wd`), its solution to select (`complaint.solution_review`;
    the GM when major), a second rejection for the GM (`complaint.customer_consult`) — soonest due first."""
    now = timezone.now()
    return [{"source": t["source"], "kind": t["kind"], "label": t["label"], "step": t["step"], "rule": t["rule"],
             "rule_name": rule_name(t["rule"]), "due_at": t.get("due_at"),
             "overdue": t.get("due_at") is not None and t["due_at"] < now, "link": t["link"]}
            for t in services.tasks_for(request.auth)]


@router.post("/{request_id}/approve", response={200: RequestOut, **ERRORS}, summary="Approve my step")
def approve(request, request_id: int, payload: DecideIn | None = None):
    return _out(services.decide(request.auth, request_id, True, payload.comment if payload else ""))


@router.post("/{request_id}/reject", response={200: RequestOut, **ERRORS}, summary="Reject at my step")
def reject(request, request_id: int, payload: DecideIn):
    return _out(services.decide(request.auth, request_id, False, payload.comment))


class PhoneApproveIn(Schema):
    approver_id: int
    confirmer_id: int | None = None
    called_at: datetime
    note: str
    travelling: bool = False
    urgent: bool = False
    step_id: int | None = None


@router.post("/{request_id}/phone-approve", response={200: RequestOut, **ERRORS},
             summary="Sales support records an approval confirmed on the phone by a travelling approver (contract.phone_approval)")
def phone_approve(request, request_id: int, payload: PhoneApproveIn):
    return _out(services.phone_approve(request.auth, request_id, approver_id=payload.approver_id,
                                       confirmer_id=payload.confirmer_id, called_at=payload.called_at, note=payload.note,
                                       travelling=payload.travelling, urgent=payload.urgent, step_id=payload.step_id))


class DelegationIn(Schema):
    delegate_id: int
    role: str
    starts_on: date
    ends_on: date
    reason: str = ""


def _dg_out(d) -> dict:
    return {"id": d.pk, "delegator": d.delegator.name, "delegate": d.delegate.name, "role": d.role,
            "starts_on": d.starts_on.isoformat(), "ends_on": d.ends_on.isoformat(), "reason": d.reason,
            "revoked": d.revoked_at is not None}


@router.post("/delegations", response={201: DelegationOut, **ERRORS}, summary="Delegate my approval role for dated period (approval.overdue)")
def delegation_create(request, payload: DelegationIn):
    d = services.delegate(request.auth, delegate_id=payload.delegate_id, role=payload.role, starts_on=payload.starts_on,
                          ends_on=payload.ends_on, reason=payload.reason)
    return Status(201, _dg_out(d))


@router.get("/delegations", response={200: list[DelegationOut], **ERRORS}, summary="Delegations I gave or received")
def delegation_list(request):
    qs = Delegation.objects.filter(Q(delegator=request.auth) | Q(delegate=request.auth)).select_related("delegator", "delegate")
    return [_dg_out(d) for d in qs]


@router.post("/delegations/{delegation_id}/revoke", response={200: DelegationOut, **ERRORS}, summary="Revoke a delegation I gave")
def delegation_revoke(request, delegation_id: int):
    return _dg_out(services.revoke_delegation(request.auth, delegation_id))
