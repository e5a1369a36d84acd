from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits


class QuoteState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待审批"
    APPROVED = "approved", "已批准"
    SENT = "sent", "已发送"
    ACCEPTED = "accepted", "已接受"
    LOST = "lost", "已丢单"
    EXPIRED = "expired", "已过期"


class InvoiceChoice(models.TextChoices):
    VAT_SPECIAL = "vat_special", "增值税专用发票"
    GENERAL = "general", "普通发票"
    NONE = "none", "不开票"


class Quote(models.Model):
    number = models.CharField("报价单号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="quotes", verbose_name="客户")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quotes", verbose_name="业务员")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    quote_date = models.DateField("报价日期")
    valid_until = models.DateField("有效期至")
    invoice_choice = models.CharField("发票", max_length=20, choices=InvoiceChoice.choices, default=InvoiceChoice.VAT_SPECIAL)
    fee_rate = models.DecimalField("费用率（%）", max_digits=5, decimal_places=2, default=Decimal("0"))
    state = models.CharField("状态", max_length=20, choices=QuoteState.choices, default=QuoteState.DRAFT, db_index=True)
    total = models.DecimalField("合计（含税）", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    received_at = models.DateTimeField("询价时间")
    response_warn_at = models.DateTimeField("24小时预警", null=True, blank=True)
    response_due_at = models.DateTimeField("24小时答复期限", null=True, blank=True, db_index=True)
    needs_sm = models.BooleanField("需业务经理审批", default=False)
    needs_gm = models.BooleanField("需总经理审批", default=False)
    sm_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sm_approved_at = models.DateTimeField(null=True, blank=True)
    gm_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    gm_approved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.CharField("丢单原因", max_length=300, blank=True)
    reject_comment = models.CharField("退回意见", max_length=300, blank=True)
    notes = models.TextField("备注", blank=True)
    policy_version = models.IntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "报价单"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "state"]), models.Index(fields=["owner", "state"])]
        constraints = [
            *fits("fee_rate", digits=5, places=2),
            *fits("total", digits=14, places=2),
            models.CheckConstraint(condition=models.Q(fee_rate__gte=0) & models.Q(fee_rate__lt=100),
                                   name="quote_fee_rate_range"),
        ]

    def __str__(self):
        return self.number

    @property
    def editable(self) -> bool:
        return self.state == QuoteState.DRAFT


class QuoteLine(models.Model):
    """A priced line. G, P, x, N, B, floor, d, outcome and commission effect are stored as decided at the
    time and never recomputed from later guide-price changes (price.guide)."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=1)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_code = models.CharField("编码", max_length=40)
    product_name = models.CharField("品名", max_length=100)
    specification = models.CharField("规格", max_length=200, blank=True)
    unit = models.CharField("单位", max_length=10)
    kind = models.CharField(max_length=20)
    on_guide_list = models.BooleanField(default=True)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3)
    guide_price = models.DecimalField("指导价 G", max_digits=12, decimal_places=2)
    guide_source = models.CharField(max_length=10, default="list")
    price_request = models.ForeignKey("catalog.PriceRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField("单价 P", max_digits=12, decimal_places=2)
    fee_rate = models.DecimalField("费用率 x", max_digits=5, decimal_places=2, default=Decimal("0"))
    net_price = models.DecimalField("净价 N", max_digits=12, decimal_places=2)
    baseline = models.DecimalField("基准价 B", max_digits=12, decimal_places=2)
    floor = models.DecimalField("最低价", max_digits=12, decimal_places=2)
    min_price = models.DecimalField("最低单价", max_digits=12, decimal_places=2)
    discount_pct = models.DecimalField("低于基准 d（%）", max_digits=7, decimal_places=2, null=True, blank=True)
    fee = models.DecimalField("费用", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    outcome = models.CharField("结果", max_length=20)
    commission_rate = models.DecimalField("提成比例（%）", max_digits=6, decimal_places=3)
    commission_delta = models.DecimalField("提成影响（百分点）", max_digits=6, decimal_places=3)
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    decision = models.JSONField(default=dict)

    class Meta:
        ordering = ["quote", "position", "id"]
        constraints = [
            *fits("quantity", digits=14, places=3),
            *fits("guide_price", "unit_price", "net_price", "baseline", "floor", "min_price", "fee", digits=12, places=2),
            *fits("fee_rate", digits=5, places=2),
            *fits("discount_pct", digits=7, places=2),
            *fits("commission_rate", "commission_delta", digits=6, places=3),
            *fits("amount", digits=14, places=2),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="quoteline_qty_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gt=0), name="quoteline_price_positive"),
        ]

    @property
    def message(self) -> str:
        return (self.decision or {}).get("message", "")

    @property
    def outcome_label(self) -> str:
        return {"allowed": "通过", "needs_approval": "需审批", "refused": "拒绝"}.get(self.outcome, self.outcome)


class QuoteApproval(models.Model):
    """LEGACY, read-only: quote approvals before they moved onto the shared approval engine
    (yewu.approvals, doc_type "quote"). Nothing writes here any more; kept as history shown on the quote."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(max_length=4)  # SM / GM
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10)  # approve / reject
    comment = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class CoachingTask(models.Model):
    """A lost quote opens a coaching task for the salesperson's SM (SPEC §3.3, §7 ``daily.shortfall_coaching``):
    the SM records a coaching note by the end of the next working day (D)."""

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="coaching_task")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="业务员")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="辅导人")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField("丢单原因", max_length=300)
    due_at = models.DateTimeField("辅导期限", db_index=True)
    note = models.TextField("辅导记录", blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "丢单辅导任务"
        ordering = ["done_at", "due_at", "id"]

    def __str__(self):
        return f"辅导：{self.quote.number}"

    @property
    def open(self) -> bool:
        return self.done_at is None
