"""Action plans (reads), cut by the one scope selector."""

from ..models import ActionPlan
from ..scope import visible_salespeople


def plans(user, kind: str | None = None):
    ids = list(visible_salespeople(user).values_list("pk", flat=True))
    qs = ActionPlan.objects.filter(salesperson_id__in=ids).select_related("salesperson").prefetch_related("items")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-period_start", "salesperson_id")[:200]
