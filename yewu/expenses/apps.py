from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    name = "yewu.expenses"
    verbose_name = "费用与资金"

    def ready(self):
        # imported for their approval callbacks (on_decided), once the app registry is ready:
        from .advances import services as _advances  # noqa: F401  cash_advance
        from .claims import services as _claims  # noqa: F401  expense_request, payment, expense
