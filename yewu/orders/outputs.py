"""What the order, shipment, contract and return API operations share: the one price-hiding decision
(`acl.ops_scope`, ``can(user, "sees_prices")``), dates as ISO text, and file responses (PDF, Excel)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from yewu.org.permissions import can

MONEY_KEYS = ("total", "deposit_required", "paid_amount", "returned_amount", "unpaid", "unit_price", "guide_price",
              "line_total", "price_outcome", "reasons", "fee", "amount", "amount_at_stake")


def sees_prices(user) -> bool:
    """`acl.ops_scope`: warehouse, production and QC see orders, contracts and returns without prices."""
    return can(user, "sees_prices")


def priced(out: dict, user) -> dict:
    """``out`` without its money keys unless ``user`` sees prices (the one decision: permissions.sees_prices)."""
    return out if sees_prices(user) else {k: v for k, v in out.items() if k not in MONEY_KEYS}


def without_prices(out: dict) -> dict:
    out = {k: v for k, v in out.items() if k not in MONEY_KEYS}
    out["lines"] = [{k: v for k, v in ln.items() if k not in MONEY_KEYS} for ln in out["lines"]]
    if "approvals" in out:  # the approval reasons quote the amounts (approve.*, credit.over_limit)
        out["approvals"] = [{k: v for k, v in a.items() if k != "message"} for a in out["approvals"]]
    return out


def day(v):
    return v.isoformat() if v else None


def moment(v):
    return timezone.localtime(v).isoformat() if v else None


def file_response(data: bytes, filename: str, content_type: str = "application/pdf", inline: bool = True) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return resp
