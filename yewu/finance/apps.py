from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "yewu.finance"
    label = "finance"
    verbose_name = "财务：回款、发票、应收"

    def ready(self):
        from . import returns  # noqa: F401  registers the credit-note handler with yewu.orders.returns
