"""Notifications where people are: WeCom / DingTalk group robots and e-mail (issue 15).

``queue_for(notification)`` records one ``PushDelivery`` per channel of the user or the user's team, in the
caller's transaction; the worker's ``deliver_due`` posts them (markdown with a link back to the page), retries
with backoff and marks a delivery failed after ``MAX_ATTEMPTS`` — failures are listed for the system
administrator on /settings/push/. Nothing here runs inside a user's request except the queueing insert.

Formats (the robots' public webhook APIs):
- WeCom: POST ``{"msgtype": "markdown", "markdown": {"content": ...}}``.
- DingTalk: POST ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; with a signing secret the
  URL gets ``timestamp`` (ms) and ``sign`` = URL-encoded base64 of HMAC-SHA256(secret, f"{timestamp}\\n{secret}").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Notification, PushChannel, PushDelivery

logger = logging.getLogger("yewu.push")
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
TIMEOUT_S = 5


def queue_for(n: Notification) -> int:
    """One pending delivery per active channel of the notification's user (own, or the user's team's)."""
    q = Q(user_id=n.user_id)
    team_id = getattr(n.user, "team_id", None)
    if team_id:
        q |= Q(team_id=team_id)
    channels = list(PushChannel.objects.filter(q, active=True).values_list("id", flat=True))
    now = timezone.now()
    PushDelivery.objects.bulk_create([PushDelivery(notification=n, channel_id=c, next_attempt_at=now) for c in channels],
                                     ignore_conflicts=True)
    return len(channels)


def absolute(link: str) -> str:
    base = getattr(settings, "YEWU_BASE_URL", "").rstrip("/")
    if not link:
        return base + "/notifications/"
    return link if link.startswith("http") else base + link


def markdown(n: Notification) -> tuple[str, str]:
    title = "业务系统通知"
    rule = f"\n> 规则 {n.rule}" if n.rule else ""
    text = f"**{title}**\n{n.message}{rule}\n[打开处理]({absolute(n.link)})"
    return title, text


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def request_for(ch: PushChannel, n: Notification, now_ms: int | None = None) -> tuple[str, bytes]:
    title, text = markdown(n)
    if ch.kind == PushChannel.Kind.WECOM:
        return ch.target, json.dumps({"msgtype": "markdown", "markdown": {"content": text}}, ensure_ascii=False).encode()
    url = ch.target
    if ch.secret:
        ts = now_ms if now_ms is not None else int(time.time() * 1000)
        url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(ch.secret, ts)}"
    body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return url, json.dumps(body, ensure_ascii=False).encode()


def _post(url: str, body: bytes) -> None:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:  # noqa: S310 — the administrator's webhook URL
        raw = resp.read(64 * 1024)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:  # both robots answer errcode 0 on success
        raise RuntimeError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def send(d: PushDelivery) -> None:
    ch, n = d.channel, d.notification
    if ch.kind == PushChannel.Kind.EMAIL:
        _, text = markdown(n)
        send_mail("业务系统通知", text, None, [ch.target], fail_silently=False)
        return
    _post(*request_for(ch, n))


def deliver_due(now=None, limit: int = 200) -> dict:
    """Post every due delivery once; a failure waits 1 min, 5 min, 30 min, 2 h, then is marked failed."""
    now = now or timezone.now()
    out = {"sent": 0, "retry": 0, "failed": 0}
    due = list(PushDelivery.objects.filter(state=PushDelivery.State.PENDING, next_attempt_at__lte=now)
               .select_related("channel", "notification").order_by("next_attempt_at", "id")[:limit])
    for d in due:
        with transaction.atomic():  # claim: another worker that got here first moved next_attempt_at on
            claimed = PushDelivery.objects.filter(pk=d.pk, state=PushDelivery.State.PENDING, attempts=d.attempts).update(
                attempts=d.attempts + 1, next_attempt_at=now + BACKOFF[min(d.attempts, len(BACKOFF) - 1)])
        if not claimed:
            continue
        d.attempts += 1
        try:
            send(d)
        except Exception as e:  # noqa: BLE001 — any failure of the far end is a retry, recorded for the administrator
            err = f"{type(e).__name__}: {e}"[:300]
            final = d.attempts >= MAX_ATTEMPTS
            PushDelivery.objects.filter(pk=d.pk).update(
                last_error=err, **({"state": PushDelivery.State.FAILED} if final else {}))
            out["failed" if final else "retry"] += 1
            logger.warning("push %s to %s failed (attempt %s): %s", d.pk, d.channel.name, d.attempts, err)
            continue
        PushDelivery.objects.filter(pk=d.pk).update(state=PushDelivery.State.SENT, sent_at=timezone.now(), last_error="")
        out["sent"] += 1
    return out
