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
    "quote.nonstandard_24h.mode": ("calendar_hours", str, "calendar_hours（自然小时）或 working_hours（Alt：工作小时）"),
    "quote.nonstandard_24h.harness_scope": ("all", str, "all（所有线束行）或 unlisted（Alt：仅不在指导价表内的线束）"),
    "price.finance_guide.lead_hours": (4, int, "财务须在报价答复期限前多少小时答复价格申请"),
    "price.gb_discretion.max_pct": (Decimal("0"), Decimal, "国标产品可低于基准价而无需特价申请的幅度（%，Alt，默认 0）"),
    "daily.shortfall_coaching.working_days": (1, int, "丢单后业务经理记录辅导的期限（工作日）"),
    "calendar.saturday_working": (False, bool, "公司周六上班"),
    # sales management (issue 13, SPEC §7)
    "daily.table_by_0900.hour": (9, int, "部门管理表须在次一工作日此时（整点）前提交"),
    "daily.table_by_0900.draft_hour": (18, int, "部门管理表在工作日当天此时自动起草"),
    "daily.quantified_activity.new_intent_min": (3, int, "每日新增意向客户目标下限"),
    "daily.quantified_activity.met_min": (1, int, "每日面谈客户目标下限"),
    "daily.supervision.accompanied_per_week": (1, int, "业务经理每周至少陪同促成拜访次数"),
    "route.safety_stock_1_5.factor": (Decimal("1.5"), Decimal, "建议订货 = 此倍数 × 周销量 − 库存"),
    "route.safety_stock_1_5.days": (28, int, "周销量按最近多少天计算"),
    "report.weekly_monthly.weekly_hour": (12, int, "周报于周一此时前提交"),
    "report.weekly_monthly.monthly_wd": (3, int, "月报于每月第几个工作日前提交"),
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
    # orders: custom production, contracts, returns, approval timers (issue 4, second slice)
    "delivery.custom_production.entry_wd": (1, int, "定金到账后生产部录入交期的期限（工作日）"),
    "contract.required.credit_min_total": (Decimal("20000.00"), Decimal, "账期订单达到此额（≥）须签销售合同"),
    "contract.review_1wd.limit_wd": (1, int, "合同评审每位评审人期限（工作日）"),
    "contract.review_1wd.major_total": (Decimal("100000.00"), Decimal, "重大合同金额（≥ 需总经理）"),
    "contract.filing_1wd.working_days": (1, int, "签订后原件（扫描件）交客服归档期限（工作日）"),
    # contracts: phone approval, custody take-out, monthly register, disputes (hcontracts)
    "contract.phone_approval.recorder_roles": ("CS,CSM", str, "可代录电话确认审批的角色（销售支持属客服）"),
    "contract.phone_approval.max_age_hours": (72, int, "电话确认时间距登记不得超过（小时）"),
    "contract.filing_1wd.takeout_return_wd": (5, int, "合同原件借出后归还期限（工作日，D）"),
    "contract.monthly_register.due_day": (5, int, "每月几日前（含）客服确认上月合同台账"),
    "return.flow.gm_after_days": (30, int, "送达后超过此天数的退货需总经理批准"),
    "return.flow.custom_quality_only": (True, bool, "定制产品只因质量问题退货"),
    "approval.overdue.escalate_after_wd": (1, int, "审批逾期后再过此工作日数升级给上级"),
    # process definitions and monitoring (SPEC §8.1, §8.4)
    "process.publish_approval.gm_limit_wd": (1, int, "流程发布：总经理审批期限（工作日）"),
    "process.publish_approval.rollout_wd": (1, int, "流程批准发布后推行（培训）期限（工作日）"),
    # process.evaluation_audit (SPEC §8.4; himprove)
    "process.evaluation_audit.evaluation_cadence": ("quarterly", str, "流程效率评估周期：quarterly（每季度，D）等"),
    "process.evaluation_audit.audit_cadence": ("half_yearly", str, "流程审计周期：half_yearly（每半年，D）等"),
    "process.evaluation_audit.review_due_wd": (10, int, "周期结束后完成评估/审计的期限（工作日，D）"),
    "process.evaluation_audit.rectify_wd": (10, int, "审计/评估发现问题的整改期限（工作日，D）"),
    # credit (issue 4: §2.7) and customer upkeep / archive access / visits (issue 2: §1.3, §2.5, §2.6)
    "credit.grade_policy.max_term_days": (90, int, "账期天数上限（D）"),
    "credit.limit_grant.gm_above": (Decimal("50000.00"), Decimal, "授信额度超过此额（>）须总经理审批"),
    "credit.investigation_cadence.a_months": (6, int, "A级定期信用报告间隔（月）"),
    "credit.investigation_cadence.b_months": (3, int, "B级定期信用报告间隔（月）"),
    "credit.investigation_cadence.c_months": (1, int, "C级定期信用报告间隔（月）"),
    "credit.investigation_cadence.d_months": (1, int, "D级定期信用报告间隔（月）"),
    "credit.investigation_cadence.important_limit": (Decimal("50000.00"), Decimal, "额度超过此额（>）为重要客户，业务经理亲自调查"),
    "credit.rating.a_min": (85, int, "信用评等得分≥此值建议A级（D）"),
    "credit.rating.b_min": (70, int, "信用评等得分≥此值建议B级（D）"),
    "credit.rating.c_min": (55, int, "信用评等得分≥此值建议C级，低于为D级（D）"),
    "cust.archive_access_request.max_working_days": (5, int, "档案借阅期限上限（工作日）"),
    "visit.minutes_2wd.working_days": (2, int, "会谈纪要期限（会谈后工作日）"),
    "cust.monthly_info_report.due_day": (7, int, "客户信息报告每月截止日（含）"),
    # treasury: payments, expense claims, cash (issue 5, yewu/expenses)
    "pay.approval_chain.skip_gm_below": (Decimal("0.00"), Decimal, "Alt：低于此金额的付款/报销不需总经理审批（0 = 全部到总经理）"),
    "expense.prior_approval.mode": ("require", str, "require（销售费用须引用业务经理事前批准）或 warn（Alt：仅提示）"),
    "cash.advance_max_3000.max_amount": (Decimal("3000.00"), Decimal, "现金采购借支上限（≤）；出差借支不设上限"),
    "cash.max_on_hand_5000.max_amount": (Decimal("5000.00"), Decimal, "库存现金限额（日终 ≤）"),
    "cash.large_withdrawal_notice_3d.amount": (Decimal("10000.00"), Decimal, "大额现金付款（超过此额须提前通知财务）"),
    "cash.large_withdrawal_notice_3d.days": (3, int, "大额现金提前通知天数（自然日，≥）"),
    # money: receipts, invoices, receivables, commission (issue 5, part 1)
    "invoice.vat_min_5000.min_amount": (Decimal("5000.00"), Decimal, "增值税专用发票最低开票金额（≥）"),
    "invoice.flow.vat_rate_pct": (Decimal("13"), Decimal, "增值税税率（%），用于不含税金额"),
    "invoice.flow.sm_review": (True, bool, "开票申请须业务经理审核（Alt：关闭）"),
    "ar.collection_task.remind_days_before": (3, int, "到期前几天提醒业务员"),
    "ar.collection_task.sm_list_days": (30, int, "逾期超过此天数列入经理清单"),
    "ar.deferral.window_months": (12, int, "此月数内第二次推迟付款申请标记信用复查"),
    "ar.reconcile_semiannual.report_days": (15, int, "半年对账结果报经理和财务的期限（自然日）"),
    "commission.base.credit_to": ("order_salesperson", str, "order_salesperson（订单业务员）或 owner_at_receipt（Alt）"),
    "commission.statement.tiers_enabled": (False, bool, "提成阶梯（按产品、按月订单数）开启；默认关闭"),
    "commission.statement.tiers": ("0:5,5:2,10:1", str, "提成阶梯表 起始单数:比例%，逗号分隔（默认 <5单 5%，5–9单 2%，≥10单 1%）"),
    # customer service (issue 12, SPEC §6)
    "ticket.first_response_1wd.working_days": (1, int, "工单首次答复或转交期限（工作日）"),
    "complaint.reply_5wd.working_days": (5, int, "投诉实质答复期限（收到后工作日）"),
    "complaint.solution_3wd.working_days": (3, int, "责任部门提出解决方案期限（转交后工作日）"),
    "complaint.followup_5wd.working_days": (5, int, "实施后首次回访期限（工作日）"),
    "complaint.major_to_gm.claim_amount": (Decimal("10000.00"), Decimal, "索赔金额达到此额（≥）建议列为重大投诉"),
    "complaint.escalate_overdue.gm_after_wd": (2, int, "投诉逾期后仍未处理再过此工作日数升级总经理"),
    "complaint.followups_by_type.quality_min": (2, int, "质量投诉最少回访次数"),
    "complaint.followups_by_type.service_min": (1, int, "服务投诉最少回访次数"),
    "complaint.followups_by_type.service_max": (2, int, "服务投诉最多回访次数"),
    "complaint.followups_by_type.other_min": (1, int, "其他投诉最少回访次数"),
    "complaint.monthly_analysis.due_wd": (5, int, "月度投诉分析表期限（次月第几个工作日）"),
    "revisit.quiet_hours.windows": ("09:00-12:00,14:00-20:00", str, "回访电话适宜时段（逗号分隔）"),
    "revisit.after_first_delivery_3d.days": (3, int, "新客户首次交货后回访期限（自然日）"),
    "service.arrival_sla.urban_hours": (6, int, "市区：报修登记至到达（工作小时）"),
    "service.arrival_sla.suburban_hours": (7, int, "郊区：报修登记至到达（工作小时）"),
    "service.arrival_sla.urban_districts": ("越秀,海珠,荔湾,天河,白云,黄埔", str, "广州市区（逗号分隔）"),
    "service.arrival_sla.suburban_districts": ("番禺,花都,南沙,从化,增城", str, "广州郊区（逗号分隔）"),
    "service.maintenance_renewal_1m.months": (1, int, "维保合同到期前几个月发续约通知"),
    "service.dispatch.unsolved_escalate_hours": (4, int, "现场未解决问题逐级上报间隔（工作小时）：业务员及服务主管 → 业务经理 → 总经理"),
    # input bounds (issue 10): the business ceiling of any single amount or quantity typed, imported or computed
    "input.bounds.max_amount": (Decimal("100000000.00"), Decimal, "单笔金额上限（元）：任何金额、单价或订单/报价合计不得超过"),
    "input.bounds.max_quantity": (Decimal("10000000"), Decimal, "数量上限：任何一行的数量不得超过"),
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
