"""Helpers shared by the service sub-areas: numbering, bounded input, choices, dates, the calendar."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yewu.common.errors import ValidationError
from yewu.common.numbering import next_number
from yewu.common.text import clean_text as _clean_text
from yewu.policy.calendar import TZ

__all__ = ["clean_text", "choice", "when", "money", "number", "TZ"]


def clean_text(value, *, field: str, label: str, max_len: int, required: bool = False, rule: str = "input.bounds",
               **kw) -> str:
    """``yewu.common.text.clean_text`` whose refusal (empty, oversize, markup) names a rule: the step's rule when the
    caller gives one, else the bounded-input rule."""
    try:
        return _clean_text(value, field=field, label=label, max_len=max_len, required=required, **kw)
    except ValidationError as e:
        e.rule = e.rule or rule
        raise


def number(kind: str) -> str:
    """A document number of the day (``YWKF-20250930-01``), taken under the sequence's row lock."""
    return next_number(kind, timezone.localdate())


def choice(value, options: dict, *, field: str, label: str, rule: str | None = None, required: bool = True) -> str:
    v = (value or "").strip() if isinstance(value, str) else (value or "")
    if not v and not required:
        return ""
    if v not in options:
        raise ValidationError(f"{label}无效：{str(v)[:30] or '（空）'}，应为 {'、'.join(options.values())}",
                              fields={field: "应为 " + "/".join(options)}, rule=rule)
    return v


def when(value, *, field: str, label: str, default: datetime | None = None, rule: str | None = None) -> datetime:
    """An aware datetime from a datetime or an ISO string (local Asia/Shanghai when no offset is given)."""
    if value in (None, ""):
        if default is not None:
            return default
        raise ValidationError(f"{label}不能为空", fields={field: "不能为空"}, rule=rule)
    dt = value if isinstance(value, datetime) else parse_datetime(str(value).strip()[:40])
    if dt is None:
        raise ValidationError(f"{label}不是有效时间：{str(value)[:40]}", fields={field: "应为 YYYY-MM-DD HH:MM"}, rule=rule)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=TZ)
    return dt


def money(value, *, field: str, label: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"{label}不能为空", fields={field: "不能为空"})
        return None
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}不是有效金额：{str(value)[:20]}", fields={field: "不是有效金额"}) from None
    if not d.is_finite() or d < 0 or d > Decimal("999999999999.99") or -d.as_tuple().exponent > 2:
        raise ValidationError(f"{label}应为 0 以上、最多两位小数的金额", fields={field: "金额无效"})
    return d.quantize(Decimal("0.01"))
