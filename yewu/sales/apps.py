from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "yewu.sales"
    label = "sales"
