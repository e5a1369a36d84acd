from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yewu.audit"
    label = "audit"
