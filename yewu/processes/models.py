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
