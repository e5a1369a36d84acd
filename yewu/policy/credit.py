"""Credit rules of SPEC §2.7 (and the customer-upkeep / visit deadlines of §1.3, §2.5, §2.6) as pure functions.

- `credit.grade_policy`  — what limit and term a grade may carry (A: ≤ one term's expected sales, more needs
  GM; B ≤ 20,000; C ≤ 5,000; D nothing).
- `credit.limit_grant`   — who decides: FD + SM, plus GM when the limit is > 50,000.
- `credit.investigation_cadence` — periodic report every 6 / 3 / 1 months (A / B / C, D) from the last one;
  important customers (grade A or limit > 50,000) are investigated by the SM in person.
- The 客户信用评等表 score → suggested grade (thresholds are D: the sources give the grades, not a scale).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .amounts import fmt as yuan
from .amounts import money
from .calendar import WorkCalendar
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

GRADES = ("A", "B", "C", "D")
CENT = Decimal("0.01")


def add_months(d: date, months: int) -> date:
    """Same day N months later; the 31st of a shorter month becomes its last day."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


# --- 客户信用评等表: criteria and the suggested grade ----------------------------------------------

# code -> (label, max points); total 100 (D: the sources name the form, not its scale)
CRITERIA: dict[str, tuple[str, int]] = {
    "payment": ("付款记录（按期付款、拖欠情况）", 30),
    "capital": ("资金实力（注册资本、资产、银行往来）", 20),
    "operation": ("经营状况（年限、规模、销售额、场地）", 20),
    "relationship": ("合作关系（往来年限、采购量、配合度）", 15),
    "reputation": ("商业信誉（纠纷、诉讼、同行评价）", 15),
}


def rating_total(scores: Mapping[str, int]) -> int:
    """Validate the scores of the rating form (every criterion, 0..max) and return the total."""
    missing = [k for k in CRITERIA if k not in scores]
    unknown = [k for k in scores if k not in CRITERIA]
    if missing or unknown:
        raise ValueError(f"criteria missing {missing} / unknown {unknown}")
    for k, (label, hi) in CRITERIA.items():
        v = scores[k]
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= hi:
            raise ValueError(f"{label}: {v!r} not in 0..{hi}")
    return sum(scores[k] for k in CRITERIA)


def suggested_grade(total: int, cfg: PolicyConfig = DEFAULT) -> str:
    """Score ≥ a_min → A, ≥ b_min → B, ≥ c_min → C, else D (all ≥: 以上 includes the number)."""
    if total >= cfg["credit.rating.a_min"]:
        return "A"
    if total >= cfg["credit.rating.b_min"]:
        return "B"
    if total >= cfg["credit.rating.c_min"]:
        return "C"
    return "D"


def check_rating_grade(total: int, grade: str, note: str, cfg: PolicyConfig = DEFAULT) -> Decision:
    """The evaluator may choose a grade other than the score's suggestion, but must say why."""
    sug = suggested_grade(total, cfg)
    figs = {"total": total, "suggested_grade": sug, "grade": grade}
    if grade == sug:
        return Decision.allow(Reason(
            "credit.grade_policy", f"评分 {total} 分，建议等级 {sug}",
            f"score {total}, suggested grade {sug}", figs))
    if not (note or "").strip():
        return Decision.refuse(Reason(
            "credit.grade_policy",
            f"评分 {total} 分对应等级 {sug}，评定为 {grade} 须填写理由",
            f"score {total} suggests {sug}; grading {grade} needs a reason", figs))
    return Decision.warn(Reason(
        "credit.grade_policy", f"评分 {total} 分对应等级 {sug}，评定人改为 {grade}（理由：{note.strip()}）",
        f"score {total} suggests {sug}; evaluator chose {grade}", figs))


# --- credit.grade_policy and credit.limit_grant ----------------------------------------------------


@dataclass(frozen=True)
class CreditProposal:
    grade: str  # A-D
    limit: Decimal
    term_days: int
    avg_monthly_sales: Decimal = Decimal("0")  # last 6 months' average monthly sales (A basis)


def expected_term_sales(avg_monthly_sales: Decimal, term_days: int) -> Decimal:
    """One term's expected sales = last 6 months' average monthly sales × term days ÷ 30."""
    return money(Decimal(avg_monthly_sales) * Decimal(term_days) / Decimal(30))


