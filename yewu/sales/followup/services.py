"""Follow-up of a quote (SPEC §3.3, §7): closing it (accepted, or lost with a reason → a coaching task for the
team's SM, ``daily.shortfall_coaching``), recording the coaching, and the 5-minute timers (``quote.nonstandard_24h``
warnings, overdue finance price requests, overdue coaching, ``quote.validity`` expiry)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.catalog.models import PriceRequest, RequestState
from yewu.common.errors import Conflict, PermissionDenied, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.common.text import clean_text
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import pricing

from ..approval.services import _cancel_pending_approval
from ..models import CoachingTask, Quote, QuoteState
from ..quotes.services import OPEN_STATES, _lock, _notify, _transition, sm_approvers


@transaction.atomic
def close_quote(actor, quote: Quote, outcome: str, reason: str = "") -> Quote:
    quote = _lock(quote)
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk and not can(actor, "closes_team_quotes"):
        raise PermissionDenied("只有业务员或其经理可以关闭报价单")
    if outcome == "accepted":
        if quote.state != QuoteState.SENT:
            raise Conflict("只有已发送的报价单可以标记为客户接受", fields={"state": quote.state})
        if quote.valid_until < timezone.localdate():
            raise ValidationError("报价单已过有效期，不能接受", fields={"valid_until": "已过期"})
        to = QuoteState.ACCEPTED
    elif outcome == "lost":
        if not str(reason or "").strip():
            raise ValidationError("丢单必须填写原因（将为业务经理生成辅导任务）", fields={"reason": "丢单原因不能为空"},
                                  rule="daily.shortfall_coaching")
        reason = clean_text(reason, field="reason", label="丢单原因", max_len=300, required=True)
        if quote.state not in (QuoteState.APPROVED, QuoteState.SENT, QuoteState.SUBMITTED, QuoteState.DRAFT):
            raise Conflict("该报价单已关闭", fields={"state": quote.state})
        quote.lost_reason = reason
        to = QuoteState.LOST
    else:
        raise ValidationError("outcome 应为 accepted 或 lost", fields={"outcome": "accepted / lost"})
    quote.closed_at = timezone.now()
    was_submitted = quote.state == QuoteState.SUBMITTED
    _transition(actor, quote, to, reason=reason)
    if was_submitted:
        _cancel_pending_approval(actor, quote, f"报价单已丢单：{reason}")
    if to == QuoteState.LOST:
        _open_coaching_task(actor, quote, reason)
    return quote


# --- lost quote → coaching task (daily.shortfall_coaching) -------------------------------------------


def _open_coaching_task(actor, quote: Quote, reason: str) -> CoachingTask:
    cfg = get_policy()
    dec = pricing.lost_quote_coaching(number=quote.number, total=quote.total, reason=reason,
                                      lost_on=timezone.localdate(quote.closed_at), cal=get_calendar(), cfg=cfg)
    if dec.refused:  # pragma: no cover — the reason was validated above
        raise RuleRefused.from_decision(dec)
    coaches = sm_approvers(quote)
    task = CoachingTask.objects.create(quote=quote, salesperson=quote.owner, coach=coaches[0] if len(coaches) == 1 else None,
                                       team=quote.team, reason=reason, due_at=dec.data["due_at"])
    record(actor=actor, action="create", obj=task, after=snapshot(task), rule="daily.shortfall_coaching", decision=dec)
    for u in coaches:
        _notify(u, f"coaching:{task.pk}:new", "daily.shortfall_coaching", dec.reasons[0].message, f"/sales/quotes/{quote.pk}/")
    return task


def can_coach(actor, task: CoachingTask) -> tuple[bool, str]:
    if task.done_at is not None:
        return False, "该辅导任务已记录"
    if actor.pk == task.salesperson_id:
        return False, "业务员不能为自己的丢单记录辅导（sod.no_self_approval）"
    if actor.pk in [u.pk for u in sm_approvers(task.quote)] or can(actor, "coaches_any_team"):
        return True, ""
    return False, "丢单辅导须由该业务员所在团队的业务经理记录"


@transaction.atomic
def record_coaching(actor, task: CoachingTask, note: str) -> CoachingTask:
    task = CoachingTask.objects.select_for_update(of=("self",)).select_related("quote__team").get(pk=task.pk)
    if not str(note or "").strip():
        raise ValidationError("辅导记录不能为空", fields={"note": "辅导记录不能为空"}, rule="daily.shortfall_coaching")
    note = clean_text(note, field="note", label="辅导记录", max_len=2000)
    ok, why = can_coach(actor, task)
    if not ok:
        if task.done_at is not None:
            raise Conflict(why, rule="daily.shortfall_coaching")
        raise PermissionDenied(why, rule="daily.shortfall_coaching")
    before = snapshot(task)
    task.note, task.done_by, task.done_at = note, actor, timezone.now()
    task.save()
    late = task.done_at > task.due_at
    record(actor=actor, action="update", obj=task, before=before, after=snapshot(task), rule="daily.shortfall_coaching",
           reason="逾期记录" if late else "")
    _notify(task.salesperson, f"coaching:{task.pk}:done", "daily.shortfall_coaching",
            f"{actor} 已就丢单 {task.quote.number} 记录辅导", f"/sales/quotes/{task.quote_id}/")
    return task


# --- timers (quote.nonstandard_24h, validity) ----------------------------------------------------------


def scan_quote_deadlines(now: datetime | None = None) -> dict:
    """Every 5 minutes: notify owners and their SM of non-standard/harness quotes at the 20 h warning
    and the 24 h deadline (idempotent per key), notify Finance of overdue price requests, and expire
    quotes past their validity."""
    now = now or timezone.now()
    counts = {"warning": 0, "overdue": 0, "price_requests": 0, "expired": 0, "coaching_overdue": 0}
    open_qs = Quote.objects.filter(state__in=(QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED),
                                   response_warn_at__lte=now).select_related("owner", "team__manager", "customer")
    for q in open_qs:
        overdue = q.response_due_at <= now
        tag = "overdue" if overdue else "warning"
        due_s = timezone.localtime(q.response_due_at).strftime("%m-%d %H:%M")
        msg = (f"非标/线束报价 {q.number}（{q.customer.name}）已超过 24 小时答复期限（{due_s}）" if overdue
               else f"非标/线束报价 {q.number}（{q.customer.name}）须在 {due_s} 前发出")
        targets = [q.owner] + ([q.team.manager] if overdue and q.team_id and q.team.manager_id else [])
        for u in targets:
            _, created = _get_or_create_note(u, f"quote:{q.pk}:24h:{tag}", "quote.nonstandard_24h", msg, f"/sales/quotes/{q.pk}/")
            counts[tag] += int(created)
    fins = list(users_with_ability("is_told_of_price_requests"))
    for r in PriceRequest.objects.filter(state=RequestState.PENDING, due_at__lte=now).select_related("product"):
        for u in fins:
            _, created = _get_or_create_note(u, f"price_request:{r.pk}:overdue", "price.finance_guide",
                                             f"价格申请 #{r.pk}（{r.product}）已到答复期限", "/catalog/requests/")
            counts["price_requests"] += int(created)
    for t in CoachingTask.objects.filter(done_at__isnull=True, due_at__lt=now).select_related("quote__team__manager"):
        due_s = timezone.localtime(t.due_at).strftime("%m-%d %H:%M")
        for u in sm_approvers(t.quote):
            _, created = _get_or_create_note(u, f"coaching:{t.pk}:overdue", "daily.shortfall_coaching",
                                             f"丢单 {t.quote.number} 的辅导记录已逾期（期限 {due_s}）", f"/sales/quotes/{t.quote_id}/")
            counts["coaching_overdue"] += int(created)
    today = timezone.localtime(now).date()
    for q in Quote.objects.filter(state__in=OPEN_STATES, valid_until__lt=today):
        with transaction.atomic():
            q = Quote.objects.select_for_update().get(pk=q.pk)
            if q.state in OPEN_STATES and q.valid_until < today:
                q.closed_at = now
                was_submitted = q.state == QuoteState.SUBMITTED
                _transition(None, q, QuoteState.EXPIRED, rule="quote.validity", reason=f"有效期至 {q.valid_until}")
                if was_submitted:
                    _cancel_pending_approval(None, q, f"报价单已过有效期（{q.valid_until}）")
                counts["expired"] += 1
    return counts


def _get_or_create_note(user, key, rule, message, link):
    return Notification.objects.get_or_create(user=user, key=key, defaults={"rule": rule, "message": message, "link": link})
