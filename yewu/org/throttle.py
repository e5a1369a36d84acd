"""Login throttling per account and per client address.

After ``YEWU_LOGIN_MAX_FAILURES`` wrong passwords for one account (or ``YEWU_LOGIN_MAX_FAILURES_IP`` from one
address) within ``YEWU_LOGIN_WINDOW_SECONDS``, every login for that account (from that address) is refused for
``YEWU_LOGIN_LOCKOUT_SECONDS``, even with the right password. A successful login clears the account's count; the
address count only runs out with its window (one good account must not reset an address that is guessing others).

The counts live in the database (LoginThrottle), so every server process and machine shares them. The check sits in
the authentication backend, so the UI login, the admin login and any future API login all go through it; the login
forms add the Chinese message (``ThrottledLoginMixin``).
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import LoginThrottle

log = logging.getLogger("yewu.security")


def client_ip(request) -> str:
    if request is None:
        return ""
    meta = getattr(request, "META", {}) or {}
    if getattr(settings, "YEWU_TRUST_X_FORWARDED_FOR", False):
        hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-1][:45]
    return (meta.get("REMOTE_ADDR") or "")[:45]


def _keys(username: str | None, ip: str) -> list[tuple[str, int]]:
    keys = []
    if username:
        keys.append(("user:" + str(username).strip().lower()[:150], settings.YEWU_LOGIN_MAX_FAILURES))
    if ip:
        keys.append(("ip:" + ip, settings.YEWU_LOGIN_MAX_FAILURES_IP))
    return keys


def retry_after(username: str | None, ip: str, now=None) -> tuple[int, str]:
    """(seconds until a login may be tried again, "user" or "ip"), or (0, "") when not locked."""
    now = now or timezone.now()
    keys = [k for k, _ in _keys(username, ip)]
    if not keys:
        return 0, ""
    rows = LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now).values_list("key", "locked_until")
    best = (0, "")
    for key, until in rows:
        secs = math.ceil((until - now).total_seconds())
        if secs > best[0]:
            best = (secs, key.split(":", 1)[0])
    return best


def _row(key: str, now) -> LoginThrottle:
    row = LoginThrottle.objects.select_for_update().filter(key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                row = LoginThrottle.objects.create(key=key, failures=0, window_started_at=now)
        except IntegrityError:  # another process created it meanwhile
            row = LoginThrottle.objects.select_for_update().get(key=key)
    return row


def record_failure(username: str | None, ip: str, now=None) -> None:
    now = now or timezone.now()
    window = timedelta(seconds=settings.YEWU_LOGIN_WINDOW_SECONDS)
    lockout = timedelta(seconds=settings.YEWU_LOGIN_LOCKOUT_SECONDS)
    with transaction.atomic():
        for key, limit in _keys(username, ip):
            row = _row(key, now)
            if now - row.window_started_at > window:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + lockout
                row.failures, row.window_started_at = 0, now
                log.warning("login locked: %s for %ss after %s failures", key, int(lockout.total_seconds()), limit)
            row.save(update_fields=["failures", "window_started_at", "locked_until"])
        # forget counts nobody has touched for a day (guessed user names would otherwise pile up)
        LoginThrottle.objects.filter(window_started_at__lt=now - max(window, lockout) - timedelta(days=1)).delete()


def record_success(username: str | None) -> None:
    if username:  # only reached when not locked (the backend refuses a locked account before checking)
        LoginThrottle.objects.filter(key=_keys(username, "")[0][0]).delete()


def message(seconds: int, kind: str) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    who = "该账号" if kind == "user" else "此网络地址"
    return f"登录失败次数过多，{who}已暂时锁定，请 {minutes} 分钟后再试。"


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses while the account or address is locked and counts each wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if retry_after(username, ip)[0]:
            raise PermissionDenied("login throttled")  # stops authenticate(); no password is checked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, ip)
        else:
            record_success(username)
        return user


class ThrottledLoginMixin:
    """For AuthenticationForm subclasses: a locked account/address gets the Chinese cool-down message instead of
    "wrong password", including on the attempt that triggers the lock."""

    throttled = ""

    def _check_throttle(self):
        secs, kind = retry_after(self.data.get("username"), client_ip(self.request))
        if secs:
            self.throttled = message(secs, kind)
            raise ValidationError(self.throttled, code="throttled")

    def clean(self):
        self._check_throttle()
        try:
            return super().clean()
        except ValidationError:
            self._check_throttle()
            raise


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
