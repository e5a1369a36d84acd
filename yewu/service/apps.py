from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "yewu.service"
    label = "service"
    verbose_name = "客户服务"

    def ready(self):
        from .complaints import services  # noqa: F401  (registers the claim-review approval callback)
