from django.db import models


class AuditEntry(models.Model):
    """Append-only audit log (SPEC §8.6). The model refuses updates and deletes; the database refuses
    them too (triggers installed by migration 0002)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="操作人")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField("动作", max_length=40)  # create, update, transfer, allocate, decision, export, login, read
    object_type = models.CharField("对象类型", max_length=50, db_index=True)
    object_id = models.CharField("对象", max_length=40, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    rule = models.CharField("规则", max_length=80, blank=True)
    reason = models.TextField("原因", blank=True)
    decision = models.JSONField(null=True, blank=True)
    policy_version = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")

    @property
    def changes(self):
        """[(field, before, after)] for fields that differ."""
        b, a = self.before or {}, self.after or {}
        keys = list(dict.fromkeys(list(b) + list(a)))
        # JSON storage may reorder keys (PostgreSQL jsonb): show changes in the model's field order
        try:
            from django.apps import apps

            order = [f.attname for f in apps.get_model(self.object_type)._meta.concrete_fields]
        except (LookupError, ValueError):
            order = []
        keys.sort(key=lambda k: order.index(k) if k in order else len(order))
        return [(k, b.get(k), a.get(k)) for k in keys if b.get(k) != a.get(k)]
