"""The company's written rules as users read them: each rule id's Chinese name and a short summary of its text
(pure Python, no Django). ``{setting.key}`` in a text stands for the setting's value in force; the rule
reference page (``/rules/<rule id>/``) fills it in and lists the rule's settings with their current values.

Covered: every rule id of the company's written rules (SPEC), and the ids the system's own checks quote (input
bounds, imports, the public form, notification channels, order changes); the table is in ``rulebook_rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .rulebook_rules import TABLE

ROLE_NAMES = {"SP": "业务员", "LS": "网络推广专员", "SM": "业务经理", "GM": "总经理", "FD": "财务总监", "FIN": "财务",
              "CA": "出纳", "CS": "客服", "CSM": "客服经理", "CIA": "客户信息管理员", "WH": "库管", "PROD": "生产部",
              "QC": "质检", "ADM": "行政部", "SYS": "系统管理员"}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    text: str  # may hold {setting.key} placeholders


# the one lookup of a rule id (the table itself is in rulebook_rules)
RULES: dict[str, Rule] = {rid: Rule(rid, name, text) for rid, name, text in TABLE}

_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+(?:\.[a-z_0-9]+)+)\}")


def rule(rule_id: str) -> Rule | None:
    return RULES.get(rule_id)


def rule_name(rule_id: str) -> str:
    r = RULES.get(rule_id)
    return r.name if r else ""


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def filled(text: str, show) -> str:
    """The text with each {setting.key} replaced by ``show(key)`` (the value in force, as users read it)."""
    return _PLACEHOLDER.sub(lambda m: show(m.group(1)), text)


def role_names(codes: Any) -> str:
    """["SM", "FD", "GM"] → "业务经理、财务总监、总经理"."""
    if isinstance(codes, str):
        codes = [c.strip() for c in re.split(r"[,→>\s]+", codes) if c.strip()]
    return "、".join(ROLE_NAMES.get(c, c) for c in codes or [])


_ROLE_CODE = re.compile(r"(?<![A-Za-z.])(" + "|".join(sorted(ROLE_NAMES, key=len, reverse=True)) + r")(?![A-Za-z.])")


def plain_roles(text: str) -> str:
    """Role codes written into a stored message (e.g. "SM → FD → GM") as the roles' Chinese names."""
    return _ROLE_CODE.sub(lambda m: ROLE_NAMES[m.group(1)], text or "")
