"""Ticket writes (SPEC §6.1), one transaction each, every change audited.

`ticket.first_response_1wd`: each ticket carries its deadline and rule id; it is assigned to a CS agent by the
balance rule of `cust.web_lead_allocation` (open tickets ÷ ability factor, ties → fewer tickets in 30 days →
lower id). A complaint or claim ticket opens its complaint record at once; an ad-hoc order from an unknown caller
becomes a web lead in the pool, from a known customer a task for the owner to draft the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.customers.models import Source
from yewu.customers.selectors import customers_visible_to
from yewu.customers.services import ContactIn, CustomerIn, file_customer
from yewu.org.models import User
from yewu.org.permissions import require, roles_with
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules
from yewu.policy.customers import Candidate, normalize_phone

from ..base import choice, clean_text, number, when
from ..complaints import services as complaints
from ..models import Ticket


@dataclass
class TicketIn:
    type: str
    channel: str
    content: str
    customer_id: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    region: str = ""
    received_at: datetime | str | None = None
    # complaint / claim tickets
    category: str = "other"
    claim_amount: str | None = None
    claim_materials: str = ""
    promised_resolution_at: datetime | str | None = None
    solutions_discussed: str = ""


def pick_agent(now: datetime | None = None) -> User | None:
    """The CS agent with the lowest load (open tickets ÷ ability factor) — `cust.web_lead_allocation`'s rule."""
    now = now or timezone.now()
    agent_roles = roles_with("handles_tickets") - roles_with("manages_service")  # agents first, managers as fallback
    users = list(User.objects.filter(is_active=True).order_by("id"))
    agents = [u for u in users if set(u.roles or ()) & agent_roles] or [
        u for u in users if set(u.roles or ()) & roles_with("handles_tickets")]
    if not agents:
        return None
    open_ = dict(Ticket.objects.filter(assignee__in=agents, state=Ticket.State.OPEN).values_list("assignee")
                 .annotate(n=Count("id")).values_list("assignee", "n"))
    recent = dict(Ticket.objects.filter(assignee__in=agents, received_at__gte=now - timedelta(days=30))
                  .values_list("assignee").annotate(n=Count("id")).values_list("assignee", "n"))
    cands = [Candidate(user_id=u.id, name=u.name, active_customers=open_.get(u.id, 0), ability=u.ability_factor,
                       leads_last_30d=recent.get(u.id, 0)) for u in agents]
    d = rules.assign_by_balance(cands, get_policy())
    return None if d.refused else next(u for u in agents if u.id == d.data["suggested_user_id"])


def _clean_public(data: TicketIn, now: datetime) -> dict:
    """The public form's cleaning: no customer look-up (an anonymous caller never learns who is on file)."""
    return _clean(None, TicketIn(**{**data.__dict__, "customer_id": None}), now)


def _clean(actor: User | None, data: TicketIn, now: datetime) -> dict:
    t = choice(data.type, rules.TICKET_TYPES, field="type", label="工单类型")
    ch = choice(data.channel, rules.CHANNELS, field="channel", label="渠道")
    content = clean_text(data.content, field="content", label="内容", max_len=2000, required=True,
                         rule="ticket.first_response_1wd")
    received = when(data.received_at, field="received_at", label="收到时间", default=now,
                    rule="ticket.first_response_1wd")
    d = rules.check_received_at(received, now)
    if d.refused:
        raise RuleRefused(d.message(), rule=d.rule, decision=d, fields={"received_at": "不能晚于当前时间"})
    if received < now - timedelta(days=366):
        raise ValidationError("收到时间不能早于一年前", fields={"received_at": "不能早于一年前"})
    customer = None
    if data.customer_id not in (None, ""):
        try:
            cid = int(data.customer_id)
        except (TypeError, ValueError):
            raise ValidationError("客户编号无效", fields={"customer_id": "应为数字"}) from None
        customer = customers_visible_to(actor).filter(pk=cid).first()
        if customer is None:
            raise ValidationError("客户不存在或您无权查看", fields={"customer_id": "客户不存在"})
    name = clean_text(data.caller_name, field="caller_name", label="来电人", max_len=50)
    phone = clean_text(data.caller_phone, field="caller_phone", label="电话", max_len=30)
    region = clean_text(data.region, field="region", label="地区", max_len=30)
    if customer is None and not region:
        raise ValidationError("未知来电须填写来源地区", fields={"region": "未知来电须填写地区"},
                              rule="ticket.first_response_1wd")
    if phone and not 5 <= len(normalize_phone(phone)) <= 15:
        raise ValidationError("电话号码无效", fields={"caller_phone": "应为 5–15 位数字"})
    return {"type": t, "channel": ch, "content": content, "received_at": received, "customer": customer,
            "caller_name": name, "caller_phone": phone, "caller_phone_norm": normalize_phone(phone),
            "region": region or (customer.district or customer.city if customer else "")}


