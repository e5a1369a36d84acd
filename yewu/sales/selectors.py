"""The sales area's reads, for other areas (orders, customers, desk). Inside sales, import the sub-area module:
``quotes.selectors`` (who sees which quotes and customers) and ``followup.selectors`` (24 h list, coaching)."""

from __future__ import annotations

from .followup.selectors import coaching_tasks_for, overdue_quote_requests
from .quotes.selectors import customers_for_user, quotes_visible_to

__all__ = ["coaching_tasks_for", "customers_for_user", "overdue_quote_requests", "quotes_visible_to"]
