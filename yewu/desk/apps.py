from django.apps import AppConfig


class DeskConfig(AppConfig):
    """Top floor: pages that read many business areas (the role home pages). Nothing imports it."""

    name = "yewu.desk"
    label = "desk"
    verbose_name = "工作台"
