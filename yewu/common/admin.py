"""Admin helpers shared by the apps.

The Django admin is the system administrator's tool (SPEC §1.1: users, roles, settings; no business data). So
business records (customers, visits, products and prices, orders …) are not registered in it at all; what it may
change (users, teams, departments, the holiday calendar) is written to Yewu's audit log like any other change
(``yewu.audit.admin_audited.AuditedAdmin``, kept with the audit log it writes to); append-only records are
:class:`ReadOnlyAdmin`.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records (audit log, settings versions): the admin may look, never add, change or delete —
    those records are written only by their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
