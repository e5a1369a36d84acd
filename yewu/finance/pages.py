"""What the money pages share: an error shown as a message naming its rule, a date from the query string, the
customers a page offers to choose from, an Excel download."""

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse

from yewu.common.errors import YewuError

from .access import money_customers


def show_error(request, e: YewuError):
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def parse_date(s: str | None, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(s) if s else default
    except ValueError:
        return default


def customer_choices(request, chosen=None):
    """The options a money page's customer picker carries: only the chosen customer (typing asks
    :func:`yewu.finance.receipts.views.customer_search`), never every customer."""
    cid = str(chosen or "")
    return list(money_customers(request.user).filter(pk=int(cid))) if cid.isdigit() else []


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp
