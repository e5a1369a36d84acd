"""The complaint's paper forms from live data (SPEC §6.2, §9.1 P1), each as PDF and Excel:
客户投诉记录表 (`complaint.intake`), 投诉调查表 (the finding and the solutions investigated), 投诉传递单
(`complaint.dispatch_same_day` / `complaint.solution_3wd`), 客户意见表 (`complaint.customer_consult`) and
客户投诉处理表 (the whole handling on one sheet). Money (claims, solution costs) also in 人民币大写."""

from __future__ import annotations

from django.utils import timezone

from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import service as rules

from ..models import Complaint
from .sheet import Section, Sheet, amount, t

KINDS = {"record": "客户投诉记录表", "investigation": "投诉调查表", "transfer": "投诉传递单", "opinion": "客户意见表",
         "handling": "客户投诉处理表"}


def _customer(c: Complaint) -> str:
    if c.customer_id:
        return c.customer.name
    return (c.ticket.caller_name if c.ticket_id else "") or "未建档客户"


def _record(c: Complaint) -> Section:
    tk = c.ticket
    pairs = [("客户", _customer(c)), ("来电人/电话", f"{tk.caller_name} {tk.caller_phone}".strip() if tk else ""),
             ("渠道", c.get_channel_display()), ("收到时间", t(c.received_at)),
             ("投诉类别", c.get_category_display()), ("重大投诉", "是" if c.major else "否"),
             ("投诉内容", c.content), ("已商讨的解决办法", c.solutions_discussed or "无"),
             ("承诺解决时间", t(c.promised_resolution_at) or "—"),
             ("实质答复期限", f"{t(c.reply_due_at)}（complaint.reply_5wd）"),
             ("受理人", (c.created_by.name if c.created_by_id else "网页自助")), ("工单号", tk.number if tk else "")]
    if c.is_claim:
        pairs += [("索赔金额", amount(c.claim_amount)), ("索赔材料", c.claim_materials or "—"),
                  ("业务经理审核", {"pending": "审核中", "approved": "已通过", "rejected": "未通过"}.get(c.claim_state, "—")
                   + "（claim.manager_review）")]
    return Section("客户投诉记录", pairs)


def _solutions(c: Complaint) -> Section:
    rows = [[f"第{s.round}轮", s.text + ("　★已选定" if s.pk == c.selected_solution_id else ""), amount(s.cost)
             if s.cost is not None else "—", s.responsible or "—", s.proposed_by.name, t(s.proposed_at)]
            for s in c.solutions.select_related("proposed_by")]
    return Section("解决方案", head=["轮次", "方案", "费用", "责任人", "提出人", "提出时间"], rows=rows,
                   widths=[14, 58, 36, 20, 20, 30], empty="尚未提出方案")


def _investigation(c: Complaint) -> list[Section]:
    verdict = {"unfounded": "不成立（已答复并结案）"}.get(c.outcome) or ("成立" if c.judged_at else "待判定")
    return [Section("调查与判定", [
        ("判定结果", verdict), ("判定人", c.judged_by.name if c.judged_by_id else ""),
        ("判定时间", t(c.judged_at)), ("责任部门", c.department.name if c.department_id else "—"),
        ("调查意见", c.finding or "—"), ("原因", c.cause or "—"),
        ("重开次数", str(c.reopens)), ("客户不同意次数", str(c.rejections))]), _solutions(c)]


def _transfer(c: Complaint) -> Section:
    sol_due = rules.solution_due(c.dispatched_at, get_calendar(), get_policy()).due_at if c.dispatched_at else None
    holder = c.leader.name if c.leader_id else ""
    return Section("投诉传递", [
        ("传递人（客服）", c.judged_by.name if c.judged_by_id else ""), ("传递时间", t(c.dispatched_at)),
        ("责任部门", c.department.name if c.department_id else "—"), ("部门负责人", holder),
        ("当日转交期限", f"{t(rules.dispatch_due(c.judged_at).due_at) if c.judged_at else '—'}（complaint.dispatch_same_day）"),
        ("方案答复期限", f"{t(sol_due) or '—'}（3 个工作日，complaint.solution_3wd）"),
        ("选定方案", "总经理" if c.major else "部门经理"), ("当前步骤", c.get_step_display()),
        ("投诉内容", c.content), ("判定意见", c.finding or "—")])


def _opinion(c: Complaint) -> Section:
    rows = [[t(x.at), x.solution.text, "同意" if x.agrees else "不同意", x.opinion, x.recorded_by.name]
            for x in c.consultations.select_related("solution", "recorded_by")]
    return Section("客户意见", head=["时间", "征求意见的方案", "客户意见", "客户说明", "记录人"], rows=rows,
                   widths=[30, 58, 18, 50, 22], empty="尚未征求客户意见")


def _visits(c: Complaint) -> Section:
    rows = [[t(v.visited_at), v.get_channel_display(), v.contact, v.get_satisfaction_display(), v.opinion,
             v.recorded_by.name] for v in c.visits.select_related("recorded_by")]
    lo, hi = rules.followups_required(c.category)
    return Section(f"回访（本类须 {lo}{'–' + str(hi) if hi else ' 次以上'}，complaint.followups_by_type）",
                   head=["时间", "方式", "联系人", "满意度", "客户意见", "回访人"], rows=rows,
                   widths=[30, 18, 22, 20, 66, 22], empty="尚未回访")


def sheet(c: Complaint, kind: str) -> Sheet:
    """The complaint's form ``kind`` (a key of :data:`KINDS`)."""
    title = KINDS[kind]
    if kind == "record":
        sections, signs = [_record(c)], ["客户签字", "受理人"]
    elif kind == "investigation":
        sections, signs = [Section("投诉", [("客户", _customer(c)), ("投诉类别", c.get_category_display()),
                                            ("收到时间", t(c.received_at)), ("投诉内容", c.content)]),
                           *_investigation(c)], ["调查人", "部门负责人"]
    elif kind == "transfer":
        sections, signs = [_transfer(c)], ["传递人", "部门负责人签收"]
    elif kind == "opinion":
        sel = c.selected_solution
        sections = [Section("方案", [("客户", _customer(c)), ("投诉编号", c.number),
                                     ("选定方案", sel.text if sel else "—"),
                                     ("方案费用", amount(sel.cost) if sel and sel.cost is not None else "—"),
                                     ("选定人", c.selected_by.name if c.selected_by_id else ""),
                                     ("选定时间", t(c.selected_at))]), _opinion(c)]
        signs = ["客户签字", "客服"]
    elif kind == "handling":
        sections = [_record(c), *_investigation(c), _transfer(c), _opinion(c), _visits(c),
                    Section("结案", [("状态", c.get_step_display()), ("结果", {"unfounded": "投诉不成立", "resolved": "已解决"}
                                                                       .get(c.outcome, "处理中")),
                                     ("结案时间", t(c.closed_at) or "未结案"),
                                     ("结案人", c.closed_by.name if c.closed_by_id else "")])]
        signs = ["客服经理", "总经理" if c.major else "部门负责人"]
    else:
        raise KeyError(kind)
    return Sheet(title, c.number, timezone.localdate(c.received_at), sections, "投诉编号", signs,
                 filename=f"{c.number}-{kind}")
