"""Reads and row-level access for customers: the ONE place that decides who sees which customer
(`acl.sp_scope`, `acl.team_scope`, `acl.finance_scope`, `acl.cs_scope`, `cust.confidentiality`).
UI, API and exports all go through here."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.errors import ValidationError
from yewu.customers.models import AccessRequest, Customer, DemandGrade, Status, Visit
from yewu.customers.search.selectors import search
from yewu.org.models import User
from yewu.org.permissions import roles_with
from yewu.org.selectors import managed_team_ids
from yewu.policy.customers import Viewer, archive_view


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """Customers whose record the user may open (the pool counts for SM/GM; an SP sees the pool only as a
    summary through :func:`pool_summary`)."""
    qs = Customer.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    roles = user.role_set
    if roles & roles_with("reads_all_customers"):
        return qs
    q = Q(pk__in=[])
    if roles & roles_with("manages_team_customers"):
        teams = managed_team_ids(user)
        q |= Q(owner__team_id__in=teams) | Q(owner__isnull=True)
    if roles & roles_with("owns_customers"):
        q |= Q(owner=user)
    if roles & roles_with("enters_web_leads"):
        q |= Q(created_by=user, is_web_lead=True)
    return qs.filter(q)


def customer_for(user: User, pk: int) -> Customer | None:
    # One row by primary key, so no ORDER BY: with Customer's default ordering Django matched the ordering against
    # each of the ~100 selected columns, which cost more than the query (about half of this call's CPU).
    qs = customers_visible_to(user).select_related("owner", "owner__team", "created_by").filter(pk=pk).order_by()
    return next(iter(qs[:1]), None)


def can_edit(user: User, c: Customer) -> bool:
    """Owner, the owner's SM (or any SM for the pool), GM — and only with the full archive in view
    (`cust.confidentiality`: nobody edits what they may not read)."""
    roles = user.role_set
    if roles & roles_with("manages_all_teams"):
        allowed = True
    elif roles & roles_with("manages_team_customers") and (c.owner_id is None or (c.owner and c.owner.team_id in managed_team_ids(user))):
        allowed = True
    else:
        allowed = bool(roles & roles_with("owns_customers")) and c.owner_id == user.id
    return allowed and archive_level(user, c) == "full"


def edit_denied_rule(user: User) -> str:
    """The rule id to quote when ``user`` may read but not edit a customer."""
    roles = user.role_set
    if roles & roles_with("reads_customers_for_finance"):
        return "acl.finance_scope"
    if roles & roles_with("reads_customers_for_service"):
        return "acl.cs_scope"
    if roles & roles_with("manages_team_customers"):
        return "acl.team_scope"
    return "acl.sp_scope"


def granted_ids(user: User, now=None) -> frozenset[int]:
    """Customers lent to ``user`` right now (`cust.archive_access_request`, 借阅 granted and not expired)."""

    if not user.is_authenticated or not user.role_set & roles_with("borrows_archives"):
        return frozenset()
    now = now or timezone.now()
    return frozenset(AccessRequest.objects.filter(requester=user, state=AccessRequest.State.GRANTED,
                                                  valid_from__lte=now, valid_until__gte=now)
                     .values_list("customer_id", flat=True))


def viewer(user: User) -> Viewer:
    return Viewer(user_id=user.id, roles=user.role_set, team_ids=managed_team_ids(user), granted=granted_ids(user))


def archive_level(user: User, c: Customer, v: Viewer | None = None) -> str:
    """'full', 'card' (service card) or 'name' — `cust.confidentiality`; LS sees lead status only."""
    if user.role_set == roles_with("enters_web_leads"):
        return "card"
    return archive_view(
        viewer=v or viewer(user),
        level=c.confidentiality,
        owner_id=c.owner_id,
        owner_team_id=c.owner.team_id if c.owner_id and c.owner else None,
        customer_id=c.pk,
        expires_on=c.confidentiality_expires_on,
        today=timezone.localdate(),
    )


def can_see_credit(user: User, c: Customer) -> bool:
    """`acl.finance_scope`: credit grade, limit, exposure visible to FIN, FD, GM, CSM, the owner's SM and the owner."""
    roles = user.role_set
    if roles & roles_with("sees_all_credit"):
        return True
    if c.owner_id == user.id:
        return True
    return bool(roles & roles_with("manages_team_customers")) and c.owner_id is not None and c.owner.team_id in managed_team_ids(user)












