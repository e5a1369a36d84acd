from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "yewu.org"
    label = "org"
