from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "yewu.customers"
    label = "customers"

    def ready(self):
        # approval-engine callbacks (on_decided) of the customer documents
        from yewu.customers.visits import services as visit_plans  # noqa: F401
