"""The one way an outside number or date becomes a value (SPEC: every outside input is bounded at the boundary).

Money, quantities, unit prices and rates arrive as JSON numbers, numeric strings, form fields or Excel cells. Each
kind below knows what its database column holds (``max_digits``/``decimal_places``, mirrored by the CHECK
constraints of :func:`yewu.common.bounds.fits`) and, for money and quantities, the company's business ceiling (the
settings ``input.bounds.max_amount`` and ``input.bounds.max_quantity``). A value is parsed exactly (a JSON number
is read from its text, never through a float), and refused with a :class:`ValidationError` naming the field when
it is not a finite number, has too many decimals, or is out of range.

For the API, :data:`MoneyInput`, :data:`QuantityInput`, :data:`PriceInput`, :data:`RateInput` are pydantic
types that take a JSON number or a numeric string alike (``yewu.common.boundary.YewuParser`` keeps the text of
JSON numbers so nothing is rounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.utils import timezone
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

from .errors import ValidationError
from .policy_source import current_policy

BOUNDS_RULE = "input.bounds"


@dataclass(frozen=True)
class Kind:
    """A kind of number and the column that stores it."""

    name: str
    unit: str
    max_digits: int
    places: int
    ceiling_key: str | None = None  # the company setting that bounds it further

    @property
    def column_limit(self) -> Decimal:
        """The first magnitude the column cannot hold (|value| must be below it)."""
        return Decimal(10) ** (self.max_digits - self.places)

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)


MONEY = Kind("money", "元", 14, 2, "input.bounds.max_amount")
PRICE = Kind("price", "元", 12, 2, "input.bounds.max_amount")
QUANTITY = Kind("quantity", "", 14, 3, "input.bounds.max_quantity")
RATE = Kind("rate", "%", 5, 2)
LARGE_MONEY = Kind("large_money", "元", 16, 2)  # a company's registered capital or annual sales, not a transaction
KINDS = {k.name: k for k in (MONEY, PRICE, QUANTITY, RATE, LARGE_MONEY)}


def _err(field: str, label: str, message: str, short: str, rule: str | None = None) -> ValidationError:
    return ValidationError(f"{label}{message}", fields={field: short}, rule=rule)


def to_decimal(raw: Any) -> Decimal | None:
    """``raw`` as an exact finite Decimal, or None if it is not a number. Floats go through their shortest text."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        d = raw
    elif isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, float):
        d = Decimal(getattr(raw, "text", None) or repr(raw))
    else:
        s = str(raw).strip().replace(",", "").replace("，", "")
        if not s or len(s) > 60:
            return None
        try:
            d = Decimal(s)
        except (InvalidOperation, ValueError):
            return None
    return d if d.is_finite() else None


def _places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    if not isinstance(exp, int) or exp >= 0:
        return 0
    # trailing zeros beyond the places do not count: 12.500 has 1 decimal
    return max(0, -int(d.normalize().as_tuple().exponent)) if d else 0


