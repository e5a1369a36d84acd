"""What a refused API input says, in Chinese: pydantic's error of one field (``{"type", "msg", "ctx", ...}``) as the
short message the 422 answer carries for that field (``fields[...]`` and the sentence in ``message``).

Pydantic writes English ("Field required", "Input should be a valid integer, unable to parse string as an integer");
a salesperson reading the API's answer in the app, or an integrator, gets "必填" and "应为整数" instead. Messages
our own validators raise (``ValueError("金额最多 2 位小数")``) come through as written, without pydantic's "Value error, "
prefix. An error type not listed here keeps a neutral Chinese message with its type, never the English text.
"""

from __future__ import annotations

from typing import Any

_PLAIN = {
    "missing": "必填",
    "missing_argument": "必填",
    "extra_forbidden": "不接受这个字段",
    "string_type": "应为文本",
    "str_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数（不能有小数）",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为是或否（true/false）",
    "bool_parsing": "应为是或否（true/false）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期，不含时间",
    "datetime_type": "应为日期时间（YYYY-MM-DDTHH:MM）",
    "datetime_parsing": "应为日期时间（YYYY-MM-DDTHH:MM）",
    "datetime_from_date_parsing": "应为日期时间（YYYY-MM-DDTHH:MM）",
    "time_type": "应为时间（HH:MM）",
    "time_parsing": "应为时间（HH:MM）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_type": "应为网址",
    "url_parsing": "应为网址",
    "string_unicode": "含有无法识别的字符",
    "string_sub_type": "应为文本",
    "bytes_type": "应为文件或文本",
    "none_required": "应为空",
    "is_instance_of": "类型不对",
    "union_tag_invalid": "类型不对",
    "union_tag_not_found": "缺少类型标记",
}


def _ctx(e: dict, key: str) -> Any:
    return (e.get("ctx") or {}).get(key)


def _expected(e: dict) -> str:
    expected = str(_ctx(e, "expected") or "").replace("'", "").replace(" or ", "、").replace(", ", "、")
    return f"应为以下之一：{expected}" if expected else "不是可选的值"


def _sized(e: dict) -> str:
    t = e.get("type", "")
    unit = "个字符" if t.startswith("string") else "项"
    if t.endswith("too_long"):
        return f"最多 {_ctx(e, 'max_length')} {unit}"
    return f"至少 {_ctx(e, 'min_length')} {unit}"


_BOUNDED = {
    "greater_than": ("gt", "应大于 {}"),
    "greater_than_equal": ("ge", "不能小于 {}"),
    "less_than": ("lt", "应小于 {}"),
    "less_than_equal": ("le", "不能大于 {}"),
    "multiple_of": ("multiple_of", "应为 {} 的倍数"),
    "decimal_max_digits": ("max_digits", "最多 {} 位数字"),
    "decimal_max_places": ("decimal_places", "最多 {} 位小数"),
    "decimal_whole_digits": ("whole_digits", "整数部分最多 {} 位"),
    "string_pattern_mismatch": ("pattern", "格式不对（应符合 {}）"),
}


def zh_message(e: dict) -> str:
    """The Chinese message of one pydantic error (see the module's text)."""
    t = str(e.get("type") or "")
    if t in ("value_error", "assertion_error"):
        msg = str(e.get("msg") or "")
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        if msg and not msg.isascii():
            return msg  # our own validators' Chinese text
        return "取值不对" + (f"（{msg}）" if msg else "")
    if t in _PLAIN:
        return _PLAIN[t]
    if t in ("literal_error", "enum"):
        return _expected(e)
    if t.endswith(("too_long", "too_short")):
        return _sized(e)
    if t in _BOUNDED:
        key, text = _BOUNDED[t]
        return text.format(_ctx(e, key))
    return f"取值不对（{t}）" if t else "取值不对"
