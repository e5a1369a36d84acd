"""The rule table of the rulebook (``yewu.policy.rulebook.RULES`` is built from it; look rules up there).

One row per rule id: (id, Chinese name, short plain-Chinese summary of the company's written rule). A number that
is a company setting is written as its ``{setting.key}`` placeholder, never as the number, so the text always
says what is in force. Ordered as SPEC: access (§1), customers (§2), pricing and quotes (§3), orders (§4),
money (§5), service (§6), sales management (§7), processes and approvals (§8), then the rules of the system itself.
"""

from __future__ import annotations

ACCESS = [
    # §1.2 row-level access
    ("acl.sp_scope", "业务员的数据范围", "业务员查看和修改自己负责的客户及其报价、订单、收款、应收和提成；公共池只看摘要"
     "（名称、城市、行业、来源、日期）。其他业务员的客户不可见，只有查重被拒时会告知负责人和建档日期。"),
    ("acl.team_scope", "业务经理的数据范围", "业务经理查看本团队的数据以及公共池和无负责人的客户，看不到其他团队的数据；"
     "总经理查看全部。"),
    ("acl.finance_scope", "财务的数据范围", "财务、财务总监和出纳查看全部资金记录和信用字段，客户资料只读。信用等级、额度和"
     "敞口只有财务、财务总监、总经理、客服经理、负责人的业务经理和负责人本人可见。"),
    ("acl.cs_scope", "客服的数据范围", "客服和客服经理可查看每个客户的服务卡（名称、地址、联系人、未结订单、发货状态、工单）；"
     "完整档案按客户保密的规定查看。"),
    ("acl.ops_scope", "库管、生产和质检的数据范围", "库管查看待发订单、发货、地址和联系人；生产部查看定制行；质检查看退货；"
     "他们都看不到价格和金额。成本和毛利只有财务、财务总监和总经理可见。"),
    # §1.3 confidentiality
    ("cust.confidentiality", "客户保密", "每个客户有密级和保密期限：秘密（一般业务，建档默认）、机密（重要业务，业务经理或客服经理"
     "设定）、绝密（直接关系公司利益，只有总经理设定或降低）。机密档案只有负责人、其业务经理、客服经理、客户信息管理员、财务总监"
     "和总经理可看全文；绝密档案只有负责人、客户信息管理员、总经理和总经理限期授权的人可看。保密期限自设定起 "
     "{cust.confidentiality.years} 年，到期后降为内部。"),
    ("cust.archive_access_request", "调阅客户档案", "调阅他人负责或保密客户的档案须申请，经本部门经理批准、客服经理授予，"
     "最长 {cust.archive_access_request.max_working_days} 个工作日；机密和绝密档案只借给经理级别以上。授予和每次阅读机密、"
     "绝密档案全文都记入借阅卡。"),
    ("cust.export_control", "客户数据导出管控", "客户数据只能从主数据导出，并记录导出人、筛选条件和行数；含机密或绝密客户的导出"
     "须经理级别以上。"),
    ("cust.destruction", "客户数据销毁", "客户数据不能直接删除。清除过时的客户数据须依次经客户信息主管、客服经理、总经理批准，"
     "之后数据匿名化并记录清除。"),
    # §1.4 segregation of duties
    ("sod.no_self_approval", "不能自己审批自己", "任何人不能审批自己提交或与自己利益相关的单据；同一审批链中同一人不能审批两步"
     "（业务经理和总经理须是两个人）；提交人自己那一步交给其上级。"),
    ("sod.approver_not_payer", "审批人不付款", "付款的出纳不能是该单据的审批人，也不能审核或记账凭证（由主管岗审核）。"),
    ("sod.receipt_recorder", "收款登记人", "收款只能由财务或出纳登记，不能由计提成的业务员本人登记。"),
    ("sod.count_witness", "现金盘点监盘", "月末现金盘点由出纳和另一人（财务总监或财务）共同签字。"),
]

