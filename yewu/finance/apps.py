from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "yewu.finance"
    label = "finance"
    verbose_name = "财务：回款、发票、应收"
