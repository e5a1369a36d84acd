"""Contract rules after signing (SPEC §4.4), pure: phone approval on behalf of a travelling approver, custody
take-out return date, the monthly register's due date, dispute status changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from .calendar import END_OF_DAY, TZ, WorkCalendar
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

PHONE = "contract.phone_approval"
FILING = "contract.filing_1wd"
REGISTER = "contract.monthly_register"
DISPUTE = "contract.dispute"


def _refuse(msg: str, en: str, rule: str = PHONE, **figures) -> Decision:
    return Decision.refuse(Reason(rule, msg, en, figures))


def recorder_roles(cfg: PolicyConfig = DEFAULT) -> set[str]:
    return {r.strip() for r in str(cfg[f"{PHONE}.recorder_roles"]).split(",") if r.strip()}


def phone_approval_eligibility(*, recorder_id: int, recorder_roles_: Iterable[str], confirmer_id: int,
                               confirmer_roles: Iterable[str], approver_id: int, submitter_id: int,
                               beneficiary_id: int | None, travelling: bool, urgent: bool, called_at: datetime,
                               opened_at: datetime, now: datetime, needs_form: bool,
                               cfg: PolicyConfig = DEFAULT) -> Decision:
    """`contract.phone_approval`: whether sales support may record an approval given on the phone by an absent
    approver. The approver's own eligibility for the step (role, `sod.no_self_approval`, team) is the engine's
    check and is applied on top of this one.

    - the recorder and the confirmer (who took the call) hold a sales-support role (CS/CSM by default);
    - the approver is travelling and the case is urgent (both stated);
    - nobody relays their own document: recorder and confirmer are neither the submitter nor the beneficiary,
      and neither is the absent approver (who would simply decide in the inbox);
    - the call happened after the document was submitted (``opened_at``; the approver may confirm before an
      earlier stage is through), not in the future, and not more than N hours ago;
    - a step that needs a written opinion (a review checklist) cannot be given on the phone."""
    allowed_roles = recorder_roles(cfg)
    if not allowed_roles & set(recorder_roles_):
        return _refuse(f"电话确认审批只能由销售支持（{'/'.join(sorted(allowed_roles))}）代为登记",
                       "only sales support may record a phone approval", roles=sorted(allowed_roles))
    if not allowed_roles & set(confirmer_roles):
        return _refuse(f"电话确认人须为销售支持（{'/'.join(sorted(allowed_roles))}）",
                       "the confirmer must be sales support", roles=sorted(allowed_roles))
    if not (travelling and urgent):
        return _refuse("仅在审批人出差在外且事情紧急时，才可电话确认后代为登记审批",
                       "only when the approver is travelling and the case is urgent")
    if approver_id in (recorder_id, confirmer_id):
        return _refuse("审批人本人请直接在审批待办中处理，不能作为电话确认的登记人或确认人",
                       "the approver decides in the inbox directly")
    if {recorder_id, confirmer_id} & {submitter_id, beneficiary_id}:
        return Decision.refuse(Reason("sod.no_self_approval", "不能为自己提交或与自己利益相关的单据代录审批",
                                      "nobody relays an approval of their own document"))
    if needs_form:
        return _refuse("此步骤须由审批人本人填写评审意见（如合同评审要点），不能电话确认代录",
                       "this step needs the approver's written opinion")
    max_h = cfg[f"{PHONE}.max_age_hours"]
    if called_at > now + timedelta(minutes=5):
        return _refuse("电话确认时间不能晚于现在", "the call cannot be in the future", called_at=called_at)
    if called_at < opened_at:
        return _refuse("电话确认时间早于单据提交审批的时间", "the call was before the document was submitted",
                       called_at=called_at, opened_at=opened_at)
    if now - called_at > timedelta(hours=max_h):
        return _refuse(f"电话确认已超过 {max_h} 小时，请重新确认后登记", f"the call is more than {max_h} hours old",
                       called_at=called_at, max_age_hours=max_h)
    return Decision.allow(Reason(PHONE, "审批人出差、事情紧急：经电话确认后由销售支持代为登记审批",
                                 "approver travelling, urgent: approval confirmed by phone, recorded by sales support"))


def phone_note(approver: str, confirmer: str, called_at: datetime) -> str:
    """How the chain shows a phone approval: "电话确认审批: 王总 经 孙客服经理 确认 10:32"."""
    return f"电话确认审批: {approver} 经 {confirmer} 确认 {called_at.astimezone(TZ):%H:%M}"


# --- custody take-out (contract.filing_1wd, second half) -----------------------------------------------------


def takeout_return_due(out_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> date:
    """The signed original taken out of CS custody is due back N working days after the take-out day (the
    take-out day never counts; 5 WD, D)."""
    return cal.add_working_days(out_on, cfg[f"{FILING}.takeout_return_wd"])


def takeout_due_check(out_on: date, requested: date | None, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    """A requested return date, when given, lies after the take-out day; without one the default applies."""
    default = takeout_return_due(out_on, cal, cfg)
    if requested is None:
        return Decision.allow(Reason(FILING, f"借出 {out_on}，{cfg[f'{FILING}.takeout_return_wd']} 个工作日内归还：{default}",
                                     f"out {out_on}, due back {default}", {"out_on": out_on, "due_back_on": default}),
                              due_back_on=default)
    if requested <= out_on:
        return _refuse(f"归还日期 {requested} 须晚于借出日 {out_on}", "the return date must be after the take-out day",
                       rule=FILING, requested=requested, out_on=out_on)
    return Decision.allow(Reason(FILING, f"借出 {out_on}，约定 {requested} 归还（默认 {default}）",
                                 f"out {out_on}, due back {requested}", {"out_on": out_on, "due_back_on": requested}),
                          due_back_on=requested)


def takeout_overdue(due_back_on: date, today: date, returned: bool) -> Reason | None:
    """Overdue the day after the return date (the return date itself is on time)."""
    if returned or today <= due_back_on:
        return None
    days = (today - due_back_on).days
    return Reason(FILING, f"合同原件应于 {due_back_on} 归还，已逾期 {days} 天", f"due back {due_back_on}, {days} days late",
                  {"due_back_on": due_back_on, "days_late": days})


# --- monthly register (contract.monthly_register) --------------------------------------------------------------


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(m: date) -> date:
    return (m.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(d: date) -> date:
    return month_start(month_start(d) - timedelta(days=1))


def register_due(month: date, cfg: PolicyConfig = DEFAULT) -> datetime:
    """The register of ``month`` is confirmed by the Nth of the following month ("by the 5th" = on or before,
    i.e. by 23:59:59 of the 5th, Shanghai). Calendar days: the 5th is the 5th even on a holiday."""
    day = next_month(month_start(month)).replace(day=cfg[f"{REGISTER}.due_day"])
    return datetime.combine(day, END_OF_DAY, tzinfo=TZ)


def register_overdue(month: date, now: datetime, confirmed: bool, cfg: PolicyConfig = DEFAULT) -> Reason | None:
    due = register_due(month, cfg)
    if confirmed or now <= due:
        return None
    return Reason(REGISTER, f"{month:%Y年%m月}合同台账应于 {due:%Y-%m-%d} 前由客服确认，尚未确认",
                  f"the {month:%Y-%m} register was due by {due:%Y-%m-%d}", {"month": f"{month:%Y-%m}", "due": due.date()})


def register_confirmable(month: date, today: date) -> Decision:
    """A month's register can be confirmed once the month is over."""
    if today < next_month(month_start(month)):
        return _refuse(f"{month:%Y年%m月}尚未结束，月末后再确认台账", "the month is not over yet", rule=REGISTER)
    return Decision.allow()


# --- disputes (contract.dispute) -------------------------------------------------------------------------------

LEGAL_KINDS = ("litigation", "arbitration")
# open → resolved | litigation; litigation → resolved (the case is closed)
DISPUTE_MOVES = {"open": ("resolved", "litigation"), "litigation": ("resolved",)}


def dispute_initial_status(kind: str) -> str:
    """Litigation or arbitration leaves the normal flow at once; a breach or dispute starts open."""
    return "litigation" if kind in LEGAL_KINDS else "open"


def dispute_move(current: str, target: str) -> Decision:
    if target not in DISPUTE_MOVES.get(current, ()):
        return _refuse(f"纠纷状态不能从「{current}」改为「{target}」", f"cannot move a dispute from {current} to {target}",
                       rule=DISPUTE, current=current, target=target)
    return Decision.allow()