# audit entries of these rules carry grades, limits or scores: only `acl.finance_scope` readers see them
CREDIT_RULES = ("credit.grade_policy", "credit.limit_grant", "credit.investigation_cadence", "credit.over_limit")


def timeline(c: Customer, credit: bool = True) -> list[dict]:
    """One timeline of everything that happened to the customer: audit entries, visits, ownership changes.
    Without ``credit`` (`acl.finance_scope`) the credit decisions are left out."""

    items = []
    for v in Visit.objects.filter(customer=c).select_related("user"):
        items.append({"at": v.at, "kind": "visit", "who": v.user.name, "title": f"{v.get_channel_display()}：{v.purpose}",
                      "body": v.content, "extra": v})
    # 机密/绝密 reads are on the 借阅卡, not the timeline
    entries = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(c.pk)).exclude(action="read")
    if not credit:
        entries = entries.exclude(rule__in=CREDIT_RULES)
    for e in entries:
        items.append({"at": e.at, "kind": "audit", "who": e.actor_name, "title": e.action, "body": e.reason, "extra": e})
    items.sort(key=lambda i: i["at"], reverse=True)
    return items


# --- what a reader may see of one customer (API, UI, exports) -----------------------------------------

# `acl.sp_scope`: the pool as an SP sees it
POOL_SUMMARY_FIELDS = ("id", "name", "city", "industry", "source", "created_at")
# `cust.confidentiality` / `acl.cs_scope`: the service card and the name-only view (contacts go with the card)
CARD_FIELDS = ("id", "name", "registered_address", "delivery_address", "status", "owner")
NAME_FIELDS = ("id", "name", "owner")
# `acl.finance_scope`
CREDIT_FIELDS = ("credit_grade", "credit_limit", "term_days")


def access(user: User, c: Customer, v: Viewer | None = None) -> dict:
    """{'level': full|card|name, 'credit': bool, 'edit': bool} for a customer the user may open."""
    v = v or viewer(user)
    level = archive_level(user, c, v)
    credit = level == "full" and (
        bool(v.roles & roles_with("sees_all_credit")) or (c.owner_id is not None and c.owner_id == user.id)
        or (bool(v.roles & roles_with("manages_team_customers")) and c.owner_id is not None and c.owner.team_id in v.team_ids)
    )
    return {"level": level, "credit": credit, "edit": can_edit(user, c)}


def pool_summary_for(user: User, pk: int) -> dict | None:
    """One pool customer as an SP sees it (`acl.sp_scope`), or None."""
    if not user.is_authenticated or not user.is_active or not user.role_set & roles_with("owns_customers"):
        return None
    return pool(user).filter(pk=pk).values(*POOL_SUMMARY_FIELDS).first()


LIST_OWNER_FILTERS = ("", "me", "pool")


def list_customers(user: User, *, q: str = "", owner: str = "", city: str = "", status: str = "",
                   demand_grade: str = "") -> tuple[QuerySet[Customer], bool]:
    """The customer list for ``user`` with filters. Returns (queryset, summary_only): an SP asking for
    the pool gets it as a summary (`acl.sp_scope`)."""

    if owner not in LIST_OWNER_FILTERS:
        raise ValidationError("owner 只能是 me 或 pool", fields={"owner": "me / pool"})
    if status and status not in Status.values:
        raise ValidationError(f"状态「{status}」无效", fields={"status": "、".join(Status.values)})
    if demand_grade and demand_grade not in DemandGrade.values:
        raise ValidationError("需求等级只能是 A、B、C", fields={"demand_grade": "A/B/C"})
    summary_only = False
    if owner == "pool":
        visible = customers_visible_to(user)
        qs = pool(user).filter(pk__in=visible.values("pk"))
        if (user.role_set & roles_with("owns_customers")
                and not user.role_set & (roles_with("manages_team_customers") | roles_with("reads_all_customers"))):
            qs, summary_only = pool(user), True
    else:
        qs = customers_visible_to(user)
        if owner == "me":
            qs = qs.filter(owner=user)
    if city:
        qs = qs.filter(city=city.strip())
    if status:
        qs = qs.filter(status=status)
    if demand_grade:
        qs = qs.filter(demand_grade=demand_grade)
    qs = search(qs, q)
    return qs.select_related("owner", "owner__team").order_by("-created_at", "-id"), summary_only




def pool(user: User) -> QuerySet[Customer]:
    """Unassigned customers (`cust.ownerless_to_manager`)."""
    return Customer.objects.filter(owner__isnull=True).exclude(status__in=[Status.ARCHIVED, Status.BLACKLISTED])
