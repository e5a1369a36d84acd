from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "yewu.approvals"
    label = "approvals"
