"""Request-scoped reads shared by every area."""

from .policy_cache import policy_scope


class PolicyPerRequestMiddleware:
    """The settings in force and the working calendar are checked once per request, not once per rule: the
    request's first read checks the process's snapshot against the database's stamp (``org/policy_cache.py``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with policy_scope():
            return self.get_response(request)
