"""Action plans (reads), cut by the one scope selector; a weekly plan is shown with the SP's visit plans
(客户走访单) of that week and, per item naming a customer, whether a visit plan covers it and whether the visit
took place (`visit.weekly_plan`, read-only use of the customers' records)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from yewu.customers.models import Channel, Visit
from yewu.customers.visits.services import plans_visible_to
from yewu.policy.calendar import TZ

from ..models import ActionPlan
from ..scope import visible_salespeople


def plans(user, kind: str | None = None):
    ids = list(visible_salespeople(user).values_list("pk", flat=True))
    qs = ActionPlan.objects.filter(salesperson_id__in=ids).select_related("salesperson").prefetch_related(
        "items", "items__customer")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-period_start", "salesperson_id")[:200]


def week_links(user, plan: ActionPlan) -> dict:
    """For a weekly plan: the SP's visit plans overlapping the week, and per item (by id) ``planned`` (a visit plan
    of the week lists the item's customer) and ``visited`` (a face-to-face visit to it that week)."""
    if plan.kind != ActionPlan.Kind.WEEKLY:
        return {"visit_plans": [], "items": {}}
    lo = datetime.combine(plan.period_start, time.min, tzinfo=TZ)
    hi = lo + timedelta(days=7)
    vps = list(plans_visible_to(user).filter(user_id=plan.salesperson_id, starts_at__lt=hi, ends_at__gte=lo))
    covered = {c.pk for vp in vps for c in vp.customers.all()}
    items = list(plan.items.all())
    cust = [i.customer_id for i in items if i.customer_id]
    visited = set(Visit.objects.filter(user_id=plan.salesperson_id, customer_id__in=cust, at__gte=lo, at__lt=hi,
                                       channel=Channel.VISIT).values_list("customer_id", flat=True))
    return {"visit_plans": vps,
            "items": {i.pk: {"planned": i.customer_id in covered, "visited": i.customer_id in visited}
                      for i in items if i.customer_id}}
