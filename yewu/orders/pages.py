"""What the order, shipment, contract and return pages share: showing a refusal, the visible order or 404, and
reading a typed date or an uploaded file from a posted page."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404

from yewu.common.errors import YewuError

from .attachments import FileIn
from .visibility import order_for


def show_error(request, e: YewuError) -> None:
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def order_or_404(request, pk):
    o = order_for(request.user, pk)
    if o is None:
        raise Http404("订单不存在或无权查看")
    return o


def posted_date(value: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise YewuError(f"{label}格式应为 YYYY-MM-DD", fields={field: "日期"}) from None


def uploaded(f, field: str) -> FileIn | None:
    if f is None:
        return None
    return FileIn(f.name or field, f.content_type or "", f.read())
