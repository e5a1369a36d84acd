from django.contrib import admin

from yewu.common.admin import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only (SPEC §8.6)."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr", "rule"]
    list_filter = ["action", "object_type", "rule"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason", "rule"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
