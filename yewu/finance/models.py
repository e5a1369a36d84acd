"""Money records of SPEC §5.1–§5.3: receipts (回款) and their allocations to orders, invoice requests (开票申请单)
and invoices (发票), collection tasks, deferral requests (推迟付款) and half-year reconciliations.
Finance records are never deleted: a receipt or invoice is reversed (红冲) with a reason."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits
from yewu.policy.receivables import RECEIPT_METHODS

ZERO = Decimal("0.00")


class ReceiptStatus(models.TextChoices):
    POSTED = "posted", "已入账"
    REVERSED = "reversed", "已红冲"


class Receipt(models.Model):
    number = models.CharField("收款单号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="receipts")
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    allocated = models.DecimalField("已分配", max_digits=14, decimal_places=2, default=ZERO)
    arrived_on = models.DateField("到账日", db_index=True)
    method = models.CharField("方式", max_length=20, choices=list(RECEIPT_METHODS.items()))
    reference = models.CharField("银行流水号/票据号", max_length=100, blank=True)
    payer = models.CharField("付款人", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    for_order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="指定订单（定金）")
    status = models.CharField("状态", max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.POSTED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_on = models.DateField("红冲日", null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reversal_reason = models.CharField("红冲原因", max_length=200, blank=True)

    class Meta:
        constraints = [*fits("amount", "allocated", digits=14, places=2)]
        verbose_name = verbose_name_plural = "回款"
        ordering = ["-arrived_on", "-id"]

    def __str__(self):
        return self.number

    @property
    def unallocated(self) -> Decimal:
        return ZERO if self.status == ReceiptStatus.REVERSED else self.amount - self.allocated


class Allocation(models.Model):
    """Part of a receipt applied to an order. Never deleted; a reversal stamps ``reversed_on``. A *release*
    (negative amount, ``return_request`` and ``effective_on`` set) moves money a return made excess back from the
    order to the customer's credit balance (`receipt.allocation`, `return.flow`)."""

    class Kind(models.TextChoices):
        AUTO = "auto", "自动（先到期先分配）"
        MANUAL = "manual", "财务手工分配"
        RELEASE = "release", "退货多收转客户余额"

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="allocations")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_on = models.DateField(null=True, blank=True)
    return_request = models.ForeignKey("orders.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="退货单")
    effective_on = models.DateField("生效日", null=True, blank=True,
                                    help_text="a release counts from this date (the return's), not the receipt's arrival")

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        ordering = ["id"]


class InvoiceKind(models.TextChoices):
    VAT_SPECIAL = "vat_special", "增值税专用发票"
    GENERAL = "general", "普通发票"


class RequestState(models.TextChoices):
    WAITING = "waiting", "累计中（未满起开额）"
    MERGED = "merged", "已并入合并申请"
    PENDING_REVIEW = "pending_review", "待经理审核"
    APPROVED = "approved", "待财务开票"
    ISSUED = "issued", "已开票"
    REJECTED = "rejected", "已退回"
    REVERSED = "reversed", "发票已红冲"


# states whose lines hold a claim on the delivered, un-invoiced amount
CLAIMING_STATES = (RequestState.WAITING, RequestState.PENDING_REVIEW, RequestState.APPROVED, RequestState.ISSUED)


class InvoiceRequest(models.Model):
    """开票申请单 (`invoice.flow`). Waiting VAT special requests of one customer are merged into the request
    that brings them to ≥ 5,000.00 (`invoice.vat_min_5000`)."""

    number = models.CharField("申请单号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoice_requests")
    kind = models.CharField("发票类型", max_length=20, choices=InvoiceKind.choices)
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    state = models.CharField("状态", max_length=20, choices=RequestState.choices, db_index=True)
    reason = models.JSONField("规则判定", default=dict, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.CharField(max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # a charge invoiced without order lines names what it is for (e.g. "service_job:12"); one request per source
    source = models.CharField("来源", max_length=60, blank=True, default="")

    class Meta:
        constraints = [*fits("amount", digits=14, places=2),
                       models.UniqueConstraint(fields=["source"], condition=~models.Q(source=""),
                                               name="invoice_request_source_unique")]
        verbose_name = verbose_name_plural = "开票申请单"
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return self.number


class InvoiceRequestLine(models.Model):
    request = models.ForeignKey(InvoiceRequest, on_delete=models.PROTECT, related_name="lines")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="invoice_lines")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    first_request = models.ForeignKey(InvoiceRequest, on_delete=models.PROTECT, related_name="+",
                                      help_text="the request this line was first asked on (kept after a merge)")

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]


class Invoice(models.Model):
    """An issued invoice (发票登记) or its red-letter reversal (红字发票, negative, ``red_of`` set)."""

    class State(models.TextChoices):
        ISSUED = "issued", "已开具"
        REVERSED = "reversed", "已红冲"
        RED = "red", "红字发票"

    request = models.ForeignKey(InvoiceRequest, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField("发票类型", max_length=20, choices=InvoiceKind.choices)
    tax_number = models.CharField("发票号码", max_length=40)
    issued_on = models.DateField("开票日期")
    amount = models.DecimalField("价税合计", max_digits=14, decimal_places=2)
    net_amount = models.DecimalField("不含税金额", max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField("税额", max_digits=14, decimal_places=2)
    vat_rate_pct = models.DecimalField("税率%", max_digits=5, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ISSUED)
    red_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="red_invoice")
    reason = models.CharField("红冲原因", max_length=200, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_on = models.DateField("客户签收日", null=True, blank=True)

    class Meta:
        constraints = [
            *fits("amount", "net_amount", "tax_amount", digits=14, places=2),
            *fits("vat_rate_pct", digits=5, places=2),
        ]
        verbose_name = verbose_name_plural = "发票登记"
        ordering = ["-issued_on", "-id"]


class CollectionTask(models.Model):
    """`ar.collection_task`: opened on day 1 past due for an order's overdue amount; on the SM list > 30 days."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="collection_task")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("到期日")
    overdue_amount = models.DecimalField("逾期金额", max_digits=14, decimal_places=2)
    days_past_due = models.IntegerField("逾期天数", default=0)
    opened_on = models.DateField()
    escalated_on = models.DateField("列入经理清单", null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    note = models.CharField("催收记录", max_length=300, blank=True)

    class Meta:
        constraints = [*fits("overdue_amount", digits=14, places=2)]
        ordering = ["due_on", "id"]


class DeferralRequest(models.Model):
    """推迟付款登记 (`ar.deferral`): default answer refusal; only the SM grants."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待经理决定"
        GRANTED = "granted", "同意推迟"
        REFUSED = "refused", "不同意"

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="deferrals")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="deferrals")
    requested_on = models.DateField("申请日期")
    new_due_on = models.DateField("申请推迟至")
    reason = models.CharField("客户理由", max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    comment = models.CharField(max_length=200, blank=True)
    credit_review = models.BooleanField("标记信用复查", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "推迟付款登记"
        ordering = ["-requested_on", "-id"]


class Reconciliation(models.Model):
    """`ar.reconcile_semiannual`: the owner reconciles a statement as of 30 June / 31 December."""

    class State(models.TextChoices):
        PENDING = "pending", "待对账"
        AGREED = "agreed", "相符"
        DIFFERENCE = "difference", "有差异"

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="reconciliations")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    period_end = models.DateField("对账基准日")
    balance = models.DecimalField("账面余额", max_digits=14, decimal_places=2)
    due_on = models.DateField("报送期限")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    customer_balance = models.DecimalField("客户确认余额", max_digits=14, decimal_places=2, null=True, blank=True)
    difference_note = models.CharField("差异说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField(null=True, blank=True)
    overdue_notified = models.BooleanField(default=False)

    class Meta:
        constraints = [
            *fits("balance", "customer_balance", digits=14, places=2),
            models.UniqueConstraint(fields=["customer", "period_end"], name="recon_customer_period_unique"),
        ]
        ordering = ["-period_end", "customer_id"]


class WriteOff(models.Model):
    """`ar.bad_debt`: writing off a receivable needs SM, FD and GM (the approval engine); the debt stays in the
    receivables and is still collected — a later receipt allocated to the order counts as recovery."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已核销（继续追收）"
        REJECTED = "rejected", "未批准"

    number = models.CharField(max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="write_offs")
    amount = models.DecimalField("核销金额", max_digits=14, decimal_places=2)
    reason = models.CharField("原因", max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    recovered = models.DecimalField("已追回", max_digits=14, decimal_places=2, default=ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.recovered if self.state == self.State.APPROVED else ZERO

    class Meta:
        constraints = [*fits("amount", "recovered", digits=14, places=2)]
        verbose_name = verbose_name_plural = "坏账核销"
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return self.number
