"""`|figure`: a sales-management figure in its unit — money ("1234.5", Decimal) as 1,234.50, counts as 1,234."""

from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from yewu.catalog.templatetags.yewu_money import money

register = template.Library()


@register.filter
def figure(value):
    if value in (None, ""):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return intcomma(value)
    if isinstance(value, Decimal) or (isinstance(value, str) and "." in value):
        try:
            return money(value)
        except (InvalidOperation, ValueError):
            return value
    return value
