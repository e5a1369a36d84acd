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
    # --- sales management (SPEC §7) ---
    # acl.sp_scope / acl.team_scope: who reads sales-management figures at all; the rows are cut in one selector
    # (yewu.salesmgmt.scope): SP own, SM team, GM/ADM all.
    "sees_sales_figures": _a({R.SP, R.SM, R.GM, R.ADM}, "acl.team_scope", "查看销售管理数据"),
    "sees_all_sales_figures": _a({R.GM, R.ADM}, "acl.team_scope", "查看全部门销售管理数据"),
    "sees_team_sales_figures": _a({R.SM}, "acl.team_scope", "查看本团队销售管理数据"),
    # target.monthly_set: the SM sets the team's monthly targets (the GM may too)
    "sets_targets": _a({R.SM, R.GM}, "target.monthly_set", "设定销售目标"),
    # daily.quantified_activity: the SM corrects an actual, with a reason
    "corrects_actuals": _a({R.SM}, "daily.quantified_activity", "更正实际数"),
    # daily.quantified_activity: salespeople log their calls and work log
    "logs_calls": _a({R.SP}, "daily.quantified_activity", "登记电话和工作日志"),
    # daily.table_by_0900: the SM (or a delegate) reviews and submits the 部门管理表; ADM receives it
    "reviews_department_table": _a({R.SM, R.GM}, "daily.table_by_0900", "审核提交部门管理表"),
    "receives_department_table": _a({R.ADM, R.GM}, "daily.table_by_0900", "接收部门管理表"),
    # daily.shortfall_coaching, daily.supervision: the SM coaches and logs supervision
    "coaches_salespeople": _a({R.SM, R.GM}, "daily.shortfall_coaching", "记录辅导"),
    # daily.morning_leaderboard: everyone in sales and the office sees the board
    "sees_leaderboard": _a({R.SP, R.SM, R.GM, R.ADM, R.FIN, R.FD}, "daily.morning_leaderboard", "查看到账播报"),
    # plan.monthly_action: SPs write plans; the SM adds instructions
    "writes_action_plans": _a({R.SP}, "plan.monthly_action", "填写行动计划"),
    "instructs_plans": _a({R.SM, R.GM}, "plan.monthly_action", "填写经理指示"),
    # route.visit_8_steps
    "records_route_visits": _a({R.SP, R.SM}, "route.visit_8_steps", "登记线路拜访"),
    # training.cadence
    "records_training": _a({R.SM, R.GM, R.ADM}, "training.cadence", "登记培训"),
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
