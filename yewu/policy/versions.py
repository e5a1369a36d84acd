"""SPEC §8.5 settings versioning — the pure part (no Django).

* what each company setting is (area, Chinese label, kind, unit, allowed range or choices);
* validation of a proposed change (type and range per key, a few cross-key orders, a reason, an effective
  time that is not in the past) with errors naming the key;
* folding versions into the overrides in force at a moment (each version holds only the keys it changed;
  versions apply in effective order);
* comparing a decision under the old and the new settings for the "affected open documents" preview.

Decisions already made keep the version they were made under (`process.version_pinned`); nothing here
recomputes them — the preview only says which open documents *would* be decided differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .commission import parse_tiers
from .config import DEFAULTS
from .decision import Decision
from .rulebook import ROLE_NAMES

# --- what each setting is --------------------------------------------------------------------------------

AREAS: list[tuple[tuple[str, ...], str]] = [
    (("cust.", "visit."), "客户与线索"),
    (("target.", "route.", "plan.", "report.", "training.", "daily.table_", "daily.quantified_"), "销售管理"),
    (("credit.",), "信用"),
    (("price.", "quote.", "daily."), "价格与报价"),
    (("settle.", "approve."), "结算与订单审批"),
    (("delivery.",), "交货"),
    (("contract.",), "合同"),
    (("return.",), "退换货"),
    (("approval.",), "审批时限"),
    (("invoice.", "ar."), "发票与应收"),
    (("commission.",), "提成"),
    (("pay.", "expense.", "cash."), "费用、付款与现金"),
    (("process.",), "流程"),
    (("calendar.",), "日历"),
    (("ticket.", "complaint.", "claim.", "revisit.", "service."), "客户服务"),
    (("input.",), "输入上限"),
]

CHOICES: dict[str, dict[str, str]] = {
    "cust.first_contact_1w.mode": {"calendar_days": "自然日", "working_days": "工作日（Alt）"},
    "price.vat_free_discount.scope": {"non_special": "普通发票或不开票", "no_invoice": "仅不开票（Alt）"},
    "price.special_commission.mode": {"proportional": "按比例", "whole_steps": "按整百分点（Alt）"},
    "quote.nonstandard_24h.mode": {"calendar_hours": "自然小时", "working_hours": "工作小时（Alt）"},
    "quote.nonstandard_24h.harness_scope": {"all": "所有线束行", "unlisted": "仅不在指导价表内的线束（Alt）"},
    "settle.gz_cod_1500.basis": {"delivery": "送货地址", "registered": "注册地址（Alt）"},
    "settle.custom_deposit_30.scope": {"all": "所有客户", "new_only": "仅新客户（Alt）"},
    "approve.credit_over_50k_gm.mode": {"sm_then_gm": "业务经理后总经理", "gm_only": "仅总经理（Alt）"},
    "expense.prior_approval.mode": {"require": "必须引用事前批准", "warn": "仅提示（Alt）"},
    "commission.base.credit_to": {"order_salesperson": "订单业务员", "owner_at_receipt": "回款时的客户负责人（Alt）"},
    "process.evaluation_audit.evaluation_cadence": {"monthly": "每月", "quarterly": "每季度", "half_yearly": "每半年",
                                                    "yearly": "每年"},
    "process.evaluation_audit.audit_cadence": {"monthly": "每月", "quarterly": "每季度", "half_yearly": "每半年",
                                               "yearly": "每年"},
}

# What a setting is called where users read it (the rule pages): labels that spell out stored values
# ("proportional 或 whole_steps（Alt）") said in words. The settings page keeps the labels of DEFAULTS.
PLAIN_LABELS: dict[str, str] = {
    "cust.first_contact_1w.mode": "首次联系期限的计法（自然日或工作日）",
    "cust.first_contact_1w.working_days": "按工作日计时的期限（工作日）",
    "price.vat_free_discount.scope": "不开专票优惠适用的开票方式",
    "price.special_commission.mode": "提成降点的计算方式（按比例或按整百分点）",
    "quote.nonstandard_24h.mode": "报价时限的计法（自然小时或工作小时）",
    "quote.nonstandard_24h.harness_scope": "须限时报价的线束行",
    "settle.gz_cod_1500.basis": "判断是否在广州市内所依据的地址",
    "settle.custom_deposit_30.scope": "须收定金的客户",
    "approve.credit_over_50k_gm.mode": "大额账期订单的审批方式",
    "process.evaluation_audit.evaluation_cadence": "流程效率评估周期",
    "process.evaluation_audit.audit_cadence": "流程审计周期",
    "expense.prior_approval.mode": "报销时对事前批准的要求（必须引用或仅提示）",
    "commission.base.credit_to": "提成计给谁（订单业务员或回款时的客户负责人）",
}

# key -> (kind, unit, lo, hi); lo/hi None = unbounded on that side
_EXPLICIT: dict[str, tuple[str, str, Any, Any]] = {
    "cust.duplicate.block_similarity": ("int", "%", 0, 100),
    "cust.duplicate.warn_similarity": ("int", "%", 0, 100),
    "cust.web_lead_allocation.ability_min": ("decimal", "倍", Decimal("0.1"), Decimal("10")),
    "cust.web_lead_allocation.ability_max": ("decimal", "倍", Decimal("0.1"), Decimal("10")),
    "cust.web_lead_intake.handover_hour": ("int", "时", 0, 23),
    "cust.confidentiality.years": ("int", "年", 0, 50),
    "cust.monthly_info_report.due_day": ("int", "日", 1, 28),
    "credit.rating.a_min": ("int", "分", 0, 100),
    "credit.rating.b_min": ("int", "分", 0, 100),
    "credit.rating.c_min": ("int", "分", 0, 100),
    "credit.grade_policy.term_days": ("int", "天", 1, 365),
    "credit.grade_policy.max_term_days": ("int", "天", 1, 365),
    "quote.validity_days": ("int", "天", 1, 366),
    "quote.nonstandard_24h.hours": ("int", "小时", 1, 240),
    "quote.nonstandard_24h.warn_hours": ("int", "小时", 0, 240),
    "price.finance_guide.lead_hours": ("int", "小时", 0, 240),
    "price.special_commission.pp_per_pct": ("decimal", "百分点", Decimal("0"), Decimal("10")),
    "commission.base.rate_pct": ("pct", "%", Decimal("0"), Decimal("100")),
    "contract.number_format.company_code": ("text", "", None, None),
    "contract.phone_approval.recorder_roles": ("roles", "", None, None),
    "contract.phone_approval.max_age_hours": ("int", "小时", 1, 720),
    "contract.monthly_register.due_day": ("int", "日", 1, 28),
    "commission.statement.tiers": ("tiers", "", None, None),
    # customer service (issue 12)
    "ticket.first_response_1wd.working_days": ("wd", "工作日", 1, 30),
    "complaint.followups_by_type.quality_min": ("int", "次", 0, 10),
    "complaint.followups_by_type.service_min": ("int", "次", 0, 10),
    "complaint.followups_by_type.service_max": ("int", "次", 1, 10),
    "complaint.followups_by_type.other_min": ("int", "次", 0, 10),
    "complaint.monthly_analysis.due_wd": ("wd", "工作日", 1, 20),
    "revisit.quiet_hours.windows": ("windows", "", None, None),
    "service.arrival_sla.urban_hours": ("int", "工作小时", 1, 80),
    "service.arrival_sla.suburban_hours": ("int", "工作小时", 1, 80),
    "service.arrival_sla.urban_districts": ("names", "", None, None),
    "service.arrival_sla.suburban_districts": ("names", "", None, None),
    "service.dispatch.unsolved_escalate_hours": ("int", "工作小时", 1, 80),
    "daily.table_by_0900.hour": ("int", "时", 0, 23),
    "daily.table_by_0900.draft_hour": ("int", "时", 0, 23),
    "daily.quantified_activity.new_intent_min": ("int", "个", 0, 100),
    "daily.quantified_activity.met_min": ("int", "个", 0, 100),
    "daily.supervision.accompanied_per_week": ("int", "次", 0, 7),
    "route.safety_stock_1_5.factor": ("decimal", "倍", Decimal("0"), Decimal("10")),
    "report.weekly_monthly.weekly_hour": ("int", "时", 0, 23),
    "report.weekly_monthly.monthly_wd": ("int", "工作日", 1, 20),
    # the ceilings stay below what the columns hold (decimal 12,2 for prices; 14,3 for quantities)
    "input.bounds.max_amount": ("money", "元", Decimal("1.00"), Decimal("9999999999.99")),
    "input.bounds.max_quantity": ("decimal", "", Decimal("1"), Decimal("99999999999")),
}

# Role codes a "roles" setting may name (yewu.org.models.Role, repeated here: the policy core has no Django).
ROLE_CODES = ("SP", "LS", "SM", "GM", "FD", "FIN", "CA", "CS", "CSM", "CIA", "WH", "PROD", "QC", "ADM", "SYS")

KIND_LABELS = {"money": "金额", "pct": "百分比", "wd": "工作日数", "days": "天数", "months": "月数", "int": "整数",
               "decimal": "数值", "bool": "是/否", "choice": "选项", "text": "文字",
               "roles": "角色代码列表", "tiers": "阶梯表", "windows": "时段", "names": "名称列表"}

_MONEY_ENDINGS = ("amount", "_total", "_cap", "gm_above", "important_limit", "skip_gm_below")


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    area: str
    kind: str  # money / pct / wd / days / months / int / decimal / bool / choice / text
    unit: str
    default: Any
    lo: Any = None
    hi: Any = None
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def rule(self) -> str:
        """The SPEC rule id (the key without its parameter name)."""
        return self.key.rsplit(".", 1)[0]

    @property
    def range_text(self) -> str:
        if self.kind == "bool":
            return "是 / 否"
        if self.kind == "choice":
            return " / ".join(v for v, _ in self.choices)
        if self.kind == "text":
            return "1–6 位大写字母或数字"
        if self.kind == "roles":
            return "角色代码，逗号分隔（如 CS,CSM）"
        if self.kind == "windows":
            return "时段，逗号分隔（如 09:00-12:00,14:00-20:00）"
        if self.kind == "names":
            return "名称，逗号分隔（如 越秀,海珠）"
        if self.kind == "tiers":
            return "起始单数:比例%，逗号分隔（如 0:5,5:2,10:1）"
        if self.kind == "money":
            return "≥ 0，最多两位小数"
        lo = "" if self.lo is None else display(self.lo)
        hi = "" if self.hi is None else display(self.hi)
        if self.kind in ("wd", "days", "months", "int"):
            return f"整数 {lo}–{hi}" if hi else f"整数 ≥ {lo}"
        return f"{lo}–{hi}" if hi else f"≥ {lo}"


def area_of(key: str) -> str:
    for prefixes, label in AREAS:
        if key.startswith(prefixes):
            return label
    return "其他"


def _classify(key: str, typ: type) -> tuple[str, str, Any, Any]:
    if key in _EXPLICIT:
        return _EXPLICIT[key]
    if typ is bool:
        return ("bool", "", None, None)
    if key in CHOICES:
        return ("choice", "", None, None)
    last = key.rsplit(".", 1)[1]
    if typ is Decimal:
        if last.endswith(_MONEY_ENDINGS):
            return ("money", "元", Decimal("0"), None)
        if last == "pct" or last.endswith("_pct"):
            return ("pct", "%", Decimal("0"), Decimal("100"))
    if typ is int:
        if "working_days" in last or last == "wd" or last.endswith("_wd"):
            return ("wd", "工作日", 0, None)
        if "days" in last:
            return ("days", "天", 0, None)
        if last.endswith("months"):
            return ("months", "月", 1, None)
    raise LookupError(f"setting {key!r} has no kind: add it to yewu.policy.versions")


def setting(key: str) -> Setting:
    default, typ, label = DEFAULTS[key]
    kind, unit, lo, hi = _classify(key, typ)
    return Setting(key=key, label=label, area=area_of(key), kind=kind, unit=unit, default=default, lo=lo, hi=hi,
                   choices=tuple(CHOICES.get(key, {}).items()))


def all_settings() -> list[Setting]:
    return [setting(k) for k in DEFAULTS]


def grouped() -> list[tuple[str, list[Setting]]]:
    """Settings by area, in the order of AREAS (keys keep their order in DEFAULTS)."""
    by_area: dict[str, list[Setting]] = {}
    for s in all_settings():
        by_area.setdefault(s.area, []).append(s)
    order = [label for _, label in AREAS] + ["其他"]
    return [(a, by_area[a]) for a in order if a in by_area]


def display(value: Any, key: str | None = None, *, plain: bool = False) -> str:
    """A value as the settings page shows it (choices by their label and the stored value).

    ``plain``: as a sentence on a rule page says it — a choice by its Chinese label alone, role codes by the roles'
    names, lists joined with 、, a tier table in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key and key in CHOICES and str(value) in CHOICES[key]:
        label = CHOICES[key][str(value)]
        return label.replace("（Alt）", "") if plain else f"{label}（{value}）"
    if plain and key and key in DEFAULTS and setting(key).kind in ("roles", "names", "windows", "tiers"):
        return _plain_list(value, setting(key).kind)
    if key and key in DEFAULTS and setting(key).kind == "money":
        try:
            return f"{Decimal(str(value)):,.2f}"
        except InvalidOperation:
            return str(value)
    if isinstance(value, Decimal):
        s = format(value, "f")
        s = s.rstrip("0").rstrip(".") if "." in s else s
        return f"{Decimal(s):,}" if plain and abs(value) >= 10000 else s
    if plain and isinstance(value, int) and abs(value) >= 10000:
        return f"{value:,}"
    return str(value)


