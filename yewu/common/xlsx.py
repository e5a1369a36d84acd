"""The one way a value goes into a workbook cell, for every Excel file Yewu writes.

* user text starting with ``= + - @`` is written with a leading apostrophe, so Excel never runs it as a formula
  (formula/CSV injection; a text that is just a signed number, such as ``-5``, stays as it is);
* characters a workbook cannot hold (control characters, lone surrogates — whatever is already stored from before
  the input gates existed) are dropped instead of failing the whole export (openpyxl ``IllegalCharacterError``);
* tz-aware datetimes are written in local time without the zone (Excel has none).

Writers call :func:`append` (or :func:`cell_value`/:func:`row` for cells they place themselves).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from .text import strip_controls

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def safe_text(s: str) -> str:
    """Text a cell can hold that Excel shows as text: no control characters, never a formula."""
    s = strip_controls(s)
    if s[:1] in FORMULA_STARTS and not _is_number(s):
        s = "'" + s
    return s


def cell_value(v: Any) -> Any:
    """A value openpyxl writes safely (numbers, dates and None stay as they are)."""
    if isinstance(v, str):
        return safe_text(v)
    if isinstance(v, datetime):
        if timezone.is_aware(v):
            v = timezone.localtime(v)
        return v.replace(tzinfo=None)
    if v is None or isinstance(v, (bool, int, float)) or hasattr(v, "as_tuple") or hasattr(v, "isoformat"):
        return v
    return safe_text(str(v))


def row(values: Iterable[Any]) -> list[Any]:
    return [cell_value(v) for v in values]


def append(ws, values: Iterable[Any]) -> None:
    """``ws.append`` with every value made safe."""
    ws.append(row(values))


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
