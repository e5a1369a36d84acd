from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "yewu.common"
    label = "common"
