"""quote.approval (SPEC §3.3) on the shared approval engine (yewu.approvals): submit, who waits, approve, reject,
and the engine callback (``on_decided("quote")``) that moves the quote when its request is decided."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest, ApprovalStep
from yewu.audit.services import record
from yewu.common.errors import Conflict, PermissionDenied, RuleRefused, ValidationError
from yewu.common.text import clean_text
from yewu.org.selectors import get_policy, users_with_role
from yewu.policy import Decision, Reason, pricing

from ..models import Quote, QuoteState
from ..quotes.services import _apply_totals_and_deadlines, _lock, _notify, _price_line, _transition

# --- quote.approval on the shared approval engine (yewu.approvals) ---------------------------------------
#
# A quote that needs approval starts an ApprovalRequest (doc_type "quote") with one step per reason, in
# order: the special-price/fee step (role SM: the owner's team manager) and the major-quote step (GM).
# When the SM step cannot be filled by the team's manager (none, inactive, or the manager is the owner or
# submitter) it goes to the superior, GM (sod.no_self_approval); if a GM step is needed anyway the two
# collapse into one GM step, since one person never fills two steps of a chain. Quotes then appear in the
# same approver inbox as orders (GET /api/v1/approvals/inbox) and can be decided there or on the quote.
# Older quotes were approved through sales.QuoteApproval; those rows are kept read-only as history
# (migration 0003 moved quotes still waiting for approval onto the engine).

QUOTE_DOC = "quote"


def _sm_step_escalates(quote: Quote, submitter_id: int | None = None) -> bool:
    mgr = quote.team.manager if quote.team_id else None
    return mgr is None or not mgr.is_active or mgr.pk in (quote.owner_id, submitter_id or quote.owner_id)


def _step_kinds(quote: Quote, submitter_id: int) -> list[str]:
    """The logical steps of this quote's approval, in engine order: "SM" (special price/fee) and/or "GM"
    (major), after escalation/collapsing (see above)."""
    kinds = []
    if quote.needs_sm and not (quote.needs_gm and _sm_step_escalates(quote, submitter_id)):
        kinds.append("SM")
    if quote.needs_gm:
        kinds.append("GM")
    return kinds


def pending_request(quote: Quote):
    return (ApprovalRequest.objects.filter(doc_type=QUOTE_DOC, doc_id=str(quote.pk), state=ApprovalRequest.State.PENDING)
            .order_by("-id").first())


def approval_requests(quote: Quote):
    """Every engine approval of this quote (newest first), with steps — for the history shown on the quote."""
    return (ApprovalRequest.objects.filter(doc_type=QUOTE_DOC, doc_id=str(quote.pk)).order_by("-id")
            .prefetch_related("steps__decided_by"))


def _pending_step(quote: Quote):
    req = pending_request(quote)
    if req is None:
        return None, None

    return req, req.steps.filter(state=ApprovalStep.State.PENDING).order_by("order").first()


def current_step(quote: Quote) -> str | None:
    """The logical step waiting: "SM" (special price/fee) or "GM" (major quote); None when nothing waits."""
    if quote.state != QuoteState.SUBMITTED:
        return None
    req, step = _pending_step(quote)
    if step is None:
        return None
    kinds = [s.get("kind") for s in (req.chain_snapshot or [])]
    if step.order < len(kinds) and kinds[step.order]:
        return kinds[step.order]
    return step.role


def waiting_for(quote: Quote) -> dict | None:
    """Who the pending step waits for and by when (shown on the quote): {"kind", "names", "due_at"}."""
    if quote.state != QuoteState.SUBMITTED:
        return None
    req, step = _pending_step(quote)
    if step is None:
        return None

    if step.role == "SM" and quote.team_id and quote.team.manager_id:
        users = [quote.team.manager]
    else:
        users = [u for u in users_with_role(step.role) if u.pk not in (req.submitter_id, quote.owner_id)]
    return {"kind": current_step(quote), "role": step.role, "names": "、".join(str(u) for u in users) or "（无人可审批）",
            "due_at": step.due_at}


def can_approve(actor, quote: Quote) -> tuple[bool, str]:
    req, step = _pending_step(quote) if quote.state == QuoteState.SUBMITTED else (None, None)
    if step is None:
        return False, "该报价单没有待审批的步骤"
    if actor.pk in (quote.owner_id, quote.created_by_id, req.submitter_id):
        return False, "不能审批自己的报价单（sod.no_self_approval）"
    d = approvals.can_decide(actor, step)
    if d.allowed:
        return True, ""
    if d.rule == "sod.no_self_approval":
        return False, "同一人不能审批同一流程的两个步骤（sod.no_self_approval）"
    if current_step(quote) == "SM":
        return False, "特价/费用审批须由该业务员所在团队的业务经理办理"
    return False, "重大报价须由总经理审批" if step.role == "GM" else d.message()


@transaction.atomic
def submit_quote(actor, quote: Quote) -> Quote:
    quote = _lock(quote)
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk:
        raise PermissionDenied("只有报价单的业务员可以提交")
    if quote.state != QuoteState.DRAFT:
        raise Conflict(f"报价单状态为「{quote.get_state_display()}」，只有草稿可以提交", fields={"state": quote.state})
    lines = list(quote.lines.all())
    if not lines:
        raise ValidationError("报价单没有明细行，不能提交", fields={"lines": "至少一行"})
    if quote.valid_until < timezone.localdate():
        raise ValidationError("报价单已过有效期，请修改有效期后再提交", fields={"valid_until": "已过期"})
    cfg = get_policy()
    decisions = []
    for ln in lines:  # price.* [submit]: re-checked with the stored G under the settings in force
        dec = _price_line(ln, quote, cfg)
        if dec.refused:
            raise RuleRefused.from_decision(dec)
        ln.save()
        decisions.append(dec)
    _apply_totals_and_deadlines(quote, lines, cfg)
    steps = pricing.quote_approval_steps([ln.outcome for ln in lines], quote.total, cfg)
    quote.submitted_at = timezone.now()
    quote.reject_comment = ""
    quote.sm_approved_by = quote.gm_approved_by = None
    quote.sm_approved_at = quote.gm_approved_at = None
    summary = Decision.combine(*decisions)
    if steps:
        _transition(actor, quote, QuoteState.SUBMITTED, rule="quote.approval",
                    reason="；".join(s.reason_zh for s in steps), decision=summary)
        kinds = _step_kinds(quote, actor.pk)
        esc = _sm_step_escalates(quote, actor.pk)
        roles = ["GM" if (k == "SM" and esc) else k for k in kinds]
        reasons = [Reason(s.rule, s.reason_zh, s.reason_en) for s in steps]
        if esc and quote.needs_sm:
            reasons.append(Reason("sod.no_self_approval", "业务员所在团队的业务经理不能审批（本人或无经理），特价/费用审批转总经理",
                                          "the team's SM cannot approve (own quote or none): the step goes to the GM"))
        needed = Decision.needs(tuple(roles), *reasons, *summary.reasons)
        req = approvals.start(doc_type=QUOTE_DOC, doc_id=quote.pk, submitter=actor, roles=roles, decision=needed,
                              label=f"报价单 {quote.number}（{quote.customer.name}，{pricing.fmt(quote.total)} 元）",
                              link=f"/sales/quotes/{quote.pk}/", team=quote.team, beneficiary=quote.owner,
                              policy_version=cfg.version)
        # remember which logical step each engine step is (for labels); the engine keeps the roles
        req.chain_snapshot = [{**s, "kind": k} for s, k in zip(req.chain_snapshot, kinds, strict=True)]
        req.save(update_fields=["chain_snapshot"])
    else:
        quote.approved_at = timezone.now()
        _transition(actor, quote, QuoteState.APPROVED, rule="quote.approval", reason="无特价、无费用、非重大报价，无需审批",
                    decision=summary)
    return quote


def _sync_approvers(quote: Quote, req) -> None:
    """Mirror the engine's decided steps onto the quote's SM/GM approver fields (shown on the quote and PDF)."""
    kinds = [s.get("kind") or s.get("role") for s in (req.chain_snapshot or [])]
    for st in req.steps.filter(state=ApprovalStep.State.APPROVED).select_related("decided_by"):
        kind = kinds[st.order] if st.order < len(kinds) else st.role
        if kind == "SM":
            quote.sm_approved_by, quote.sm_approved_at = st.decided_by, st.decided_at
        elif kind == "GM":
            quote.gm_approved_by, quote.gm_approved_at = st.decided_by, st.decided_at
            if quote.needs_sm and "SM" not in kinds:  # collapsed step: the GM approved the special price too
                quote.sm_approved_by, quote.sm_approved_at = st.decided_by, st.decided_at


def _on_quote_decided(req) -> None:
    """Engine callback (same transaction): approved → APPROVED; rejected → back to DRAFT with the comment."""
    quote = Quote.objects.select_for_update(of=("self",)).select_related("owner", "customer").get(pk=int(req.doc_id))
    if quote.state != QuoteState.SUBMITTED:
        return
    now = timezone.now()
    _sync_approvers(quote, req)
    if req.state == ApprovalRequest.State.APPROVED:
        quote.approved_at = now
        _transition(None, quote, QuoteState.APPROVED, rule="quote.approval")
        _notify(quote.owner, f"quote:{quote.pk}:approved:{now.timestamp():.0f}", "quote.approval",
                f"报价单 {quote.number} 已批准，可以发送给客户", f"/sales/quotes/{quote.pk}/")
    else:
        step = req.steps.filter(state=ApprovalStep.State.REJECTED).first()
        quote.reject_comment = (step.comment if step else "")[:300]
        quote.sm_approved_by = quote.gm_approved_by = None
        quote.sm_approved_at = quote.gm_approved_at = None
        _transition(None, quote, QuoteState.DRAFT, rule="quote.approval", reason=quote.reject_comment)
        _notify(quote.owner, f"quote:{quote.pk}:rejected:{now.timestamp():.0f}", "quote.approval",
                f"报价单 {quote.number} 被退回：{quote.reject_comment}", f"/sales/quotes/{quote.pk}/")


def _cancel_pending_approval(actor, quote: Quote, reason: str) -> None:
    """A quote closed while waiting (lost, expired) leaves the approvers' inbox: its pending engine request
    is voided through the engine (audited there)."""
    req = pending_request(quote)
    if req is None:
        return

    if req.state == ApprovalRequest.State.PENDING:
        approvals.void(actor, req.pk, reason, rule="quote.approval")


def register_callbacks() -> None:
    approvals.on_decided(QUOTE_DOC)(_on_quote_decided)


def _decide(actor, quote: Quote, approve: bool, comment: str) -> Quote:
    quote = _lock(quote)
    ok, why = can_approve(actor, quote)
    if not ok:
        if quote.state != QuoteState.SUBMITTED:
            raise Conflict(f"报价单状态为「{quote.get_state_display()}」，没有待审批步骤", fields={"state": quote.state})
        raise PermissionDenied(why, rule="sod.no_self_approval" if "sod" in why else "quote.approval")
    req = pending_request(quote)
    step = current_step(quote)
    approvals.decide(actor, req.pk, approve, comment)
    quote.refresh_from_db()
    if approve and quote.state == QuoteState.SUBMITTED:  # an intermediate step: show who approved it
        req.refresh_from_db()
        _sync_approvers(quote, req)
        quote.save(update_fields=["sm_approved_by", "sm_approved_at", "gm_approved_by", "gm_approved_at", "updated_at"])
    record(actor=actor, action="approve" if approve else "reject", obj=quote, after={"step": step, "comment": comment},
           rule="quote.approval")
    return quote


@transaction.atomic
def approve_quote(actor, quote: Quote, comment: str = "") -> Quote:
    comment = clean_text(comment, field="comment", label="审批意见", max_len=300)
    return _decide(actor, quote, True, comment)


@transaction.atomic
def reject_quote(actor, quote: Quote, comment: str) -> Quote:
    comment = clean_text(comment, field="comment", label="退回意见", max_len=300, required=True)
    return _decide(actor, quote, False, comment)
