"""What every treasury sub-area shares: the roles that handle cash, the business date (tests replace
:func:`today`), input parsing and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.common import parsers
from yewu.common.errors import RuleRefused, ValidationError
from yewu.org.models import Role, User
from yewu.policy import Decision


def today() -> date:
    """The business date (Asia/Shanghai); tests replace it to walk through calendar boundaries."""
    return timezone.localdate()


def money_input(v, field: str, label: str, *, required: bool = True, allow_zero: bool = False) -> Decimal | None:
    return parsers.money(v, field=field, label=label, required=required, allow_zero=allow_zero)


def date_input(v, field: str, label: str, *, required: bool = True) -> date | None:
    return parsers.parse_date(v, field=field, label=label, required=required)


def refuse(d: Decision, status: int = 422):
    if d.refused:
        raise RuleRefused.from_decision(d, status=status)


def choice(v, choices, field: str, label: str) -> str:
    if v not in choices.values:
        opts = "、".join(f"{k}（{lab}）" for k, lab in choices.choices)
        raise ValidationError(f"{label}无效：{v}；可选 {opts}", fields={field: "无效选项"})
    return v


def in_sales_team(u: User) -> bool:
    return bool(u.team_id) and u.has_role(Role.SP, Role.SM)
