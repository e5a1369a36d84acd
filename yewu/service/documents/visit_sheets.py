"""Return-visit and field-service paper forms from live data (SPEC §6.3, §6.4, §9), each as PDF and Excel:
回访记录表 (`revisit.record_complete`), 回访总结报告 (`revisit.key_customers_100pct`), 客户满意度调查表
(`service.survey_100pct`, the four technician items), 服务凭证 (`service.close_signature`, with the signature and
the fee in 人民币大写) and the monthly technician table."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date

from django.utils import timezone

from yewu.policy import service as rules

from ..models import Campaign, ReturnVisit, ServiceJob
from .sheet import Section, Sheet, amount, t

LEVELS = {4: "很好", 3: "好", 2: "一般", 1: "差"}


def visit_record(v: ReturnVisit) -> Sheet:
    about = []
    if v.complaint_id:
        about.append(f"投诉 {v.complaint.number}")
    if v.campaign_id:
        about.append(f"回访活动 {v.campaign.name}")
    if v.job_id:
        about.append(f"服务单 {v.job.number}")
    pairs = [("客户", v.customer.name if v.customer_id else ""), ("联系人", v.contact),
             ("回访方式", v.get_channel_display()), ("回访时间", t(v.visited_at)),
             ("满意度", v.get_satisfaction_display()), ("关联", "、".join(about) or "日常回访"),
             ("客户意见", v.opinion), ("评价", v.evaluation or "—"), ("建议", v.suggestions or "—"),
             ("需求", v.needs or "—"), ("跟进", v.followup or "—"),
             ("改进责任部门", v.improvement_department.name if v.improvement_department_id else "—"),
             ("回访人", v.recorded_by.name), ("提示", "；".join(w.get("message", "") for w in v.warnings) or "无")]
    return Sheet("回访记录表", f"HF-{v.pk:05d}", timezone.localdate(v.visited_at), [Section("回访记录", pairs)],
                 "记录号", ["回访人", "客服经理"], filename=f"return-visit-{v.pk}")


def campaign_report(camp: Campaign, members: list) -> Sheet:
    """回访总结报告: coverage KPI, satisfaction spread, dissatisfied results and their improvement departments, every
    key customer's line. ``members`` = :func:`yewu.service.revisits.selectors.campaign_members`."""
    visits = list(camp.visits.select_related("customer", "improvement_department").order_by("visited_at"))
    latest = {v.customer_id: v for v in visits}
    d = rules.check_campaign_close(members)
    spread = Counter(v.satisfaction for v in latest.values())
    signed = sum(1 for m in members if not m.has_record and m.csm_signed_off)
    head = [("活动", camp.name), ("期间", f"{camp.starts_on} 至 {camp.ends_on}"),
            ("重点客户数", str(len(members))), ("已回访", str(sum(1 for m in members if m.has_record))),
            ("回访覆盖率（KPI，目标 100%）", f"{d.data['kpi']}%"), ("3 次未接通经签认", str(signed)),
            ("状态", f"已结束 {t(camp.closed_at)}（{camp.closed_by.name}）" if camp.closed_at else
             ("可以结束" if d.allowed else d.message())),
            ("满意度分布", "，".join(f"{label} {spread.get(k, 0)}" for k, label in rules.SATISFACTION.items()))]
    rows = []
    for m in members:
        v = latest.get(m.customer_id)
        rows.append([m.name, v.get_satisfaction_display() if v else "—", t(v.visited_at) if v else "",
                     v.opinion if v else "", str(m.failed_attempts), "是" if m.csm_signed_off else ""])
    bad = [[v.customer.name, v.get_satisfaction_display(), v.opinion,
            v.improvement_department.name if v.improvement_department_id else "—"]
           for v in latest.values() if v.satisfaction not in rules.SATISFIED]
    sections = [Section("概况（revisit.key_customers_100pct）", head),
                Section("逐户情况", head=["客户", "满意度", "回访时间", "客户意见", "未接通", "经理签认"], rows=rows,
                        widths=[40, 20, 28, 56, 16, 18], empty="没有重点客户"),
                Section("不满意及改进措施", head=["客户", "满意度", "意见", "改进责任部门"], rows=bad,
                        widths=[40, 22, 80, 36], empty="没有不满意的结果"),
                Section("总结", [("回访总结", camp.summary or "（结束活动时填写）")])]
    return Sheet("回访总结报告", f"HD-{camp.pk:04d}", camp.ends_on, sections, "活动号", ["客服经理", "总经理"],
                 filename=f"campaign-{camp.pk}-report")


