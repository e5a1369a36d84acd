from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "yewu.customers"
    label = "customers"
