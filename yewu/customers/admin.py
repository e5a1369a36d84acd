from django.contrib import admin

from yewu.common.admin import ReadOnlyAdmin

from .models import Contact, Customer, OwnershipChange, Visit


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    exclude = ["mobile_norm", "phone_norm"]


class OwnershipInline(admin.TabularInline):
    model = OwnershipChange
    extra = 0
    can_delete = False
    fk_name = "customer"
    readonly_fields = ["at", "kind", "from_user", "to_user", "by", "reason", "rule"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Read mostly: ownership, duplicates and confidentiality are enforced by services, so the admin is for
    looking up records; changes go through the customer pages."""

    list_display = ["name", "city", "owner", "status", "demand_grade", "review_state", "confidentiality", "late_entry",
                    "created_at"]
    list_filter = ["status", "demand_grade", "review_state", "confidentiality", "late_entry", "is_web_lead", "source"]
    search_fields = ["name", "short_name", "credit_code", "search_initials"]
    raw_id_fields = ["owner", "created_by"]
    readonly_fields = ["name_key", "search_initials", "search_pinyin", "created_at", "updated_at", "entry_due_at"]
    inlines = [ContactInline, OwnershipInline]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False  # cust.destruction: no hard delete


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["customer", "user", "at", "channel", "purpose", "step", "unplanned"]
    list_filter = ["channel", "step", "unplanned"]
    search_fields = ["customer__name", "purpose"]
    raw_id_fields = ["customer", "user", "accompanied_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OwnershipChange)
class OwnershipChangeAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "from_user", "to_user", "by", "at", "rule"]
    list_filter = ["kind"]
    search_fields = ["customer__name", "reason"]
