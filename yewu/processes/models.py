"""Process definitions (SPEC §8.1): each row of ProcessDefinition is one version of one process (P01…);
editing a published process means copying it to a new draft version, which goes draft → submitted →
GM-approved → published; publishing retires the previous published version."""

from django.conf import settings
from django.db import models

from yewu.policy.processes import LIMIT_KINDS, limit_label


class ProcessDefinition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待总经理审批"
        GM_APPROVED = "gm_approved", "总经理已批准"
        PUBLISHED = "published", "已发布"
        RETIRED = "retired", "已停用"

    code = models.CharField("流程编号", max_length=10)
    name = models.CharField("流程名称", max_length=100)
    objective = models.TextField("流程目标", blank=True)
    owner_department = models.CharField("归口部门", max_length=50, blank=True)
    administrator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name="流程管理员")
    version = models.PositiveIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    rollout_due = models.DateField("推行（培训）期限", null=True, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="源版本")
    change_note = models.CharField("修订说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程定义"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="process_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(status="published"),
                                    name="one_published_version_per_process"),
        ]

    def __str__(self):
        return f"{self.code} {self.name} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"


class ProcessStep(models.Model):
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField("步骤编号", max_length=10, help_text="泳道 + 行，如 c2")
    order = models.PositiveSmallIntegerField("顺序")
    department = models.CharField("责任部门", max_length=50, blank=True)
    role = models.CharField("负责角色", max_length=10, blank=True)
    action = models.CharField("动作", max_length=100)
    instructions = models.TextField("工作说明", blank=True)
    expected_result = models.CharField("预期结果", max_length=200, blank=True)
    input_forms = models.CharField("输入表单", max_length=200, blank=True)
    limit_kind = models.CharField("时限类型", max_length=20, blank=True,
                                  choices=[(k, v.replace("{n} ", "N ")) for k, v in LIMIT_KINDS.items()])
    limit_n = models.PositiveIntegerField("时限数值", null=True, blank=True)
    branch_condition = models.CharField("分支条件", max_length=200, blank=True)
    is_approval = models.BooleanField("审批步骤", default=False)
    key_point = models.TextField("重点", blank=True)
    standard = models.TextField("标准", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程步骤"
        ordering = ["definition", "order"]
        constraints = [models.UniqueConstraint(fields=["definition", "order"], name="process_step_order_unique")]

    def __str__(self):
        return f"{self.code} {self.action}"

    @property
    def limit_text(self) -> str:
        return limit_label(self.limit_kind, self.limit_n)

    def as_rule_input(self) -> dict:
        return {"code": self.code, "role": self.role, "limit_kind": self.limit_kind, "limit_n": self.limit_n}


class ProcessReview(models.Model):
    """`process.evaluation_audit`: one efficiency evaluation (quarterly) or process audit (half-yearly) of one
    process for one period; created by the nightly job when the period ends."""

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "效率评估"
        AUDIT = "audit", "流程审计"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    code = models.CharField("流程编号", max_length=10, db_index=True)
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="reviews",
                                   verbose_name="评审时的版本")
    period = models.CharField("周期", max_length=10)
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    due_date = models.DateField("完成期限")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="完成人")
    summary = models.TextField("结论", blank=True)
    figures = models.JSONField("监控数据", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程评估与审计"
        ordering = ["-period_end", "code", "kind"]
        constraints = [models.UniqueConstraint(fields=["code", "kind", "period"], name="process_review_unique")]

    def __str__(self):
        return f"{self.code} {self.get_kind_display()} {self.period}"


class Finding(models.Model):
    """A finding of a review: an owner rectifies it within 10 WD (D); the GM or the process administrator (not the
    owner) verifies it before it closes, or reopens it."""

    class State(models.TextChoices):
        OPEN = "open", "待整改"
        RECTIFIED = "rectified", "已整改待验证"
        VERIFIED = "verified", "已验证关闭"
        REOPENED = "reopened", "重新整改"

    review = models.ForeignKey(ProcessReview, on_delete=models.PROTECT, related_name="findings")
    description = models.TextField("问题描述")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="process_findings",
                              verbose_name="整改责任人")
    due_date = models.DateField("整改期限")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.OPEN)
    rectification = models.TextField("整改措施", blank=True)
    rectified_at = models.DateTimeField("整改时间", null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="验证人")
    verified_at = models.DateTimeField("验证时间", null=True, blank=True)
    comment = models.CharField("验证意见", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评审发现问题"
        ordering = ["due_date", "id"]

    def __str__(self):
        return f"{self.review} 问题#{self.pk}"


class Suggestion(models.Model):
    """An improvement suggestion by any employee; the GM or the process administrator accepts it as effective
    (may start a new draft version; the employee is flagged for reward) or rejects it with a comment."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待处理"
        ACCEPTED = "accepted", "采纳（有效）"
        REJECTED = "rejected", "未采纳"

    code = models.CharField("流程编号", max_length=10, db_index=True)
    text = models.TextField("建议内容")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="process_suggestions", verbose_name="建议人")
    submitted_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.SUBMITTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="处理人")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    comment = models.CharField("处理意见", max_length=500, blank=True)
    reward_flag = models.BooleanField("奖励标记", default=False)
    new_version = models.ForeignKey(ProcessDefinition, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="据此修订的版本")

    class Meta:
        verbose_name = verbose_name_plural = "流程改进建议"
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.code} 建议#{self.pk}"
