"""Treasury (SPEC §5.5): payment requests and expense claims, prior expense approvals, cash advances, the cash
journal with its deposit tasks and exceptions, cash counts and bank reconciliations.

Finance records are never deleted: documents are voided with a reason, journal entries are reversed (红冲)
by a second entry that points at the first. Money is Decimal(14, 2).
"""

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits

MONEY = {"max_digits": 14, "decimal_places": 2}


class Method(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "转账"


class Category(models.TextChoices):
    SALES = "sales", "销售费用"
    TRAVEL = "travel", "差旅费"
    OFFICE = "office", "办公费"
    PURCHASE = "purchase", "采购款"
    OTHER = "other", "其他"


class ExpenseRequest(models.Model):
    """A sales expense requested before it is incurred (事前申请), approved by the SM (`expense.prior_approval`)."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"
        VOIDED = "voided", "已作废"

    number = models.CharField("单号", max_length=40, unique=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT)
    purpose = models.CharField("费用事由", max_length=300)
    amount = models.DecimalField("预计金额", **MONEY)
    planned_on = models.DateField("预计发生日期")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        verbose_name = verbose_name_plural = "费用事前申请"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"费用申请 {self.number}"


class CashAdvance(models.Model):
    """现金借支单 (`cash.advance_max_3000`): approval department manager → FD, paid by the cashier, settled by
    a claim and/or cash repaid by the due date."""

    class Purpose(models.TextChoices):
        TRAVEL = "travel", "出差"
        CASH_PURCHASE = "cash_purchase", "现金采购"
        OTHER = "other", "其他"

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "待付款"
        REJECTED = "rejected", "已驳回"
        PAID = "paid", "已借出"
        SETTLED = "settled", "已结清"
        VOIDED = "voided", "已作废"

    number = models.CharField("单号", max_length=40, unique=True)
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="借支人")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT)
    purpose_kind = models.CharField("借支类别", max_length=20, choices=Purpose.choices)
    purpose = models.CharField("借支事由", max_length=300)
    amount = models.DecimalField("金额", **MONEY)
    due_date = models.DateField("还款/报销日期")
    large_cash_notified_on = models.DateField("大额现金通知财务日期", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    repaid_amount = models.DecimalField("现金还款", default=0, **MONEY)
    claim_offset = models.DecimalField("报销冲抵", default=0, **MONEY)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    decision = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", "repaid_amount", "claim_offset", digits=14, places=2)]
        verbose_name = verbose_name_plural = "现金借支单"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"现金借支单 {self.number}"


class PaymentDoc(models.Model):
    """付款审批单 (kind=payment) or 费用报销单 (kind=expense), through `pay.approval_chain`."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "付款审批单"
        EXPENSE = "expense", "费用报销单"

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "待付款"
        REJECTED = "rejected", "已驳回"
        PAID = "paid", "已付讫"
        VOIDED = "voided", "已作废"

    number = models.CharField("单号", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="经办人")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT)
    category = models.CharField("费用类别", max_length=20, choices=Category.choices)
    purpose = models.CharField("用途/事由", max_length=300)
    payee = models.CharField("收款单位/人", max_length=200)
    payee_account = models.CharField("收款账号", max_length=200, blank=True)
    amount = models.DecimalField("金额", **MONEY)
    method = models.CharField("付款方式", max_length=10, choices=Method.choices)
    payment_date = models.DateField("付款日期", null=True, blank=True)
    large_cash_notified_on = models.DateField("大额现金通知财务日期", null=True, blank=True)
    incurred_on = models.DateField("费用发生日期", null=True, blank=True)
    prior_approval = models.ForeignKey(ExpenseRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
                                       verbose_name="事前申请")
    advance = models.ForeignKey(CashAdvance, null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
                                verbose_name="冲抵借支")
    offset_amount = models.DecimalField("冲抵借支金额", default=0, **MONEY)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approval_roles = models.JSONField(default=list, blank=True)
    decision = models.JSONField(default=dict, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    voucher_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+")
    voucher_reviewed_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", "offset_amount", digits=14, places=2)]
        verbose_name = verbose_name_plural = "付款/报销单"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def payable(self):
        """What the cashier pays out: the amount less the part that settles the applicant's advance."""
        return self.amount - self.offset_amount


class ExpenseLine(models.Model):
    doc = models.ForeignKey(PaymentDoc, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    incurred_on = models.DateField("日期")
    description = models.CharField("摘要", max_length=200)
    amount = models.DecimalField("金额", **MONEY)
    attachments = models.PositiveSmallIntegerField("单据张数", default=0)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        ordering = ["doc", "position"]


class CashEntry(models.Model):
    """One line of the cash journal (现金日记账): a receipt or a payment, never both (`cash.no_netting`).
    A reversal (红冲) is a second entry with ``reverses`` set and the negative amount in the same column."""

    class Direction(models.TextChoices):
        IN = "in", "收入"
        OUT = "out", "支出"

    class Source(models.TextChoices):
        PAYMENT = "payment", "付款/报销"
        ADVANCE = "advance", "借支"
        ADVANCE_REPAY = "advance_repay", "借支还款"
        BANK_WITHDRAWAL = "bank_withdrawal", "银行提现"
        BANK_DEPOSIT = "bank_deposit", "存入银行"
        CUSTOMER = "customer", "客户现金收款"
        OTHER = "other", "其他"

    number = models.CharField("凭证号", max_length=40, unique=True)
    entry_date = models.DateField("日期")
    direction = models.CharField("收/支", max_length=3, choices=Direction.choices)
    amount = models.DecimalField("金额", **MONEY)
    summary = models.CharField("摘要", max_length=200)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.OTHER)
    payment_doc = models.ForeignKey(PaymentDoc, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_entries")
    advance = models.ForeignKey(CashAdvance, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_entries")
    for_payment = models.ForeignKey(PaymentDoc, null=True, blank=True, on_delete=models.PROTECT, related_name="drawn_for",
                                    help_text="cash drawn for a pre-announced large payment (cash.max_on_hand_5000 exception)")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField("红冲原因", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        verbose_name = verbose_name_plural = "现金日记账"
        ordering = ["entry_date", "id"]

    def __str__(self):
        return f"{self.number} {self.get_direction_display()} {self.amount}"

    @property
    def signed(self):
        return self.amount if self.direction == self.Direction.IN else -self.amount


class DepositTask(models.Model):
    """Created when a posting takes cash on hand above the limit (`cash.max_on_hand_5000`)."""

    day = models.DateField()
    amount = models.DecimalField("应存金额", **MONEY)
    entry = models.ForeignKey(CashEntry, on_delete=models.PROTECT, related_name="+")
    done_entry = models.ForeignKey(CashEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("amount", digits=14, places=2)]
        ordering = ["-day", "-id"]


class CashException(models.Model):
    """Nightly findings: end-of-day cash above the limit, or no daily count."""

    class Kind(models.TextChoices):
        EXCESS = "excess", "日终库存现金超限"
        NO_COUNT = "no_count", "未做每日盘点"

    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    rule = models.CharField(max_length=60)
    balance = models.DecimalField(**MONEY)
    reserved = models.DecimalField(default=0, **MONEY)
    limit = models.DecimalField(default=0, **MONEY)
    excess = models.DecimalField(default=0, **MONEY)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            *fits("balance", "reserved", "limit", "excess", digits=14, places=2),
            models.UniqueConstraint(fields=["day", "kind"], name="cash_exception_day_kind_unique"),
        ]


class CashCount(models.Model):
    """Daily count, and the month-end formal count on the 现金盘点表 (`cash.daily_count`, `sod.count_witness`)."""

    class Kind(models.TextChoices):
        DAILY = "daily", "每日盘点"
        MONTHLY = "monthly", "月末盘点"

    number = models.CharField("单号", max_length=40, unique=True)
    day = models.DateField("盘点日期")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DAILY)
    denominations = models.JSONField("券别", default=dict)
    counted = models.DecimalField("实点金额", **MONEY)
    book = models.DecimalField("账面余额", **MONEY)
    difference = models.DecimalField("差额", **MONEY)
    explanation = models.CharField("差异说明", max_length=300, blank=True)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    witnessed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("counted", "book", "difference", digits=14, places=2)]
        ordering = ["-day", "-id"]


class BankReconciliation(models.Model):
    """银行存款余额调节表 (`bank.monthly_reconciliation`): saved only when it balances."""

    number = models.CharField("单号", max_length=40, unique=True)
    account = models.CharField("银行账户", max_length=100)
    month = models.CharField("月份", max_length=7)
    book_balance = models.DecimalField("企业账面余额", **MONEY)
    bank_balance = models.DecimalField("银行对账单余额", **MONEY)
    items = models.JSONField("未达账项", default=dict)
    adjusted_balance = models.DecimalField("调节后余额", **MONEY)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    void_reason = models.CharField(max_length=300, blank=True)
    voided = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits("book_balance", "bank_balance", "adjusted_balance", digits=14, places=2)]
        ordering = ["-month", "-id"]
