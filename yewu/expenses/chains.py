"""Approval chains of the treasury documents (`pay.approval_chain`, `expense.prior_approval`): the roles of
each chain, starting a request with the chain's step limits, cancelling one, who approved."""

from __future__ import annotations

from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.org.models import User
from yewu.org.selectors import get_calendar


def approvers(req: ApprovalRequest | None) -> list[int]:
    if req is None:
        return []
    return list(req.steps.exclude(decided_by=None).values_list("decided_by_id", flat=True))


def start_with(doc_type, obj, actor, roles, label, link, decision):
    req = approvals.start(doc_type=doc_type, doc_id=obj.pk, submitter=actor, roles=roles, label=label, link=link,
                          decision=decision, beneficiary=actor)
    chain = approvals.current_chain(doc_type)
    if chain is not None:  # keep the chain's per-step time limits and the link to the chain version used
        limits = {s["role"]: s.get("limit_wd", 1) for s in chain.steps}
        req.chain = chain
        req.chain_snapshot = [{"role": r, "limit_wd": limits.get(r, 1)} for r in roles]
        req.save(update_fields=["chain", "chain_snapshot"])
        first = req.steps.get(order=0)
        first.due_at = get_calendar().deadline_after_working_days(timezone.localdate(), int(req.chain_snapshot[0]["limit_wd"]))
        first.save(update_fields=["due_at"])
    return req


# SPEC §8.2 P07/P08 and `expense.prior_approval`: used when no chain is configured for the document type
DEFAULT_CHAINS = {"payment": ["SM", "FD", "GM"], "expense": ["SM", "FD", "GM"], "cash_advance": ["SM", "FD"],
                  "expense_request": ["SM"]}


def chain_roles(doc_type: str) -> list[str]:
    chain = approvals.current_chain(doc_type)
    if chain is None:
        return list(DEFAULT_CHAINS[doc_type])
    return [s["role"] for s in chain.steps]


def cancel_approval(actor: User, req: ApprovalRequest | None, reason: str) -> None:
    if req is not None and req.state == ApprovalRequest.State.PENDING:
        approvals.void(actor, req.pk, reason, rule="pay.approval_chain")


def withdraw(actor: User, doc, reason: str, *, voided_state, rule: str) -> None:
    """Void a treasury document (never deleted): its pending approval is cancelled, the state and the reason are
    kept, the audit log gets the change."""
    cancel_approval(actor, doc.approval, reason)
    before = snapshot(doc, ["state"])
    doc.state, doc.void_reason = voided_state, reason
    doc.save(update_fields=["state", "void_reason"])
    record(actor=actor, action="void", obj=doc, before=before, after=snapshot(doc, ["state", "void_reason"]), reason=reason,
           rule=rule)
