"""The two gates every outside text passes: the API's request parser and the UI's form/query middleware.

Both apply :func:`yewu.common.text.strip_controls` to every string value (keys too), so no control character or
lone surrogate reaches a service, the database or an export. The API parser also reads JSON numbers exactly (a
number with a fraction or exponent keeps its text, so ``yewu.common.parsers`` turns it into a Decimal without float
rounding), refuses ``NaN``/``Infinity`` literals and any integer longer than a database integer (naming its field), and
bounds the paging parameters ``limit`` and ``offset`` and any integer query value of every list endpoint in one place.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, QueryDict
from ninja.parser import Parser

from .errors import ValidationError
from .text import strip_controls

MAX_OFFSET = 10**9
MAX_LIMIT = 10_000
MAX_INT_DIGITS = 18  # a 64-bit integer column holds 18 full digits


class ExactFloat(float):
    """A JSON number with a fraction or exponent; ``text`` is what the client wrote."""

    text: str

    def __new__(cls, text: str):
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def _refuse_constant(name: str):
    raise ValueError(f"{name} 不是有效的 JSON 数字")


def clean_value(v: Any) -> Any:
    """Strings (and dict keys) without control characters, recursively."""
    if isinstance(v, str):
        return strip_controls(v)
    if isinstance(v, dict):
        return {clean_value(k): clean_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean_value(x) for x in v]
    return v


def check_query_value(key: str, value: Any) -> None:
    """``offset``/``limit`` are non-negative and bounded; no integer query value longer than a database integer."""
    if not isinstance(value, str):
        return
    s = value.strip()
    digits = s.lstrip("+-")
    if key in ("offset", "limit"):
        if not s.isdigit() and not (s[:1] in "+-" and digits.isdigit()):
            return  # not an integer: the schema refuses it with 422
        n = int(s) if len(digits) <= MAX_INT_DIGITS else None
        hi = MAX_OFFSET if key == "offset" else MAX_LIMIT
        if n is None or not 0 <= n <= hi:
            raise ValidationError(f"{key} 须是 0–{hi:,} 之间的整数（现为 {s[:30]}）", fields={key: f"须是 0–{hi:,} 之间的整数"},
                                  rule="input.bounds")
    elif digits.isdigit() and len(digits) > MAX_INT_DIGITS:
        raise ValidationError(f"{key} 数值过大（最多 {MAX_INT_DIGITS} 位）", fields={key: "数值过大"}, rule="input.bounds")


def check_body_ints(v: Any, path: str = "") -> None:
    """No JSON integer longer than a database integer, anywhere in a body: refused naming its field
    (``attendee_ids.0``), as :func:`check_query_value` does for the query — not left to fail deeper in a query."""
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        if len(str(abs(v))) > MAX_INT_DIGITS:
            name = path or "body"
            raise ValidationError(f"{name} 数值过大（最多 {MAX_INT_DIGITS} 位）", fields={name: "数值过大"},
                                  rule="input.bounds")
    elif isinstance(v, dict):
        for k, x in v.items():
            check_body_ints(x, f"{path}.{k}" if path else str(k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            check_body_ints(x, f"{path}.{i}" if path else str(i))


class YewuParser(Parser):
    def parse_body(self, request: HttpRequest):
        data = clean_value(json.loads(request.body, parse_float=ExactFloat, parse_constant=_refuse_constant))
        check_body_ints(data)
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        result = super().parse_querydict(data, list_fields, request)
        if data is request.FILES:
            return result
        out = {}
        for k, v in result.items():
            v = clean_value(v)
            for one in v if isinstance(v, list) else [v]:
                check_query_value(k, one)
            out[clean_value(k)] = v
        return out


def _clean_querydict(qd: QueryDict) -> QueryDict:
    if not any(_dirty(k) or any(_dirty(v) for v in qd.getlist(k)) for k in qd):
        return qd
    out = QueryDict(mutable=True, encoding=qd.encoding)
    for k in qd:
        out.setlist(strip_controls(k), [strip_controls(v) if isinstance(v, str) else v for v in qd.getlist(k)])
    out._mutable = False
    return out


def _dirty(s: Any) -> bool:
    return isinstance(s, str) and strip_controls(s) != s


class CleanInputMiddleware:
    """UI gate: query and form values without control characters before any view (or form) sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith("/api/"):
            return self.get_response(request)  # the API's own gate is YewuParser
        request.GET = _clean_querydict(request.GET)
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            request.POST = _clean_querydict(request.POST)
        return self.get_response(request)
