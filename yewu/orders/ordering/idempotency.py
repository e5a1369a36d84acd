"""Idempotency-Key on order creation: a repeat with the same key and the same request returns the first order; the
same key with a different request is refused (422 naming the key), never silently answered with another order.

The order stores a SHA-256 of its request, canonical so that a retry serialised differently (key order, white
space, ``10`` / ``"10"`` / ``"10.00"``) is still the same request."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation

from yewu.common.errors import RuleRefused

FIELD = "Idempotency-Key"


def _num(v):
    try:
        d = Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return str(v)
    return format(d.normalize(), "f") if d.is_finite() else str(v)


def _id(v):
    if v is None or v == "":
        return None
    s = str(v).strip()
    return int(s) if s.isdigit() else s


def fingerprint(*, customer_id, settlement, term_days, delivery_address, note, quote_id, reapproval, lines) -> str:
    """SHA-256 (hex) of the order request in canonical form."""
    body = {
        "customer_id": _id(customer_id), "settlement": str(settlement or "").strip(), "term_days": _id(term_days),
        "delivery_address": str(delivery_address or "").strip(), "note": str(note or "").strip(),
        "quote_id": _id(quote_id), "reapproval": bool(reapproval),
        "lines": [[_id(ln.product_id), _num(ln.quantity), _num(ln.unit_price)] for ln in lines],
    }
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def check_same_request(order, key: str, digest: str) -> None:
    """Refuse a reused key whose request differs from the one that created ``order`` (orders created before the
    hash was stored carry none and are answered as before)."""
    if order.idempotency_hash and order.idempotency_hash != digest:
        raise RuleRefused(
            f"Idempotency-Key「{key}」已用于创建订单 {order.number}，但本次请求内容不同；"
            "重试请发送相同内容，新订单请使用新的 Idempotency-Key",
            code="idempotency_key_reused",
            fields={FIELD: f"已用于订单 {order.number}，请求内容不同"},
        )
