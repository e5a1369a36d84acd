from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from yewu.common.bounds import fits

from .pinyin import search_keys


class Kind(models.TextChoices):
    STANDARD = "standard", "常规型号"
    GB = "gb", "国标"
    NONSTANDARD = "nonstandard", "非国标"
    CUSTOM = "custom", "定制"
    HARNESS = "harness", "线束"


class PriceSource(models.TextChoices):
    LIST = "list", "指导价表"
    FINANCE = "finance", "财务核价"


class Product(models.Model):
    code = models.CharField("产品编码", max_length=40, unique=True)
    name = models.CharField("品名", max_length=100)
    specification = models.CharField("规格型号", max_length=200, blank=True)
    unit = models.CharField("单位", max_length=10, default="个")
    pack_size = models.PositiveIntegerField("包装数量", default=1)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.STANDARD)
    on_guide_list = models.BooleanField("在指导价表内", default=True)
    price_source = models.CharField("价格来源", max_length=10, choices=PriceSource.choices, default=PriceSource.LIST)
    active = models.BooleanField("在售", default=True)
    # the product picker's pinyin search (yewu/catalog/pinyin.py), kept in step with the name on every save
    search_initials = models.CharField("品名拼音首字母", max_length=200, blank=True, editable=False)
    search_pinyin = models.CharField("品名全拼", max_length=600, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "产品"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_initials, self.search_pinyin = search_keys(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "search_initials", "search_pinyin"}
        super().save(*args, **kwargs)

    def guide_price_on(self, day):
        """The GuidePrice in force on ``day`` (None when there is none)."""
        return self.guide_prices.filter(effective_from__lte=day).order_by("-effective_from", "-id").first()


class GuidePrice(models.Model):
    """Effective-dated guide price (指导价, tax-inclusive). Never edited once in force: a change is a new row."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="guide_prices")
    price = models.DecimalField("指导价（含税）", max_digits=12, decimal_places=2)
    effective_from = models.DateField("生效日期", default=timezone.localdate)
    source = models.CharField("来源", max_length=10, choices=PriceSource.choices, default=PriceSource.LIST)
    note = models.CharField("说明", max_length=200, blank=True)
    price_request = models.ForeignKey("PriceRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "指导价"
        ordering = ["product", "-effective_from", "-id"]
        constraints = [
            *fits("price", digits=12, places=2),
            models.UniqueConstraint(fields=["product", "effective_from"], name="guideprice_product_day_unique"),
            models.CheckConstraint(condition=models.Q(price__gt=Decimal("0")), name="guideprice_positive"),
        ]

    def __str__(self):
        return f"{self.product.code} {self.price} @ {self.effective_from}"


class RequestState(models.TextChoices):
    PENDING = "pending", "待财务答复"
    ANSWERED = "answered", "已答复"
    REJECTED = "rejected", "已驳回"
    CANCELLED = "cancelled", "已撤回"


class AnswerScope(models.TextChoices):
    PRODUCT = "product", "作为该产品指导价（带生效日期）"
    REQUEST = "request", "仅本次申请"


class PriceRequest(models.Model):
    """``price.finance_guide``: an SP asks Finance for the guide price of a custom/unlisted product."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="price_requests")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3, null=True, blank=True)
    note = models.TextField("说明", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="price_requests")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField("询价时间", default=timezone.now)
    due_at = models.DateTimeField("财务答复期限", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=RequestState.choices, default=RequestState.PENDING, db_index=True)
    answer_price = models.DecimalField("指导价（含税）", max_digits=12, decimal_places=2, null=True, blank=True)
    answer_scope = models.CharField("答复范围", max_length=10, choices=AnswerScope.choices, blank=True)
    answer_effective_from = models.DateField("生效日期", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField("驳回原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("quantity", digits=14, places=3), *fits("answer_price", digits=12, places=2)]
        verbose_name = verbose_name_plural = "价格申请"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"价格申请 #{self.pk} {self.product.code}"

    def age_hours(self, now=None) -> float:
        end = self.answered_at or now or timezone.now()
        return round((end - self.created_at).total_seconds() / 3600, 1)

    @property
    def age_display(self) -> str:
        h = self.age_hours()
        if h < 1:
            return f"{int(h * 60)} 分钟"
        if h < 48:
            return f"{h:.1f} 小时"
        return f"{h / 24:.1f} 天"
