"""Customer-service rules (SPEC §6), pure: tickets, complaints, return visits, field service.

Deadlines follow SPEC §10: "within N working days" = 23:59:59 of the Nth working day after the event's date
(:meth:`WorkCalendar.deadline_after_working_days`); "working hours" = business hours 08:30–12:00, 13:00–17:30 on
working days including adjusted Saturdays (:func:`yewu.policy.pricing.add_working_hours`). Every function
names its rule id; numbers come from :class:`PolicyConfig` (defaults = SPEC's).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .calendar import TZ, WorkCalendar, deadline_after_days
from .config import DEFAULT, PolicyConfig
from .customers import Candidate, suggest_allocation
from .decision import Decision, Reason
from .pricing import add_working_hours
from .processes import working_hours_between

# --- vocabularies (SPEC §6) --------------------------------------------------------------------------------

TICKET_TYPES = {"inquiry": "咨询", "tracking": "查货", "complaint": "投诉", "suggestion": "建议", "claim": "索赔",
                "service": "报修", "adhoc_order": "临时下单"}
CHANNELS = {"phone": "电话", "web": "网页", "email": "电子邮件", "wechat": "微信", "walkin": "来访", "visit": "拜访"}
COMPLAINT_CATEGORIES = {"quality": "产品/工程质量", "delivery": "交货", "service": "服务", "price": "价格/发票",
                        "other": "其他"}
SATISFACTION = {"very_satisfied": "非常满意", "satisfied": "满意", "dissatisfied": "不满意",
                "very_dissatisfied": "非常不满意"}
SATISFIED = frozenset({"very_satisfied", "satisfied"})
JOB_CATEGORIES = {"A": "A 有偿服务", "B": "B 维保合同", "C": "C 免费保修", "D": "D 内部"}
PAID_CATEGORIES = frozenset({"A", "B"})
SURVEY_ITEMS = {"attitude": "服务态度", "skill": "技术水平", "arrival": "到达时间", "follow_through": "问题跟进"}


@dataclass(frozen=True)
class Due:
    """A deadline as shown on a record: the rule id, the due instant (Asia/Shanghai) and a Chinese label."""

    rule: str
    due_at: datetime
    label: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "due_at": self.due_at.isoformat(), "label": self.label}


def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("aware datetime required")
    return dt.astimezone(TZ)


def _wd_due(rule: str, event: datetime, n: int, cal: WorkCalendar, what: str) -> Due:
    due = cal.deadline_after_working_days(_local(event).date(), n)
    return Due(rule, due, f"{what}：{n} 个工作日内，{due:%Y-%m-%d %H:%M} 前")


# --- tickets ---------------------------------------------------------------------------------------------------


def first_response_due(received_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Due:
    """`ticket.first_response_1wd`: answered or transferred to the responsible department within 1 WD."""
    return _wd_due("ticket.first_response_1wd", received_at, cfg["ticket.first_response_1wd.working_days"], cal,
                   "首次答复或转交")


def check_received_at(received_at: datetime, now: datetime, rule: str = "ticket.first_response_1wd") -> Decision:
    """A call cannot be received in the future (the deadline is counted from it)."""
    if received_at > now + timedelta(minutes=1):
        return Decision.refuse(Reason(rule, f"来电/收到时间 {_local(received_at):%Y-%m-%d %H:%M} 晚于当前时间",
                                      "the received time is in the future", {"field": "received_at"}))
    return Decision.allow()


# --- complaints ------------------------------------------------------------------------------------------------


def reply_due(received_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Due:
    """`complaint.reply_5wd`: a substantive reply within 5 WD of receipt (received Mon 2025-09-29 → Mon 10-13)."""
    return _wd_due("complaint.reply_5wd", received_at, cfg["complaint.reply_5wd.working_days"], cal, "实质答复客户")


def solution_due(transferred_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Due:
    """`complaint.solution_3wd`: the department answers with solutions within 3 WD of transfer (also the new
    clock after a customer's disagreement, `complaint.customer_consult`)."""
    return _wd_due("complaint.solution_3wd", transferred_at, cfg["complaint.solution_3wd.working_days"], cal,
                   "责任部门提出解决方案")


def dispatch_due(judged_at: datetime) -> Due:
    """`complaint.dispatch_same_day`: an accepted complaint reaches the department the day it is judged valid."""
    d = _local(judged_at)
    due = datetime.combine(d.date(), time(23, 59, 59), tzinfo=TZ)
    return Due("complaint.dispatch_same_day", due, f"当日转交责任部门：{due:%Y-%m-%d %H:%M} 前")


def followup_due(implemented_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Due:
    """`complaint.followup_5wd`: the first return visit within 5 WD after implementation."""
    return _wd_due("complaint.followup_5wd", implemented_at, cfg["complaint.followup_5wd.working_days"], cal,
                   "实施后首次回访")


def gm_due(flagged_at: datetime) -> Due:
    """`complaint.major_to_gm`: a major complaint reaches the GM the working day it is flagged."""
    d = _local(flagged_at)
    due = datetime.combine(d.date(), time(23, 59, 59), tzinfo=TZ)
    return Due("complaint.major_to_gm", due, f"重大投诉当日报总经理：{due:%Y-%m-%d %H:%M} 前")


def major_suggestion(*, key_customer: bool, claim_amount: Decimal | None, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`complaint.major_to_gm`: *major* is a flag set by CS/CSM; it is suggested for key customers and claims
    ≥ 10,000. Returns a WARNING (suggest) or ALLOWED (no suggestion); ``data['suggest_major']``."""
    limit = cfg["complaint.major_to_gm.claim_amount"]
    why = []
    if key_customer:
        why.append("重点客户")
    if claim_amount is not None and claim_amount >= limit:
        why.append(f"索赔金额 {claim_amount:,.2f} ≥ {limit:,.2f}")
    if why:
        return Decision.warn(Reason("complaint.major_to_gm", "建议列为重大投诉（" + "，".join(why) + "），当日报总经理",
                                    "suggested as major: " + ", ".join(why),
                                    {"key_customer": key_customer, "claim_amount": claim_amount, "limit": limit}),
                             suggest_major=True)
    return Decision.allow(suggest_major=False)


def selector_role(major: bool) -> str:
    """`complaint.solution_review`: the department manager selects a solution, the GM if the complaint is major."""
    return "GM" if major else "DEPT_MANAGER"


def consult_outcome(agrees: bool, rejections_before: int) -> Decision:
    """`complaint.customer_consult`: agrees → implement; disagrees → back to the department with a new 3-WD
    clock; the second rejection goes to the GM. ``data['next']`` is implement / department / gm."""
    if agrees:
        return Decision.allow(Reason("complaint.customer_consult", "客户同意，进入实施", "customer agrees: implement"),
                              next="implement", rejections=rejections_before)
    n = rejections_before + 1
    if n >= 2:
        return Decision.allow(Reason("complaint.customer_consult", f"客户第 {n} 次不同意，提交总经理处理",
                                     f"rejection {n}: to the GM", {"rejections": n}), next="gm", rejections=n)
    return Decision.allow(Reason("complaint.customer_consult", "客户不同意，退回责任部门重新提出方案（新的 3 个工作日期限）",
                                 "customer disagrees: back to the department with a new 3-WD clock",
                                 {"rejections": n}), next="department", rejections=n)


def followups_required(category: str, cfg: PolicyConfig = DEFAULT) -> tuple[int, int | None]:
    """`complaint.followups_by_type`: (minimum, maximum or None) return visits. Quality ≥ 2, service 1–2,
    others ≥ 1."""
    if category not in COMPLAINT_CATEGORIES:
        raise ValueError(f"unknown complaint category {category!r}")
    if category == "quality":
        return cfg["complaint.followups_by_type.quality_min"], None
    if category == "service":
        return cfg["complaint.followups_by_type.service_min"], cfg["complaint.followups_by_type.service_max"]
    return cfg["complaint.followups_by_type.other_min"], None


def check_followups(category: str, visits_done: int, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`complaint.followups_by_type` at close: enough return visits for the category."""
    lo, hi = followups_required(category, cfg)
    label = COMPLAINT_CATEGORIES[category]
    if visits_done < lo:
        span = f"{lo}–{hi}" if hi else f"≥ {lo}"
        return Decision.refuse(Reason("complaint.followups_by_type",
                                      f"{label}投诉须回访 {span} 次，现有 {visits_done} 次，不能结案",
                                      f"{category} complaints need {span} return visits, {visits_done} done",
                                      {"field": "visits", "required": lo, "done": visits_done}))
    return Decision.allow(Reason("complaint.followups_by_type", f"{label}投诉回访 {visits_done} 次，满足要求",
                                 "return visits sufficient", {"required": lo, "done": visits_done}))


def check_close(category: str, satisfactions: Sequence[str], cfg: PolicyConfig = DEFAULT) -> Decision:
    """`complaint.close_satisfied` (with `complaint.followups_by_type`): close only with the required visits and a
    latest result satisfied / very satisfied. A dissatisfied latest result refuses and ``data['reopen']`` is True
    (the complaint goes back to investigation)."""
    for s in satisfactions:
        if s not in SATISFACTION:
            raise ValueError(f"unknown satisfaction {s!r}")
    visits = check_followups(category, len(satisfactions), cfg)
    if not satisfactions:
        return Decision.combine(visits, Decision.refuse(Reason(
            "complaint.close_satisfied", "没有回访结果，不能结案", "no return visit yet", {"field": "visits"})))
    last = satisfactions[-1]
    if last not in SATISFIED:
        return Decision.refuse(Reason("complaint.close_satisfied",
                                      f"最近一次回访结果为“{SATISFACTION[last]}”，不能结案，退回调查",
                                      f"latest result {last}: reopened at investigation",
                                      {"field": "satisfaction", "latest": last}), reopen=True)
    return Decision.combine(visits, Decision.allow(Reason(
        "complaint.close_satisfied", f"最近一次回访结果为“{SATISFACTION[last]}”", "latest result satisfied",
        {"latest": last})), Decision.allow(reopen=False))


def escalation(due_at: datetime, now: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`complaint.escalate_overdue`: a missed deadline escalates at once to the CSM, and to the GM if still open
    2 WD later (by 23:59:59 of the 2nd working day after the due date). ``data['levels']``: () / ("CSM",) /
    ("CSM", "GM")."""
    if now <= due_at:
        return Decision.allow(levels=())
    gm_at = cal.deadline_after_working_days(_local(due_at).date(), cfg["complaint.escalate_overdue.gm_after_wd"])
    levels = ("CSM", "GM") if now > gm_at else ("CSM",)
    msg = "投诉已逾期，升级客服经理" + ("，并升级总经理" if "GM" in levels else f"；{gm_at:%Y-%m-%d} 后仍未处理将升级总经理")
    return Decision.warn(Reason("complaint.escalate_overdue", msg, f"overdue: escalated to {', '.join(levels)}",
                                {"due_at": _local(due_at), "gm_at": gm_at}), levels=levels, gm_at=gm_at)


def claim_review() -> Decision:
    """`claim.manager_review`: every claim, whatever its amount, is reviewed by the SM with all its materials."""
    return Decision.needs(("SM",), Reason("claim.manager_review", "索赔须经业务经理审核全部材料（不论金额）",
                                          "every claim is reviewed by the SM with its materials"))


def analysis_due(year: int, month: int, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> date:
    """`complaint.monthly_analysis`: the month's analysis by the 5th working day of the next month."""
    first = date(year + (month == 12), month % 12 + 1, 1)
    n = cfg["complaint.monthly_analysis.due_wd"]
    d = first - timedelta(days=1)
    return cal.add_working_days(d, n)


# --- return visits ---------------------------------------------------------------------------------------------

RECORD_FIELDS = {"channel": "回访方式", "contact": "联系人", "visited_at": "回访时间", "satisfaction": "满意度",
                 "opinion": "客户意见（无则填“无”）"}


def check_record(values: Mapping[str, object]) -> Decision:
    """`revisit.record_complete`: a return visit cannot be saved without channel, contact, time, satisfaction
    and the customer's opinion (or "none"/"无")."""
    missing = {k: f"{label}不能为空" for k, label in RECORD_FIELDS.items()
               if values.get(k) is None or (isinstance(values.get(k), str) and not str(values.get(k)).strip())}
    sat = values.get("satisfaction")
    if sat and sat not in SATISFACTION:
        missing["satisfaction"] = "满意度须为 非常满意/满意/不满意/非常不满意"
    if missing:
        return Decision.refuse(Reason("revisit.record_complete", "回访记录不完整：" + "、".join(
            RECORD_FIELDS[k] for k in missing), "incomplete return-visit record: " + ", ".join(missing),
            {"fields": missing}), fields=missing)
    return Decision.allow()


def _windows(spec: str) -> list[tuple[time, time]]:
    out = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        a, b = part.split("-")
        out.append((time.fromisoformat(a.strip()), time.fromisoformat(b.strip())))
    return out


def check_quiet_hours(at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`revisit.quiet_hours`: calls outside 09:00–12:00 / 14:00–20:00, or on a non-working day, WARN (never
    refuse)."""
    local = _local(at)
    spec = cfg["revisit.quiet_hours.windows"]
    if not cal.is_working_day(local.date()):
        return Decision.warn(Reason("revisit.quiet_hours", f"{local:%Y-%m-%d} 不是工作日，请注意客户休息",
                                    "not a working day: mind the customer's rest", {"at": local}))
    t = local.time()
    if not any(a <= t < b for a, b in _windows(spec)):
        return Decision.warn(Reason("revisit.quiet_hours", f"{local:%H:%M} 不在适宜回访时段（{spec}），请注意客户休息",
                                    f"outside the visiting hours {spec}", {"at": local, "windows": spec}))
    return Decision.allow()


def first_delivery_visit_due(delivered_at: datetime, cfg: PolicyConfig = DEFAULT) -> Due:
    """`revisit.after_first_delivery_3d`: a new customer's first delivery gets a return visit within 3 days."""
    n = cfg["revisit.after_first_delivery_3d.days"]
    due = deadline_after_days(_local(delivered_at), n)
    return Due("revisit.after_first_delivery_3d", due, f"首次交货后回访：{n} 天内，{due:%Y-%m-%d %H:%M} 前")


@dataclass(frozen=True)
class CampaignMember:
    customer_id: int
    name: str
    has_record: bool
    failed_attempts: int = 0
    csm_signed_off: bool = False


def check_campaign_close(members: Iterable[CampaignMember]) -> Decision:
    """`revisit.key_customers_100pct`: a campaign closes only when each key customer has a completed record, or
    3 documented failed attempts with CSM sign-off. ``data['kpi']`` = visited ÷ key customers."""
    ms = list(members)
    open_ = [m for m in ms if not m.has_record and not (m.failed_attempts >= 3 and m.csm_signed_off)]
    visited = sum(1 for m in ms if m.has_record)
    kpi = (Decimal(visited) / Decimal(len(ms)) * 100).quantize(Decimal("0.1")) if ms else Decimal("100.0")
    if open_:
        names = "、".join(m.name for m in open_[:10])
        return Decision.refuse(Reason("revisit.key_customers_100pct",
                                      f"还有 {len(open_)} 家重点客户未完成回访（{names}），不能结束活动",
                                      f"{len(open_)} key customers still open", {"open": [m.customer_id for m in open_]}),
                               kpi=kpi)
    return Decision.allow(Reason("revisit.key_customers_100pct", f"回访覆盖率 {kpi}%", f"coverage {kpi}%"), kpi=kpi)


# --- field service ---------------------------------------------------------------------------------------------


def _district_list(spec: str) -> list[str]:
    return [x.strip() for x in (spec or "").replace("，", ",").split(",") if x.strip()]


def zone_of(district: str, cfg: PolicyConfig = DEFAULT) -> str | None:
    """'urban' / 'suburban' from the company's Guangzhou district lists (a setting); None if not listed."""
    d = (district or "").strip().removesuffix("区")
    if not d:
        return None
    if d in _district_list(cfg["service.arrival_sla.urban_districts"]):
        return "urban"
    if d in _district_list(cfg["service.arrival_sla.suburban_districts"]):
        return "suburban"
    return None


def arrival_hours(zone: str, cfg: PolicyConfig = DEFAULT) -> int:
    if zone == "urban":
        return int(cfg["service.arrival_sla.urban_hours"])
    if zone == "suburban":
        return int(cfg["service.arrival_sla.suburban_hours"])
    raise ValueError(f"zone must be urban or suburban, not {zone!r}")


def arrival_due(registered_at: datetime, zone: str, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Due:
    """`service.arrival_sla`: registration to arrival ≤ 6 working hours (urban) / ≤ 7 (suburban), counted in
    business hours of working days. Urban call Tue 2025-09-30 16:00 → due Thu 2025-10-09 14:00."""
    h = arrival_hours(zone, cfg)
    due = add_working_hours(_local(registered_at), h, cal)
    return Due("service.arrival_sla", due, f"{'市区' if zone == 'urban' else '郊区'} {h} 个工作小时内到达："
               f"{due:%Y-%m-%d %H:%M} 前")


def arrival_check(registered_at: datetime, arrived_at: datetime, zone: str, cal: WorkCalendar,
                  cfg: PolicyConfig = DEFAULT) -> Decision:
    """`service.arrival_sla` after the fact: the working hours used and whether the SLA was met (WARNING if late)."""
    used = working_hours_between(registered_at, arrived_at, cal)
    h = arrival_hours(zone, cfg)
    if used > h:
        return Decision.warn(Reason("service.arrival_sla", f"到达用时 {used} 个工作小时，超过 {h} 小时",
                                    f"arrived after {used} working hours (> {h})", {"hours": used, "limit": h}),
                             hours=used, late=True)
    return Decision.allow(hours=used, late=False)


def dispatch_check(registered_at: datetime, now: datetime, dispatched: bool, promised_at: datetime | None,
                   cal: WorkCalendar) -> Decision:
    """`service.dispatch`: a call not dispatched on its day goes first on the next working day (``data['first']``);
    a repair past its promised time escalates to the service supervisor at once (``data['escalate']``)."""
    reasons, first, esc = [], False, False
    reg_day = _local(registered_at).date()
    if not dispatched and _local(now).date() > reg_day:
        first = True
        reasons.append(Reason("service.dispatch", "报修当日未派工，次一工作日优先派工", "undispatched: first next working day",
                              {"next_working_day": cal.next_working_day(reg_day)}))
    if promised_at is not None and now > promised_at:
        esc = True
        reasons.append(Reason("service.dispatch", f"维修已超过承诺时间 {_local(promised_at):%Y-%m-%d %H:%M}，升级服务主管",
                              "past the promised time: escalate to the service supervisor"))
    if reasons:
        return Decision.warn(*reasons, first=first, escalate=esc)
    return Decision.allow(first=False, escalate=False)


UNSOLVED_CHAIN = ("SP", "SM", "GM")
UNSOLVED_LABELS = {"SP": "业务员及服务主管", "SM": "业务经理", "GM": "总经理"}


def unsolved_escalation(reported_at: datetime, now: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`service.dispatch`: an unsolved on-site problem escalates SP → SM → GM. The first level (the customer's
    salesperson and the service supervisor) hears of it when it is reported; each further level when it is still
    unsolved N working hours later (``service.dispatch.unsolved_escalate_hours``). ``data['level']`` = 1..3 (index
    into :data:`UNSOLVED_CHAIN` + 1), ``data['next_at']`` = when the next level is due (None at the GM)."""
    h = int(cfg["service.dispatch.unsolved_escalate_hours"])
    level, since = 1, _local(reported_at)
    while level < len(UNSOLVED_CHAIN):
        nxt = add_working_hours(since, h, cal)
        if now < nxt:
            break
        level, since = level + 1, nxt
    next_at = add_working_hours(since, h, cal) if level < len(UNSOLVED_CHAIN) else None
    who = UNSOLVED_CHAIN[level - 1]
    return Decision.warn(Reason("service.dispatch", f"现场问题未解决，已上报{UNSOLVED_LABELS[who]}"
                                + (f"；{next_at:%m-%d %H:%M} 仍未解决将上报{UNSOLVED_LABELS[UNSOLVED_CHAIN[level]]}"
                                   if next_at else ""),
                                f"unsolved on site: escalated to {who}", {"level": level, "hours": h}),
                         level=level, role=who, next_at=next_at)


def check_job_close(*, signed: bool, carry_in: bool = False, pickup_receipt: bool = False, register_entry: bool = False,
                    repair_tag: bool = False, supervisor_inspected: bool = False) -> Decision:
    """`service.close_signature`: a job closes only with the customer's signature on the service voucher (on the
    phone screen or a photo of the paper voucher); carry-in repairs also need pick-up receipt, in/out register
    entry, repair tag and supervisor inspection."""
    missing: dict[str, str] = {}
    if not signed:
        missing["signature"] = "须有客户在服务凭证上的签名（手机签名或纸质凭证照片）"
    if carry_in:
        for k, ok, label in (("pickup_receipt", pickup_receipt, "取件单"), ("register_entry", register_entry, "进出登记"),
                             ("repair_tag", repair_tag, "维修标签"), ("supervisor_inspected", supervisor_inspected, "主管检验")):
            if not ok:
                missing[k] = f"送修件须有{label}"
    if missing:
        return Decision.refuse(Reason("service.close_signature", "不能结单：" + "；".join(missing.values()),
                                      "cannot close: " + ", ".join(missing), {"fields": missing}), fields=missing)
    return Decision.allow(Reason("service.close_signature", "已签名，可以结单", "signed: may close"))


def survey_due(call_day: date, cal: WorkCalendar) -> date:
    """`service.survey_100pct`: every caller of a day gets a survey the next working day."""
    return cal.next_working_day(call_day)


def renewal_notice_on(ends_on: date, cfg: PolicyConfig = DEFAULT) -> date:
    """`service.maintenance_renewal_1m`: the expiry notice is due one calendar month before the contract ends."""
    m = int(cfg["service.maintenance_renewal_1m.months"])
    y, mo = ends_on.year, ends_on.month - m
    while mo < 1:
        mo += 12
        y -= 1
    day = min(ends_on.day, _cal.monthrange(y, mo)[1])
    return date(y, mo, day)


def assign_by_balance(candidates: Sequence[Candidate], cfg: PolicyConfig = DEFAULT) -> Decision:
    """CS work is assigned by the balance rule of `cust.web_lead_allocation` (`ticket.first_response_1wd`): the
    same :func:`suggest_allocation`, with ``active_customers`` = the agent's open tickets and ``leads_last_30d`` =
    tickets assigned in the last 30 days. ``data['suggested_user_id']``."""
    d = suggest_allocation(candidates, cfg=cfg)
    if d.refused:
        return Decision.refuse(Reason("ticket.first_response_1wd", "没有在职客服可分配工单", "no CS agent available"))
    return d