def check_grade_policy(p: CreditProposal, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`credit.grade_policy`: the limit and term a grade may carry. Refused, allowed, or (A above one term's
    expected sales) needs the GM."""
    rule = "credit.grade_policy"
    limit = money(p.limit)
    figs = {"grade": p.grade, "limit": limit, "term_days": p.term_days}
    if p.grade not in GRADES:
        return Decision.refuse(Reason(rule, "信用等级只能是 A、B、C、D", "grade must be A-D", figs))
    if limit < 0 or p.term_days < 0:
        return Decision.refuse(Reason(rule, "额度和账期不能为负数", "limit and term cannot be negative", figs))
    max_term = cfg["credit.grade_policy.max_term_days"]
    if p.term_days > max_term:
        return Decision.refuse(Reason(rule, f"账期 {p.term_days} 天超过上限 {max_term} 天",
                                      f"term {p.term_days} days exceeds {max_term}", {**figs, "max_term_days": max_term}))
    if p.grade == "D":
        if limit > 0 or p.term_days > 0:
            return Decision.refuse(Reason(
                rule, "D 级客户不授信：额度和账期必须为 0，只能现款现货或款到发货（不可货到付款）",
                "grade D gets no credit of any kind: limit and term must be 0", figs))
        return Decision.allow(Reason(rule, "D 级：不授信，只能现款现货或款到发货", "grade D: no credit", figs))
    if limit > 0 and p.term_days == 0:
        return Decision.refuse(Reason(rule, "有信用额度时须设定账期天数", "a limit needs a term", figs))
    if p.grade in ("B", "C"):
        cap = money(cfg[f"credit.grade_policy.{p.grade.lower()}_cap"])
        figs["cap"] = cap
        if limit > cap:
            return Decision.refuse(Reason(
                rule, f"{p.grade} 级客户信用额度上限 {yuan(cap)} 元，申请 {yuan(limit)} 元超过上限",
                f"grade {p.grade} limit cap {cap}; {limit} exceeds it", figs))
        what = "起始额度，随良好付款逐步提高" if p.grade == "B" else "默认现款现货，符合政策可给小额额度"
        return Decision.allow(Reason(rule, f"{p.grade} 级：{what}；额度 {yuan(limit)} ≤ 上限 {yuan(cap)} 元",
                                     f"grade {p.grade}: limit {limit} ≤ cap {cap}", figs))
    # grade A: limit ≤ one term's expected sales; more needs the GM
    expected = expected_term_sales(p.avg_monthly_sales, p.term_days)
    figs.update(avg_monthly_sales=money(p.avg_monthly_sales), expected_term_sales=expected)
    basis = f"近6个月月均销售额 {yuan(p.avg_monthly_sales)} × {p.term_days} ÷ 30 = {yuan(expected)} 元"
    if limit > expected:
        return Decision.needs(("GM",), Reason(
            rule, f"A 级额度 {yuan(limit)} 元超过一个账期的预计销售额（{basis}），须总经理批准",
            f"grade A limit {limit} exceeds one term's expected sales {expected}: GM", figs))
    return Decision.allow(Reason(rule, f"A 级额度 {yuan(limit)} 元 ≤ 一个账期的预计销售额（{basis}）",
                                 f"grade A limit {limit} ≤ expected term sales {expected}", figs))


def limit_grant_approvers(p: CreditProposal, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`credit.limit_grant`: the credit-limit group FD + SM decides; GM too when the limit is > 50,000 (超过)."""
    gm_above = money(cfg["credit.limit_grant.gm_above"])
    limit = money(p.limit)
    figs = {"limit": limit, "gm_above": gm_above}
    if limit > gm_above:
        return Decision.needs(("SM", "FD", "GM"), Reason(
            "credit.limit_grant", f"授信额度 {yuan(limit)} 元超过 {yuan(gm_above)} 元：授信小组（财务总监＋业务经理）及总经理审批",
            f"limit {limit} > {gm_above}: FD + SM + GM", figs))
    return Decision.needs(("SM", "FD"), Reason(
        "credit.limit_grant", f"授信额度 {yuan(limit)} 元（不超过 {yuan(gm_above)} 元）：授信小组（财务总监＋业务经理）审批",
        f"limit {limit} ≤ {gm_above}: FD + SM", figs))


def credit_decision(p: CreditProposal, cfg: PolicyConfig = DEFAULT) -> Decision:
    """The whole decision on a proposed grade/limit/term: refused, or the approvers in chain order
    (SM, FD, then GM when either rule asks for it)."""
    g = check_grade_policy(p, cfg)
    if g.refused:
        return g
    grant = limit_grant_approvers(p, cfg)
    approvers = [r for r in ("SM", "FD", "GM") if r in grant.approvers or r in g.approvers]
    return Decision.needs(tuple(approvers), *g.reasons, *grant.reasons)


# --- credit.investigation_cadence --------------------------------------------------------------------


def report_months(grade: str, cfg: PolicyConfig = DEFAULT) -> int:
    return cfg[f"credit.investigation_cadence.{(grade or 'd').lower()}_months"]


def next_report_due(last_report_on: date, grade: str, cfg: PolicyConfig = DEFAULT) -> date:
    """Periodic credit report due 6 (A) / 3 (B) / 1 (C, D) months from the last one."""
    return add_months(last_report_on, report_months(grade, cfg))


def is_important(grade: str, limit: Decimal, cfg: PolicyConfig = DEFAULT) -> bool:
    """Important customer: grade A or limit > 50,000 (D)."""
    return grade == "A" or money(limit) > money(cfg["credit.investigation_cadence.important_limit"])


def check_investigator(*, important: bool, roles: frozenset[str], is_owner_sm: bool) -> Decision:
    """Who investigates: CS (or CSM, the owner's SM, GM); an important customer only the owner's SM in person
    (or the GM)."""
    rule = "credit.investigation_cadence"
    if important:
        if is_owner_sm or "GM" in roles:
            return Decision.allow(Reason(rule, "重要客户：由业务经理亲自调查", "important customer: SM in person"))
        return Decision.refuse(Reason(
            rule, "重要客户（A 级或额度超过 50,000 元）须由其业务经理亲自调查",
            "an important customer (grade A or limit > 50,000) is investigated by the SM in person"))
    if roles & {"CS", "CSM", "GM"} or is_owner_sm:
        return Decision.allow()
    return Decision.refuse(Reason(rule, "信用调查由客服（销售支持）进行", "credit investigations are done by CS"))


def report_overdue_reason(due: date, today: date, grade: str, cfg: PolicyConfig = DEFAULT) -> Reason:
    n = report_months(grade, cfg)
    return Reason(
        "credit.investigation_cadence",
        f"定期信用报告已逾期：{grade} 级每 {n} 个月一次，应于 {due} 前完成（已逾期 {(today - due).days} 天；不阻止交易）",
        f"periodic credit report overdue since {due} (grade {grade}, every {n} months)",
        {"due": due, "grade": grade, "months": n},
    )


# --- cust.archive_access_request ---------------------------------------------------------------------

MANAGER_RANK = frozenset({"SM", "CSM", "FD", "GM"})


def check_access_request(*, level: str, roles: frozenset[str], days: int, cfg: PolicyConfig = DEFAULT) -> Decision:
    """`cust.archive_access_request`: ≤ 5 working days (D); 机密/绝密 lent only to manager rank or above.
    Chain: the requester's department manager approves, the CSM grants; 绝密 also needs the GM, who alone grants
    it. Manager rank reports to the GM, so the department step is the GM's; one person never fills two steps
    (`sod.no_self_approval`): GM then CSM for 机密, CSM then GM for 绝密, and no CSM step for the CSM's own request."""
    rule = "cust.archive_access_request"
    max_wd = cfg["cust.archive_access_request.max_working_days"]
    figs = {"days": days, "max_working_days": max_wd, "level": level}
    if days < 1 or days > max_wd:
        return Decision.refuse(Reason(rule, f"借阅期限为 1–{max_wd} 个工作日，申请 {days} 个工作日",
                                      f"access period must be 1-{max_wd} working days", figs))
    if level not in ("confidential", "top_secret"):
        return Decision.refuse(Reason(rule, "该档案不是机密/绝密级，无需借阅", "only 机密/绝密 archives are lent", figs))
    if not roles & MANAGER_RANK:
        return Decision.refuse(Reason(rule, "机密/绝密档案只借阅给经理级别及以上人员（业务经理、客服经理、财务总监、总经理）",
                                      "机密/绝密 archives are lent only to manager rank or above", figs))
    steps = ["CSM", "GM"] if level == "top_secret" else ["GM", "CSM"]
    if "CSM" in roles:
        steps.remove("CSM")
    if "GM" in roles:
        return Decision.refuse(Reason(rule, "总经理可直接查看全部档案，无需借阅", "the GM reads every archive", figs))
    labels = {"GM": "总经理", "CSM": "客服经理"}
    return Decision.needs(tuple(steps), Reason(
        rule, f"借阅 {days} 个工作日：" + " → ".join(labels[s] for s in steps) + ("（绝密由总经理授权）" if level == "top_secret" else ""),
        "approvers: " + " → ".join(steps), figs))


# --- visit.minutes_2wd, cust.monthly_info_report, cust.archive_quarterly_review -------------------------


def minutes_deadline(meeting_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """`visit.minutes_2wd`: by 23:59:59 of the 2nd working day after the meeting date."""
    return cal.deadline_after_working_days(meeting_on, cfg["visit.minutes_2wd.working_days"])


def info_report_due(month: date, cfg: PolicyConfig = DEFAULT) -> date:
    """`cust.monthly_info_report`: within days 1–7 of the month (on or before the 7th)."""
    return month.replace(day=cfg["cust.monthly_info_report.due_day"])


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarter_end(d: date) -> date:
    start = quarter_start(d)
    last = add_months(start, 2)
    return last.replace(day=_cal.monthrange(last.year, last.month)[1])


def quarterly_reminder_day(d: date, cal: WorkCalendar) -> date:
    """`cust.archive_quarterly_review`: reminder on the first working day of the quarter's last month."""
    first = add_months(quarter_start(d), 2)
    return first if cal.is_working_day(first) else cal.next_working_day(first)


def verified_in_quarter(last_verified_on: date | None, d: date) -> bool:
    return last_verified_on is not None and quarter_start(d) <= last_verified_on <= quarter_end(d)
