"""P1 forms of SPEC §9.1 added with credit, archive access, visits and upkeep: 客户信用调查表, 客户信用评等表,
借阅卡, 客户走访单, 会谈纪要, 客户信息报告. Built as :class:`~.exports.FormDoc` from records the caller has
already checked access to; rendered to PDF by ``forms_pdf`` and to Excel by ``exports``."""

from __future__ import annotations

from django.utils import timezone

from yewu.customers.documents.archive import fmt_dt, meta_lines, money_text
from yewu.customers.documents.xlsx import FormDoc, Section, Table
from yewu.customers.models import (
    AccessRequest,
    CreditInvestigation,
    CreditRating,
    Customer,
    InfoReport,
    Minutes,
    VisitPlan,
)
from yewu.org.models import Role, User
from yewu.policy import credit as rules

ROLE_LABELS = dict(Role.choices)


def _owner(c: Customer) -> str:
    return c.owner.name if c.owner_id else "公海（未分配）"


def investigation_doc(user: User, c: Customer, inv: CreditInvestigation) -> FormDoc:
    return FormDoc(
        title="客户信用调查表", subtitle=f"{c.name}（编号 {c.pk}）　{inv.get_kind_display()}", meta=meta_lines(user),
        marking=c.get_confidentiality_display(),
        sections=[
            Section("一、客户基本情况", [
                ("客户名称", c.name), ("统一社会信用代码", c.credit_code or ""), ("负责人", _owner(c)),
                ("注册地址", c.registered_address), ("法定代表人", inv.legal_person),
                ("注册资本", money_text(inv.registered_capital) if inv.registered_capital is not None else ""),
                ("经营年限", f"{inv.years_in_business} 年" if inv.years_in_business is not None else ""),
                ("员工人数", inv.employees if inv.employees is not None else ""),
                ("年销售额", money_text(inv.annual_sales) if inv.annual_sales is not None else ""),
                ("经营场所", inv.premises), ("开户银行及账号", inv.bank), ("主要供应商", inv.main_suppliers)]),
            Section("二、调查内容", [
                ("付款记录", inv.payment_record), ("纠纷、诉讼", inv.disputes), ("经营状况", inv.business_status),
                ("调查结论", inv.conclusion)]),
            Section("三、调查情况", [
                ("调查人", inv.investigator.name if inv.investigator_id else ""),
                ("业务经理亲自调查", "是" if inv.in_person else "否"), ("调查日期", inv.investigated_on or ""),
                ("状态", inv.get_state_display()), ("提交时间", fmt_dt(inv.submitted_at))],
                note="调查由客服进行，财务评定；重要客户（A 级或额度超过 50,000 元）由业务经理亲自调查"
                     "（credit.investigation_cadence）。"),
        ],
        signatures=["调查人", "财务评定", "业务经理"],
        footer="本表由系统按实时数据生成；打印已记入审计日志（cust.export_control）。",
    )


def rating_doc(user: User, c: Customer, r: CreditRating, steps: list) -> FormDoc:
    rows = [[label, hi, r.scores.get(code, "")] for code, (label, hi) in rules.CRITERIA.items()]
    rows.append(["合计", 100, r.total])
    prev = r.previous or {}
    chain = [[ROLE_LABELS.get(s.role, s.role), s.get_state_display(), s.decided_by.name if s.decided_by_id else "",
              fmt_dt(s.decided_at), s.comment] for s in steps]
    return FormDoc(
        title="客户信用评等表", subtitle=f"{c.name}（编号 {c.pk}）", meta=meta_lines(user), marking=c.get_confidentiality_display(),
        sections=[
            Section("一、评分", table=Table(["评定项目", "满分", "得分"], rows, [60, 15, 15])),
            Section("二、评定结果", [
                ("建议等级", f"{r.suggested_grade}（A ≥ 85，B ≥ 70，C ≥ 55，其余 D）"), ("评定等级", r.grade),
                ("信用额度", money_text(r.credit_limit)), ("账期", f"{r.term_days} 天"),
                ("近6个月月均销售额", money_text(r.avg_monthly_sales)),
                ("原等级/额度/账期", f"{prev.get('credit_grade') or '未评级'} / {prev.get('credit_limit', '0.00')} / "
                                   f"{prev.get('term_days', 0)} 天"),
                ("评定人", r.evaluator.name), ("评定时间", fmt_dt(r.created_at)), ("评定意见", r.note),
                ("状态", r.get_state_display())]),
            Section("三、规则判定", table=Table(["规则", "说明"], [[x.get("rule", ""), x.get("message", "")] for x in r.reasons],
                                             [25, 75])),
            Section("四、授信额度管理小组审批", table=Table(["角色", "结果", "审批人", "时间", "意见"], chain, [15, 12, 15, 20, 38],
                                                     empty_text="未提交审批"),
                    note="授信额度管理小组：财务总监＋业务经理；额度超过 50,000 元加总经理（credit.limit_grant）。"),
        ],
        footer="信用等级、额度仅财务、总经理、客服经理、负责人及其经理可见（acl.finance_scope）；打印已记入审计日志。",
    )