CUSTOMERS = [
    # §2.1–2.3 archive, grades, ownership
    ("cust.required_fields", "建档必填项", "建档须填写名称、城市、来源、需求等级（默认 C 级），并至少有一位留有手机、电话或邮箱的"
     "联系人。"),
    ("cust.three_subrecords", "客户三本账", "每个客户有拜访记录簿、进销记录簿（订单、发货、退货、按期收款，以及线路拜访记录的动销和"
     "库存）和通讯录；前两本由系统根据记录生成，不手工填写。"),
    ("cust.demand_grade", "需求等级", "每个客户一个需求等级：A 需求大且急需；B 一般需求、正在考虑采购；C 潜在需求。业务员提出，"
     "业务经理确认，保留历史。"),
    ("cust.source", "客户来源", "来源为以下之一：网络、业务员开发、展会、行业媒体、协会、转介绍、公司活动、市场部、来访或来电、"
     "其他。"),
    ("cust.key_customer", "重点客户", "业务经理或客服经理设定重点客户；A 级客户和近 12 个月回款排名前 20% 的客户会被建议列为"
     "重点客户。"),
    ("cust.first_to_file", "先建档者负责", "按服务器时间最先建档的业务员负责并跟进该客户；两人同时建档只有一人成功，另一人按客户"
     "查重被拒。没有建档的接触不算数。"),
    ("cust.duplicate", "客户查重", "建档、导入以及修改名称或电话时，与已有客户信用代码相同、名称相同（去掉空格、标点和“有限公司”"
     "“公司”“厂”等后缀后比较）、联系电话相同，或同城名称相似度达到 {cust.duplicate.block_similarity}% 的，拒绝建档；"
     "相似度达到 {cust.duplicate.warn_similarity}% 的只提示。提示中写明负责人（或“公共池”）和建档日期。"),
    ("cust.manager_override", "业务经理裁定归属", "客户归属由业务经理最终决定：在本团队内或从公共池转移，须写明原因；跨团队转移"
     "须总经理批准。历史保留每一任负责人，已有的回款和提成不变。只因名称相似被拒的客户，业务经理可写明原因强制建档。"),
    ("cust.ownerless_to_manager", "无负责人的客户归业务经理", "没有负责人的客户（从未分配、被释放或负责人离职）进入公共池，列在"
     "业务经理的待办中，只有业务经理或总经理可以分配，业务员可以申请。业务员离职时，其全部客户同时变为无负责人。"),
    # §2.4 web leads, first contact, entry
    ("cust.web_lead_intake", "网络线索录入", "网络推广专员把网络线索录入公共池（待分配），每天 {cust.web_lead_intake.handover_hour}"
     " 时把当天的线索交给业务经理；网络推广专员不能分配线索。"),
    ("cust.web_lead_allocation", "网络线索分配", "只有业务经理分配公共池的线索。系统建议本团队在职业务员中（按区域和专长标签筛选）"
     "负荷最低者：负荷 = 负责的活跃客户数 ÷ 能力系数（{cust.web_lead_allocation.ability_min}–"
     "{cust.web_lead_allocation.ability_max}，由业务经理设定）；负荷相同时选近 30 天线索较少者。交接后 "
     "{cust.web_lead_allocation.due_working_days} 个工作日内分配。"),
    ("cust.first_contact_1w", "分配后首次联系", "客户分配后，负责人须在期限内记录一次沟通（任何渠道）：按自然日计为 "
     "{cust.first_contact_1w.days} 天，按工作日计为 {cust.first_contact_1w.working_days} 个工作日（现行：按"
     "{cust.first_contact_1w.mode}计）。逾期列入业务经理的“首次联系逾期”清单，可一键改派，系统不会自动改派。"),
    ("cust.entry_2wd", "档案按时录入", "客户档案须在收集日期（默认当天，不能是将来）后 {cust.entry_2wd.working_days} 个工作日内"
     "录入；晚录的可以保存，但标记为“录入逾期”。"),
    ("cust.manager_review", "新档案经理审核", "新建的档案处于“待审核”，直到业务经理接受或退回；下一个工作日汇总发给客户信息管理员"
     "归档。"),
    # §2.5 upkeep
    ("cust.archive_quarterly_review", "档案季度核实", "每个活跃客户的档案每季度至少由负责人核实（确认或更新）一次，并由客户信息"
     "管理员检查是否完整；季度最后一个月的第一个工作日提醒，季度结束仍未核实即为逾期。"),
    ("cust.monthly_info_report", "客户信息月报", "每位业务员每月 1 日至 {cust.monthly_info_report.due_day} 日提交客户信息报告"
     "（所负责客户的变化和竞争环境）。"),
    ("cust.change_notice", "客户状态变化通知", "客户交易状态变化（停止下单、更换负责人、信用事件）时，通知负责人的业务经理和订阅"
     "的部门。"),
    ("cust.data_change_request", "客户资料变更申请", "修改活跃客户的名称、信用代码、发票抬头或注册地址，须业务经理批准。"),
    # §2.6 visits, plans, minutes
    ("visit.plan_approval", "拜访计划审批", "外出拜访须在出发前填写客户走访单（客户、日期、目标、计划）并经业务经理批准，批准后行政部"
     "可见（考勤）。没有走访单的拜访记录可以保存，但标记为“计划外”。"),
    ("visit.minutes_2wd", "会谈纪要", "面谈（指定记录人）后，业务员须在会谈日期后 {visit.minutes_2wd.working_days} 个工作日内"
     "写好会谈纪要；之后业务经理审阅 → 发给客户 → 确认客户收到。时限只针对撰写。"),
    ("visit.weekly_plan", "下周重点拜访", "每位业务员在每周最后一个工作日 12:00 前提交下周的重点拜访（公司周六上班时为周六），"
     "业务经理确认优先顺序。"),
    # §2.7 credit grade, investigation, limit
    ("credit.grade_policy", "信用等级政策", "A 级可给额度和账期，额度不超过一个账期的预计销售额；B 级起始额度不超过 "
     "{credit.grade_policy.b_cap} 元，按付款情况逐步提高；C 级默认现款现货，符合条件的小额额度不超过 "
     "{credit.grade_policy.c_cap} 元；D 级不给任何信用。未评级客户额度为 0，并生成调查任务。账期 "
     "{credit.grade_policy.term_days} 天，最长 {credit.grade_policy.max_term_days} 天。"),
    ("credit.rating", "信用评等", "客户信用评等表得分达到 {credit.rating.a_min} 分建议评为 A 级，达到 {credit.rating.b_min} 分"
     "建议 B 级，达到 {credit.rating.c_min} 分建议 C 级，更低为 D 级；等级最终按授信审批确定。"),
    ("credit.limit_grant", "授信审批", "等级、额度和账期由授信额度管理小组（财务总监 + 业务经理）调查后确定，"
     "额度超过 {credit.limit_grant.gm_above} 元还须总经理批准。"),
    ("credit.investigation_cadence", "信用调查周期", "首次授信前须做信用调查；之后自上次起定期出信用报告：A 级每 "
     "{credit.investigation_cadence.a_months} 个月、B 级每 {credit.investigation_cadence.b_months} 个月、C 级每 "
     "{credit.investigation_cadence.c_months} 个月、D 级每 {credit.investigation_cadence.d_months} 个月。重要客户（A 级或"
     "额度超过 {credit.investigation_cadence.important_limit} 元）由业务经理亲自调查。报告逾期只标记，不阻止业务。"),
    ("credit.emergency_report", "信用紧急报告", "客户信用发生变化时，负责人当天报告业务经理；采取担保、定金、公证、停止供货等措施"
     "须有上级记录在案的指示。业务经理、财务总监或总经理可设置“停止供货”，支票或票据被退票时自动设置；终止交易须有业务经理的"
     "指示。"),
]

