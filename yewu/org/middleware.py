"""Request-scoped reads shared by every area."""

from django.db.models.signals import post_delete, post_save

from .models import HolidayOverride, PolicyVersion, Team
from .selectors import _REQUEST_MEMO, clear_request_memo

for _model in (PolicyVersion, HolidayOverride, Team):
    post_save.connect(clear_request_memo, sender=_model, dispatch_uid=f"policy-memo-save-{_model.__name__}")
    post_delete.connect(clear_request_memo, sender=_model, dispatch_uid=f"policy-memo-delete-{_model.__name__}")


class PolicyPerRequestMiddleware:
    """The settings in force and the working calendar are read once per request, not once per rule."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _REQUEST_MEMO.set({})
        try:
            return self.get_response(request)
        finally:
            _REQUEST_MEMO.reset(token)
