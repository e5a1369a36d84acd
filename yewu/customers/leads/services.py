"""Web leads and the pool (`cust.web_lead_intake`, `cust.web_lead_allocation`, `cust.ownerless_to_manager`):
entering a lead, the allocation suggestion, allocating, releasing the customers of a salesperson who leaves."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.customers.archive.services import CustomerIn, assign_owner, check_assignee, file_customer
from yewu.customers.models import (
    Customer,
    OwnershipChange,
    Source,
    Status,
)
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids, salespeople
from yewu.policy import Decision
from yewu.policy import customers as rules


def enter_lead(actor: User, data: CustomerIn, *, tags: str = "", now=None) -> tuple[Customer, Decision]:
    """`cust.web_lead_intake`: the LS enters a web lead into the pool (awaiting allocation)."""
    if not can(actor, "works_web_leads"):
        raise PermissionDenied("只有网络推广专员录入网络线索", rule="cust.web_lead_intake")
    data.source = Source.WEB
    if tags:
        data.extra = {**data.extra, "lead_tags": tags}
    return file_customer(actor, data, web_lead=True, now=now)


def allocation_suggestion(actor: User, c: Customer) -> Decision:
    """`cust.web_lead_allocation` suggestion among the active SPs of the manager's team(s)."""



    teams = managed_team_ids(actor) if not can(actor, "manages_all_teams") else None
    sps = salespeople()
    if teams is not None:
        sps = sps.filter(team_id__in=teams)
    sps = list(sps)
    active = dict(
        Customer.objects.filter(owner__in=sps).exclude(status__in=[Status.ARCHIVED, Status.BLACKLISTED, Status.DORMANT])
        .values_list("owner").annotate(n=Count("id")).values_list("owner", "n")
    )
    since = timezone.now() - timedelta(days=30)
    leads = dict(
        OwnershipChange.objects.filter(to_user__in=sps, kind=OwnershipChange.Kind.ALLOCATED, at__gte=since,
                                       customer__is_web_lead=True)
        .values_list("to_user").annotate(n=Count("id")).values_list("to_user", "n")
    )
    cands = [
        rules.Candidate(
            user_id=u.id, name=u.name, active_customers=active.get(u.id, 0), ability=u.ability_factor,
            leads_last_30d=leads.get(u.id, 0),
            territories=frozenset(t.strip() for t in (u.territories or "").split(",") if t.strip()),
            tags=frozenset(t.strip() for t in (u.knowledge_tags or "").split(",") if t.strip()),
        )
        for u in sps
    ]
    tags = [t.strip() for t in (c.lead_tags or "").split(",") if t.strip()]
    return rules.suggest_allocation(cands, territory=c.city, tags=tags, cfg=get_policy())


@transaction.atomic
def allocate_lead(actor: User, customer_id: int, to_user_id: int | None = None, reason: str = "", now=None) -> Customer:
    """`cust.web_lead_allocation`: only the SM (or GM) allocates pool customers; without ``to_user_id``
    the suggestion is taken."""
    if not can(actor, "allocates_leads"):
        raise PermissionDenied("只有业务经理可以分配公海客户/网络线索", rule="cust.web_lead_allocation")
    c = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if c is None:
        raise NotFound("线索不存在")
    if c.owner_id is not None:
        raise Conflict(f"该客户已分配给 {c.owner.name}", rule="cust.web_lead_allocation", code="already_allocated")
    suggestion = allocation_suggestion(actor, c)
    if to_user_id is None:
        if suggestion.refused:
            raise RuleRefused.from_decision(suggestion)
        to_user_id = suggestion.data["suggested_user_id"]
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None:
        raise ValidationError("接手人不存在", fields={"to_user_id": "用户不存在"})
    check_assignee(actor, to_user)
    why = reason or suggestion.message()
    return assign_owner(actor, c, to_user, OwnershipChange.Kind.ALLOCATED, why[:300], "cust.web_lead_allocation", now)


@transaction.atomic
def release_customers_of(actor: User, user: User, reason: str = "业务员离职") -> int:
    """`cust.ownerless_to_manager`: when an SP leaves, all their customers become ownerless at once."""
    n = 0
    for c in Customer.objects.select_for_update().filter(owner=user):
        assign_owner(actor, c, None, OwnershipChange.Kind.OWNER_LEFT, reason, "cust.ownerless_to_manager")
        n += 1
    return n


@transaction.atomic
def deactivate_user(actor: User, user_id: int) -> int:
    if not can(actor, "changes_settings"):
        raise PermissionDenied("只有总经理或系统管理员可以停用账号")
    u = User.objects.select_for_update().get(pk=user_id)
    before = {"is_active": u.is_active}
    u.is_active = False
    u.save(update_fields=["is_active"])
    record(actor=actor, action="update", obj=u, before=before, after={"is_active": False})
    return release_customers_of(actor, u)