def _plain_list(value: Any, kind: str) -> str:
    if kind == "tiers":
        try:
            return "、".join(f"{t.label} {display(t.rate)}%" for t in parse_tiers(str(value)))
        except ValueError:
            return str(value)
    parts = [p.strip() for p in str(value).replace("，", ",").split(",") if p.strip()]
    if kind == "roles":
        parts = [ROLE_NAMES.get(p, p) for p in parts]
    return "、".join(parts)


def plain_label(key: str) -> str:
    """The setting's label as a rule page shows it (no stored values in it)."""
    return PLAIN_LABELS.get(key) or setting(key).label


def stored(value: Any) -> Any:
    """JSON form of a value as a version stores it (Decimal as text)."""
    return format(value, "f") if isinstance(value, Decimal) else value


# --- validation ------------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on", "是", "y"}
_FALSE = {"0", "false", "no", "off", "否", "n"}


def parse_value(key: str, raw: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, error in Chinese naming what is wrong). ``key`` must be known."""
    s = setting(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "请填写新值"
    text = raw.strip() if isinstance(raw, str) else raw
    if s.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        t = str(text).lower()
        if t in _TRUE:
            return True, None
        if t in _FALSE:
            return False, None
        return None, "应为 是/否（true/false）"
    if s.kind == "choice":
        if str(text) in CHOICES[key]:
            return str(text), None
        return None, "应为以下之一：" + "、".join(CHOICES[key])
    if s.kind == "text":
        t = str(text).upper()
        if re.fullmatch(r"[A-Z0-9]{1,6}", t):
            return t, None
        return None, "应为 1–6 位大写字母或数字"
    if s.kind == "roles":
        codes = [c.strip().upper() for c in str(text).replace("，", ",").split(",") if c.strip()]
        bad = [c for c in codes if c not in ROLE_CODES]
        if not codes or bad:
            return None, ("未知角色：" + "、".join(bad) if bad else "至少一个角色") + f"（可选 {','.join(ROLE_CODES)}）"
        return ",".join(dict.fromkeys(codes)), None
    if s.kind == "windows":
        parts = [p.strip() for p in str(text).replace("，", ",").split(",") if p.strip()]
        ok = bool(parts) and all(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", p)
                                 and p[:5] < p[6:] for p in parts)
        return (",".join(parts), None) if ok else (None, "应为 HH:MM-HH:MM 时段，逗号分隔，开始早于结束")
    if s.kind == "names":
        names = [p.strip() for p in str(text).replace("，", ",").split(",") if p.strip()]
        if not names or any(len(n) > 20 for n in names):
            return None, "至少一个名称，每个不超过 20 个字"
        return ",".join(dict.fromkeys(names)), None
    if s.kind == "tiers":
        try:
            parse_tiers(str(text))
        except ValueError as e:
            return None, str(e)
        return str(text).replace("，", ",").replace(" ", ""), None
    if isinstance(raw, bool):
        return None, f"应为{KIND_LABELS[s.kind]}"
    try:
        d = Decimal(str(text).replace(",", ""))
    except (InvalidOperation, ValueError):
        return None, f"应为{KIND_LABELS[s.kind]}（{s.range_text}）"
    if not d.is_finite():
        return None, f"应为{KIND_LABELS[s.kind]}（{s.range_text}）"
    if s.kind in ("wd", "days", "months", "int"):
        if d != d.to_integral_value():
            return None, f"应为整数（{s.range_text}）"
        value: Any = int(d)
    else:
        places = 2 if s.kind == "money" else 3
        if d.as_tuple().exponent < -places:
            return None, f"最多 {places} 位小数"
        value = d.quantize(Decimal("0.01")) if s.kind == "money" else d
    if s.lo is not None and value < s.lo:
        return None, ("不能为负数" if s.lo == 0 else f"不能小于 {display(s.lo)}") + f"（{s.range_text}）"
    if s.hi is not None and value > s.hi:
        return None, f"不能大于 {display(s.hi)}（{s.range_text}）"
    return value, None


# (smaller key, larger key, message): the first must not exceed the second
ORDERED: list[tuple[str, str, str]] = [
    ("cust.duplicate.warn_similarity", "cust.duplicate.block_similarity", "提示相似度不能高于拒绝相似度"),
    ("cust.web_lead_allocation.ability_min", "cust.web_lead_allocation.ability_max", "能力系数下限不能高于上限"),
    ("approve.credit_over_20k_manager.amount", "approve.credit_over_50k_gm.amount", "业务经理审批起点不能高于总经理审批起点"),
    ("delivery.standard_3_4d.target_wd", "delivery.standard_3_4d.promise_wd", "目标发货工作日数不能多于承诺发货工作日数"),
    ("quote.nonstandard_24h.warn_hours", "quote.nonstandard_24h.hours", "预警时间不能晚于答复时限"),
    ("credit.rating.c_min", "credit.rating.b_min", "C 级分数线不能高于 B 级"),
    ("credit.rating.b_min", "credit.rating.a_min", "B 级分数线不能高于 A 级"),
    ("credit.grade_policy.term_days", "credit.grade_policy.max_term_days", "默认账期不能长于账期上限"),
]

MIN_REASON = 2
EFFECTIVE_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class ChangeCheck:
    values: dict[str, Any]  # key -> new value (typed)
    errors: dict[str, str]  # key (or "reason", "effective_at", "changes") -> Chinese message

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        return "；".join(f"{k}：{v}" for k, v in self.errors.items())


def check_change(changes: Mapping[str, Any], current: Mapping[str, Any], *, reason: str, effective_at: datetime,
                 now: datetime) -> ChangeCheck:
    """`§8.5`: validate a proposed version. ``current`` = the values in force at ``effective_at`` before it."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if not changes:
        errors["changes"] = "至少修改一项设置"
    for key, raw in changes.items():
        if key not in DEFAULTS:
            errors[key] = "没有这项设置"
            continue
        v, err = parse_value(key, raw)
        if err:
            errors[key] = f"{setting(key).label}：{err}"
        elif v == current.get(key) and type(v) is type(current.get(key)):
            errors[key] = f"{setting(key).label}：新值与现值相同（{display(v, key)}）"
        else:
            values[key] = v
    merged = {**current, **values}
    for lo_key, hi_key, msg in ORDERED:
        if (lo_key in values or hi_key in values) and lo_key in merged and hi_key in merged and merged[lo_key] > merged[hi_key]:
            at = lo_key if lo_key in values else hi_key
            errors.setdefault(at, f"{msg}（{display(merged[lo_key])} > {display(merged[hi_key])}）")
    r = (reason or "").strip()
    if len(r) < MIN_REASON:
        errors["reason"] = f"请填写修改原因（至少 {MIN_REASON} 个字）"
    elif len(r) > 200:
        errors["reason"] = "原因最多 200 字"
    if effective_at < now - EFFECTIVE_GRACE:
        errors["effective_at"] = "生效时间不能早于现在（已作出的判定不重算，不能倒签）"
    return ChangeCheck(values=values, errors=errors)


