from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "yewu.orders"
    label = "orders"

    def ready(self):
        from .contracts import records, services  # noqa: F401  (register the approval callbacks)
        from .ordering import services as ordering_services  # noqa: F401  (the order approval callback)
