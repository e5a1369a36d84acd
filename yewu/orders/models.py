"""Sales orders, their settlement and delivery promises, payments received against them, shipments
(出仓单) and document numbers (SPEC §4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits


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
    returned_amount = models.DecimalField("已退货金额", max_digits=14, decimal_places=2, default=Decimal("0.00"),
                                          help_text="plain returns received back (return.flow): no longer owed")
    is_new_customer = models.BooleanField("新客户", default=False)
    decision = models.JSONField("规则判定", default=dict, blank=True)
    policy_version = models.IntegerField(default=0)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ready_on = models.DateField("备妥日", null=True, blank=True)
    target_ship_on = models.DateField("目标发货日", null=True, blank=True)
    promised_ship_on = models.DateField("承诺发货日", null=True, blank=True)
    deposit_arrived_on = models.DateField("定金到账日", null=True, blank=True)
    delivered_on = models.DateField("送达日", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    idempotency_hash = models.CharField(max_length=64, blank=True, default="",
                                        help_text="SHA-256 of the creating request: a reused key must repeat it")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "销售订单"
        ordering = ["-created_at", "-id"]
        indexes = [  # the list orders and filters (issue 14): newest first; a salesperson's; by status
            models.Index(fields=["-created_at", "-id"], name="order_newest_idx"),
            models.Index(fields=["salesperson", "-created_at", "-id"], name="order_sp_newest_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_newest_idx"),
        ]
        constraints = [
            *fits("total", "custom_total", "deposit_required", "paid_amount", "returned_amount", digits=14, places=2),
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
    def net_total(self) -> Decimal:
        """What the customer owes for the order in all: total less plain returns received back."""
        return self.total - self.returned_amount

    @property
    def unpaid(self) -> Decimal:
        """Open amount, net of returned goods (credit notes); never negative."""
        return max(self.total - self.returned_amount - self.paid_amount, Decimal("0.00"))


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
    # commission.base: the line's fee share (price.fee_grossup) — the quote's fee rate x when the order comes from a
    # quote with a fee, else 0; fee = qty × (P − N). The commission basis of money allocated to the line excludes
    # fee ÷ line_total of it.
    fee_rate = models.DecimalField("费用率 x（%）", max_digits=5, decimal_places=2, default=Decimal("0"))
    fee = models.DecimalField("费用", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    shipped_qty = models.DecimalField("已发数量", max_digits=14, decimal_places=3, default=Decimal("0"))
    returned_qty = models.DecimalField("已退数量", max_digits=14, decimal_places=3, default=Decimal("0"))
    exchange_qty = models.DecimalField("换货待补发数量", max_digits=14, decimal_places=3, default=Decimal("0"),
                                       help_text="exchanged (returned) quantity to be shipped again")
    # per-line promise: standard lines from the ready date (delivery.standard_3_4d), custom lines the date PROD
    # enters (delivery.custom_production)
    target_ship_on = models.DateField("目标发货日", null=True, blank=True)
    promised_ship_on = models.DateField("承诺发货日", null=True, blank=True)
    prod_date_due_at = models.DateTimeField("生产交期录入期限", null=True, blank=True)
    prod_date_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    prod_date_set_at = models.DateTimeField(null=True, blank=True)
    late_flagged_on = models.DateField("标记逾期日", null=True, blank=True)

    class Meta:
        constraints = [
            *fits("quantity", "shipped_qty", "returned_qty", "exchange_qty", digits=14, places=3),
            *fits("unit_price", "guide_price", digits=12, places=2),
            *fits("line_total", "fee", digits=14, places=2),
            *fits("commission_delta", digits=6, places=3),
            *fits("fee_rate", digits=5, places=2),
        ]
        ordering = ["order", "id"]

    @property
    def is_custom(self) -> bool:
        return self.kind == "custom"

    @property
    def open_qty(self) -> Decimal:
        """Still to ship: ordered − shipped + exchanged goods taken back (exchange = return + new shipment)."""
        return self.quantity - self.shipped_qty + self.exchange_qty

    @property
    def returnable_qty(self) -> Decimal:
        """`return.flow`: at most shipped − already returned."""
        return self.shipped_qty - self.returned_qty


class Payment(models.Model):
    """Money confirmed arrived for an order (deposit or payment). Stand-in for finance receipts (issue 5):
    recorded by FIN/CA only (`sod.receipt_recorder`), never deleted."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    arrived_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]


class Attachment(models.Model):
    """A small uploaded file kept in the database (signed delivery copy, contract scan)."""

    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Shipment(models.Model):
    number = models.CharField("出仓单号", max_length=30, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shipped_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)
    # ship.goods_issue_note: the customer-signed copy (photo or e-signature) sets the delivery date
    delivered_on = models.DateField("客户签收日", null=True, blank=True)
    signed_by_name = models.CharField("签收人", max_length=50, blank=True)
    e_signature = models.BooleanField("电子签名", default=False)
    signed_copy = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")
    delivery_recorded_at = models.DateTimeField(null=True, blank=True)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(max_digits=14, decimal_places=3)

    class Meta:
        constraints = [*fits("quantity", digits=14, places=3)]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "评审中"
    APPROVED = "approved", "评审通过"
    REJECTED = "rejected", "评审驳回"
    SIGNED = "signed", "已签订"
    FILED = "filed", "已归档"
    CANCELLED = "cancelled", "已作废"