PRICING = [
    # §3 pricing and quotes
    ("price.guide", "按指导价报价", "标准和目录产品按产品指导价报价。指导价含税、按生效日期管理，报价用报价当天有效的指导价；"
     "调价不改已有的报价和订单。净价不低于基准价时，提成比例不变。"),
    ("price.finance_guide", "财务给出指导价", "定制和非目录产品的指导价由财务给出：业务员提交价格申请，财务答复指导价或说明理由驳回，"
     "业务员不能自己填写。财务须在报价期限前 {price.finance_guide.lead_hours} 小时答复。"),
    ("price.gb_discretion", "国标产品自主定价", "国标产品以指导价为参考，业务员在允许的幅度内自主定价；低于基准价不超过 "
     "{price.gb_discretion.max_pct}% 无需申请，超过仍按特价申请。"),
    ("price.vat_free_discount", "不开专票优惠", "客户不开增值税专票时（适用：{price.vat_free_discount.scope}），报价可比指导价低至 "
     "{price.vat_free_discount.max_pct}%，无需申请、不降提成；此时的基准价 = 指导价 × (1 − {price.vat_free_discount.max_pct}%)。"),
    ("price.special_commission", "特价与提成", "净价低于基准价即为特价，须业务经理批准；每低于基准价 1%（按指导价计），"
     "该行提成比例降 {price.special_commission.pp_per_pct} 个百分点（计算方式：{price.special_commission.mode}），最低为 0。"),
    ("price.special_floor", "最低价", "净价不得低于指导价的 {price.special_floor.pct}%，低于最低价的报价任何人都不能批准。"
     "不开专票优惠可否叠加到最低价之下：{price.special_floor.stack_vat_free}。"),
    ("price.fee_grossup", "含费用的报价", "报价中含公关等费用（费用率不超过 {price.fee_grossup.max_pct}%）时，按扣除费用后的净价判断；"
     "有费用的报价须业务经理批准，不算特价的最低单价 = 基准价 ÷ (1 − 费用率)。"),
    ("price.invoice_lock", "发票类型锁定", "发票类型是报价和订单的一部分；按不开专票优惠定价的行要开增值税专票，须先改价到不低于指导价。"),
    ("quote.validity", "报价有效期", "报价单自报价日期起 {quote.validity_days} 天内有效，有效期内据此生成的订单沿用报价的审批；"
     "到期仍未被客户接受的报价自动转为“已过期”。"),
    ("quote.approval", "报价审批", "含特价或费用行的报价须业务经理审批；报价总额达到 {quote.approval.major_total} 元的重大报价还须总经理审批。"
     "批准覆盖有效期内据此生成的订单。"),
    ("quote.nonstandard_24h", "非标报价时限", "含非标（不在指导价表内）或线束行（适用：{quote.nonstandard_24h.harness_scope}）的询价，"
     "须在收到后 {quote.nonstandard_24h.hours} 小时内报价（按{quote.nonstandard_24h.mode}计），"
     "{quote.nonstandard_24h.warn_hours} 小时时提醒。"),
    ("quote.deviation_reapproval", "偏离报价重新审批", "订单或合同比已接受的报价降价或延长账期，须业务经理重新审批。"),
]

