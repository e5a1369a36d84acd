from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "yewu.orders"
    label = "orders"

    def ready(self):
        from . import contract_records, contracts, returns, services  # noqa: F401  (register the approval callbacks)
