"""Route visits (reads), cut by the one scope selector."""

from ..models import RouteVisit
from ..scope import visible_salespeople


def visits(user, limit: int = 200):
    ids = list(visible_salespeople(user).values_list("pk", flat=True))
    return RouteVisit.objects.filter(salesperson_id__in=ids).select_related("customer", "salesperson", "order")[:limit]


def due_next_visits(user, day):
    """Route visits whose agreed next visit date is on or before ``day`` (the reminder list)."""
    ids = list(visible_salespeople(user).values_list("pk", flat=True))
    return RouteVisit.objects.filter(salesperson_id__in=ids, next_visit_on__lte=day).select_related("customer")