ORDERS = [
    # §4.1–4.3 settlement and credit-term approvals
    ("settle.door_delivery", "送货上门", "所有货物都送到客户门口，每张订单都须有送货地址。"),
    ("settle.new_customer_cash", "新客户现款现货", "新客户首次合作默认现款现货；款到发货始终可用；货到付款和账期另有规定。"),
    ("settle.custom_deposit_30", "定制产品定金", "含定制产品的订单须收定制部分 {settle.custom_deposit_30.pct}% 的定金（适用："
     "{settle.custom_deposit_30.scope}），到账后才能生产和发货，定金计入货款。"),
    ("settle.gz_cod_1500", "广州市内货到付款", "广州市内（按{settle.gz_cod_1500.basis}判断）新客户订单金额不低于 "
     "{settle.gz_cod_1500.min_total} 元可货到付款，否则现款现货。"),
    ("settle.outside_gz_prepay", "广州市外款到发货", "广州市外新客户必须款到发货，例外只能走账期审批。"),
    ("settle.grade_terms", "按信用等级结算", "D 级客户只能现款现货或款到发货；其他客户（含未评级）可申请账期，超出额度按超信销货处理。"),
    ("approve.credit_over_20k_manager", "账期订单业务经理审批", "老客户账期订单金额超过 {approve.credit_over_20k_manager.amount} 元，须业务经理批准。"),
    ("approve.credit_over_50k_gm", "账期订单总经理审批", "老客户账期订单金额超过 {approve.credit_over_50k_gm.amount} 元，"
     "须业务经理和总经理批准（审批方式：{approve.credit_over_50k_gm.mode}）。"),
    ("approve.new_credit_20k_both", "新客户账期订单审批", "新客户账期订单金额达到 {approve.new_credit_20k_both.amount} 元须业务经理和总经理批准，"
     "不到此金额须业务经理批准。"),
    ("credit.over_limit", "超信用额度", "信用敞口 = 客户未结账期订单的欠款 + 本单金额 − 本单定金。敞口超过额度时，业务员填写超信销货申请表，"
     "经业务经理批准后才能放货。"),
    ("credit.supply_suspended", "停止供货", "被停止供货的客户，任何订单都不能放货。"),
    ("order.amount_change_voids_approval", "改金额作废审批", "订单在审批中或批准后修改金额，原审批作废，订单退回草稿，须重新提交"
     "审批。"),
    # §4.4 contracts
    ("contract.required", "须签合同", "定制产品订单和金额达到 {contract.required.credit_min_total} 元的账期订单须签订合同。"),
    ("contract.review_1wd", "合同评审", "客服评审与财务专项评审并行，各自在 {contract.review_1wd.limit_wd} 个工作日内完成，"
     "填写评审要点和对客户信用、额度的意见；金额达到 {contract.review_1wd.major_total} 元的重大合同还须总经理审批。"),
    ("contract.phone_approval", "电话确认审批", "审批人出差在外且事情紧急时，由{contract.phone_approval.recorder_roles}电话联系审批人"
     "确认后代为登记（确认时间距登记不超过 {contract.phone_approval.max_age_hours} 小时），并把结果通知确认人。"),
    ("contract.filing_1wd", "合同原件归档", "签订后 {contract.filing_1wd.working_days} 个工作日内原件交客服保管；借出须总经理批准，"
     "{contract.filing_1wd.takeout_return_wd} 个工作日内归还。"),
    ("contract.number_format", "合同编号", "编号 = 公司代码 + 类型代码-签订日期-当天序号，例如 {contract.number_format.company_code}"
     "XS-20250926-01；类型 XS 为销售、CG 为采购，序号按类型每天从 01 起（超过 99 用三位）。编号在签订时分配，唯一，永不重复"
     "使用。其他单据用各自的代码：报价 BJ、订单 DD、出库 CK、退货 TH、开票申请 KP、收款 SK、投诉 TS。"),
    ("contract.monthly_register", "合同台账", "每月 {contract.monthly_register.due_day} 日前（含），客服确认上月合同的编号台账。"),
    ("contract.dispute", "合同纠纷", "违约或纠纷须登记，由业务经理负责并报告总经理；进入诉讼或仲裁的合同不再走正常流程。"),
    # §4.5–4.6 delivery, shipments, returns
    ("delivery.standard_3_4d", "常规产品交期", "常规产品行：承诺发货日 = 备妥日 + {delivery.standard_3_4d.promise_wd} 个工作日，"
     "目标发货日 = 备妥日 + {delivery.standard_3_4d.target_wd} 个工作日；过了承诺日仍未发货即为“延迟”。备妥指审批全部完成、"
     "付款条件和定金都已满足。"),
    ("delivery.custom_production", "定制产品交期", "定制行的发货日期由生产部在定金到账后 {delivery.custom_production.entry_wd} 个工作日内录入，业务员不能自行设定。"),
    ("ship.release_check", "放货检查", "仓库只发已备妥、未被停止供货的客户的订单；可以部分发货，未发部分打印货品欠发单。"),
    ("ship.goods_issue_note", "出仓单", "每次发货打印一式三联出仓单（客户、仓库、财务），由库管、仓库主管和客户签字；客户签字联"
     "（照片或电子签名均可）确定送达日期。"),
    ("ship.cash_handin", "收款当日上交", "司机或业务员收取的货到付款和现款，当天交给出纳（下班后收取的，次一工作日 10:00 前）；"
     "支票和票据当天签收交财务；员工不得保留客户的钱。"),
    ("return.flow", "退货流程", "退货申请 → 业务经理确认 → 质检检验 → 业务经理批准 → 库管红字入库 → 财务红字发票 → 冲回提成。"
     "送达超过 {return.flow.gm_after_days} 天的退货须总经理批准；定制产品只因质量问题可退：{return.flow.custom_quality_only}。"),
]

