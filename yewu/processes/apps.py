from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "yewu.processes"
    verbose_name = "流程管理"

    def ready(self):
        from . import services  # noqa: F401  (registers the approval callback and the version pinning)
