from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from yewu.audit.admin_audited import AuditedAdmin
from yewu.common.admin import ReadOnlyAdmin

from .models import Department, HolidayOverride, PolicyVersion, Role, Team, User


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class UserChangeForm(BaseUserChangeForm):
    roles = RolesField(label="角色", choices=Role.choices, required=False)

    class Meta(BaseUserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    form = UserChangeForm
    list_display = ["username", "display_name", "role_labels", "team", "ability_factor", "is_active"]
    list_filter = ["is_active", "team", "department"]
    search_fields = ["username", "display_name", "mobile"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("业务", {"fields": ["display_name", "mobile", "department", "team", "roles", "ability_factor", "territories",
                             "knowledge_tags"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("业务", {"fields": ["display_name", "department", "team"]}),
    )

    @admin.display(description="角色")
    def role_labels(self, obj):
        return obj.role_labels


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "manager"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "department", "manager", "territories"]
    list_filter = ["department"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Read-only here: a version is created on the settings page (/settings/) or the API, validated, previewed
    and audited (SPEC §8.5); it is never edited or deleted, since decisions store the version they used."""

    list_display = ["id", "effective_at", "reason", "created_by", "created_at"]
    readonly_fields = ["values", "old_values", "effective_at", "reason", "created_by", "created_at"]


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
