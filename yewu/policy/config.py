"""Company policy: every number of SPEC as a setting whose default is SPEC's.

Setting names follow SPEC: ``<rule id>.<parameter>``, e.g. ``price.vat_free_discount.max_pct``.
A company overrides them in the settings file (``YEWU_POLICY``) or in the admin (versioned).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

# name -> (default, type, description)
DEFAULTS: dict[str, tuple[Any, type, str]] = {
    # customers
    "cust.duplicate.block_similarity": (90, int, "同城名称相似度≥此值视为重复（拒绝）"),
    "cust.duplicate.warn_similarity": (80, int, "同城名称相似度≥此值提示可能重复"),
    "cust.first_contact_1w.days": (7, int, "分配后首次联系期限（自然日）"),
    "cust.first_contact_1w.mode": ("calendar_days", str, "calendar_days 或 working_days（Alt：5个工作日）"),
    "cust.first_contact_1w.working_days": (5, int, "mode=working_days 时的工作日数"),
    "cust.entry_2wd.working_days": (2, int, "收集后录入档案期限（工作日）"),
    "cust.web_lead_allocation.ability_min": (Decimal("0.5"), Decimal, "能力系数下限"),
    "cust.web_lead_allocation.ability_max": (Decimal("2.0"), Decimal, "能力系数上限"),
    "cust.web_lead_allocation.due_working_days": (1, int, "交接后分配期限（工作日）"),
    "cust.web_lead_intake.handover_hour": (18, int, "每日网络线索交接时间（时）"),
    "cust.confidentiality.years": (5, int, "保密期限（年）"),
    "credit.grade_policy.b_cap": (Decimal("20000.00"), Decimal, "B级信用额度上限"),
    "credit.grade_policy.c_cap": (Decimal("5000.00"), Decimal, "C级信用额度上限"),
    "credit.grade_policy.term_days": (30, int, "默认账期（天）"),
    # pricing (issue 3)
    "price.vat_free_discount.max_pct": (Decimal("6"), Decimal, "不开专票时可低于指导价的幅度（%）"),
    "price.vat_free_discount.scope": ("non_special", str, "non_special（普通发票或不开票）或 no_invoice（Alt）"),
    "price.special_floor.pct": (Decimal("90"), Decimal, "最低价 = 指导价 × 此百分比"),
    "price.special_floor.stack_vat_free": (False, bool, "Alt：6%不含税优惠可叠加到底价之下"),
    "price.special_commission.pp_per_pct": (Decimal("0.1"), Decimal, "每低1%扣减的提成百分点"),
    "price.special_commission.mode": ("proportional", str, "proportional 或 whole_steps（Alt）"),
    "price.fee_grossup.max_pct": (Decimal("30"), Decimal, "费用率上限（%）"),
    "commission.base.rate_pct": (Decimal("3.000"), Decimal, "基础提成比例（%）"),
    "quote.validity_days": (30, int, "报价有效期（自然日）"),
    "quote.approval.major_total": (Decimal("100000.00"), Decimal, "重大报价金额（≥ 需总经理）"),
    "quote.nonstandard_24h.hours": (24, int, "非标/线束报价答复时限（小时）"),
    "quote.nonstandard_24h.warn_hours": (20, int, "提前预警（小时）"),
    "calendar.saturday_working": (False, bool, "公司周六上班"),
    # orders and settlement (issue 4)
    "settle.gz_cod_1500.min_total": (Decimal("1500.00"), Decimal, "广州新客户货到付款最低订单金额（≥）"),
    "settle.gz_cod_1500.basis": ("delivery", str, "delivery（送货地址）或 registered（Alt：注册地址）"),
    "settle.custom_deposit_30.pct": (Decimal("30"), Decimal, "定制产品定金比例（%）"),
    "settle.custom_deposit_30.scope": ("all", str, "all（所有客户）或 new_only（Alt）"),
    "approve.credit_over_20k_manager.amount": (Decimal("20000.00"), Decimal, "老客户账期订单超过此额需业务经理审批"),
    "approve.credit_over_50k_gm.amount": (Decimal("50000.00"), Decimal, "老客户账期订单超过此额需总经理审批"),
    "approve.credit_over_50k_gm.mode": ("sm_then_gm", str, "sm_then_gm 或 gm_only（Alt）"),
    "approve.new_credit_20k_both.amount": (Decimal("20000.00"), Decimal, "新客户账期订单达到此额需经理+总经理"),
    "delivery.standard_3_4d.promise_wd": (4, int, "承诺发货：备妥后工作日数"),
    "delivery.standard_3_4d.target_wd": (3, int, "目标发货：备妥后工作日数"),
    "contract.number_format.company_code": ("YW", str, "公司代码"),
    # money: receipts, invoices, receivables, commission (issue 5, part 1)
    "invoice.vat_min_5000.min_amount": (Decimal("5000.00"), Decimal, "增值税专用发票最低开票金额（≥）"),
    "invoice.flow.vat_rate_pct": (Decimal("13"), Decimal, "增值税税率（%），用于不含税金额"),
    "invoice.flow.sm_review": (True, bool, "开票申请须业务经理审核（Alt：关闭）"),
    "ar.collection_task.remind_days_before": (3, int, "到期前几天提醒业务员"),
    "ar.collection_task.sm_list_days": (30, int, "逾期超过此天数列入经理清单"),
    "ar.deferral.window_months": (12, int, "此月数内第二次推迟付款申请标记信用复查"),
    "ar.reconcile_semiannual.report_days": (15, int, "半年对账结果报经理和财务的期限（自然日）"),
    "commission.base.credit_to": ("order_salesperson", str, "order_salesperson（订单业务员）或 owner_at_receipt（Alt）"),
}


def _coerce(value: Any, typ: type) -> Any:
    if typ is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on", "是")
        return bool(value)
    if typ is Decimal:
        return Decimal(str(value))
    return typ(value)


@dataclass(frozen=True)
class PolicyConfig:
    """An immutable set of rule parameters. ``version`` identifies the settings version used."""

    values: dict[str, Any] = field(default_factory=lambda: {k: v[0] for k, v in DEFAULTS.items()})
    version: int = 0

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None, version: int = 0) -> PolicyConfig:
        values = {k: v[0] for k, v in DEFAULTS.items()}
        for k, raw in (overrides or {}).items():
            if k not in DEFAULTS:
                raise KeyError(f"unknown policy setting {k!r}")
            values[k] = _coerce(raw, DEFAULTS[k][1])
        return cls(values=values, version=version)

    def with_(self, **changes: Any) -> PolicyConfig:
        """Test helper: ``cfg.with_(**{"price.special_floor.pct": 85})``."""
        merged = dict(self.values)
        for k, raw in changes.items():
            merged[k] = _coerce(raw, DEFAULTS[k][1]) if k in DEFAULTS else raw
        return replace(self, values=merged)


DEFAULT = PolicyConfig()
__all__ = ["PolicyConfig", "DEFAULT", "DEFAULTS", "fields"]
