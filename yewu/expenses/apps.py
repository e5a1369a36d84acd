from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    name = "yewu.expenses"
    verbose_name = "费用与资金"

    def ready(self):
        from . import services  # noqa: F401  (registers the approval callbacks)
