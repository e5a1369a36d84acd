from django.contrib import admin

from .models import GuidePrice, PriceRequest, Product


class GuidePriceInline(admin.TabularInline):
    model = GuidePrice
    extra = 0
    readonly_fields = ["created_by", "created_at", "source", "price_request"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "specification", "unit", "kind", "on_guide_list", "price_source", "active"]
    list_filter = ["kind", "on_guide_list", "price_source", "active"]
    search_fields = ["code", "name", "specification"]
    inlines = [GuidePriceInline]


@admin.register(PriceRequest)
class PriceRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "requested_by", "state", "answer_price", "created_at", "answered_at"]
    list_filter = ["state"]
    readonly_fields = ["created_at"]
