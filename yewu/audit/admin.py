from django.contrib import admin

from yewu.common.admin import ReadOnlyAdmin

from .models import AuditEntry

# what the system administrator may read of the audit log: users, teams, departments, calendar, settings versions
# and logins — never the entries of business records, whose before/after carry the business data (SPEC §1.1)
ADMIN_OBJECT_TYPES = ("org.", "auth.")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only (SPEC §8.6); only the entries of the admin's own records."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr", "rule"]
    list_filter = ["action", "object_type", "rule"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason", "rule"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        from django.db.models import Q

        q = Q(pk__in=[])
        for prefix in ADMIN_OBJECT_TYPES:
            q |= Q(object_type__startswith=prefix)
        return super().get_queryset(request).filter(q)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
