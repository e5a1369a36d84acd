from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "yewu.performance"
    label = "performance"
    verbose_name = "提成"

    def ready(self):
        from . import services  # noqa: F401  (registers the commission_statement approval callback)
