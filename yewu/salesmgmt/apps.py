from django.apps import AppConfig


class SalesmgmtConfig(AppConfig):
    name = "yewu.salesmgmt"
    label = "salesmgmt"
    verbose_name = "销售管理"

    def ready(self):
        from .targets import services  # noqa: F401  registers the target-change approval callback
