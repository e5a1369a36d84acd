from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone

from yewu.common.bounds import fits

security_log = logging.getLogger("yewu.security")


class Role(models.TextChoices):
    SP = "SP", "业务员"
    LS = "LS", "网络推广专员"
    SM = "SM", "业务经理"
    GM = "GM", "总经理"
    FD = "FD", "财务总监"
    FIN = "FIN", "财务"
    CA = "CA", "出纳"
    CS = "CS", "客服"
    CSM = "CSM", "客服经理"
    CIA = "CIA", "客户信息管理员"
    WH = "WH", "库管"
    PROD = "PROD", "生产部"
    QC = "QC", "质检"
    ADM = "ADM", "行政部"
    SYS = "SYS", "系统管理员"


class Department(models.Model):
    name = models.CharField("部门", max_length=50, unique=True)
    manager = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "部门"

    def __str__(self):
        return self.name


class Team(models.Model):
    name = models.CharField("团队", max_length=50, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    manager = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams",
                                verbose_name="业务经理")
    territories = models.CharField("负责区域", max_length=200, blank=True, help_text="城市，逗号分隔")

    class Meta:
        verbose_name = verbose_name_plural = "销售团队"

    def __str__(self):
        return self.name


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
                             verbose_name="所属团队")
    roles = models.JSONField("角色", default=list, blank=True, help_text="角色代码列表，如 [\"SP\"]")
    ability_factor = models.DecimalField("能力系数", max_digits=3, decimal_places=1, default=Decimal("1.0"),
                                         validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("2.0"))])
    territories = models.CharField("负责区域", max_length=200, blank=True)
    knowledge_tags = models.CharField("知识标签", max_length=200, blank=True)
    mobile = models.CharField("手机", max_length=20, blank=True)

    class Meta:
        constraints = [*fits("ability_factor", digits=3, places=1)]
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self._password_changed = True

    def set_unusable_password(self):
        super().set_unusable_password()
        self._password_changed = True

    def save(self, *args, **kwargs):
        changed = getattr(self, "_password_changed", False) and self.pk is not None
        super().save(*args, **kwargs)
        if changed:  # a changed password ends every API token (and, through Django, every other session)
            ApiToken.revoke(ApiToken.objects.filter(user=self, revoked_at__isnull=True), "密码已修改")
        self._password_changed = False

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles or [])

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_set & set(codes))

    @property
    def role_labels(self) -> str:
        labels = dict(Role.choices)
        return "、".join(labels.get(r, r) for r in self.roles or [])


def default_token_expiry():
    return timezone.now() + timedelta(days=getattr(settings, "YEWU_TOKEN_DAYS", 90))


class ApiToken(models.Model):
    """Bearer token for the API. Only a SHA-256 of the token is stored. A token works until ``expires_at`` unless
    revoked (``yewu token --revoke``, or automatically when the user's password changes); see yewu.org.tokens."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField("到期时间", default=default_token_expiry)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self):
        return f"{self.prefix}… ({self.user_id})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    MAX_DAYS = 3650

    @classmethod
    def issue_row(cls, user: User, days: int | None = None) -> tuple[str, ApiToken]:
        """A new token for ``user`` valid ``days`` days (default YEWU_TOKEN_DAYS). Returns (raw token, row)."""
        days = settings.YEWU_TOKEN_DAYS if days is None else int(days)
        if not 1 <= days <= cls.MAX_DAYS:
            raise ValueError(f"days must be between 1 and {cls.MAX_DAYS}")
        raw = "yw_" + secrets.token_urlsafe(32)
        tok = cls.objects.create(user=user, digest=cls.hash(raw), prefix=raw[:8],
                                 expires_at=timezone.now() + timedelta(days=days))
        security_log.info("api token %s issued to %s, expires %s", tok.prefix, user.username, tok.expires_at.isoformat())
        return raw, tok

    @classmethod
    def issue(cls, user: User, days: int | None = None) -> str:
        return cls.issue_row(user, days)[0]

    @classmethod
    @transaction.atomic
    def revoke(cls, tokens, reason: str) -> int:
        """Revoke the given still-valid tokens; returns how many were revoked."""
        now = timezone.now()
        n = 0
        for tok in tokens:
            if tok.revoked_at is not None:
                continue
            n += cls.objects.filter(pk=tok.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                               revoked_reason=reason[:100])
            security_log.info("api token %s of user %s revoked: %s", tok.prefix, tok.user_id, reason)
        return n


class LoginThrottle(models.Model):
    """Failed-login counter for one account (``user:<name>``) or one client address (``ip:<addr>``); see
    yewu.org.throttle. Kept in the database so that every server process sees the same count."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录失败计数"


class PolicyVersion(models.Model):
    """One effective-dated settings change (SPEC §8.5): the keys it changes (``values``, new) and what they were
    (``old_values``). Versions apply in effective order, each over the ones before it; the config's version id
    is the last effective one's. Created on the settings page (/settings/) or the API, never edited."""

    values = models.JSONField("参数", default=dict, help_text='如 {"price.vat_free_discount.max_pct": "6"}')
    old_values = models.JSONField("原值", default=dict, blank=True)
    effective_at = models.DateTimeField("生效时间")
    reason = models.CharField("原因", max_length=200)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "制度参数版本"
        ordering = ["-effective_at", "-id"]


class HolidayOverride(models.Model):
    """Company holiday table; wins over chinese-calendar (and fills years it has no data for)."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("上班", default=False)
    note = models.CharField("说明", max_length=50, blank=True)
    # part of the settings stamp (org/policy_cache.py): every server sees an edited row at its next request
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日表"
        ordering = ["date"]
