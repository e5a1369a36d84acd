"""Commission (提成, SPEC §5.4): one entry per receipt allocation and order line, credited to the order's
salesperson in the receipt's arrival month; a reversal adds negative entries in its own month; a return received
back adds negative 退货扣回 entries (the returned share of what was credited on that line) in the return's month."""

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits


class CommissionEntry(models.Model):
    class Kind(models.TextChoices):
        CREDIT = "credit", "回款提成"
        REVERSAL = "reversal", "红冲扣回"
        RETURN = "return", "退货扣回"

    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commission_entries")
    month = models.DateField("月份", db_index=True, help_text="first day of the month")
    booked_on = models.DateField("日期")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    receipt = models.ForeignKey("finance.Receipt", on_delete=models.PROTECT, related_name="commission_entries")
    allocation = models.ForeignKey("finance.Allocation", on_delete=models.PROTECT, related_name="commission_entries")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    return_request = models.ForeignKey("orders.ReturnRequest", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="退货单",
                                       help_text="set on a 退货扣回 entry: the return whose goods came back")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    basis = models.DecimalField("提成基数", max_digits=14, decimal_places=2)
    fee_excluded = models.DecimalField("扣除费用", max_digits=14, decimal_places=2, default=0,
                                       help_text="commission.base: the line's fee share of the allocated money, not in the basis")
    base_rate = models.DecimalField("基础比例%", max_digits=6, decimal_places=3)
    cut = models.DecimalField("特价扣减pp", max_digits=6, decimal_places=3)
    rate = models.DecimalField("实际比例%", max_digits=6, decimal_places=3)
    amount = models.DecimalField("提成", max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            *fits("basis", "fee_excluded", "amount", digits=14, places=2),
            *fits("base_rate", "cut", "rate", digits=6, places=3),
        ]
        verbose_name = verbose_name_plural = "提成明细"
        ordering = ["month", "salesperson_id", "id"]
        indexes = [models.Index(fields=["salesperson", "month"])]


class CommissionStatement(models.Model):
    """提成计算表 as a document (`commission.statement`): one per salesperson and month, submitted by FIN (or the SP's
    SM) and approved by the FD in the approval engine. While it is under approval or approved the month is closed
    for that salesperson: later credits, reversals and returns book into the next open month. The figures are
    frozen in ``snapshot`` on approval (the tier rates too, so a later settings change never rewrites them)."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已审批"
        REJECTED = "rejected", "已驳回"

    CLOSED_STATES = ("pending", "approved")

    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commission_statements")
    month = models.DateField("月份", help_text="first day of the month")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    basis = models.DecimalField("提成基数", max_digits=14, decimal_places=2, default=0)
    credits = models.DecimalField("提成", max_digits=14, decimal_places=2, default=0)
    deductions = models.DecimalField("扣回", max_digits=14, decimal_places=2, default=0)
    net = models.DecimalField("实发提成", max_digits=14, decimal_places=2, default=0)
    snapshot = models.JSONField("冻结数据", default=dict, blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提成计算表"
        ordering = ["-month", "salesperson_id"]
        constraints = [
            *fits("basis", "credits", "deductions", "net", digits=14, places=2),
            models.UniqueConstraint(fields=["salesperson", "month"], name="commission_statement_sp_month"),
        ]

    @property
    def closed(self) -> bool:
        return self.state in self.CLOSED_STATES
