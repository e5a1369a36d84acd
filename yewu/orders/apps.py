from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "yewu.orders"
    label = "orders"

    def ready(self):
        from . import services  # noqa: F401  (registers the approval callback)