def number(raw: Any, kind: Kind, *, field: str, label: str, required: bool = True, minimum: Decimal | int | None = 0,
           allow_zero: bool = True, ceiling: Decimal | None = None, places: int | None = None,
           rule: str | None = None) -> Decimal | None:
    """Parse ``raw`` as a ``kind`` number; None when empty and not required. ``ceiling`` is the business limit.
    Refusals name ``field`` and ``rule`` (the caller's rule; ``input.bounds`` for the ceiling and by default)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise _err(field, label, "不能为空", "必填", rule)
        return None
    d = to_decimal(raw)
    unit = f"（{kind.unit}）" if kind.unit else ""
    if d is None:
        raise _err(field, label, f"必须是数字{unit}，且为有限值（现为 {str(raw)[:40]}）", "必须是数字", rule)
    places = kind.places if places is None else places
    if _places(d) > places:
        most = "最多两位小数" if places == 2 else f"最多 {places} 位小数"
        raise _err(field, label, f"{most}（现为 {d}）", most, rule)
    if abs(d) >= kind.column_limit:
        raise _err(field, label, f"过大，超出可保存的范围（绝对值须小于 {kind.column_limit:,}）", "过大", rule or BOUNDS_RULE)
    if minimum == 0 and not allow_zero and d <= 0:
        raise _err(field, label, f"必须大于 0（现为 {d}）", "必须大于 0", rule)
    if minimum is not None and d < minimum:
        raise _err(field, label, f"不能小于 {minimum}（现为 {d}）", f"不能小于 {minimum}", rule)
    if not allow_zero and d == 0:
        raise _err(field, label, "必须大于 0", "必须大于 0", rule)
    if ceiling is not None and abs(d) > ceiling:
        raise _err(field, label, f"超过公司设定的上限 {ceiling:,}{kind.unit}（{BOUNDS_RULE}，现为 {d:,}）",
                   f"不能超过 {ceiling:,}", BOUNDS_RULE)
    return d.quantize(Decimal(1).scaleb(-places)) if kind is not QUANTITY else d


def ceiling_of(kind: Kind, cfg: Any = None) -> Decimal | None:
    """The business ceiling of ``kind`` in the settings in force (``cfg`` a PolicyConfig, or the current one)."""
    if not kind.ceiling_key:
        return None
    if cfg is None:
        cfg = current_policy()
    v = cfg.get(kind.ceiling_key)
    return None if v is None else Decimal(str(v))


def money(raw: Any, *, field: str = "amount", label: str = "金额", required: bool = True, allow_zero: bool = False,
          allow_negative: bool = False, cfg: Any = None, kind: Kind = MONEY, rule: str | None = None) -> Decimal | None:
    """A money amount (元, 2 decimals): > 0 unless ``allow_zero``/``allow_negative``; ≤ ``input.bounds.max_amount``."""
    return number(raw, kind, field=field, label=label, required=required, allow_zero=allow_zero or allow_negative,
                  minimum=None if allow_negative else 0, ceiling=ceiling_of(kind, cfg), rule=rule)


def price(raw: Any, *, field: str = "unit_price", label: str = "单价", required: bool = True, allow_zero: bool = False,
          cfg: Any = None, rule: str | None = None) -> Decimal | None:
    """A unit or guide price (元, 2 decimals, column 12,2): > 0 and ≤ ``input.bounds.max_amount``."""
    return money(raw, field=field, label=label, required=required, allow_zero=allow_zero, cfg=cfg, kind=PRICE, rule=rule)


def quantity(raw: Any, *, field: str = "quantity", label: str = "数量", required: bool = True, allow_zero: bool = False,
             cfg: Any = None, rule: str | None = None) -> Decimal | None:
    """A quantity (3 decimals): > 0 and ≤ ``input.bounds.max_quantity``."""
    return number(raw, QUANTITY, field=field, label=label, required=required, allow_zero=allow_zero,
                  ceiling=ceiling_of(QUANTITY, cfg), rule=rule)


def rate(raw: Any, *, field: str, label: str, required: bool = True, hi: Decimal | int = 100) -> Decimal | None:
    """A percentage (2 decimals) from 0 to ``hi``."""
    d = number(raw, RATE, field=field, label=label, required=required)
    if d is not None and d > hi:
        raise _err(field, label, f"不能超过 {hi}%（现为 {d}%）", f"不能超过 {hi}%")
    return d


def fits(value: Decimal, kind: Kind, *, field: str, label: str, cfg: Any = None) -> Decimal:
    """A computed figure (a line total, an order total) must fit its column and the business ceiling too."""
    ceiling = ceiling_of(kind, cfg)
    if abs(value) >= kind.column_limit or (ceiling is not None and abs(value) > ceiling):
        limit = min(kind.column_limit - kind.quantum, ceiling) if ceiling is not None else kind.column_limit - kind.quantum
        raise _err(field, label, f"为 {value:,}，超过上限 {limit:,}{kind.unit}（{BOUNDS_RULE}）", f"不能超过 {limit:,}",
                   BOUNDS_RULE)
    return value


MIN_YEAR, MAX_YEAR = 1900, 2200


def parse_date(raw: Any, *, field: str, label: str, required: bool = True, rule: str | None = None) -> date | None:
    """A calendar date: a ``date``, ISO ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, ``YYYY.MM.DD``), years 1900–2200.
    ``rule`` names the SPEC rule a malformed date is refused under (the field's own rule, when it has one)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise _err(field, label, "不能为空", "必填")
        return None
    if isinstance(raw, datetime):
        d = timezone.localtime(raw).date() if timezone.is_aware(raw) else raw.date()
    elif isinstance(raw, date):
        d = raw
    else:
        s = str(raw).strip()[:10].replace("/", "-").replace(".", "-")
        try:
            d = date.fromisoformat(s) if len(s) == 10 else None
        except ValueError:
            d = None
        if d is None:
            raise _err(field, label, f"不是有效日期（YYYY-MM-DD）：{str(raw)[:40]}", "不是有效日期", rule)
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise _err(field, label, f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间", "年份超出范围", BOUNDS_RULE)
    return d


def parse_datetime(raw: Any, *, field: str, label: str, required: bool = True, rule: str | None = None) -> datetime | None:
    """A moment: a ``datetime`` or ISO 8601 text (``YYYY-MM-DD HH:MM[:SS]``, ``T`` or a space, an offset optional);
    without an offset it is read in the company's time zone (Asia/Shanghai). Years 1900–2200."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise _err(field, label, "不能为空", "必填")
        return None
    if isinstance(raw, datetime):
        dt = raw
    else:
        try:
            dt = datetime.fromisoformat(str(raw).strip()[:40])
        except ValueError:
            raise _err(field, label, f"不是有效时间（YYYY-MM-DD HH:MM）：{str(raw)[:40]}", "格式应为 YYYY-MM-DD HH:MM", rule) from None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise _err(field, label, f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间", "年份超出范围", BOUNDS_RULE)
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def year(raw: Any, *, field: str = "year", label: str = "年份") -> int:
    d = to_decimal(raw)
    if d is None or d != d.to_integral_value() or not MIN_YEAR <= d <= MAX_YEAR:
        raise _err(field, label, f"须是 {MIN_YEAR}–{MAX_YEAR} 之间的整数（现为 {str(raw)[:20]}）", "年份超出范围",
                   BOUNDS_RULE)
    return int(d)


# --- pydantic input types for the API schemas ------------------------------------------------------------


def _validator(kind: Kind):
    def parse(v: Any) -> Any:
        """A JSON number (read from its text) or a numeric string → an exact Decimal. Anything else that is a
        scalar (text, a non-finite or oversized number) goes on unchanged so that the service refuses it with the
        field and the rule it belongs to (services parse with :func:`number`); lists and objects are refused here."""
        if v is None or isinstance(v, Decimal):
            return v
        if isinstance(v, (dict, list, tuple, set)):
            raise ValueError("必须是数字或数字字符串")
        d = to_decimal(v)
        if d is None:
            return v if isinstance(v, str) else str(getattr(v, "text", v))
        return d

    return parse


def _schema(kind: Kind, description: str) -> dict:
    ints = kind.max_digits - kind.places
    pattern = rf"^-?\d{{1,{ints}}}(\.\d{{1,{kind.places}}})?$"
    return {"anyOf": [{"type": "number", "exclusiveMaximum": float(kind.column_limit),
                       "exclusiveMinimum": -float(kind.column_limit)},
                      {"type": "string", "pattern": pattern}],
            "description": description}


def _type(kind: Kind, description: str):
    return Annotated[Decimal, PlainValidator(_validator(kind)), PlainSerializer(_as_text, return_type=str),
                     WithJsonSchema(_schema(kind, description))]


def _as_text(d) -> str:
    """A Decimal as exact text; anything the validator let through for the service to refuse (``true``, ``"abc"``)
    as its text, so that dumping the payload never fails before the service names the field."""
    return format(d, "f") if isinstance(d, Decimal) else str(d)


MoneyInput = _type(MONEY, "金额（元，最多 2 位小数）：JSON 数字或数字字符串")
PriceInput = _type(PRICE, "单价（元，最多 2 位小数）：JSON 数字或数字字符串")
QuantityInput = _type(QUANTITY, "数量（最多 3 位小数）：JSON 数字或数字字符串")
RateInput = _type(RATE, "百分比（最多 2 位小数）：JSON 数字或数字字符串")
LargeMoneyInput = _type(LARGE_MONEY, "金额（元，最多 2 位小数，注册资本/年销售额）：JSON 数字或数字字符串")
