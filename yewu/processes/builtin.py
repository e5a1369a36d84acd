"""The built-in processes P01–P12 (SPEC §8.2) seeded as published version 1.

Each step: (code, department, role, action, limit kind, limit N, branch condition, approval?, input forms,
instructions). Where SPEC's table names no limit for a step, a default is chosen (marked "时限为默认值 D" in the
instructions) so that every built-in step satisfies `process.publish_approval`.
"""

from django.utils import timezone

D = "（时限为默认值 D）"

SALES, FIN, CS, GMO, WH, ADMIN, QC = "业务部", "财务部", "客服部", "总经理办公室", "仓库", "行政部", "质检"

BUILTIN = [
    ("P01", "网络线索", "网络线索当日交接、1 个工作日内分配、7 天内首次联系", SALES, [
        ("s1", SALES, "LS", "录入线索池", "immediately", None, "", False, "网络线索", ""),
        ("s2", SALES, "LS", "交接给业务经理", "daily", None, "", False, "", "每日 18:00 交接当日线索"),
        ("s3", SALES, "SM", "分配业务员", "wd", 1, "", False, "", "交接后 1 个工作日内，按负荷建议分配"),
        ("s4", SALES, "SP", "首次联系", "days", 7, "", False, "客户拜访记录簿", "分配后 7 个自然日内记录首次沟通"),
    ]),
    ("P02", "客户建档", "客户资料完整、及时归档", SALES, [
        ("s1", SALES, "SP", "录入客户档案", "wd", 2, "", False, "客户档案（客户管理卡）", "收集之日起 2 个工作日内"),
        ("s2", SALES, "SM", "审核档案", "wd", 1, "", True, "", D),
        ("s3", CS, "CIA", "归档摘要", "wd", 1, "", False, "", "次一工作日汇总给客户信息管理员归档"),
        ("s4", SALES, "SP", "季度核实", "quarterly", None, "", False, "客户资料表", ""),
    ]),
    ("P03", "报价", "报价价格合规、按时答复", SALES, [
        ("s1", FIN, "FIN", "答复价格申请", "hours", 4, "需财务定价", False, "价格申请", "于报价答复期限前 4 小时答复"),
        ("s2", SALES, "SP", "起草报价单", "same_day", None, "", False, "产品报价单", D),
        ("s3", SALES, "SM", "特价/费用审批", "wd", 1, "含特价或费用行", True, "特价申请", ""),
        ("s4", GMO, "GM", "重大报价审批", "wd", 1, "报价总额 ≥ 100,000", True, "", ""),
        ("s5", SALES, "SP", "发送报价", "hours", 24, "含非标或线束行", False, "产品报价单", "询价收到后 24 小时内"),
    ]),
    ("P04", "订单到回款", "订单合规放行、按时发货、及时开票回款", SALES, [
        ("s1", SALES, "SP", "提交订单", "same_day", None, "", False, "销售订单", D),
        ("s2", SALES, "SM", "账期审批（业务经理）", "wd", 1, "账期或超额度订单", True, "超信销货申请表", ""),
        ("s3", GMO, "GM", "账期审批（总经理）", "wd", 1, "超过 50,000 或新客户 ≥ 20,000", True, "", ""),
        ("s4", FIN, "FIN", "确认定金/货款", "same_day", None, "款到发货或定制定金", False, "收据", D),
        ("s5", SALES, "SP", "备妥", "immediately", None, "", False, "", "审批完成且付款条件、定金满足即为备妥"),
        ("s6", WH, "WH", "发货", "wd", 4, "", False, "出仓单", "标准品备妥后目标 3、承诺 4 个工作日；定制品按生产部交期"),
        ("s7", WH, "WH", "送达签收", "wd", 1, "", False, "出仓单（客户联）", D),
        ("s8", FIN, "FIN", "开票", "wd", 1, "", False, "开票申请单", D),
        ("s9", FIN, "FIN", "登记回款", "same_day", None, "", False, "收据", D),
        ("s10", SALES, "SP", "结案", "immediately", None, "", False, "", "已送达且款项结清即结案"),
    ]),
    ("P05", "销售合同", "合同评审完整、原件及时归档", SALES, [
        ("s1", SALES, "SP", "尽职调查", "wd", 1, "", False, "客户信用调查表", D),
        ("s2", CS, "CS", "合同评审（客服）", "wd", 1, "", True, "合同评审单", "与财务评审并行"),
        ("s3", FIN, "FIN", "合同评审（财务）", "wd", 1, "", True, "合同评审单", "与客服评审并行"),
        ("s4", GMO, "GM", "重大合同审批", "wd", 1, "合同金额 ≥ 100,000", True, "", ""),
        ("s5", SALES, "SP", "签订合同", "wd", 1, "", False, "销售合同", D),
        ("s6", CS, "CS", "原件归档", "wd", 1, "", False, "合同台账", "签订后 1 个工作日内交客服归档"),
    ]),
    ("P06", "信用管理", "先调查后授信，定期复查", CS, [
        ("s1", CS, "CS", "信用调查", "wd", 2, "", False, "客户信用调查表", D),
        ("s2", FIN, "FIN", "信用评估", "wd", 1, "", False, "客户信用评等表", D),
        ("s3", FIN, "FD", "授信决定（财务总监）", "wd", 1, "", True, "", ""),
        ("s4", SALES, "SM", "授信决定（业务经理）", "wd", 1, "", True, "", ""),
        ("s5", GMO, "GM", "授信审批（总经理）", "wd", 1, "额度 > 50,000", True, "", ""),
        ("s6", CS, "CS", "定期信用报告", "monthly", None, "", False, "客户信用调查表", "A 级每 6 个月、B 级每 3 个月、C/D 级每月"),
    ]),
    ("P07", "付款/费用报销", "付款有据、逐级审批、不相容岗位分离", FIN, [
        ("s1", SALES, "SP", "经办人填单", "same_day", None, "", False, "付款审批单 / 费用报销单", "经办人（任何员工）" + D),
        ("s2", SALES, "SM", "部门经理审核", "wd", 1, "", True, "", ""),
        ("s3", FIN, "FD", "财务总监审批", "wd", 1, "", True, "", ""),
        ("s4", GMO, "GM", "总经理审批", "wd", 1, "按金额与类别", True, "", ""),
        ("s5", FIN, "CA", "出纳付款", "wd", 1, "", False, "现金日记账", "付款出纳不得为审批人" + D),
        ("s6", FIN, "FIN", "主管岗复核凭证", "wd", 1, "", False, "", D),
    ]),
    ("P08", "现金借支", "借支有审批、按期结清", FIN, [
        ("s1", SALES, "SP", "申请借支", "same_day", None, "", False, "现金借支单", D),
        ("s2", SALES, "SM", "部门经理审核", "wd", 1, "", True, "", ""),
        ("s3", FIN, "FD", "财务总监审批", "wd", 1, "", True, "", ""),
        ("s4", FIN, "CA", "出纳付款", "wd", 1, "", False, "现金日记账", D),
        ("s5", SALES, "SP", "按期结清", "same_day", None, "", False, "费用报销单", "于约定归还日当日前报销或还款"),
    ]),
    ("P09", "客户投诉", "5 个工作日内实质答复，满意后结案", CS, [
        ("s1", CS, "CS", "受理登记", "immediately", None, "", False, "客户投诉记录表", ""),
        ("s2", CS, "CS", "实质答复客户", "wd", 5, "", False, "投诉调查表", "受理后 5 个工作日内"),
        ("s3", SALES, "SM", "责任部门提出方案", "wd", 3, "", False, "投诉传递单", "转交后 3 个工作日内"),
        ("s4", SALES, "SM", "方案评审", "wd", 1, "重大投诉由总经理评审", True, "客户投诉处理表", D),
        ("s5", CS, "CS", "征询客户意见", "wd", 1, "", False, "客户意见表", D),
        ("s6", SALES, "SM", "实施方案", "wd", 3, "", False, "", D),
        ("s7", CS, "CS", "回访", "wd", 5, "", False, "客户满意度调查表", "实施后 5 个工作日内首次回访"),
        ("s8", CS, "CSM", "结案", "wd", 1, "回访结果满意", False, "", D),
    ]),
    ("P10", "退货", "退货经确认、检验、批准，及时冲红", SALES, [
        ("s1", SALES, "SP", "退货申请", "same_day", None, "", False, "退货申请单", D),
        ("s2", SALES, "SM", "业务经理确认", "wd", 1, "", True, "", D),
        ("s3", QC, "QC", "质检", "wd", 1, "", False, "", "核实为本公司产品及货品状况"),
        ("s4", SALES, "SM", "业务经理批准", "wd", 1, "送达后超过 30 天另需总经理", True, "", D),
        ("s5", WH, "WH", "退货入库", "wd", 1, "", False, "退货单（红字出库单）", D),
        ("s6", FIN, "FIN", "红字发票/贷项", "wd", 1, "", False, "", D),
    ]),
    ("P11", "客户走访", "走访有计划、有纪要、有回执", SALES, [
        ("s1", SALES, "SP", "制定走访计划", "same_day", None, "", False, "客户走访单", D),
        ("s2", SALES, "SM", "批准走访计划", "immediately", None, "", True, "客户走访单", "出发前批准"),
        ("s3", SALES, "SP", "记录拜访", "same_day", None, "", False, "客户拜访记录簿", D),
        ("s4", SALES, "SP", "撰写会谈纪要", "wd", 2, "面谈（会谈）", False, "会谈纪要", "会谈后 2 个工作日内"),
        ("s5", SALES, "SM", "审阅纪要", "wd", 1, "", True, "会谈纪要", D),
        ("s6", SALES, "SP", "发送客户", "wd", 1, "", False, "", D),
        ("s7", SALES, "SP", "回执确认", "wd", 5, "", False, "", D),
    ]),
    ("P12", "考勤管理（示例）", "S4 流程示例：考勤制度制定与月度考勤", ADMIN, [
        ("c2", ADMIN, "ADM", "制定考勤制度", "wd", 3, "", False, "", ""),
        ("a2", GMO, "GM", "领导审批", "wd", 1, "", True, "", D),
        ("c3", ADMIN, "ADM", "推行考勤制度", "wd", 1, "", False, "", ""),
        ("d4", SALES, "SM", "部门月度考勤汇总", "wd", 1, "每月", False, "", ""),
        ("c5", ADMIN, "ADM", "考勤核对", "wd", 2, "", False, "", ""),
        ("c6", ADMIN, "ADM", "考勤公示", "wd", 1, "", False, "", ""),
        ("c7", ADMIN, "ADM", "收集异议", "wd", 1, "", False, "", ""),
        ("c10", ADMIN, "ADM", "考勤归档", "wd", 2, "无异议", False, "", ""),
        ("c8", ADMIN, "ADM", "处理意见", "wd", 2, "有异议", False, "", ""),
        ("a8", GMO, "GM", "意见审批", "wd", 1, "有异议", True, "", ""),
        ("c9", ADMIN, "ADM", "执行调整", "immediately", None, "有异议", False, "", ""),
        ("c10", ADMIN, "ADM", "考勤归档", "immediately", None, "有异议", False, "", ""),
    ]),
]


def seed_builtin(ProcessDefinition, ProcessStep, effective_date=None) -> int:
    """Create P01–P12 as published version 1, effective today unless given, where the code does not exist yet (idempotent). Works with the
    real models and with a migration's historical ones. Returns how many processes were created."""
    effective_date = effective_date or timezone.localdate()
    created = 0
    for code, name, objective, dept, steps in BUILTIN:
        if ProcessDefinition.objects.filter(code=code).exists():
            continue
        d = ProcessDefinition.objects.create(code=code, name=name, objective=objective, owner_department=dept,
                                             version=1, status="published", effective_date=effective_date,
                                             change_note="SPEC §8.2 内置流程")
        ProcessStep.objects.bulk_create([
            ProcessStep(definition=d, code=s[0], order=i, department=s[1], role=s[2], action=s[3], limit_kind=s[4],
                        limit_n=s[5], branch_condition=s[6], is_approval=s[7], input_forms=s[8], instructions=s[9])
            for i, s in enumerate(steps, 1)])
        created += 1
    return created
