from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "yewu.performance"
    label = "performance"
    verbose_name = "提成"
