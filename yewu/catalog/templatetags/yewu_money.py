from decimal import Decimal

from django import template

from yewu.policy.pricing import fmt

register = template.Library()


@register.filter
def money(value):
    """1234.5 → 1,234.50 (CNY, 2 places, ROUND_HALF_UP); empty for None."""
    if value in (None, ""):
        return ""
    return fmt(Decimal(str(value)))
