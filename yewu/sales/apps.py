from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "yewu.sales"
    label = "sales"

    def ready(self):
        from .approval import services  # models must be loaded first: an app's ready() is the place

        services.register_callbacks()  # quote.approval decisions from the shared approval inbox
