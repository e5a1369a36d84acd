"""Sales management records (SPEC §7): targets and their daily split, the call log, corrections, work logs, the
部门管理表, coaching notes, supervision, action plans, route visits and training."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits

USER = settings.AUTH_USER_MODEL
ZERO = Decimal("0.00")


class MonthlyTarget(models.Model):
    """One SP's targets for one month (`target.monthly_set`)."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="业务员")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    month = models.DateField("月份", db_index=True)  # first day of the month
    collections = models.DecimalField("到账目标", max_digits=14, decimal_places=2, default=ZERO)
    visits = models.PositiveIntegerField("拜访目标", default=0)
    calls = models.PositiveIntegerField("电话目标", default=0)
    new_intent = models.PositiveIntegerField("新增意向客户目标", default=0)
    met = models.PositiveIntegerField("面谈客户目标", default=0)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    late = models.BooleanField("逾期设定", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "月度目标"
        constraints = [*fits('collections', digits=14, places=2), models.UniqueConstraint(fields=["salesperson", "month"], name="uniq_target_sp_month")]
        ordering = ["month", "salesperson_id"]

    def __str__(self):
        return f"{self.salesperson} {self.month:%Y-%m} 目标"


class DailyTarget(models.Model):
    """The month's targets split over its working days (`target.daily_decomposition`)."""

    target = models.ForeignKey(MonthlyTarget, on_delete=models.CASCADE, related_name="days")
    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(db_index=True)
    collections = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    visits = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    new_intent = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [*fits('collections', digits=14, places=2), models.UniqueConstraint(fields=["target", "day"], name="uniq_daily_target")]
        indexes = [models.Index(fields=["salesperson", "day"])]
        ordering = ["day"]


class TargetChange(models.Model):
    """A change of a set month's targets (`plan.change_reason`): reason, then SM (GM for department totals)."""

    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    month = models.DateField("月份")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField("原因类别", max_length=20)
    reason = models.CharField("原因", max_length=300)
    # {salesperson_id: {metric: value}}; old = in force when requested, new = asked for
    old_values = models.JSONField(default=dict)
    new_values = models.JSONField(default=dict)
    department_total_changes = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "目标变更"
        ordering = ["-created_at"]

    def __str__(self):
        return f"目标变更 #{self.pk}"


class CallOutcome(models.TextChoices):
    INTERESTED = "interested", "有意向"
    FOLLOW_UP = "follow_up", "需跟进"
    NOT_INTERESTED = "not_interested", "无意向"
    NO_ANSWER = "no_answer", "未接通"
    ORDER = "order", "下单"


class CallLog(models.Model):
    """One phone call, logged with one tap (`daily.quantified_activity`: 电话量)."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    day = models.DateField(db_index=True)  # local date of ``at``
    outcome = models.CharField("结果", max_length=20, choices=CallOutcome.choices)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "电话记录"
        indexes = [models.Index(fields=["salesperson", "day"])]
        ordering = ["-at"]

    def __str__(self):
        return f"电话 {self.at:%m-%d %H:%M}"


class ActualCorrection(models.Model):
    """An SM's correction of one day's actual figure, with its reason (`daily.quantified_activity`)."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(db_index=True)
    metric = models.CharField(max_length=20)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField("原因", max_length=300)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [*fits('value', digits=14, places=2), models.UniqueConstraint(fields=["salesperson", "day", "metric"], name="uniq_correction")]

    def __str__(self):
        return f"更正 {self.day} {self.metric}"


class WorkLog(models.Model):
    """工作日志: one per SP and day."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    content = models.TextField("工作内容")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["salesperson", "day"], name="uniq_worklog")]
        ordering = ["-day"]

    def __str__(self):
        return f"工作日志 {self.day}"


class DepartmentTable(models.Model):
    """部门管理表 of one team for working day D (`daily.table_by_0900`)."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"

    team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    rows = models.JSONField(default=list)
    notes = models.TextField("备注", blank=True)
    drafted_at = models.DateTimeField()
    due_at = models.DateTimeField()
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "部门管理表"
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="uniq_dept_table")]
        ordering = ["-day", "team_id"]

    def __str__(self):
        return f"部门管理表 {self.team} {self.day}"


class CoachingNote(models.Model):
    """A daily shortfall puts the SP on the SM list; the SM records a note (`daily.shortfall_coaching`)."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField(db_index=True)
    shortfall = models.JSONField(default=list)
    due_at = models.DateTimeField()
    note = models.TextField("辅导记录", blank=True)
    coach = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "未达标辅导"
        constraints = [models.UniqueConstraint(fields=["salesperson", "day"], name="uniq_coaching_sp_day")]
        ordering = ["done_at", "-day"]

    def __str__(self):
        return f"辅导 {self.salesperson} {self.day}"


class SupervisionLog(models.Model):
    """SM KPIs (`daily.supervision`): the 09:20–09:30 call-list check and accompanied closing visits."""

    class Kind(models.TextChoices):
        CALL_LIST = "call_list", "电话清单检查"
        ACCOMPANIED = "accompanied", "陪同促成拜访"

    manager = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    result = models.CharField("结果", max_length=300)
    in_window = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at"]


class ActionPlan(models.Model):
    """行动计划表 (monthly) or weekly action items (`plan.monthly_action`, `visit.weekly_plan`)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "月度行动计划"
        WEEKLY = "weekly", "周行动计划"

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period_start = models.DateField()  # first of month, or the week's Monday
    instructions = models.TextField("经理指示", blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    late = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["salesperson", "kind", "period_start"], name="uniq_plan")]
        ordering = ["-period_start"]


class ActionItem(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    text = models.CharField("行动事项", max_length=300)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    planned = models.DecimalField("计划", max_digits=14, decimal_places=2, default=ZERO)
    actual = models.DecimalField("实际", max_digits=14, decimal_places=2, null=True, blank=True)
    cause = models.CharField("差异原因", max_length=300, blank=True)
    countermeasure = models.CharField("对策", max_length=300, blank=True)

    class Meta:
        constraints = [*fits('planned', 'actual', digits=14, places=2)]


class RouteVisit(models.Model):
    """线路拜访表 (`route.visit_8_steps`, `route.safety_stock_1_5`)."""

    salesperson = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(db_index=True)
    steps = models.JSONField(default=list)  # [{"step": 1, "note": "..."}]
    lines = models.JSONField(default=list)  # stock check: product, on_hand, weekly, pack, suggested, ordered
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    next_visit_on = models.DateField("下次拜访")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]


class StockCount(models.Model):
    """A dealer's on-hand count of one product at a route visit (feeds W of `route.safety_stock_1_5`)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    on_hand = models.PositiveIntegerField()
    delivered_since_previous = models.PositiveIntegerField(default=0)
    visit = models.ForeignKey(RouteVisit, null=True, blank=True, on_delete=models.CASCADE, related_name="counts")

    class Meta:
        ordering = ["day", "id"]


class TrainingRecord(models.Model):
    """A training session (`training.cadence`)."""

    class Kind(models.TextChoices):
        INDUCTION = "induction", "入职培训"
        COLLECTIVE = "collective", "集中培训"
        WEEKLY = "weekly", "周例训"
        PROCESS = "process", "流程培训"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField("主题", max_length=200)
    day = models.DateField()
    days = models.PositiveIntegerField("天数", default=1)
    trainer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attendees = models.ManyToManyField(USER, related_name="+")
    # the published process version trained (流程培训): each published version is trained to its roles
    process = models.ForeignKey("processes.ProcessDefinition", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="流程版本")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
