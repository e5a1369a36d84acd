"""Admin helpers shared by the apps.

The Django admin is the system administrator's tool (SPEC §1.1: users, roles, settings; no business data). So
business records (customers, visits, products and prices, orders …) are not registered in it at all; what it may
change (users, teams, departments, the holiday calendar) is written to Yewu's audit log like any other change
(:class:`AuditedAdmin`); append-only records are :class:`ReadOnlyAdmin`.
"""

from django.contrib import admin

SECRET_FIELDS = {"password"}  # never copied into the audit log


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records (audit log, settings versions): the admin may look, never add, change or delete —
    those records are written only by their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _snapshot(obj) -> dict:
    from yewu.audit.services import snapshot

    return {k: v for k, v in snapshot(obj).items() if k not in SECRET_FIELDS}


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin is one audit entry (who, when, before → after, SPEC §8.6),
    written in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        from yewu.audit.services import record

        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record(actor=request.user, action="update" if change else "create", obj=obj, before=before,
               after=_snapshot(obj), reason="系统管理（/admin/）")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.has_changed() for fs in formsets):
            from yewu.audit.services import record

            record(actor=request.user, action="update", obj=form.instance, after=_snapshot(form.instance),
                   reason="系统管理（/admin/）：关联记录")

    def delete_model(self, request, obj):
        from yewu.audit.services import record

        record(actor=request.user, action="delete", obj=obj, before=_snapshot(obj), reason="系统管理（/admin/）")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
