"""Input cleaning shared by services: trimmed text, no markup, bounded length."""

import re

from .errors import ValidationError

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def clean_text(value, *, field: str, label: str, max_len: int, required: bool = False) -> str:
    s = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not s:
        raise ValidationError(f"{label}不能为空", fields={field: f"{label}不能为空"})
    if len(s) > max_len:
        raise ValidationError(f"{label}不能超过 {max_len} 个字符（现为 {len(s)}）", fields={field: f"最多 {max_len} 个字符"})
    if _TAG.search(s):
        raise ValidationError(f"{label}不能包含 HTML 标签或脚本", fields={field: "不能包含 HTML 标签或脚本"})
    return s
