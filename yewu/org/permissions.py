"""Who may do what: one table of named abilities by role (SPEC §1).

Every service, selector, view, API handler, PDF/workbook writer and template asks this table by ability name
(``can(user, "sees_prices")``, ``{% if can.sees_prices %}``) instead of listing roles itself. Row-level scope
(which customers, orders, ... a user sees) stays in one selector per area; this table only answers whether a
user's roles carry an ability at all.

Add an ability here when a new area needs one; never write a role list in an area module.
"""

from __future__ import annotations

from dataclasses import dataclass

from yewu.common.errors import PermissionDenied


class R:
    """Role codes, written one way (they equal ``yewu.org.models.Role`` values)."""

    SP = "SP"
    LS = "LS"
    SM = "SM"
    GM = "GM"
    FD = "FD"
    FIN = "FIN"
    CA = "CA"
    CS = "CS"
    CSM = "CSM"
    CIA = "CIA"
    WH = "WH"
    PROD = "PROD"
    QC = "QC"
    ADM = "ADM"
    SYS = "SYS"


@dataclass(frozen=True)
class Ability:
    roles: frozenset[str]
    rule: str  # the SPEC rule id a refusal names
    label: str  # plain Chinese, shown on refusal


def _a(roles, rule, label) -> Ability:
    return Ability(frozenset(roles), rule, label)


ABILITIES: dict[str, Ability] = {
    # acl.ops_scope: warehouse, production and QC never see prices, amounts or totals.
    "sees_prices": _a({R.SP, R.SM, R.GM, R.FIN, R.FD, R.CA, R.CS, R.CSM}, "acl.ops_scope", "查看价格和金额"),
    # acl.ops_scope: costs and margins are for finance and the GM only.
    "sees_costs": _a({R.FIN, R.FD, R.GM}, "acl.ops_scope", "查看成本和毛利"),
    # SPEC §1.1 and §8.5: the system administrator keeps the settings (users, roles, settings), the GM does
    # everything; the administration department (ADM) receives daily tables and sees visit plans, nothing more.
    "changes_settings": _a({R.GM, R.SYS}, "process.version_pinned", "查看和修改公司设置"),
    # SPEC §1.1: the system administrator sees no business data (customers, documents, amounts) by default.
    "reads_business_data": _a({R.SP, R.LS, R.SM, R.GM, R.FD, R.FIN, R.CA, R.CS, R.CSM, R.CIA, R.WH, R.PROD, R.QC,
                               R.ADM}, "acl.sp_scope", "查看业务数据"),
}


def ability(name: str) -> Ability:
    try:
        return ABILITIES[name]
    except KeyError:  # a typo must fail loudly, never read as "no"
        raise KeyError(f"unknown ability {name!r}; add it to yewu.org.permissions.ABILITIES") from None


def can(user, name: str) -> bool:
    """True if any of the user's roles carries the ability."""
    ab = ability(name)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(frozenset(user.roles or ()) & ab.roles)


def roles_with(name: str) -> frozenset[str]:
    """The role codes carrying an ability (for queries such as 'users who may approve X')."""
    return ability(name).roles


def require(user, name: str, *, rule: str | None = None, message: str | None = None) -> None:
    """Refuse with 403 naming the rule unless the user has the ability."""
    if not can(user, name):
        ab = ability(name)
        raise PermissionDenied(message or f"无权{ab.label}", rule=rule or ab.rule)


class Abilities:
    """Template access: ``{% if can.sees_prices %}``."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, name: str) -> bool:
        return can(self._user, name)

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return can(self._user, name)