def satisfaction_survey(j: ServiceJob) -> Sheet:
    """客户满意度调查表 of one caller: the four technician items (4 levels each) and the result, if recorded."""
    s = getattr(j, "survey", None)
    ratings = (s.ratings if s else {}) or {}
    rows = [[label] + ["√" if ratings.get(k) == n else "" for n in LEVELS] for k, label in rules.SURVEY_ITEMS.items()]
    pairs = [("客户", j.customer.name if j.customer_id else ""), ("服务单", j.number),
             ("服务类别", j.get_category_display()), ("技术员", j.technician.name if j.technician_id else ""),
             ("报修时间", t(j.registered_at)), ("应调查日", f"{s.due_on if s else '—'}（次一工作日，service.survey_100pct）"),
             ("调查时间", t(s.done_at) if s and s.done_at else "未调查"),
             ("调查人", s.recorded_by.name if s and s.recorded_by_id else "")]
    avg = f"{sum(ratings.values()) / len(ratings):.2f}" if ratings else "—"
    sections = [Section("服务信息", pairs),
                Section("技术员评价（请在相应等级打 √）", head=["项目", *LEVELS.values()], rows=rows, widths=[58, 30, 30, 30, 30]),
                Section("", [("平均分（4 分制）", avg)])]
    return Sheet("客户满意度调查表", j.number, s.due_on if s else timezone.localdate(j.registered_at), sections, "服务单号",
                 ["客户签字", "调查人"], filename=f"{j.number}-survey")


def voucher(j: ServiceJob) -> Sheet:
    """服务凭证 with the customer's signature (drawn on the phone or the photo of the paper voucher)."""
    checks = j.carry_in_checks or {}
    pairs = [("客户", j.customer.name if j.customer_id else ""), ("类别", j.get_category_display()),
             ("地址", f"{j.district} {j.address}".strip()), ("技术员", j.technician.name if j.technician_id else ""),
             ("报修时间", t(j.registered_at)), ("到达期限", t(j.arrival_due_at)),
             ("到达时间", t(j.arrived_at)), ("到达用时", f"{j.arrival_hours} 工作小时" if j.arrival_hours is not None else ""),
             ("故障描述", j.problem), ("处理情况", j.work_done or ""),
             ("收费金额", amount(j.amount) if j.category in rules.PAID_CATEGORIES else "免费（" + j.get_category_display() + "）"),
             ("开票", f"完工当日已通知财务开票（{t(j.invoice_requested_at)}）" if j.invoice_requested_at else "—"),
             ("客户签名人", j.signer_name), ("完工时间", t(j.closed_at))]
    if j.carry_in:
        pairs += [("送修件", "；".join(f"{label}{'√' if checks.get(k) else '×'}" for k, label in (
            ("pickup_receipt", "取件单"), ("register_entry", "进出登记"), ("repair_tag", "维修标签"),
            ("supervisor_inspected", "主管检验"))))]
    raw = None
    if j.signature and "," in j.signature:
        raw = base64.b64decode(j.signature.split(",", 1)[1])
    elif j.signature_photo:
        raw = bytes(j.signature_photo)
    return Sheet("服务凭证", j.number, timezone.localdate(j.registered_at), [Section("服务内容", pairs)], "服务单号",
                 [] if raw else ["客户签字", "技术员"], image=raw, filename=f"{j.number}-voucher")


def technician_table(year: int, month: int, rows: list[dict]) -> Sheet:
    """The monthly technician table of the survey ratings (`service.survey_100pct`)."""
    items = list(rules.SURVEY_ITEMS)
    data = [[r["technician"], str(r["jobs"]), str(r["surveys"]), *[str(r[k]) for k in items], str(r["average"]),
             str(r["late_arrivals"])] for r in rows]
    return Sheet("技术人员服务评价月表", f"{year}-{month:02d}", date(year, month, 1), [Section(
        "调查结果（4 分制平均）", head=["技术员", "服务单", "调查数", *rules.SURVEY_ITEMS.values(), "平均", "到达超时"],
        rows=data, widths=[26, 16, 16, 20, 20, 20, 20, 20, 20], empty="本月没有调查结果")], "月份",
        filename=f"technicians-{year}-{month:02d}")
