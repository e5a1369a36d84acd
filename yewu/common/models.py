from django.db import models


class Mutex(models.Model):
    """A named row used as a cross-database lock: ``select_for_update`` on PostgreSQL; on SQLite the
    IMMEDIATE transaction mode already serialises writers. Used where read-check-insert must be atomic
    (customer filing, scheduled jobs)."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self):
        return self.name


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
