"""The treasury reads other apps may use (home pages and work lists in ``yewu.desk``). Each lives in its
sub-area; this module only names them."""

from .access import sees_all_money
from .advances.selectors import overdue_advances
from .cash.selectors import balance_at, balance_total
from .claims.selectors import expense_inbox, pay_queue

__all__ = ["sees_all_money", "overdue_advances", "balance_at", "balance_total", "expense_inbox", "pay_queue"]
