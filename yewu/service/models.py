"""Customer service records (SPEC §6): tickets, complaints and their solutions and consultations, return visits
and campaigns, service jobs, surveys and maintenance contracts. Writes go through the sub-area services."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from yewu.common.bounds import fits
from yewu.policy import service as rules

U = settings.AUTH_USER_MODEL


def _choices(d: dict) -> list[tuple[str, str]]:
    return list(d.items())


class Ticket(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "待处理"
        ANSWERED = "answered", "已答复"
        TRANSFERRED = "transferred", "已转交"
        CLOSED = "closed", "已关闭"

    number = models.CharField("工单号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tickets")
    caller_name = models.CharField("来电人", max_length=50, blank=True)
    caller_phone = models.CharField("电话", max_length=30, blank=True)
    caller_phone_norm = models.CharField(max_length=20, blank=True, db_index=True)
    region = models.CharField("来源地区", max_length=30, blank=True)
    type = models.CharField("类型", max_length=20, choices=_choices(rules.TICKET_TYPES))
    channel = models.CharField("渠道", max_length=20, choices=_choices(rules.CHANNELS))
    content = models.TextField("内容")
    received_at = models.DateTimeField("收到时间")
    due_at = models.DateTimeField("首次答复期限")
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    response = models.TextField("答复", blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    assignee = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="service_tickets",
                                 verbose_name="处理人")
    created_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    public = models.BooleanField("网页自助提交", default=False)
    lead = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="转为网络线索")
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务工单"
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.get_type_display()}"


class Complaint(models.Model):
    class Step(models.TextChoices):
        INTAKE = "intake", "受理判定"
        PROPOSING = "proposing", "部门提出方案"
        SELECTING = "selecting", "经理选定方案"
        GM_REVIEW = "gm_review", "总经理处理"
        CONSULTING = "consulting", "征求客户意见"
        IMPLEMENTING = "implementing", "实施"
        FOLLOWUP = "followup", "回访"
        CLOSED = "closed", "已结案"

    number = models.CharField("投诉编号", max_length=30, unique=True)
    ticket = models.OneToOneField(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="complaint")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="complaints")
    category = models.CharField("类别", max_length=20, choices=_choices(rules.COMPLAINT_CATEGORIES))
    channel = models.CharField("渠道", max_length=20, choices=_choices(rules.CHANNELS))
    content = models.TextField("投诉内容")
    solutions_discussed = models.TextField("已商讨的解决办法", blank=True)
    promised_resolution_at = models.DateTimeField("向客户承诺的解决时间", null=True, blank=True)
    cause = models.CharField("原因", max_length=200, blank=True)
    is_claim = models.BooleanField("索赔", default=False)
    claim_amount = models.DecimalField("索赔金额", max_digits=14, decimal_places=2, null=True, blank=True)
    claim_materials = models.TextField("索赔材料", blank=True)
    claim_approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    claim_state = models.CharField("索赔审核", max_length=20, blank=True)  # pending / approved / rejected
    major = models.BooleanField("重大投诉", default=False)
    major_flagged_at = models.DateTimeField(null=True, blank=True)
    major_flagged_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step = models.CharField("步骤", max_length=20, choices=Step.choices, default=Step.INTAKE, db_index=True)
    outcome = models.CharField("结果", max_length=20, blank=True)  # unfounded / resolved
    received_at = models.DateTimeField("收到时间")
    reply_due_at = models.DateTimeField("实质答复期限")
    replied_at = models.DateTimeField("实质答复时间", null=True, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    judged_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finding = models.TextField("判定意见", blank=True)
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="complaints", verbose_name="责任部门")
    leader = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="部门负责人")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField("本步期限", null=True, blank=True)
    step_rule = models.CharField(max_length=60, blank=True)
    selected_solution = models.ForeignKey("Solution", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    selected_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    selected_at = models.DateTimeField(null=True, blank=True)
    rejections = models.PositiveSmallIntegerField("客户不同意次数", default=0)
    reopens = models.PositiveSmallIntegerField("重开次数", default=0)
    implemented_at = models.DateTimeField(null=True, blank=True)
    implemented_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_csm_at = models.DateTimeField(null=True, blank=True)
    escalated_gm_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*fits('claim_amount', digits=14, places=2)]
        verbose_name = verbose_name_plural = "客户投诉"
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.get_category_display()}"


class Solution(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="solutions")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    text = models.TextField("方案")
    cost = models.DecimalField("费用", max_digits=14, decimal_places=2, null=True, blank=True)
    responsible = models.CharField("责任人", max_length=50, blank=True)
    proposed_by = models.ForeignKey(U, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()

    class Meta:
        constraints = [*fits('cost', digits=14, places=2)]
        ordering = ["round", "id"]


class Consultation(models.Model):
    """客户意见表: the customer's answer to the selected solution."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="consultations")
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="+")
    agrees = models.BooleanField()
    opinion = models.TextField("客户意见")
    recorded_by = models.ForeignKey(U, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Campaign(models.Model):
    """Quarterly key-customer return-visit campaign (`revisit.key_customers_100pct`)."""

    name = models.CharField("活动", max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField("回访总结", blank=True)
    created_by = models.ForeignKey(U, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]


class CampaignMember(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    failed_attempts = models.JSONField("未接通记录", default=list, blank=True)
    signed_off_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_customer_unique")]


class ServiceJob(models.Model):
    class State(models.TextChoices):
        REGISTERED = "registered", "已登记"
        DISPATCHED = "dispatched", "已派工"
        ARRIVED = "arrived", "已到达"
        CLOSED = "closed", "已结单"

    number = models.CharField("服务单号", max_length=30, unique=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="service_jobs")
    contract = models.ForeignKey("MaintenanceContract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="jobs")
    category = models.CharField("类别", max_length=1, choices=_choices(rules.JOB_CATEGORIES))
    district = models.CharField("区", max_length=30)
    zone = models.CharField("市区/郊区", max_length=10)
    address = models.CharField("地址", max_length=200, blank=True)
    problem = models.TextField("故障描述")
    registered_at = models.DateTimeField("登记时间")
    arrival_due_at = models.DateTimeField("到达期限")
    technician = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="service_jobs",
                                   verbose_name="技术员")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrival_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    carry_in = models.BooleanField("送修", default=False)
    carry_in_checks = models.JSONField(default=dict, blank=True)
    work_done = models.TextField("处理情况", blank=True)
    amount = models.DecimalField("收费金额", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    signature = models.TextField("签名（PNG data URL）", blank=True)
    signature_photo = models.BinaryField("纸质凭证照片", null=True, blank=True)
    signer_name = models.CharField("签名人", max_length=50, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REGISTERED, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invoice_requested_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # service.dispatch: an unsolved on-site problem escalates SP → SM → GM (level 1..3)
    unsolved_at = models.DateTimeField("现场未解决上报时间", null=True, blank=True)
    unsolved_note = models.TextField("未解决问题", blank=True)
    unsolved_level = models.PositiveSmallIntegerField("已上报级别", default=0)
    created_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [*fits('arrival_hours', digits=6, places=2), *fits('amount', digits=14, places=2)]
        verbose_name = verbose_name_plural = "服务单"
        ordering = ["-registered_at", "-id"]


class ReturnVisit(models.Model):
    """回访记录表 (`revisit.record_complete`)."""

    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="return_visits")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    job = models.ForeignKey(ServiceJob, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    channel = models.CharField("回访方式", max_length=20, choices=_choices(rules.CHANNELS))
    contact = models.CharField("联系人", max_length=50)
    visited_at = models.DateTimeField("回访时间")
    satisfaction = models.CharField("满意度", max_length=20, choices=_choices(rules.SATISFACTION))
    opinion = models.TextField("客户意见")
    evaluation = models.TextField("评价", blank=True)
    suggestions = models.TextField("建议", blank=True)
    needs = models.TextField("需求", blank=True)
    followup = models.TextField("跟进", blank=True)
    improvement_department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.PROTECT,
                                               related_name="+", verbose_name="改进责任部门")
    warnings = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(U, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "回访记录"
        ordering = ["visited_at", "id"]


class VisitTask(models.Model):
    """A return visit that is due (`revisit.after_first_delivery_3d`, `complaint.followup_5wd`)."""

    rule = models.CharField(max_length=60)
    key = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    done_visit = models.ForeignKey(ReturnVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]


class Survey(models.Model):
    """`service.survey_100pct`: the next-working-day survey of a caller, rating the technician on four items."""

    job = models.OneToOneField(ServiceJob, on_delete=models.CASCADE, related_name="survey")
    due_on = models.DateField()
    ratings = models.JSONField(default=dict, blank=True)  # item -> 1..4
    done_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(U, null=True, blank=True, on_delete=models.PROTECT, related_name="+")


class MaintenanceContract(models.Model):
    number = models.CharField("合同号", max_length=30, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="maintenance_contracts")
    starts_on = models.DateField()
    ends_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    scope = models.CharField("服务范围", max_length=200, blank=True)
    renewal_notice_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(U, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [*fits('amount', digits=14, places=2)]
        ordering = ["ends_on", "id"]


class PublicAttempt(models.Model):
    """Throttle of the public form: one row per submission or status look-up (per IP and per phone)."""

    ip = models.CharField(max_length=64, db_index=True)
    phone_norm = models.CharField(max_length=20, blank=True, db_index=True)
    kind = models.CharField(max_length=10)  # submit / lookup
    at = models.DateTimeField(db_index=True)
