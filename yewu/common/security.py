"""HTTP hardening shared by every page: security headers with a per-request CSP nonce, one-line logs for refused
requests, and the start-up check that a server has a real secret key.

The UI loads only same-origin scripts and styles. The few inline ``<script>`` blocks carry ``nonce="{{ csp_nonce }}"``;
inline ``style`` attributes are allowed (``style-src 'unsafe-inline'``), scripts are not.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Content-Security-Policy (with a fresh nonce per request) and Permissions-Policy on every response.
    HSTS, nosniff, Referrer-Policy, COOP and X-Frame-Options come from Django's own middlewares (settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def csp_nonce(request):
    """Template context: ``{{ csp_nonce }}`` for inline scripts."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


class ClientErrorsOneLine(logging.Filter):
    """Django logs a 403/404/400 with the exception's traceback; a refused request is routine, so keep one line.
    Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and (
            (status is not None and status < 500) or record.name.startswith("django.security")
        ):
            exc = record.exc_info[1]
            record.exc_info = None
            record.exc_text = None
            if exc is not None and str(exc):
                detail = f" ({type(exc).__name__}: {str(exc)[:200]})"
                record.msg = str(record.msg) + (detail.replace("%", "%%") if record.args else detail)
        return True


def require_secret_key() -> None:
    """A server started outside demo mode must be given YEWU_SECRET_KEY (no built-in fallback key exists)."""
    if getattr(settings, "SECRET_KEY_FROM_ENV", False) or getattr(settings, "DEMO_MODE", False):
        return
    raise ImproperlyConfigured(
        "未设置 YEWU_SECRET_KEY：正式运行前请设置一个随机密钥，例如 "
        "export YEWU_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')；"
        "仅演示时请使用 `yewu demo`。 / YEWU_SECRET_KEY is not set; set it before serving (demo: `yewu demo`)."
    )