MONEY = [
    # §5.1–5.2 receipts and invoices
    ("receipt.allocation", "收款分配", "收款按到期先后分配到客户的未结订单（财务也可手工分配），定金分配到其订单，余额记为客户预收；红冲须写原因。"),
    ("invoice.vat_min_5000", "增值税专票起开金额", "增值税专票单张金额不低于 {invoice.vat_min_5000.min_amount} 元；不足的可开普通发票或累计后再开。"),
    ("invoice.flow", "开票流程", "业务员提交开票申请 → 业务经理审核（须审核：{invoice.flow.sm_review}）→ 财务开票并登记税控号码和日期"
     " → 客户签收；更正只能红字冲销。不含税金额按增值税税率 {invoice.flow.vat_rate_pct}% 计算。"),
    # §5.3 receivables
    ("ar.aging", "应收账龄", "到期日：账期订单 = 送达日 + 账期天数；货到付款和现款现货 = 送达日。按逾期天数分为未到期、1–30 天、"
     "31–60 天、61–90 天、90 天以上，可按客户、业务员、团队和任意日期统计。"),
    ("ar.collection_task", "催收任务", "到期前 {ar.collection_task.remind_days_before} 天提醒负责人；逾期第一天生成催收任务；"
     "逾期超过 {ar.collection_task.sm_list_days} 天列入业务经理清单。"),
    ("ar.deferral", "推迟付款申请", "客户推迟付款的申请须登记，默认不同意，只有业务经理可以批准；{ar.deferral.window_months} 个月内第二次推迟须复核信用。"),
    ("ar.reconcile_semiannual", "半年对账", "负责人以 6 月 30 日和 12 月 31 日为基准，与每个有余额或半年内有交易的客户核对对账单，"
     "记录一致或差异，并在 {ar.reconcile_semiannual.report_days} 天内报业务经理和财务。"),
    ("ar.bad_debt", "坏账核销", "坏账核销须业务经理、财务总监和总经理依次批准，核销后继续追收。"),
    # §5.4 commission
    ("commission.base", "提成", "提成 = 分配到订单行的到账 × 该行提成比例；基础比例 {commission.base.rate_pct}%，减去特价降点，最低为 0；"
     "提成计给{commission.base.credit_to}。"),
    ("commission.statement", "提成结算单", "每月为每位业务员出提成结算单，列明每笔到账、订单行、比例和降点；财务总监批准后进入工资。"
     "提成阶梯是否启用：{commission.statement.tiers_enabled}（阶梯：{commission.statement.tiers}）。"),
    # §5.5 expenses, payments, cash
    ("pay.approval_chain", "付款审批链", "每张付款审批单和费用报销单依次经部门经理、财务总监、总经理审批，完成后由出纳付款并标记付讫。"),
    ("expense.prior_approval", "费用事前批准", "销售费用须在发生前经业务经理批准，报销时引用该批准（现行：{expense.prior_approval.mode}）。"),
    ("cash.advance_max_3000", "现金借支", "现金借支只用于出差（不设上限）或只能付现金的采购（不超过 {cash.advance_max_3000.max_amount} 元）；"
     "须写明事由、金额和还款/报销日期，经部门经理、财务总监批准。"),
    ("cash.max_on_hand_5000", "库存现金限额", "每天下班时库存现金不超过 {cash.max_on_hand_5000.max_amount} 元，超出须存入银行。"),
    ("cash.large_withdrawal_notice_3d", "大额提现提前通知", "现金付款超过 {cash.large_withdrawal_notice_3d.amount} 元，"
     "须在付款日前至少 {cash.large_withdrawal_notice_3d.days} 天通知财务。"),
    ("cash.no_netting", "不得坐支", "收到的现金不能直接用于支付费用（坐支）；收款和付款分别入账。"),
    ("cash.receipt_words", "收据大小写", "每张收据都有编号，金额同时打印小写和人民币大写，两者须一致。"),
    ("cash.daily_count", "现金盘点", "每天核对账面余额与实点现金，差异须说明；月末在现金盘点表上正式盘点。"),
    ("bank.monthly_reconciliation", "银行对账", "每月逐个账户对账；银行余额与账面不符时，银行存款余额调节表须平衡：账面余额 + "
     "银行已收企业未收 − 银行已付企业未付 = 银行余额 + 企业已收银行未收 − 企业已付银行未付。"),
]

