"""The company's written rules as users read them: each rule id's Chinese name and a short summary of its text
(pure Python, no Django). ``{setting.key}`` in a text stands for the setting's value in force; the rule
reference page (``/rules/<rule id>/``) fills it in and lists the rule's settings with their current values.

Covered: every rule that can send a document for approval or appear in an approval's reasons (pricing, quotes,
settlement and credit, contracts, delivery, returns, receipts and invoices, receivables, commission, payments
and cash, claims, customers' archive access, visit plans, targets, processes, separation of duties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ROLE_NAMES = {"SP": "业务员", "LS": "网络推广专员", "SM": "业务经理", "GM": "总经理", "FD": "财务总监", "FIN": "财务",
              "CA": "出纳", "CS": "客服", "CSM": "客服经理", "CIA": "客户信息管理员", "WH": "库管", "PROD": "生产部",
              "QC": "质检", "ADM": "行政部", "SYS": "系统管理员"}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    text: str  # may hold {setting.key} placeholders


_R = [
    # pricing and quotes (SPEC §3)
    ("price.guide", "按指导价报价", "标准和目录产品按产品指导价报价。指导价含税、按生效日期管理，报价用报价当天有效的指导价；"
     "调价不改已有的报价和订单。净价不低于基准价时，提成比例不变。"),
    ("price.finance_guide", "财务给出指导价", "定制和非目录产品的指导价由财务给出：业务员提交价格申请，财务答复指导价或说明理由驳回，"
     "业务员不能自己填写。财务须在报价期限前 {price.finance_guide.lead_hours} 小时答复。"),
    ("price.gb_discretion", "国标产品自主定价", "国标产品以指导价为参考，业务员在允许的幅度内自主定价；低于基准价不超过 "
     "{price.gb_discretion.max_pct}% 无需申请，超过仍按特价申请。"),
    ("price.vat_free_discount", "不开专票优惠", "客户不开增值税专票时，报价可比指导价低至 {price.vat_free_discount.max_pct}%，"
     "无需申请、不降提成；此时的基准价 = 指导价 × (1 − {price.vat_free_discount.max_pct}%)。"),
    ("price.special_commission", "特价与提成", "净价低于基准价即为特价，须业务经理批准；每低于基准价 1%（按指导价计），"
     "该行提成比例降 {price.special_commission.pp_per_pct} 个百分点（计算方式：{price.special_commission.mode}），最低为 0。"),
    ("price.special_floor", "最低价", "净价不得低于指导价的 {price.special_floor.pct}%，低于最低价的报价任何人都不能批准。"),
    ("price.fee_grossup", "含费用的报价", "报价中含公关等费用（费用率不超过 {price.fee_grossup.max_pct}%）时，按扣除费用后的净价判断；"
     "有费用的报价须业务经理批准，不算特价的最低单价 = 基准价 ÷ (1 − 费用率)。"),
    ("price.invoice_lock", "发票类型锁定", "发票类型是报价和订单的一部分；按不开专票优惠定价的行要开增值税专票，须先改价到不低于指导价。"),
    ("quote.approval", "报价审批", "含特价或费用行的报价须业务经理审批；报价总额达到 {quote.approval.major_total} 元的重大报价还须总经理审批。"
     "批准覆盖有效期内据此生成的订单。"),
    ("quote.nonstandard_24h", "非标报价 24 小时", "含非标（不在指导价表内）或线束行的询价，须在收到后 {quote.nonstandard_24h.hours} 小时内报价，"
     "{quote.nonstandard_24h.warn_hours} 小时时提醒。"),
    ("quote.deviation_reapproval", "偏离报价重新审批", "订单或合同比已接受的报价降价或延长账期，须业务经理重新审批。"),
    ("daily.shortfall_coaching", "丢单辅导", "丢单须填写原因，业务经理在规定的工作日内记录辅导。"),
    # settlement, order approval, credit (SPEC §4)
    ("settle.new_customer_cash", "新客户现款现货", "新客户首次合作默认现款现货；款到发货始终可用；货到付款和账期另有规定。"),
    ("settle.custom_deposit_30", "定制产品定金", "含定制产品的订单须收定制部分 {settle.custom_deposit_30.pct}% 的定金，到账后才能生产和发货，定金计入货款。"),
    ("settle.gz_cod_1500", "广州市内货到付款", "广州市内新客户订单金额不低于 {settle.gz_cod_1500.min_total} 元可货到付款，否则现款现货。"),
    ("settle.outside_gz_prepay", "广州市外款到发货", "广州市外新客户必须款到发货，例外只能走账期审批。"),
    ("settle.grade_terms", "按信用等级结算", "D 级客户只能现款现货或款到发货；其他客户（含未评级）可申请账期，超出额度按超信销货处理。"),
    ("approve.credit_over_20k_manager", "账期订单业务经理审批", "老客户账期订单金额超过 {approve.credit_over_20k_manager.amount} 元，须业务经理批准。"),
    ("approve.credit_over_50k_gm", "账期订单总经理审批", "老客户账期订单金额超过 {approve.credit_over_50k_gm.amount} 元，"
     "须业务经理和总经理批准（审批方式：{approve.credit_over_50k_gm.mode}）。"),
    ("approve.new_credit_20k_both", "新客户账期订单审批", "新客户账期订单金额达到 {approve.new_credit_20k_both.amount} 元须业务经理和总经理批准，"
     "不到此金额须业务经理批准。"),
    ("credit.over_limit", "超信用额度", "信用敞口 = 客户未结账期订单的欠款 + 本单金额 − 本单定金。敞口超过额度时，业务员填写超信销货申请表，"
     "经业务经理批准后才能放货。"),
    ("credit.grade_policy", "信用等级政策", "A 级可给额度和账期；B 级起始额度不超过 {credit.grade_policy.b_cap} 元；C 级默认现款，"
     "小额额度不超过 {credit.grade_policy.c_cap} 元；D 级不给任何信用；账期 {credit.grade_policy.term_days} 天。"),
    ("credit.limit_grant", "授信审批", "等级、额度和账期由授信额度管理小组（财务总监 + 业务经理）调查后确定，"
     "额度超过 {credit.limit_grant.gm_above} 元还须总经理批准。"),
    ("credit.supply_suspended", "停止供货", "被停止供货的客户，任何订单都不能放货。"),
    # contracts, delivery, returns
    ("contract.required", "须签合同", "定制产品订单和金额达到 {contract.required.credit_min_total} 元的账期订单须签订合同。"),
    ("contract.review_1wd", "合同评审", "客服评审与财务专项评审并行，各自在 {contract.review_1wd.limit_wd} 个工作日内完成，"
     "填写评审要点和对客户信用、额度的意见；金额达到 {contract.review_1wd.major_total} 元的重大合同还须总经理审批。"),
    ("contract.phone_approval", "电话确认审批", "审批人出差在外且事情紧急时，销售支持电话联系审批人确认后代为登记，并把结果通知确认人。"),
    ("contract.filing_1wd", "合同原件归档", "签订后 {contract.filing_1wd.working_days} 个工作日内原件交客服保管；借出须总经理批准，"
     "{contract.filing_1wd.takeout_return_wd} 个工作日内归还。"),
    ("delivery.custom_production", "定制产品交期", "定制行的发货日期由生产部在定金到账后 {delivery.custom_production.entry_wd} 个工作日内录入，业务员不能自行设定。"),
    ("return.flow", "退货流程", "退货申请 → 业务经理确认 → 质检检验 → 业务经理批准 → 库管红字入库 → 财务红字发票 → 冲回提成。"),
    # money
    ("receipt.allocation", "收款分配", "收款按到期先后分配到客户的未结订单（财务也可手工分配），定金分配到其订单，余额记为客户预收；红冲须写原因。"),
    ("invoice.vat_min_5000", "增值税专票起开金额", "增值税专票单张金额不低于 {invoice.vat_min_5000.min_amount} 元；不足的可开普通发票或累计后再开。"),
    ("invoice.flow", "开票流程", "业务员提交开票申请 → 业务经理审核 → 财务开票并登记税控号码和日期 → 客户签收；更正只能红字冲销。"),
    ("ar.deferral", "推迟付款申请", "客户推迟付款的申请须登记，默认不同意，只有业务经理可以批准；{ar.deferral.window_months} 个月内第二次推迟须复核信用。"),
    ("ar.bad_debt", "坏账核销", "坏账核销须业务经理、财务总监和总经理依次批准，核销后继续追收。"),
    ("commission.base", "提成", "提成 = 分配到订单行的到账 × 该行提成比例；基础比例 {commission.base.rate_pct}%，减去特价降点，最低为 0。"),
    ("commission.statement", "提成结算单", "每月为每位业务员出提成结算单，列明每笔到账、订单行、比例和降点；财务总监批准后进入工资。"),
    ("pay.approval_chain", "付款审批链", "每张付款审批单和费用报销单依次经部门经理、财务总监、总经理审批，完成后由出纳付款并标记付讫。"),
    ("expense.prior_approval", "费用事前批准", "销售费用须在发生前经业务经理批准，报销时引用该批准（方式：{expense.prior_approval.mode}）。"),
    ("cash.advance_max_3000", "现金借支", "现金借支只用于出差（不设上限）或只能付现金的采购（不超过 {cash.advance_max_3000.max_amount} 元）；"
     "须写明事由、金额和还款/报销日期，经部门经理、财务总监批准。"),
    ("cash.max_on_hand_5000", "库存现金限额", "每天下班时库存现金不超过 {cash.max_on_hand_5000.max_amount} 元，超出须存入银行。"),
    ("cash.large_withdrawal_notice_3d", "大额提现提前通知", "现金付款超过 {cash.large_withdrawal_notice_3d.amount} 元，"
     "须在付款日前至少 {cash.large_withdrawal_notice_3d.days} 天通知财务。"),
    # service
    ("claim.manager_review", "索赔审核", "每一笔索赔不论金额，都由业务经理审核全部材料，按索赔类别的标准程序处理。"),
    ("complaint.major_to_gm", "重大投诉报总经理", "重大投诉的处理方案由总经理选定。"),
    # customers, plans, targets, processes
    ("cust.archive_access_request", "调阅客户档案", "调阅他人负责或保密客户的档案须申请并经批准，最长 {cust.archive_access_request.max_working_days} 个工作日。"),
    ("cust.confidentiality", "客户保密", "机密和绝密客户只有负责人、其经理和总经理可见，调阅须批准并记录。"),
    ("visit.plan_approval", "拜访计划审批", "业务员的拜访计划须业务经理批准，批准后行政部可见。"),
    ("target.monthly_set", "月度目标", "业务经理在月初规定期限前为每位业务员设定本月目标，调整须说明原因并经批准。"),
    ("process.publish_approval", "流程发布审批", "新流程或修订须总经理在 {process.publish_approval.gm_limit_wd} 个工作日内批准后发布。"),
    ("process.version_pinned", "按提交时版本审批", "已提交的单据按提交时的制度版本和审批链审批，之后修改设置不影响它。"),
    # approvals and duties (SPEC §1, §8)
    ("sod.no_self_approval", "不能自己审批自己", "任何人不能审批自己提交或与自己利益相关的单据；同一审批链中同一人不能审批两步。"),
    ("sod.approver_not_payer", "审批人不付款", "付款的出纳不能是该单据的审批人。"),
    ("approval.inbox", "审批待办", "每位审批人在审批待办中看到待审单据、审批链、进度和原因；同意或驳回并填写意见，驳回退回提交人。"),
    ("approval.overdue", "审批逾期", "审批步骤超过时限即提醒审批人，再过 {approval.overdue.escalate_after_wd} 个工作日升级给上级。"),
]

RULES: dict[str, Rule] = {rid: Rule(rid, name, text) for rid, name, text in _R}

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
