"""Customers are business data: not in the Django admin (SPEC §1.1, the system administrator sees no business
data; issue 10 item 9: the admin's change form bypassed 绝密 and changed confidentiality without the audit log).
Customers are read and changed on the customer pages and the API, through ``customers.services``."""
