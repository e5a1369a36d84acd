from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "yewu.finance"
    label = "finance"
    verbose_name = "财务：回款、发票、应收"

    def ready(self):
        # imported for their registrations (the app registry must be ready first):
        from .invoices import services as _invoices  # noqa: F401  on_decided("invoice_request")
        from .receipts import returns  # noqa: F401  registers the credit-note handler with yewu.orders.returns
        from .receivables import services as _receivables  # noqa: F401  on_decided("write_off")
