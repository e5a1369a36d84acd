"""Excel import jobs (客户导入任务): the resumable record of an import's progress and its row report.

A job is imported in chunks; each chunk commits its customers, their row results and the job's progress
(``last_row``) in ONE transaction, so a crash (even kill -9) loses at most the chunk in flight and never
leaves half of one. Uploading the same file again (same user, same SHA-256) continues an unfinished job.
"""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name="导入人")
    token = models.CharField(max_length=40, unique=True)  # the report link; only ``user`` may open it
    filename = models.CharField("文件名", max_length=200, blank=True)
    file_hash = models.CharField(max_length=64, db_index=True)
    content = models.BinaryField(null=True, blank=True)  # the upload; cleared when the job is old
    size = models.PositiveIntegerField(default=0)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    rows_estimate = models.PositiveIntegerField(default=0)  # data rows found by the pre-parse scan
    rows_total = models.PositiveIntegerField(null=True, blank=True)  # known once the whole file is read
    rows_done = models.PositiveIntegerField(default=0)
    last_row = models.PositiveIntegerField(default=1)  # Excel row number of the last committed row (1 = header)
    counts = models.JSONField(default=dict)  # ok / warning / error / duplicate
    headers = models.JSONField(default=list)
    ignored_headers = models.JSONField(default=list)
    message = models.CharField("说明", max_length=500, blank=True)  # why a job failed
    runner = models.CharField(max_length=64, blank=True)  # who holds the job while running
    seconds = models.FloatField(default=0)  # time spent importing (all runs)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "file_hash", "state"])]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"


class ImportRow(models.Model):
    """The result of one data row of an import job (written in the same transaction as its customer)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField("行号")
    status = models.CharField(max_length=10)  # ok, warning, error, duplicate
    message = models.CharField(max_length=500, blank=True)
    fields = models.JSONField(default=dict, blank=True)  # column header → message
    rule = models.CharField(max_length=60, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)  # no FK: a later merge must not cascade here
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["job", "row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="import_row_once")]
        indexes = [models.Index(fields=["job", "status", "row"])]
