from django.db import models


class Mutex(models.Model):
    """A named row used as a cross-database lock: ``select_for_update`` on PostgreSQL; on SQLite the
    IMMEDIATE transaction mode already serialises writers. Used where read-check-insert must be atomic
    (customer filing, scheduled jobs)."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self):
        return self.name


class DocumentSequence(models.Model):
    """Per (type, day) counter for `contract.number_format`; one upsert takes the next number, never reused.
    The table keeps its first name (it was born in orders)."""

    kind = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "orders_documentsequence"
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="docseq_kind_day_unique")]


class ScheduledJob(models.Model):
    """Periodic jobs run by ``yewu worker``: the row is locked while a worker decides to enqueue, so
    several workers never enqueue one run twice."""

    name = models.CharField(max_length=100, unique=True)
    interval_seconds = models.PositiveIntegerField(default=300)
    at_local_time = models.TimeField(null=True, blank=True, help_text="daily at this Asia/Shanghai time")
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_id = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return self.name


class Notification(models.Model):
    """In-app notification; ``key`` makes timer-generated ones idempotent."""

    user = models.ForeignKey("org.User", on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    rule = models.CharField(max_length=80, blank=True)
    message = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_user_key_unique")]
        ordering = ["-created_at"]


class PushChannel(models.Model):
    """Where a user's or a team's notifications are also sent: a WeCom (企业微信) or DingTalk (钉钉) group robot
    webhook, or e-mail. A channel with a user applies to that user; with a team, to every member of the team."""

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        EMAIL = "email", "电子邮件"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50)
    target = models.CharField("Webhook 地址或邮箱", max_length=500)
    secret = models.CharField("加签密钥（钉钉）", max_length=200, blank=True)
    user = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=(models.Q(user__isnull=False, team__isnull=True) | models.Q(user__isnull=True, team__isnull=False)),
            name="pushchannel_user_xor_team")]

    def __str__(self):
        return self.name


class PushDelivery(models.Model):
    """One notification to one channel, posted by the worker with retries and backoff (never in a request)."""

    class State(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(PushChannel, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="pushdelivery_once")]
