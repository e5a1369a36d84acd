from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "yewu.org"
    label = "org"

    def ready(self):
        # common sits below org: it reads the settings in force through this registered reader. Imported here
        # because models and selectors may only be imported once the app registry is ready.
        from yewu.common.policy_source import set_policy_provider

        from .selectors import get_policy  # (same reason)

        set_policy_provider(get_policy)
