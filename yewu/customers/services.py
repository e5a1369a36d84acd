"""The customer writes other areas call (filing a customer, entering a web lead, logging a visit). Each lives in
its sub-area (``archive``, ``leads``, ``visits``); this module names the public entry points in one place."""

from yewu.customers.archive.services import (
    ContactIn,
    CustomerIn,
    file_customer,
    review_customer,
    transfer_customer,
    update_customer,
)
from yewu.customers.leads.services import allocate_lead, deactivate_user, enter_lead, release_customers_of
from yewu.customers.visits.services import VisitIn, log_visit

__all__ = ["ContactIn", "CustomerIn", "VisitIn", "allocate_lead", "deactivate_user", "enter_lead", "file_customer",
           "log_visit", "release_customers_of", "review_customer", "transfer_customer", "update_customer"]
