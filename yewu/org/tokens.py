"""API bearer tokens: issue with an expiry, look up, list, revoke; revoked when the user's password changes."""

from __future__ import annotations

from django.utils import timezone

from yewu.common import prepared

from .models import ApiToken, User

MAX_DAYS = ApiToken.MAX_DAYS


def issue(user: User, days: int | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user`` valid ``days`` days (default YEWU_TOKEN_DAYS). Returns (raw token, row)."""
    return ApiToken.issue_row(user, days)


def authenticate(raw: str) -> User | None:
    """The active user of a valid (not expired, not revoked) token, else None. Notes the use (at most every 5 min)."""
    now = timezone.now()
    # every API request asks this: its SQL is compiled once per connection (yewu.common.prepared)
    found = prepared.fetch("org.tokens.authenticate", _by_digest, ApiToken.hash(raw))
    tok = found[0] if found else None
    if tok is None or tok.revoked_at is not None or tok.expires_at <= now or not tok.user.is_active:
        return None
    if tok.last_used_at is None or (now - tok.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
    return tok.user


def _by_digest(digest: str):
    return ApiToken.objects.select_related("user").filter(digest=digest)  # unique


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


def revoke(tokens, reason: str) -> int:
    """Revoke the given still-valid tokens; returns how many were revoked."""
    return ApiToken.revoke(tokens, reason)


def revoke_all(user: User, reason: str) -> int:
    return revoke(ApiToken.objects.filter(user=user, revoked_at__isnull=True), reason)