def _create(actor: User | None, data: TicketIn, fields: dict, now: datetime, *, public: bool = False) -> Ticket:
    cal, cfg = get_calendar(), get_policy()
    due = rules.first_response_due(fields["received_at"], cal, cfg)
    agent = pick_agent(now)
    t = Ticket.objects.create(number=number("KF"), due_at=due.due_at, assignee=agent, created_by=actor, public=public,
                              **fields)
    record(actor=actor, action="create", obj=t, after=snapshot(t), rule=due.rule, reason=due.label,
           policy_version=cfg.version)
    if agent is not None:
        notify(agent, f"ticket:{t.pk}", f"新工单 {t.number}（{t.get_type_display()}）：{due.label}",
               rule=due.rule, link=f"/service/tickets/{t.pk}/")
    if t.type in ("complaint", "claim"):
        complaints.intake(actor, t, data, now=now)
    if t.type == "adhoc_order":
        _adhoc_order(actor, t, now)
    return t


@transaction.atomic
def create_ticket(actor: User, data: TicketIn, now: datetime | None = None) -> Ticket:
    """CS quick entry (`ticket.first_response_1wd`)."""
    require(actor, "handles_tickets")
    now = now or timezone.now()
    return _create(actor, data, _clean(actor, data, now), now)


def _adhoc_order(actor: User | None, t: Ticket, now: datetime) -> None:
    """临时下单: a known customer's owner gets a task to draft the order; an unknown caller becomes a web lead."""
    if t.customer_id and t.customer.owner_id:
        notify(t.customer.owner, f"ticket-order:{t.pk}", f"客户 {t.customer.name} 来电临时下单（{t.number}），请起草订单",
               rule="ticket.first_response_1wd", link=f"/service/tickets/{t.pk}/")
        return
    if t.customer_id or actor is None:
        return
    if not t.caller_name or not t.caller_phone:
        raise ValidationError("临时下单的未知来电须有来电人和电话，才能转为网络线索",
                              fields={"caller_name": "必填", "caller_phone": "必填"})
    lead, _ = file_customer(actor, CustomerIn(
        name=t.caller_name, city=t.region, source=Source.WEB,
        contacts=[ContactIn(name=t.caller_name, mobile=t.caller_phone)],
        extra={"needs": t.content[:500]}), web_lead=True, now=now)
    Ticket.objects.filter(pk=t.pk).update(lead=lead)
    t.lead = lead
    record(actor=actor, action="convert", obj=t, after={"lead": lead.pk}, rule="cust.web_lead_intake",
           reason="临时下单转网络线索")


@transaction.atomic
def respond(actor: User, ticket_id: int, response: str, *, transfer: bool = False, now: datetime | None = None) -> Ticket:
    """Answer (or transfer to the responsible department) — stops the `ticket.first_response_1wd` clock. A second
    answer on a closed ticket is refused."""
    require(actor, "handles_tickets")
    now = now or timezone.now()
    text = clean_text(response, field="response", label="答复内容", max_len=2000, required=True)
    t = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if t is None:
        raise NotFound("工单不存在")
    if t.state == Ticket.State.CLOSED:
        raise Conflict("工单已关闭，不能再答复", rule="ticket.first_response_1wd", code="closed")
    before = snapshot(t, ["state", "responded_at", "response"])
    t.response = text
    t.responded_at = t.responded_at or now
    t.state = Ticket.State.TRANSFERRED if transfer else Ticket.State.ANSWERED
    t.save(update_fields=["response", "responded_at", "state"])
    late = t.responded_at > t.due_at
    record(actor=actor, action="respond", obj=t, before=before, after=snapshot(t, ["state", "responded_at", "response"]),
           rule="ticket.first_response_1wd", reason="逾期答复" if late else "按时答复")
    return t


@transaction.atomic
def close_ticket(actor: User, ticket_id: int) -> Ticket:
    require(actor, "handles_tickets")
    t = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if t is None:
        raise NotFound("工单不存在")
    if t.state == Ticket.State.OPEN:
        raise RuleRefused("工单尚未答复或转交，不能关闭", rule="ticket.first_response_1wd", fields={"response": "先答复"})
    if t.state == Ticket.State.CLOSED:
        raise Conflict("工单已关闭", rule="ticket.first_response_1wd", code="closed")
    Ticket.objects.filter(pk=t.pk).update(state=Ticket.State.CLOSED)
    record(actor=actor, action="close", obj=t, before={"state": t.state}, after={"state": "closed"})
    t.state = Ticket.State.CLOSED
    return t


def flag_overdue(now: datetime | None = None) -> int:
    """Timer (every 5 min): open tickets past `ticket.first_response_1wd` notify the agent and the CSM once."""
    now = now or timezone.now()
    n = 0
    for t in Ticket.objects.filter(state=Ticket.State.OPEN, due_at__lt=now, overdue_flagged_at__isnull=True):
        with transaction.atomic():
            if not Ticket.objects.filter(pk=t.pk, overdue_flagged_at__isnull=True).update(overdue_flagged_at=now):
                continue
            targets = [t.assignee] if t.assignee_id else []
            targets += [u for u in User.objects.filter(is_active=True) if set(u.roles or ()) & roles_with("runs_customer_service")]
            for u in targets:
                notify(u, f"ticket-overdue:{t.pk}", f"工单 {t.number} 已超过首次答复期限",
                       rule="ticket.first_response_1wd", link=f"/service/tickets/{t.pk}/")
            record(actor=None, action="flag", obj=t, after={"overdue": True}, rule="ticket.first_response_1wd")
            n += 1
    return n
