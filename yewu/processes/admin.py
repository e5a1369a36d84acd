from django.contrib import admin

from yewu.common.admin import ReadOnlyAdmin

from .models import ProcessDefinition, ProcessStep


class StepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    fields = ("order", "code", "department", "role", "action", "limit_kind", "limit_n", "branch_condition", "is_approval",
              "input_forms", "expected_result", "instructions", "key_point", "standard")

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    """Read-only here: drafts are edited on /processes/<code>/ through processes.services (audited); status
    changes only through submit / GM approval."""

    list_display = ("code", "name", "version", "status", "effective_date", "rollout_due")
    list_filter = ("status",)
    inlines = [StepInline]
    readonly_fields = ("code", "version", "status", "effective_date", "rollout_due", "based_on", "created_by",
                       "approved_at", "published_at", "retired_at")
