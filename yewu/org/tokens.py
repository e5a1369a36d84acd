"""API bearer tokens: issue with an expiry, look up, list, revoke; revoked when the user's password changes."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

MAX_DAYS = 3650
log = logging.getLogger("yewu.security")


def issue(user: User, days: int | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user`` valid ``days`` days (default YEWU_TOKEN_DAYS). Returns (raw token, row)."""
    days = settings.YEWU_TOKEN_DAYS if days is None else int(days)
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    raw = "yw_" + secrets.token_urlsafe(32)
    tok = ApiToken.objects.create(user=user, digest=ApiToken.hash(raw), prefix=raw[:8],
                                  expires_at=timezone.now() + timedelta(days=days))
    log.info("api token %s issued to %s, expires %s", tok.prefix, user.username, tok.expires_at.isoformat())
    return raw, tok


def authenticate(raw: str) -> User | None:
    """The active user of a valid (not expired, not revoked) token, else None. Notes the use (at most every 5 min)."""
    now = timezone.now()
    tok = (ApiToken.objects.select_related("user")
           .filter(digest=ApiToken.hash(raw), revoked_at__isnull=True, expires_at__gt=now).first())
    if tok is None or not tok.user.is_active:
        return None
    if tok.last_used_at is None or (now - tok.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
    return tok.user


def state(tok: ApiToken, now=None) -> str:
    now = now or timezone.now()
    if tok.revoked_at:
        return "revoked"
    return "expired" if tok.expires_at <= now else "active"


def list_for(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def find(ref: str) -> list[ApiToken]:
    """Tokens named by ``ref``: the raw token, its id, or its prefix as ``--list`` prints it (``yw_AbCdE``)."""
    ref = ref.strip().rstrip("…")
    if ref.isdigit():
        return list(ApiToken.objects.filter(pk=int(ref)))
    by_digest = list(ApiToken.objects.filter(digest=ApiToken.hash(ref)))
    if by_digest:
        return by_digest
    if ref.startswith("yw_") and len(ref) >= 6:
        return list(ApiToken.objects.filter(prefix=ref[:8]))
    return []


@transaction.atomic
def revoke(tokens, reason: str) -> int:
    """Revoke the given still-valid tokens; returns how many were revoked."""
    now = timezone.now()
    n = 0
    for tok in tokens:
        if tok.revoked_at is not None:
            continue
        n += ApiToken.objects.filter(pk=tok.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                                revoked_reason=reason[:100])
        log.info("api token %s of user %s revoked: %s", tok.prefix, tok.user_id, reason)
    return n


def revoke_all(user: User, reason: str) -> int:
    return revoke(ApiToken.objects.filter(user=user, revoked_at__isnull=True), reason)
