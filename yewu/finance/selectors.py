"""The money reads other apps may use (work lists and home pages in ``yewu.desk``, the customer pages). Each lives
in its sub-area; this module only names them, so callers outside finance do not depend on finance's inside."""

from .access import money_customers, sees_all_money
from .invoices.selectors import ChargeInvoicing, charge_invoicing
from .receipts.selectors import receipts_visible_to
from .receivables.balances import customer_credit_balance
from .receivables.selectors import aging, collection_tasks_visible_to, overdue_for_manager, receivables

__all__ = ["money_customers", "sees_all_money", "receipts_visible_to", "customer_credit_balance", "aging",
           "collection_tasks_visible_to", "overdue_for_manager", "receivables", "ChargeInvoicing",
           "charge_invoicing"]
