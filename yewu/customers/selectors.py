"""The customer reads other areas call: which customers a user may see (row-level access), one customer, the
customer search and its type-ahead picker, the pool and overdue first contacts. Each lives in its sub-area; this module names them."""

from yewu.customers.archive.selectors import customer_for, customers_visible_to, pool
from yewu.customers.leads.selectors import first_contact_overdue, manager_worklist
from yewu.customers.search.selectors import pick, search

__all__ = ["customer_for", "customers_visible_to", "first_contact_overdue", "manager_worklist", "pick", "pool", "search"]
