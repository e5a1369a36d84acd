"""Small site-wide views."""

from functools import cache
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .errors import YewuError

FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    """/favicon.ico, which browsers and tools ask for on their own (a 404 there only fills the log)."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


def csrf_failure(request, reason: str = ""):
    """A refused CSRF check: the API's JSON error under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "forbidden", "message": "CSRF 校验失败：使用 Bearer 令牌，或在会话请求中带上 CSRF 令牌",
                             "fields": {}, "rule": "acl.csrf"}, status=403)
    return django_csrf_failure(request, reason)


def picker_answer(find) -> JsonResponse:
    """A page's type-ahead picker JSON: ``{"items": find()}``, or the error shape with its status when the query
    is refused (too long)."""
    try:
        return JsonResponse({"items": find()})
    except YewuError as e:
        return JsonResponse(e.as_dict(), status=e.status)
