"""Archive access (借阅, SPEC §1.3 `cust.archive_access_request`): request → approval engine → dated grant;
the 借阅卡 lists the grants and every 机密/绝密 full read and export of one customer."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.models import AuditEntry
from yewu.audit.services import record
from yewu.common.errors import NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.text import clean_text
from yewu.customers.archive import selectors
from yewu.customers.models import AccessRequest, Customer
from yewu.org.models import User
from yewu.org.permissions import can, roles_with
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import credit as rules

DOC_TYPE = "archive_access"


def last_decision(req):
    """The step that closed an approval request (its decider and comment), for the document's own audit entry."""
    return req.steps.exclude(decided_by=None).order_by("-order").select_related("decided_by").first()


def effective_level(c: Customer) -> str:
    if c.confidentiality_expires_on and timezone.localdate() > c.confidentiality_expires_on:
        return "internal"
    return c.confidentiality


@transaction.atomic
def request_access(actor: User, customer_id: int, purpose: str, working_days: int) -> AccessRequest:
    c = selectors.customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    if selectors.archive_level(actor, c) == "full":
        raise ValidationError("您已可查看该客户的完整档案，无需借阅", rule="cust.archive_access_request")
    purpose = clean_text(purpose, field="purpose", label="借阅目的", max_len=300, required=True)
    if not isinstance(working_days, int) or isinstance(working_days, bool):
        raise ValidationError("借阅期限须为整数（工作日）", fields={"working_days": "整数"})
    d = rules.check_access_request(level=effective_level(c), roles=actor.role_set, days=working_days, cfg=get_policy())
    if d.refused:
        raise RuleRefused.from_decision(d, status=403)
    ar = AccessRequest.objects.create(customer=c, requester=actor, level=c.confidentiality, purpose=purpose,
                                      working_days=working_days)
    req = approvals.start(doc_type=DOC_TYPE, doc_id=ar.pk, submitter=actor, roles=list(d.approvers), decision=d,
                          label=f"档案借阅：{c.name}（{c.get_confidentiality_display()}，{working_days} 个工作日）",
                          link=reverse("customers:detail", args=[c.pk]) + "#access", team=None)
    ar.approval_id = req.pk
    ar.save(update_fields=["approval_id"])
    record(actor=actor, action="submit", obj=ar, object_type="customers.customer", object_id=c.pk,
           after={"access_request": ar.pk, "working_days": working_days, "approvers": list(d.approvers)},
           rule="cust.archive_access_request", reason=f"申请借阅：{purpose}", decision=d)
    return ar


@approvals.on_decided(DOC_TYPE)
def _access_decided(req) -> None:
    ar = AccessRequest.objects.select_for_update().filter(pk=int(req.doc_id)).first()
    if ar is None or ar.state != AccessRequest.State.PENDING:
        return
    last = last_decision(req)
    actor = last.decided_by if last else None
    if req.state != req.State.APPROVED:
        ar.state = AccessRequest.State.REJECTED
        ar.save(update_fields=["state"])
        record(actor=actor, action="reject", obj=ar, object_type="customers.customer", object_id=ar.customer_id,
               after={"access_request": ar.pk, "state": ar.state}, rule="cust.archive_access_request",
               reason=f"借阅申请被驳回：{last.comment if last else ''}")
        return
    now = timezone.now()
    ar.state, ar.valid_from = AccessRequest.State.GRANTED, now
    ar.valid_until = get_calendar().deadline_after_working_days(timezone.localdate(), ar.working_days)
    ar.save(update_fields=["state", "valid_from", "valid_until"])
    record(actor=actor, action="grant", obj=ar, object_type="customers.customer", object_id=ar.customer_id,
           after={"access_request": ar.pk, "requester": ar.requester.name, "valid_until": ar.valid_until},
           rule="cust.archive_access_request",
           reason=f"授权 {ar.requester.name} 借阅至 {timezone.localtime(ar.valid_until):%Y-%m-%d %H:%M}")


def requests_of(user: User, c: Customer):
    """Access requests shown on the customer page: custodians see all, others their own."""
    qs = c.access_requests.select_related("requester").order_by("-created_at", "-id")
    if user.role_set & roles_with("keeps_archive_cards"):
        return qs
    return qs.filter(requester=user)


def borrow_log(user: User, c: Customer) -> dict:
    """借阅卡: grants and every 机密/绝密 full read and export of the customer (custodians only)."""
    if not user.role_set & roles_with("keeps_archive_cards"):
        raise PermissionDenied("借阅卡由客服经理、客户信息管理员和总经理保管", rule="cust.archive_access_request")
    grants = list(c.access_requests.select_related("requester").order_by("created_at", "id"))
    reads = list(AuditEntry.objects.filter(object_type="customers.customer", object_id=str(c.pk),
                                           action__in=["read", "export"]).order_by("at", "id"))
    return {"grants": grants, "reads": reads}


def is_custodian(user: User) -> bool:
    return can(user, "keeps_archive_cards")
