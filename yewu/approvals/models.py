from django.conf import settings
from django.db import models


class ApprovalChain(models.Model):
    """A chain as data (SPEC §8.3): document type, condition, ordered steps by role with a time limit in
    working days. Editing creates a new version; a running approval keeps the steps it started with."""

    doc_type = models.CharField("单据类型", max_length=40)
    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本", default=1)
    active = models.BooleanField("启用", default=True)
    steps = models.JSONField("步骤", default=list, help_text='[{"role": "SM", "limit_wd": 1}, ...]')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审批链"
        constraints = [models.UniqueConstraint(fields=["doc_type", "version"], name="chain_doc_version_unique")]

    def __str__(self):
        return f"{self.name} v{self.version}"


class ApprovalRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"
        CANCELLED = "cancelled", "已撤销"

    doc_type = models.CharField(max_length=40)
    doc_id = models.CharField(max_length=40)
    doc_label = models.CharField(max_length=200, blank=True)
    link = models.CharField(max_length=300, blank=True)
    chain = models.ForeignKey(ApprovalChain, null=True, blank=True, on_delete=models.PROTECT)
    chain_snapshot = models.JSONField(default=list)
    reasons = models.JSONField(default=list, help_text="the rule decisions that required this approval")
    # the settings version (org.PolicyVersion id, 0 = defaults) the routing was decided under; never recomputed
    policy_version = models.IntegerField(default=0)
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # process.version_pinned: the process version (P04 v1, …) this instance started under; set on creation
    process_version = models.ForeignKey("processes.ProcessDefinition", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        indexes = [models.Index(fields=["doc_type", "doc_id"])]
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "doc_id"], condition=models.Q(state="pending"),
                                    name="one_pending_approval_per_document"),
        ]


class ApprovalStep(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", "未到"
        PENDING = "pending", "待审批"
        APPROVED = "approved", "同意"
        REJECTED = "rejected", "驳回"
        SKIPPED = "skipped", "未执行"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    # steps of one stage run in parallel (e.g. contract review: CS ‖ FIN); the next stage opens when all pass
    stage = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=10)
    state = models.CharField(max_length=20, choices=State.choices, default=State.WAITING)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="structured opinion, e.g. a review checklist")
    # approval.overdue: reminded past the limit, escalated to the superior's role 1 WD later
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="step_order_unique")]


class Delegation(models.Model):
    """`approval.overdue`: dated delegation of one's approval role to a colleague; logged. The delegator must
    still hold the role when the delegate decides."""

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10)
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