class Contract(models.Model):
    """销售合同 (SPEC §4.4). The number (`contract.number_format`) is assigned at signing."""

    number = models.CharField("合同编号", max_length=30, unique=True, null=True, blank=True)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="contract")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="contracts")
    amount = models.DecimalField("合同金额", max_digits=14, decimal_places=2)
    status = models.CharField("状态", max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    is_major = models.BooleanField("重大合同", default=False)
    due_diligence = models.JSONField("资信调查", default=dict, blank=True)
    terms = models.TextField("主要条款", blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    signed_on = models.DateField("签订日", null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    filing_due_at = models.DateTimeField("归档期限", null=True, blank=True)
    filed_at = models.DateTimeField("归档时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    scan = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filing_flagged_at = models.DateTimeField("归档逾期标记", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        verbose_name = verbose_name_plural = "销售合同"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number or f"合同（订单 {self.order.number}）"


class ReturnStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    CONFIRMED = "confirmed", "经理已确认"
    INSPECTED = "inspected", "质检已检验"
    AWAITING_GM = "awaiting_gm", "待总经理批准"
    APPROVED = "approved", "已批准"
    RECEIVED = "received", "仓库已收货"
    CREDITED = "credited", "财务已冲红"
    REJECTED = "rejected", "已驳回"
    REVERSED = "reversed", "收货已撤销"


class ReturnRequest(models.Model):
    """退货/换货 (`return.flow`): apply → SM confirms → QC inspects → SM (and GM when late) approves → WH
    receives on a red-ink note → FIN credit note."""

    number = models.CharField("退货单号", max_length=30, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="returns")
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=3)
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    reason = models.CharField("退货原因", max_length=300)
    quality_defect = models.BooleanField("质量问题", default=False)
    exchange = models.BooleanField("换货", default=False)
    status = models.CharField("状态", max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.APPLIED)
    needs_gm = models.BooleanField("需总经理批准", default=False)
    days_after_delivery = models.IntegerField("送达后天数", null=True, blank=True)
    decision = models.JSONField(default=dict, blank=True)
    qc_is_ours = models.BooleanField("确为本公司产品", null=True, blank=True)
    qc_condition = models.CharField("货品状况", max_length=300, blank=True)
    red_note_number = models.CharField("红字出库单号", max_length=30, blank=True)
    credit_reference = models.CharField("红字发票/贷项通知", max_length=100, blank=True)
    history = models.JSONField("处理记录", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)
    credited_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField("撤销时间", null=True, blank=True)
    reversal_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class Meta:
        constraints = [*fits("quantity", digits=14, places=3), *fits("amount", digits=14, places=2)]
        verbose_name = verbose_name_plural = "退货单"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class CustodyLoanStatus(models.TextChoices):
    REQUESTED = "requested", "待总经理批准"
    APPROVED = "approved", "已批准待取出"
    OUT = "out", "已借出"
    RETURNED = "returned", "已归还"
    REJECTED = "rejected", "未批准"


class ContractCustodyLoan(models.Model):
    """`contract.filing_1wd` (second half): taking the signed original out of CS custody needs GM approval and a
    return date (5 WD after the take-out day, D). The custody log (借阅登记)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="custody_loans")
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField("用途", max_length=200)
    requested_due_on = models.DateField("申请归还日", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=CustodyLoanStatus.choices, default=CustodyLoanStatus.REQUESTED)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    out_at = models.DateTimeField("借出时间", null=True, blank=True)
    out_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_back_on = models.DateField("应还日期", null=True, blank=True)
    returned_at = models.DateTimeField("归还时间", null=True, blank=True)
    returned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    return_note = models.CharField("归还说明", max_length=200, blank=True)
    overdue_flagged_on = models.DateField("逾期标记", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同原件借阅登记"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract"], condition=models.Q(status__in=["requested", "approved", "out"]),
                                               name="one_open_custody_loan_per_contract")]


class ContractRegister(models.Model):
    """`contract.monthly_register`: the numbered register (合同台账) of one month's contracts, confirmed by CS by
    the 5th of the next month. ``numbers`` is what was confirmed."""

    month = models.DateField("月份", unique=True, help_text="first day of the month")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    numbers = models.JSONField("确认时的合同编号", default=list, blank=True)
    flagged_at = models.DateTimeField("逾期标记", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "合同台账确认"
        ordering = ["-month"]


class DisputeKind(models.TextChoices):
    BREACH = "breach", "违约"
    DISPUTE = "dispute", "纠纷"
    LITIGATION = "litigation", "诉讼"
    ARBITRATION = "arbitration", "仲裁"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "处理中"
    LITIGATION = "litigation", "诉讼/仲裁中"
    RESOLVED = "resolved", "已解决"


class ContractDispute(models.Model):
    """`contract.dispute`: a breach or dispute on a contract, owned by the team's SM and reported to the GM;
    litigation/arbitration takes the contract and its order out of the normal flow."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="disputes")
    kind = models.CharField("类型", max_length=20, choices=DisputeKind.choices)
    description = models.TextField("情况")
    amount_at_stake = models.DecimalField("涉及金额", max_digits=14, decimal_places=2, default=0)
    occurred_on = models.DateField("发生日期")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.CharField("处理结果", max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount_at_stake", digits=14, places=2)]
        verbose_name = verbose_name_plural = "合同纠纷"
        ordering = ["-created_at", "-id"]
