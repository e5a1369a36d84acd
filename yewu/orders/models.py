"""Sales orders, their settlement and delivery promises, payments received against them, shipments
(出仓单) and document numbers (SPEC §4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models


class Settlement(models.TextChoices):
    CASH = "CASH", "现款现货"
    PREPAY = "PREPAY", "款到发货"
    COD = "COD", "货到付款"
    CREDIT = "CREDIT", "账期"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING_APPROVAL = "pending_approval", "审批中"
    AWAITING_PAYMENT = "awaiting_payment", "待收款/定金"
    READY = "ready", "可发货"
    PARTLY_SHIPPED = "partly_shipped", "部分发货"
    SHIPPED = "shipped", "已发货"
    DELIVERED = "delivered", "已送达"
    CLOSED = "closed", "已结清"
    REJECTED = "rejected", "审批驳回"
    CANCELLED = "cancelled", "已取消"


OPEN_CREDIT_STATES = (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


class DocumentSequence(models.Model):
    """Per (type, day) counter for `contract.number_format`; row-locked when a number is taken, never reused."""

    kind = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="docseq_kind_day_unique")]


class Order(models.Model):
    number = models.CharField("订单号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    quote_id = models.BigIntegerField("报价单", null=True, blank=True)
    settlement = models.CharField("结算方式", max_length=10, choices=Settlement.choices)
    term_days = models.PositiveIntegerField("账期天数", default=0)
    delivery_address = models.CharField("送货地址", max_length=200)
    invoice_choice = models.CharField("发票", max_length=20, default="vat_special")
    status = models.CharField("状态", max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT, db_index=True)
    total = models.DecimalField("订单金额", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    custom_total = models.DecimalField("定制产品金额", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    deposit_required = models.DecimalField("应收定金", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    paid_amount = models.DecimalField("已收款", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    is_new_customer = models.BooleanField("新客户", default=False)
    decision = models.JSONField("规则判定", default=dict, blank=True)
    policy_version = models.IntegerField(default=0)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ready_on = models.DateField("备妥日", null=True, blank=True)
    target_ship_on = models.DateField("目标发货日", null=True, blank=True)
    promised_ship_on = models.DateField("承诺发货日", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "销售订单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "idempotency_key"], name="order_idempotency_unique"),
        ]

    def __str__(self):
        return self.number

    @property
    def payment_needed_before_release(self) -> Decimal:
        """Money that must have arrived before goods may leave (SPEC §4.1 release rules + deposit)."""
        if self.settlement in (Settlement.CASH, Settlement.PREPAY):
            return self.total
        return self.deposit_required

    @property
    def unpaid(self) -> Decimal:
        return max(self.total - self.paid_amount, Decimal("0.00"))


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3)
    unit_price = models.DecimalField("单价", max_digits=12, decimal_places=2)
    guide_price = models.DecimalField("指导价", max_digits=12, decimal_places=2)
    line_total = models.DecimalField("金额", max_digits=14, decimal_places=2)
    price_outcome = models.CharField(max_length=20)
    commission_delta = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    shipped_qty = models.DecimalField("已发数量", max_digits=14, decimal_places=3, default=Decimal("0"))

    class Meta:
        ordering = ["order", "id"]

    @property
    def open_qty(self) -> Decimal:
        return self.quantity - self.shipped_qty


class Payment(models.Model):
    """Money confirmed arrived for an order (deposit or payment). Stand-in for finance receipts (issue 5):
    recorded by FIN/CA only (`sod.receipt_recorder`), never deleted."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    arrived_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Shipment(models.Model):
    number = models.CharField("出仓单号", max_length=30, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shipped_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
