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
    # issue 15: team robots and everyone's delivery failures are managed by the system administrator (and GM);
    # every user may add channels for themselves.
    "manages_push_channels": _a({R.SYS, R.GM}, "notify.push", "管理团队通知渠道"),
    # cust.web_lead_allocation: the SM (own teams) and the GM set each salesperson's ability factor, territory, tags.
    "sets_allocation": _a({R.SM, R.GM}, "cust.web_lead_allocation", "设置业务员的分配参数"),
    # the user directory (GET /api/v1/users): the GM and the system administrator see every user; others see
    # themselves, their team's SM and, as an SM, their teams' members.
    "sees_all_users": _a({R.GM, R.SYS}, "acl.team_scope", "查看全部用户"),
    # cust.first_to_file: who may file customers may import them from Excel.
    "imports_customers": _a({R.SP, R.SM, R.GM, R.LS}, "cust.first_to_file", "导入客户"),
    # customer service (SPEC §6, issue 12)
    # ticket.first_response_1wd: CS agents take calls and answer tickets; the CSM too
    "handles_tickets": _a({R.CS, R.CSM}, "ticket.first_response_1wd", "受理和答复服务工单"),
    # acl.cs_scope: CS/CSM (and the GM) see the tickets and complaints of every customer
    "sees_all_tickets": _a({R.CS, R.CSM, R.GM}, "acl.cs_scope", "查看所有客户的工单和投诉"),
    # complaint.intake … complaint.close_satisfied: CS records, judges, consults the customer, visits and closes
    "handles_complaints": _a({R.CS, R.CSM}, "complaint.intake", "受理、判定、征求意见、回访和结案投诉"),
    # complaint.major_to_gm: major is flagged by CS/CSM
    "flags_major_complaints": _a({R.CS, R.CSM}, "complaint.major_to_gm", "标记重大投诉"),
    # complaint.solution_review: the GM selects the solution of a major complaint (and after a 2nd rejection)
    "decides_major_complaints": _a({R.GM}, "complaint.solution_review", "选定重大投诉的解决方案"),
    # claim.manager_review: every claim is reviewed by the SM (the GM may too)
    "reviews_claims": _a({R.SM, R.GM}, "claim.manager_review", "审核索赔"),
    # complaint.escalate_overdue, revisit.key_customers_100pct, complaint.monthly_analysis: the CS manager's duties
    "manages_service": _a({R.CSM, R.GM}, "revisit.key_customers_100pct", "管理回访活动、签认未接通和查看投诉分析"),
    # revisit.record_complete: return visits are recorded by CS
    "records_return_visits": _a({R.CS, R.CSM}, "revisit.record_complete", "录入回访记录"),
    # service.dispatch: CS registers and dispatches service calls; the assigned technician closes with a signature
    "dispatches_service_jobs": _a({R.CS, R.CSM}, "service.dispatch", "登记和派工服务单"),
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
    # SPEC §1.1 and §8.5: the system administrator keeps the settings (users, roles, settings), the GM does
    # everything; the administration department (ADM) receives daily tables and sees visit plans, nothing more.
    "changes_settings": _a({R.GM, R.SYS}, "process.version_pinned", "查看和修改公司设置"),
    # SPEC §1.1: the system administrator sees no business data (customers, documents, amounts) by default.
    "reads_business_data": _a({R.SP, R.LS, R.SM, R.GM, R.FD, R.FIN, R.CA, R.CS, R.CSM, R.CIA, R.WH, R.PROD, R.QC,
                               R.ADM}, "acl.sp_scope", "查看业务数据"),
    # service.dispatch (issue 12): the service supervisor (服务主管, the CS manager here) hears of late repairs and
    # unsolved on-site problems at once; an unsolved problem still open goes on to the GM last (SP → SM → GM)
    "supervises_service_jobs": _a({R.CSM}, "service.dispatch", "接收迟到维修和现场未解决问题的上报"),
    "hears_unsolved_service_last": _a({R.GM}, "service.dispatch", "接收现场未解决问题的最终上报"),
    # service.survey_100pct (issue 12): the monthly technician table feeds the appraisal
    "sees_technician_table": _a({R.CSM, R.GM}, "service.survey_100pct", "查看技术人员服务评价月表"),
    # --- quotes and the price list (SPEC §3) ---
    # price.guide: salespeople, their managers and the GM write quotes
    "makes_quotes": _a({R.SP, R.SM, R.GM}, "price.guide", "报价"),
    # quote.approval (closing): besides the quote's own salesperson, a manager may close a quote (won / lost)
    "closes_team_quotes": _a({R.SM, R.GM}, "quote.approval", "关闭团队的报价单"),
    # daily.shortfall_coaching: the GM may record coaching for any team (the SM for their own team's quotes)
    "coaches_any_team": _a({R.GM}, "daily.shortfall_coaching", "为任何团队记录丢单辅导"),
    # acl.finance_scope: finance and the GM see every quote and every price request
    "sees_all_quotes": _a({R.GM, R.FIN, R.FD}, "acl.finance_scope", "查看全部报价单和价格申请"),
    # acl.team_scope: the SM sees the quotes of their teams (row scope in yewu.sales.quotes.selectors)
    "sees_team_quotes": _a({R.SM}, "acl.team_scope", "查看本团队的报价单"),
    # price.finance_guide: salespeople and their managers ask Finance for a price
    "requests_prices": _a({R.SP, R.SM, R.GM}, "price.finance_guide", "申请价格"),
    # price.finance_guide: Finance answers price requests
    "answers_price_requests": _a({R.FIN, R.FD}, "price.finance_guide", "答复价格申请"),
    # price.guide: Finance, the FD, the GM and the system administrator keep the product catalogue and guide prices
    "edits_catalogue": _a({R.FIN, R.FD, R.GM, R.SYS}, "price.guide", "维护产品目录和指导价"),
    # price.guide: guide prices (and the price-list import) are set by Finance, the FD and the GM
    "sets_guide_prices": _a({R.FIN, R.FD, R.GM}, "price.guide", "设定指导价"),
    # --- processes (SPEC §8) ---
    # process.publish_approval: the GM, administration and the system administrator draft and submit definitions
    # (and see every improvement item); each process's own administrator may too (checked in yewu.processes)
    "manages_processes": _a({R.GM, R.ADM, R.SYS}, "process.publish_approval", "维护流程定义"),
    # process.monitoring: the GM, the SMs and the CS manager watch the processes
    "monitors_processes": _a({R.GM, R.SM, R.CSM}, "process.monitoring", "查看流程监控"),
    # process.evaluation_audit: the GM sees every process and verifies findings, decides suggestions and rewards
    "oversees_all_processes": _a({R.GM}, "process.evaluation_audit", "查看全部流程并核验整改、决定建议"),
    # --- customer service scopes and duties (issue 12 follow-up) ---
    # acl.team_scope: the SM sees the tickets, complaints and service jobs of their teams' customers
    "sees_team_service": _a({R.SM}, "acl.team_scope", "查看本团队客户的工单、投诉和服务单"),
    # acl.sp_scope: the SP sees the tickets, complaints and service jobs of their own customers
    "sees_own_customers_service": _a({R.SP}, "acl.sp_scope", "查看自己客户的工单、投诉和服务单"),
    # complaint.escalate_overdue, service.maintenance_renewal_1m: the CS manager (not the GM) receives overdue tickets and
    # complaints, contract renewals, and submits claims the system starts
    "runs_customer_service": _a({R.CSM}, "complaint.escalate_overdue", "接收超期工单、投诉和维保续约提醒"),
    # service.close_signature: finance reads the paid service jobs (A, B) it invoices
    "reads_paid_service_jobs": _a({R.FIN, R.FD}, "service.close_signature", "查看收费服务单（开票核对）"),
    # --- customers (SPEC §2, issue 11); row scope stays in yewu.customers.archive.selectors ---
    # acl.finance_scope / acl.cs_scope: these roles read every customer record (confidentiality still applies)
    "reads_all_customers": _a({R.GM, R.FIN, R.FD, R.CA, R.CS, R.CSM, R.CIA}, "acl.cs_scope", "查看全部客户"),
    # acl.team_scope: the SM sees and manages the customers of their teams and the pool
    "manages_team_customers": _a({R.SM}, "acl.team_scope", "管理本团队客户"),
    # acl.sp_scope: a salesperson owns customers (own records; the pool only as a summary)
    "owns_customers": _a({R.SP}, "acl.sp_scope", "负责客户"),
    # cust.web_lead_intake: the web promotion specialist sees only the leads they entered
    "enters_web_leads": _a({R.LS}, "cust.web_lead_intake", "录入网络线索"),
    # cust.manager_override, cust.manager_review, cust.demand_grade: the SM (own teams) and the GM manage customers
    "manages_customers": _a({R.SM, R.GM}, "cust.manager_override", "管理客户归属和审核客户档案"),
    # cust.manager_override: the GM acts on every team (cross-team transfers, every salesperson, every plan)
    "manages_all_teams": _a({R.GM}, "cust.manager_override", "跨团队管理客户"),
    # cust.web_lead_intake: the LS enters web leads; SM and GM see them too
    "works_web_leads": _a({R.LS, R.SM, R.GM}, "cust.web_lead_intake", "录入和查看网络线索"),
    # cust.web_lead_allocation: only the SM (or GM) allocates pool customers and web leads
    "allocates_leads": _a({R.SM, R.GM}, "cust.web_lead_allocation", "分配公海客户和网络线索"),
    # cust.first_to_file: who files customers
    "files_customers": _a({R.SP, R.SM, R.GM, R.LS}, "cust.first_to_file", "登记客户"),
    # cust.first_to_file: the customer list offers the filing form to salespeople and managers
    "files_customers_from_list": _a({R.SP, R.SM, R.GM}, "cust.first_to_file", "在客户列表登记客户"),
    # SPEC §6.1: a CS agent files a web lead from an ad-hoc order call (ticket type 临时下单)
    "files_leads_from_calls": _a({R.CS, R.CSM}, "cust.first_to_file", "从来电登记网络线索"),
    # cust.key_customer: key customers are set by the SM or the CS manager (the GM too)
    "sets_key_customers": _a({R.SM, R.CSM, R.GM}, "cust.key_customer", "设定重点客户"),
    # cust.archive_access_request: these roles may borrow confidential archives
    "borrows_archives": _a({R.SM, R.CSM, R.FD}, "cust.archive_access_request", "借阅保密客户档案"),
    # cust.archive_access_request: the custodians keep the 借阅卡
    "keeps_archive_cards": _a({R.CSM, R.CIA, R.GM}, "cust.archive_access_request", "保管借阅卡"),
    # cust.export_control: who may export 机密/绝密 customers
    "exports_confidential_customers": _a({R.SM, R.CSM, R.GM, R.FD}, "cust.export_control", "导出机密客户档案"),
    # acl.finance_scope: roles that may see credit on some customers (the rows are cut per customer)
    "sees_some_credit": _a({R.FIN, R.FD, R.GM, R.CSM, R.SM, R.SP}, "acl.finance_scope", "查看客户信用"),
    # acl.finance_scope: credit grade, limit and exposure of every customer
    "sees_all_credit": _a({R.FIN, R.FD, R.GM, R.CSM}, "acl.finance_scope", "查看全部客户的信用等级和额度"),
    # edit_denied_rule: which rule a read-only refusal names
    "reads_customers_for_finance": _a({R.FIN, R.FD, R.CA}, "acl.finance_scope", "按财务范围查看客户"),
    "reads_customers_for_service": _a({R.CS, R.CSM, R.CIA}, "acl.cs_scope", "按客服范围查看客户"),
    # credit.investigation_cadence: CS carry out credit investigations (the form has no grade or limit)
    "carries_out_investigations": _a({R.CS}, "credit.investigation_cadence", "执行信用调查"),
    # credit.investigation_cadence: who may investigate any customer
    "investigates_any_customer": _a({R.CS, R.CSM, R.SM, R.GM}, "credit.investigation_cadence", "调查任何客户的信用"),
    # credit.investigation_cadence: the GM's investigation counts as in person
    "investigates_in_person": _a({R.GM}, "credit.investigation_cadence", "实地信用调查"),
    # credit.grade_policy: FIN evaluates (FD may too)
    "evaluates_credit": _a({R.FIN, R.FD}, "credit.grade_policy", "信用评定"),
    # P06: the credit work list is for finance, service and managers
    "uses_credit_worklist": _a({R.FIN, R.FD, R.GM, R.CSM, R.CS, R.SM}, "acl.finance_scope", "使用信用工作台"),
    # cust.archive_quarterly_review: the CIA checks archive completeness
    "checks_archives": _a({R.CIA}, "cust.archive_quarterly_review", "检查客户档案完整性"),
    # cust.monthly_info_report: salespeople submit the monthly customer information report
    "submits_info_reports": _a({R.SP}, "cust.monthly_info_report", "提交客户信息报告"),
    # cust.monthly_info_report: these read every salesperson's report
    "reads_all_info_reports": _a({R.GM, R.CSM, R.CIA}, "cust.monthly_info_report", "查看全部客户信息报告"),
    # cust.monthly_info_report: the upkeep page (reports, missing reports, incomplete archives)
    "sees_upkeep": _a({R.SM, R.GM, R.CIA, R.CSM}, "cust.monthly_info_report", "查看客户档案维护"),
    # visit.plan_approval: salespeople (and SMs) write visit plans (客户走访单)
    "writes_visit_plans": _a({R.SP, R.SM}, "visit.plan_approval", "填写客户走访单"),
    # visit.plan_approval: the team's SM approves visit plans
    "approves_visit_plans": _a({R.SM}, "visit.plan_approval", "审批客户走访单"),
    # visit.plan_approval: administration sees approved plans (attendance)
    "sees_approved_visit_plans": _a({R.ADM}, "visit.plan_approval", "查看已批准的走访单"),
    # visit.minutes_2wd: an SM or the GM may accompany a visit, review minutes and see overdue minutes
    "accompanies_visits": _a({R.SM, R.GM}, "visit.minutes_2wd", "陪同拜访和审阅拜访纪要"),
    # cust.archive_access_request: 机密/绝密 archives are lent only to manager rank or above
    "requests_confidential_archives": _a({R.SM, R.CSM, R.FD, R.GM}, "cust.archive_access_request", "申请借阅机密客户档案"),
    # ticket.first_response_1wd: the CS manager's desk lists every open ticket (an agent: own and unassigned)
    "sees_all_open_tickets": _a({R.CSM}, "ticket.first_response_1wd", "查看全部待处理工单"),
    # --- money: finance, treasury, commissions, reports (issue 11) ---
    # acl.finance_scope: FIN, FD, CA and the GM read every money record (receipts, receivables, invoices, cash,
    # payment documents); acl.team_scope: an SM those of the team's customers; acl.sp_scope: an SP their own
    "sees_all_money": _a({R.FIN, R.FD, R.CA, R.GM}, "acl.finance_scope", "查看全部资金记录"),
    "sees_team_money": _a({R.SM}, "acl.team_scope", "查看本团队客户的资金记录"),
    "sees_own_money": _a({R.SP}, "acl.sp_scope", "查看自己客户的资金记录"),
    # sod.receipt_recorder: receipts (回款) and order payments are recorded by finance or the cashier
    "records_receipts": _a({R.FIN, R.CA}, "sod.receipt_recorder", "登记回款"),
    # receipt.allocation: allocating a receipt by hand is finance's
    "allocates_receipts_by_hand": _a({R.FIN}, "receipt.allocation", "手工分配回款"),
    # invoice.flow: who asks for an invoice at all; FIN and the GM for any customer, the SM for the team's
    # customers, the SP for own customers
    "requests_invoices": _a({R.SP, R.SM, R.FIN, R.GM}, "invoice.flow", "申请开票"),
    "requests_any_invoice": _a({R.FIN, R.GM}, "invoice.flow", "为任何客户申请开票"),
    "requests_team_invoices": _a({R.SM}, "invoice.flow", "为本团队客户申请开票"),
    "requests_own_invoices": _a({R.SP}, "invoice.flow", "为自己的客户申请开票"),
    # invoice.flow: finance issues invoices, red-reverses them and records any customer's signed receipt
    "issues_invoices": _a({R.FIN}, "invoice.flow", "开具、红冲发票和登记签收"),
    # ar.bad_debt: who proposes writing off a debt — FIN any order, the SM the team's, the SP own
    "proposes_write_offs": _a({R.SP, R.SM, R.FIN}, "ar.bad_debt", "提出坏账核销"),
    "writes_off_any_debt": _a({R.FIN}, "ar.bad_debt", "为任何订单提出坏账核销"),
    "writes_off_team_debt": _a({R.SM}, "ar.bad_debt", "为本团队订单提出坏账核销"),
    "writes_off_own_debt": _a({R.SP}, "ar.bad_debt", "为自己的订单提出坏账核销"),
    # ar.deferral: salespeople and their managers ask to defer a payment; only the customer's team SM decides
    "requests_deferrals": _a({R.SP, R.SM}, "ar.deferral", "申请推迟付款"),
    "decides_deferrals": _a({R.SM}, "ar.deferral", "决定推迟付款申请"),
    # ar.reconcile_semiannual: besides the customer's owner, FIN, the SM and the GM record a reconciliation
    "records_any_reconciliation": _a({R.FIN, R.SM, R.GM}, "ar.reconcile_semiannual", "登记客户对账结果"),
    # ar.collection_task: the SM sees the team's 30-days-overdue list, the GM every team's
    "sees_collection_list": _a({R.SM, R.GM}, "ar.collection_task", "查看逾期催收清单"),
    "sees_all_collection_lists": _a({R.GM}, "ar.collection_task", "查看全部团队的逾期催收清单"),
    # cash.daily_count: the cashier keeps the cash journal, counts cash, pays approved documents, settles advances
    "keeps_cash": _a({R.CA}, "cash.daily_count", "登记现金日记账、盘点、付款和结清借支"),
    # bank.monthly_reconciliation: the cashier or finance red-reverses journal entries and draws up bank
    # reconciliations
    "keeps_cash_books": _a({R.CA, R.FIN, R.FD}, "bank.monthly_reconciliation", "红冲日记账和编制银行存款余额调节表"),
    # sod.count_witness: finance or the FD witnesses the monthly cash count
    "witnesses_cash_counts": _a({R.FD, R.FIN}, "sod.count_witness", "监盘签字"),
    # sod.approver_not_payer / pay.approval_chain: finance (主管岗) reviews vouchers and voids documents and advances
    # of others (paid ones by red reversal)
    "reviews_vouchers": _a({R.FIN, R.FD}, "sod.approver_not_payer", "审核凭证"),
    "voids_payment_docs": _a({R.FIN, R.FD}, "pay.approval_chain", "作废付款单据和借支"),
    # commission.statement: FIN, FD and the GM see every commission statement and export payroll; an SM the team's,
    # an SP their own; FIN (or the GM) prepares any statement, an SM the team's
    "sees_all_commissions": _a({R.FIN, R.FD, R.GM}, "commission.statement", "查看全部提成表"),
    "sees_team_commissions": _a({R.SM}, "commission.statement", "查看本团队的提成表"),
    "sees_own_commissions": _a({R.SP}, "commission.statement", "查看自己的提成表"),
    "prepares_any_commission": _a({R.FIN, R.GM}, "commission.statement", "编制任何业务员的提成表"),
    "prepares_team_commissions": _a({R.SM}, "commission.statement", "编制本团队的提成表"),
    "exports_payroll": _a({R.FIN, R.FD, R.GM}, "commission.statement", "导出工资"),
    # acl.team_scope: sales reports — GM and finance see every salesperson, an SM their teams and self
    "sees_all_sales_reports": _a({R.GM, R.FIN, R.FD}, "acl.finance_scope", "查看全部业务员的销售报表"),
    "sees_team_sales_reports": _a({R.SM}, "acl.team_scope", "查看本团队的销售报表"),
    # who is told (notifications): ar.deferral — a deferral needing a credit review goes to finance
    "reviews_credit": _a({R.FIN}, "ar.deferral", "复查客户信用"),
    # return.flow: finance hears of money overpaid after a return (moved to the customer's balance)
    "hears_overpaid_returns": _a({R.FIN}, "return.flow", "接收退货多收款通知"),
    # ar.reconcile_semiannual: finance chases overdue reconciliations
    "chases_reconciliations": _a({R.FIN}, "ar.reconcile_semiannual", "跟进逾期对账"),
    # ar.collection_task / ar.reconcile_semiannual: with no team manager, the GM hears of a salesperson's overdue
    # debts and reconciliations
    "hears_unmanaged_escalations": _a({R.GM}, "ar.collection_task", "接收无团队经理时的催收和对账上报"),
    # sod.count_witness: the FD is asked to witness the monthly cash count
    "hears_cash_counts": _a({R.FD}, "sod.count_witness", "接收月末现金盘点监盘通知"),
    # cash.advance_max_3000: the FD and finance get the list of overdue advances
    "hears_overdue_advances": _a({R.FD, R.FIN}, "cash.advance_max_3000", "接收借支逾期清单"),
    # --- orders, shipping, returns, contracts (SPEC §5, issue 11) ---
    # acl.sp_scope: salespeople, their managers and the GM place orders (an SP only for their own customers)
    "places_orders": _a({R.SP, R.SM, R.GM}, "acl.sp_scope", "下单"),
    # acl.team_scope: a manager (and the GM) acts on any visible order, not only the ones they created or sell
    "handles_team_orders": _a({R.SM, R.GM}, "acl.team_scope", "处理团队业务员的订单"),
    # acl.finance_scope / acl.cs_scope: finance, the cashier, CS and the GM see every order
    "sees_all_orders": _a({R.FIN, R.FD, R.CA, R.GM, R.CS, R.CSM}, "acl.finance_scope", "查看全部订单"),
    # acl.ops_scope: the warehouse sees the orders released for shipping, production those with custom lines,
    # QC those with returns
    "sees_released_orders": _a({R.WH}, "acl.ops_scope", "查看已放行发货的订单"),
    "sees_custom_orders": _a({R.PROD}, "acl.ops_scope", "查看含定制品的订单"),
    "sees_returned_orders": _a({R.QC}, "acl.ops_scope", "查看有退货的订单"),
    # acl.team_scope: the GM's late-order list covers every team (the SM's only their own)
    "sees_every_team_orders": _a({R.GM}, "acl.team_scope", "查看所有团队的订单"),
    # delivery.custom_production: production (only) enters a custom line's ship date
    "enters_custom_ship_dates": _a({R.PROD}, "delivery.custom_production", "录入定制产品交期"),
    # settle.*: finance and the cashier record an order's receipt from the order page
    "records_order_receipts": _a({R.FIN, R.CA}, "acl.finance_scope", "登记订单回款"),
    # ship.release_check: the warehouse ships (the SM and the GM may too)
    "ships_orders": _a({R.WH, R.SM, R.GM}, "ship.release_check", "办理发货"),
    # ship.goods_issue_note: the signed delivery copy is recorded by the warehouse, sales or CS
    "records_deliveries": _a({R.WH, R.SP, R.SM, R.CS, R.GM}, "ship.goods_issue_note", "登记签收回单"),
    # return.flow: SP applies → SM confirms → QC inspects → SM approves (GM after 30 days) → WH receives → FIN credits
    "applies_returns": _a({R.SP, R.SM, R.GM}, "return.flow", "提出退货申请"),
    "confirms_returns": _a({R.SM}, "return.flow", "确认和批准退货申请"),
    "inspects_returns": _a({R.QC}, "return.flow", "质检退货"),
    "approves_late_returns": _a({R.GM}, "return.flow", "批准送达 30 天后的退货"),
    "receives_returns": _a({R.WH}, "return.flow", "退货收货入库"),
    "reverses_return_receipts": _a({R.WH, R.FIN}, "return.flow", "撤销退货收货"),
    "credits_returns": _a({R.FIN}, "return.flow", "开具红字发票/贷项"),
    # contract.filing_1wd / contract.register_monthly: CS keeps, files and registers contract originals
    "files_contracts": _a({R.CS, R.CSM}, "contract.filing_1wd", "保管归档合同原件"),
    # contract.filing_1wd: the CS manager hears of late filings and overdue take-outs
    "supervises_contract_filing": _a({R.CSM}, "contract.filing_1wd", "接收合同归档和借出逾期提醒"),
    # contract.dispute: disputes are recorded by the order's SP, the SM, CS or the GM; the GM handles any
    "records_contract_disputes": _a({R.SM, R.GM, R.CS, R.CSM}, "contract.dispute", "登记合同纠纷"),
    "handles_any_contract_dispute": _a({R.GM}, "contract.dispute", "处理任何合同纠纷"),
    # the order page links to the quote (readers of quotes) and to the receipt (readers of receipts)
    "sees_order_quote_link": _a({R.SP, R.SM, R.GM, R.FIN, R.FD}, "acl.sp_scope", "查看订单的报价单"),
    "sees_receipts": _a({R.FIN, R.FD, R.CA, R.GM}, "acl.finance_scope", "查看回款单"),
    # acl.team_scope: a team without a manager has the GM hear what its manager would (late dates, new returns)
    "stands_in_for_team_manager": _a({R.GM}, "acl.team_scope", "代行无经理团队的经理职责"),
    # price.guide: a quote written by a salesperson is theirs; a manager's quote belongs to the customer's owner
    "keeps_own_quotes": _a({R.SP}, "price.guide", "以本人名义报价"),
    # price.finance_guide: new and overdue price requests are told to Finance (the FD answers too, untold)
    "is_told_of_price_requests": _a({R.FIN}, "price.finance_guide", "接收价格申请提醒"),
    # process.monitoring: the SM watches their teams' instances, the CS manager the service processes
    "monitors_team_processes": _a({R.SM}, "process.monitoring", "查看本团队的流程监控"),
    "monitors_service_processes": _a({R.CSM}, "process.monitoring", "查看客服流程监控"),
    # acl.team_scope: sales managers lead teams (Team.manager); their team scope comes from yewu.org.selectors
    "leads_teams": _a({R.SM}, "acl.team_scope", "管理销售团队"),
    # issue 11, nav 客户 › 走访单 (/visit-plans/, visit.plan_approval): writers, accompanying managers and the
    # office (approved plans) open the page
    "opens_visit_plans": _a({R.SP, R.SM, R.GM, R.ADM}, "visit.plan_approval", "打开客户走访单"),
    # issue 11, nav 客户 › 档案维护 (/upkeep/, cust.monthly_info_report)
    "opens_upkeep": _a({R.SP, R.SM, R.GM}, "cust.monthly_info_report", "打开客户档案维护"),
    # issue 11, nav 销售 › 报价 and tile 报价单 (/sales/quotes/, price.guide): own, team and all quotes
    "opens_quotes": _a({R.SP, R.SM, R.GM, R.FIN, R.FD}, "price.guide", "查看报价单"),
    # issue 11, nav 销售 › 合同 (/orders/contracts/, contract.filing_1wd)
    "opens_contracts": _a({R.CS, R.CSM, R.SM, R.GM, R.SP}, "contract.filing_1wd", "查看合同"),
    # issue 11, nav 财务 › 回款/开票/应收账款/提成 (/finance/..., /performance/commission/, acl.finance_scope):
    # all, team and own money records
    "opens_finance": _a({R.FIN, R.FD, R.CA, R.GM, R.SM, R.SP}, "acl.finance_scope", "查看回款、开票、应收和提成"),
    # issue 11, nav 管理 › 流程 (/processes/, process.monitoring): maintainers and monitors (as the nav showed it)
    "opens_processes": _a({R.GM, R.SM, R.CSM, R.ADM}, "process.monitoring", "查看流程"),
    # acl.team_scope (salesmgmt): the GM manages every team's salespeople (targets, tables, coaching) like their SM
    "manages_every_team": _a({R.GM}, "acl.team_scope", "管理所有团队的业务员"),
    # acl.sp_scope (route.visit_8_steps): the SM and the GM may record a route visit at a customer they do not own
    "visits_others_customers": _a({R.SM, R.GM}, "acl.sp_scope", "拜访他人负责的客户"),
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
