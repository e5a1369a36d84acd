from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "yewu.sales"
    label = "sales"

    def ready(self):
        from . import services

        services.register_callbacks()  # quote.approval decisions from the shared approval inbox
