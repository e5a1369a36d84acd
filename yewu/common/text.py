"""Input cleaning shared by every boundary: no control characters, trimmed text, no markup, bounded length.

``strip_controls`` is the one place that decides which characters text may hold. It runs on every JSON body and
query string of the API (``yewu.common.boundary.YewuParser``), on every form and query value of the UI
(``yewu.common.boundary.CleanInputMiddleware``) and on every imported cell (``clean_text``): C0/C1 control
characters, DEL, lone UTF-16 surrogates and the non-characters U+FFFE/U+FFFF are removed; tab and newline are kept
where multi-line text makes sense (``multiline=True``), and become a space otherwise; CR LF becomes LF.
"""

import re

from .errors import ValidationError

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
# everything a text field may never hold: C0 controls but \t \n \r, DEL, C1 controls, lone surrogates, U+FFFE/F
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?")
_SINGLE_LINE_WS = re.compile(r"[\t\n]+")


def has_controls(s: str) -> bool:
    """True if ``s`` holds a character ``strip_controls`` would remove (tab/newline/CR excepted)."""
    return bool(_NEVER.search(s))


def strip_controls(value: str, *, multiline: bool = True) -> str:
    """``value`` without control characters; tab/newline kept if ``multiline``, else each run becomes a space."""
    if not isinstance(value, str) or not value:
        return value
    s = _NEVER.sub("", value)
    if "\r" in s:
        s = _LINE_BREAKS.sub("\n", s)
    if not multiline and ("\n" in s or "\t" in s):
        s = _SINGLE_LINE_WS.sub(" ", s)
    return s


class TooLong(ValidationError):
    """Text longer than its field holds: refused with the limit (422), never cut to fit (`input.bounds`)."""

    status = 422
    code = "too_long"


def too_long(field: str, label: str, max_len: int, length: int) -> TooLong:
    return TooLong(f"{label}最多 {max_len} 个字符，现为 {length} 个，请删减后再提交（不会自动截断）",
                   fields={field: f"最多 {max_len} 个字符（现为 {length}）"}, rule="input.bounds")


def clean_text(value, *, field: str, label: str, max_len: int, required: bool = False, multiline: bool = True) -> str:
    """Trimmed text without control characters; refuses (never truncates) text over ``max_len`` and markup."""
    s = (value or "") if isinstance(value, str) or value is None else str(value)
    s = strip_controls(s, multiline=multiline).strip()
    if required and not s:
        raise ValidationError(f"{label}不能为空", fields={field: f"{label}不能为空"})
    if len(s) > max_len:
        raise too_long(field, label, max_len, len(s))
    if _TAG.search(s):
        raise ValidationError(f"{label}不能包含 HTML 标签或脚本", fields={field: "不能包含 HTML 标签或脚本"})
    return s


SEARCH_MAX_LEN = 50  # a type-ahead query: a name, a code, initials or phone digits, never more


def search_query(value, *, field: str = "q", max_len: int = SEARCH_MAX_LEN) -> str:
    """A type-ahead query: one line without control characters, trimmed; longer than ``max_len`` is refused (422)."""
    s = strip_controls(value if isinstance(value, str) else "", multiline=False).strip()
    if len(s) > max_len:
        raise too_long(field, "搜索内容", max_len, len(s))
    return s
