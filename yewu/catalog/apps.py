from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yewu.catalog"
    label = "catalog"
