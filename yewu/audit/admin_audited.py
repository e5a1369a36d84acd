"""The admin's writes go to Yewu's audit log (SPEC §8.6): what the system administrator may change in /admin/
(users, teams, departments, the holiday calendar) is one audit entry per add, change or delete."""

from django.contrib import admin

from .services import record, snapshot

SECRET_FIELDS = {"password"}  # never copied into the audit log


def _snapshot(obj) -> dict:
    return {k: v for k, v in snapshot(obj).items() if k not in SECRET_FIELDS}


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin is one audit entry (who, when, before → after, SPEC §8.6),
    written in the admin's own transaction."""

    def save_model(self, request, obj, form, change):
        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record(actor=request.user, action="update" if change else "create", obj=obj, before=before,
               after=_snapshot(obj), reason="系统管理（/admin/）")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.has_changed() for fs in formsets):
                record(actor=request.user, action="update", obj=form.instance, after=_snapshot(form.instance),
                   reason="系统管理（/admin/）：关联记录")

    def delete_model(self, request, obj):
        record(actor=request.user, action="delete", obj=obj, before=_snapshot(obj), reason="系统管理（/admin/）")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