SERVICE = [
    # §6.1–6.2 tickets and complaints
    ("ticket.first_response_1wd", "工单首次答复", "每张工单在 {ticket.first_response_1wd.working_days} 个工作日内答复或转交责任"
     "部门；查货的答复取自实时的订单和发货数据；客服的工作按网络线索分配的均衡规则分配。"),
    ("complaint.intake", "投诉登记", "客户投诉记录表记录投诉内容、渠道、讨论过的解决办法和向客户承诺的解决时间。"),
    ("complaint.reply_5wd", "投诉答复时限", "收到投诉后 {complaint.reply_5wd.working_days} 个工作日内给客户实质答复：查明不成立"
     "（结案），或提出的解决方案；责任部门提出方案的时限包含在这一期限内。"),
    ("complaint.dispatch_same_day", "投诉即时转交", "受理的投诉在判定成立当天转交责任部门及其负责人。"),
    ("complaint.solution_3wd", "责任部门提出方案", "责任部门在收到投诉传递单后 {complaint.solution_3wd.working_days} 个工作日内"
     "提出一个或多个解决方案。"),
    ("complaint.solution_review", "方案审定", "征求客户意见前，由部门经理（重大投诉由总经理）选定解决方案，并记录责任人和部门负责人。"),
    ("complaint.customer_consult", "征求客户意见", "客户同意（客户意见表）→ 实施；不同意 → 退回责任部门，重新给 "
     "{complaint.solution_3wd.working_days} 个工作日提出方案；第二次不同意转总经理。实为报修的投诉转为关联的服务工单。"),
    ("complaint.followup_5wd", "实施后回访", "解决方案实施后 {complaint.followup_5wd.working_days} 个工作日内首次回访，并做满意度"
     "调查。"),
    ("complaint.followups_by_type", "按类别回访次数", "质量投诉至少回访 {complaint.followups_by_type.quality_min} 次；服务投诉 "
     "{complaint.followups_by_type.service_min}–{complaint.followups_by_type.service_max} 次；其他投诉至少 "
     "{complaint.followups_by_type.other_min} 次。"),
    ("complaint.close_satisfied", "满意才结案", "投诉须完成规定的回访、且最近一次结果为“满意”或“非常满意”才能结案；“不满意”及以下"
     "则重新打开，回到调查。"),
    ("complaint.major_to_gm", "重大投诉报总经理", "重大投诉（索赔金额达到 {complaint.major_to_gm.claim_amount} 元或重点客户的投诉建议"
     "列为重大）在标记当天报总经理，处理方案由总经理选定；结果以书面函件告知客户。"),
    ("complaint.escalate_overdue", "投诉逾期升级", "投诉错过任何时限即升级给客服经理；再过 "
     "{complaint.escalate_overdue.gm_after_wd} 个工作日仍未处理，升级给总经理。"),
    ("claim.manager_review", "索赔审核", "每一笔索赔不论金额，都由业务经理审核全部材料，按索赔类别的标准程序处理。"),
    ("complaint.monthly_analysis", "投诉月度分析", "每月第 {complaint.monthly_analysis.due_wd} 个工作日前完成客户投诉分析表"
     "（类别、部门、原因、结案天数、重开次数；处理率目标 100%）。"),
    # §6.3 return visits
    ("revisit.key_customers_100pct", "重点客户全部回访", "每季度的回访活动包括全部重点客户，不抽样；每个客户都有完整记录，或有 3 次"
     "联系不上的记录并经客服经理签字，活动才能结束，并形成回访总结报告；不满意的结果为指定部门生成改进事项。"),
    ("revisit.record_complete", "回访记录完整", "回访记录须有渠道、联系人、时间、满意度和客户意见（或“无”），否则不能保存。"),
    ("revisit.quiet_hours", "回访时段", "回访电话宜在 {revisit.quiet_hours.windows} 拨打；其他时间或非工作日拨打会提示（照顾客户休息）。"),
    ("revisit.after_first_delivery_3d", "新客户首次交货回访", "新客户首次交货后 {revisit.after_first_delivery_3d.days} 天内回访。"),
    # §6.4 field service
    ("service.arrival_sla", "上门时限", "报修登记到技术人员到达：市区不超过 {service.arrival_sla.urban_hours} 个工作小时，郊区不超过 "
     "{service.arrival_sla.suburban_hours} 个工作小时。市区：{service.arrival_sla.urban_districts}；郊区："
     "{service.arrival_sla.suburban_districts}。"),
    ("service.dispatch", "派工与上报", "当天未派工的报修在次一工作日优先派出；超过承诺时间的维修立即上报服务主管；现场未解决的问题按"
     "业务员 → 业务经理 → 总经理逐级上报，每 {service.dispatch.unsolved_escalate_hours} 个工作小时上报一级。"),
    ("service.close_signature", "服务凭证签字", "服务工单须有客户在服务凭证上签字才能关闭；送修的须有客户商品领取收据、进出登记、"
     "修护卡，并经主管检验后才能交还（收据随后作废）。有偿服务和维保合同服务在完工当天开票。"),
    ("service.survey_100pct", "服务满意度全数调查", "报修次一工作日，对当天每位报修客户做满意度调查（不抽样），就技术人员的态度、"
     "技能、到达时间和跟进四项各评四级，结果计入月度考核。"),
    ("service.maintenance_renewal_1m", "维保合同续约", "维保合同到期前 {service.maintenance_renewal_1m.months} 个月发出到期通知，"
     "并生成续约拜访任务。"),
]

