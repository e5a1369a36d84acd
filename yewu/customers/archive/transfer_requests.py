"""A salesperson refused as a duplicate (`cust.duplicate`) asks the owner's manager to transfer the customer.

The request is a notification to the SM of the owner's team (the requester's own SM for a pool customer, the GM
when there is none), with a link to the customer page where the SM transfers it (`cust.manager_override`), and an
audit entry. Filing it twice for the same customer notifies once.
"""

from __future__ import annotations

from django.db import transaction

from yewu.audit import services as audit
from yewu.common.errors import NotFound, ValidationError
from yewu.common.jobs import notify
from yewu.common.text import clean_text
from yewu.customers.models import Customer
from yewu.org.models import User
from yewu.org.permissions import can


def manager_for(actor: User, customer: Customer) -> User | None:
    """Who decides a transfer: the owner's team SM, else the requester's SM, else an active GM."""
    for team in (getattr(customer.owner, "team", None), actor.team):
        if team is not None and team.manager_id and team.manager.is_active:
            return team.manager
    return next((u for u in User.objects.filter(is_active=True).order_by("id") if can(u, "manages_all_teams")), None)


def request_transfer(actor: User, customer_id: int, reason: str = "") -> tuple[Customer, User, bool]:
    """File the request; returns (customer, manager asked, whether this was a new request)."""
    reason = clean_text(reason, field="reason", label="申请理由", max_len=300, multiline=False)
    c = Customer.objects.select_related("owner__team__manager").filter(pk=customer_id).first()
    if c is None:
        raise NotFound("客户不存在")
    if c.owner_id == actor.pk:
        raise ValidationError("该客户已由您负责", fields={"customer_id": "已是您的客户"}, rule="cust.duplicate")
    manager = manager_for(actor, c)
    if manager is None:
        raise ValidationError("找不到可以审批转移的业务经理或总经理", fields={"customer_id": "无审批人"},
                              rule="cust.manager_override")
    owner = c.owner.name if c.owner_id else "公海"
    with transaction.atomic():
        new = notify(manager, f"transfer-request:{c.pk}:{actor.pk}",
                     f"{actor.name} 申请接手客户「{c.name}」（现负责人：{owner}）" + (f"，理由：{reason}" if reason else "")
                     + "。如同意，请在客户页办理转移。", rule="cust.manager_override", link=f"/customers/{c.pk}/#transfer")
        if new:
            audit.record(actor=actor, action="申请转移客户", obj=c, rule="cust.duplicate",
                         reason=reason or f"建档查重：客户已由 {owner} 负责，申请由 {manager.name} 转给本人")
    return c, manager, new