def borrow_card_doc(user: User, c: Customer, grants: list[AccessRequest], reads: list) -> FormDoc:
    g_rows = [[fmt_dt(a.created_at), a.requester.name, a.purpose, f"{a.working_days} 个工作日", a.get_state_display(),
               fmt_dt(a.valid_until)] for a in grants]
    r_rows = [[fmt_dt(e.at), e.actor_name, "查阅" if e.action == "read" else "导出/打印", e.reason] for e in reads]
    return FormDoc(
        title="借阅卡", subtitle=f"{c.name}（编号 {c.pk}）　密级：{c.get_confidentiality_display()}", meta=meta_lines(user),
        marking=c.get_confidentiality_display(), landscape=True,
        sections=[
            Section("一、借阅申请与授权", table=Table(["申请时间", "借阅人", "借阅目的", "期限", "状态", "借阅至"], g_rows,
                                               [16, 10, 36, 12, 10, 16], empty_text="暂无借阅")),
            Section("二、机密/绝密档案查阅与导出记录", table=Table(["时间", "人员", "类型", "说明"], r_rows, [18, 12, 12, 58],
                                                     empty_text="暂无记录")),
        ],
        footer="cust.archive_access_request：部门经理批准、客服经理授权（绝密由总经理授权），≤ 5 个工作日；"
               "每次机密/绝密完整档案查阅均记入本卡。",
    )


def visit_plan_doc(user: User, p: VisitPlan) -> FormDoc:
    rows = [[c.name, c.city, c.delivery_address or c.registered_address] for c in p.customers.all()]
    return FormDoc(
        title="客户走访单", subtitle=f"{p.user.name}　{timezone.localtime(p.starts_at):%Y-%m-%d %H:%M} 至 "
                                f"{timezone.localtime(p.ends_at):%Y-%m-%d %H:%M}", meta=meta_lines(user),
        sections=[
            Section("一、走访客户", table=Table(["客户", "城市", "地址"], rows, [35, 10, 55])),
            Section("二、目的与计划", [("走访目的", p.objectives), ("走访计划", p.plan)]),
            Section("三、审批", [("状态", p.get_state_display()), ("批准时间", fmt_dt(p.approved_at)),
                              ("出发后才批准", "是（本单下的拜访记为无走访单）" if p.approved_late else "否")],
                    note="走访单须在出发前经业务经理批准，批准后行政部可见（visit.plan_approval）。"),
        ],
        signatures=["业务员", "业务经理批准", "行政部"],
    )


def minutes_doc(user: User, m: Minutes) -> FormDoc:
    v = m.visit
    return FormDoc(
        title="会谈纪要", subtitle=f"{v.customer.name}　{timezone.localtime(v.at):%Y-%m-%d %H:%M}", meta=meta_lines(user),
        marking=v.customer.get_confidentiality_display(),
        sections=[
            Section("一、会谈", [("客户", v.customer.name), ("会谈时间", fmt_dt(v.at)), ("接洽人", v.contacts_met),
                              ("参加人员", m.attendees), ("记录人", m.note_taker), ("撰写人", m.author.name)]),
            Section("二、内容", [("会谈内容", m.content), ("达成事项", m.agreements)]),
            Section("三、流转", [("应提交时间", fmt_dt(m.due_at)), ("提交时间", fmt_dt(m.written_at) + ("（逾期）" if m.late else "")),
                              ("经理审阅", f"{m.reviewed_by.name if m.reviewed_by_id else ''} {fmt_dt(m.reviewed_at)} {m.review_note}"),
                              ("状态", m.get_state_display()), ("发送客户", fmt_dt(m.sent_at)),
                              ("客户确认回执", fmt_dt(m.confirmed_at))],
                    note="会谈后 2 个工作日内撰写纪要，经理审阅后发送客户并确认回执（visit.minutes_2wd）。"),
        ],
        signatures=["撰写人", "业务经理审阅", "客户确认"],
    )


def info_report_doc(user: User, r: InfoReport) -> FormDoc:
    return FormDoc(
        title="客户信息报告", subtitle=f"{r.user.name}　{r.month:%Y年%m月}", meta=meta_lines(user),
        sections=[Section("报告", [("业务员", r.user.name), ("月份", f"{r.month:%Y-%m}"),
                                   ("提交时间", fmt_dt(r.submitted_at) + ("（逾期）" if r.late else "")),
                                   ("客户变动情况", r.changes), ("竞争环境", r.competition), ("其他", r.other)],
                          note="每月1–7日提交（cust.monthly_info_report）。")],
        signatures=["业务员", "业务经理"],
    )