SALES = [
    # §7 sales management
    ("target.monthly_set", "月度目标", "业务经理在上月最后一个工作日前与业务员一起设定本月目标：到账、拜访、电话、新增意向客户、"
     "面谈客户；业务员随时可看自己的目标和进度。调整须说明原因并经批准。"),
    ("target.daily_decomposition", "月目标分解到日", "月目标按当月工作日以最小单位（分或个数）几乎平均分配，除不尽的余数由前几天"
     "各多分一个单位；业务经理可以在日之间调剂，但各日之和须正好等于月目标。"),
    ("daily.quantified_activity", "每日量化指标", "每个工作日每位业务员都有当日到账、拜访客户数、电话量、新增意向客户（至少 "
     "{daily.quantified_activity.new_intent_min} 个）和面谈客户（至少 {daily.quantified_activity.met_min} 个）的目标。实际数"
     "取自记录，不手工填写；业务经理可说明原因更正（不得虚报或空报）。业务员另记工作日志。"),
    ("daily.table_by_0900", "部门管理表按时提交", "工作日的部门管理表（每位业务员的目标与实际、月累计完成率、备注）在当天 "
     "{daily.table_by_0900.draft_hour} 时自动起草，经业务经理或其代理人审阅后，须在次一工作日 {daily.table_by_0900.hour} "
     "时整之前提交行政部，到点或之后为“迟交”。次日目标在当天结束前设定，次日 {daily.table_by_0900.hour} 时前可调整。"),
    ("daily.shortfall_coaching", "未达标与丢单辅导", "每日未达标的业务员列入业务经理清单，业务经理在 "
     "{daily.shortfall_coaching.working_days} 个工作日内记录辅导；丢单须填写原因并生成辅导任务。"),
    ("daily.morning_leaderboard", "晨间到账播报", "每天 9:00 起播报昨天每位业务员的到账（如“张三 到账 3,000”），按金额排名，"
     "并显示团队合计和月累计完成率；每周、每月评出回款、销售和新客户冠军。"),
    ("daily.supervision", "业务经理督导", "业务经理的考核指标：每天 09:20–09:30 检查每位业务员的电话清单并记录结果；每周至少陪同 "
     "{daily.supervision.accompanied_per_week} 次促成拜访。"),
    ("plan.monthly_action", "月度行动计划", "每位业务员在当月最后一个工作日前写好下月重点行动目标（行动计划表），每周写好周行动事项"
     "（与下周重点拜访一起），业务经理补充指示。计划与实际的差异须写明原因和对策。"),
    ("plan.change_reason", "调整目标须说明原因", "目标和计划只有在情况突变或尽全力仍无法达到时才能调整，须写明原因并经业务经理批准"
     "（部门总目标须总经理批准）。"),
    ("report.weekly_monthly", "周报和月报", "根据实时数据生成周/月工作计划、销售统计、业务员工作统计、市场状况、经销商进货、区域销售、"
     "经销商月度汇总和目标客户统计。周报在周一 {report.weekly_monthly.weekly_hour} 时前提交，月报在每月第 "
     "{report.weekly_monthly.monthly_wd} 个工作日前提交。"),
    ("route.visit_8_steps", "线路拜访八步骤", "线路拜访按顺序记录八个步骤：准备（客户卡、路线、样品）→ 检查户外广告、POP 和货架 → "
     "打招呼 → 理货 → 查库存、更换不良品、记录竞品、按安全库存下单 → 销售洽谈 → 确认订单（需要时客户签字）→ 约定下次拜访"
     "日期（必填）。"),
    ("route.safety_stock_1_5", "安全库存订货", "建议订货量 = {route.safety_stock_1_5.factor} × 周销量 − 现有库存（不小于 0），"
     "按包装数向上取整；周销量 = 最近 {route.safety_stock_1_5.days} 天的平均每周动销（销量 = 上次盘点 + 送货 − 本次盘点）。"),
    ("training.cadence", "培训安排", "新业务员完成入职培训后才能接手客户，最后一课由总经理讲授；全体业务员每年参加两次集中培训，"
     "每次两天；业务经理每周就上周的关键问题组织一次培训；每个发布的流程版本都要培训到相关角色。未完成的培训列出清单。"),
]