# --- versions in force -----------------------------------------------------------------------------------

def fold(base: Mapping[str, Any], versions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Overrides in force: the settings-file ``base``, then each version's changes in effective order."""
    out = dict(base)
    for v in versions:
        out.update(v)
    return out


# --- preview ---------------------------------------------------------------------------------------------

# which open documents a key's change can touch: family -> key prefixes
FAMILIES: dict[str, tuple[str, ...]] = {
    "credit_approval": ("approve.",),
    "line_price": ("price.vat_free_discount.", "price.special_floor.", "price.fee_grossup.", "price.gb_discretion.",
                   "quote.approval."),
    "invoice_min": ("invoice.vat_min_5000.",),
    "cash_advance": ("cash.advance_max_3000.",),
    "delivery_promise": ("delivery.standard_3_4d.",),
    "settlement": ("settle.",),
}

# "may be affected" families for every other key: prefix -> document type label
LOOSE: list[tuple[tuple[str, ...], str]] = [
    (("quote.", "price.", "daily."), "quotes"),
    (("contract.",), "contracts"),
    (("return.",), "returns"),
    (("invoice.", "ar."), "invoice_requests"),
    (("cash.", "pay.", "expense."), "expenses"),
    (("approval.", "calendar."), "approvals"),
    (("credit.",), "credit"),
    (("delivery.",), "orders"),
    (("commission.",), "commission"),
    (("cust.", "visit."), "customers"),
]


def families_for(keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    return [f for f, prefixes in FAMILIES.items() if any(k.startswith(prefixes) for k in keys)]


def loose_for(keys: Iterable[str]) -> list[str]:
    """Document types to list as "may be affected" for keys no precise family covers."""
    out: list[str] = []
    for k in keys:
        if any(k.startswith(p) for p in FAMILIES.values()):
            continue
        for prefixes, doc in LOOSE:
            if k.startswith(prefixes):
                if doc not in out:
                    out.append(doc)
                break
    return out


ROLE_LABELS = {"SM": "业务经理", "GM": "总经理", "FD": "财务总监", "FIN": "财务", "CS": "客服"}


def route_text(d: Decision) -> str:
    """A decision in a few words: who approves, or allowed / refused."""
    if d.refused:
        return "拒绝"
    if d.approvers:
        return " → ".join(ROLE_LABELS.get(r, r) for r in d.approvers)
    return "无需审批"


def outcome_text(outcome: str) -> str:
    return {"allowed": "通过", "warning": "通过（提示）", "needs_approval": "需审批", "refused": "拒绝"}.get(outcome, outcome)


def decision_changes(old: Decision, new: Decision) -> bool:
    return (str(old.outcome), tuple(old.approvers)) != (str(new.outcome), tuple(new.approvers))
