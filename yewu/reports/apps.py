from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "yewu.reports"
    verbose_name = "报表"