PROCESSES = [
    # §8 processes and approvals
    ("process.publish_approval", "流程发布审批", "每一步都有负责角色和时限的流程才能提交；新流程或修订须总经理在 "
     "{process.publish_approval.gm_limit_wd} 个工作日内批准后生效，{process.publish_approval.rollout_wd} 个工作日内推行，"
     "并通知相关角色参加培训。"),
    ("process.version_pinned", "按提交时版本审批", "已提交的单据按提交时的制度版本和审批链审批，之后修改设置不影响它。"),
    ("approval.inbox", "审批待办", "每位审批人在审批待办中看到待审单据、审批链、进度和原因；同意或驳回并填写意见，驳回退回提交人。"),
    ("approval.overdue", "审批逾期", "审批步骤超过时限即提醒审批人，再过 {approval.overdue.escalate_after_wd} 个工作日升级给上级。"),
    ("process.monitoring", "流程监控", "按流程和月份统计：实例数、每一步的周期（进入到决定）、按时完成比例和逾期清单，供业务经理、"
     "客服经理和总经理查看。"),
    ("process.evaluation_audit", "流程评估与审计", "流程效率评估{process.evaluation_audit.evaluation_cadence}一次，流程审计"
     "{process.evaluation_audit.audit_cadence}一次，周期结束后 {process.evaluation_audit.review_due_wd} 个工作日内完成；"
     "每个发现都指定责任人，{process.evaluation_audit.rectify_wd} 个工作日内整改，验证后关闭。任何员工都可以提出改进建议，"
     "有效的建议可以启动新版本，并给提出人记奖励。"),
]

SYSTEM = [
    # the system's own rules (no SPEC line of their own)
    ("acl.csrf", "防跨站请求", "在页面上提交的内容须带有本系统页面给出的校验令牌（防止跨站请求伪造），接口调用使用令牌认证；"
     "校验不通过的请求被拒绝。"),
    ("input.bounds", "输入上限", "任何金额、单价或订单/报价合计不得超过 {input.bounds.max_amount} 元，任何一行的数量不得超过 "
     "{input.bounds.max_quantity}；文字不得超过各栏的字数上限。超出的输入被拒绝，并指明是哪一栏。"),
    ("import.limits", "导入文件上限", "导入的 Excel 文件在读取前先检查文件大小、行数和单元格长度等上限；超过任一上限即拒绝，说明"
     "是哪一项，什么也不导入。"),
    ("notify.push", "通知渠道", "用户可以为自己设置通知渠道（邮箱或 Webhook 地址）；团队的通知渠道只有系统管理员或总经理可以设置。"
     "名称和地址必填、长度有限，邮箱和网址须有效；新增和停用都记入审计日志。"),
    ("public_form.throttle", "公开表单防滥用", "官网上提交投诉、报修或咨询以及查询进度的次数有上限：按来源地址每小时、按电话号码"
     "每天计；超过时请稍后再试或致电客服。机器自动填写的提交无效。"),
]

TABLE = ACCESS + CUSTOMERS + PRICING + ORDERS + MONEY + SERVICE + SALES + PROCESSES + SYSTEM
