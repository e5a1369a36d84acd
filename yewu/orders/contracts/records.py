"""Contract records after signing (SPEC §4.4): custody take-out of the signed original (`contract.filing_1wd`,
second half), the monthly numbered register (`contract.monthly_register`) and breaches/disputes
(`contract.dispute`). Decisions come from :mod:`yewu.policy.contracts`; one transaction per write, each audited.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.text import clean_text
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import Decision, Reason
from yewu.policy import contracts as rules
from yewu.policy.calendar import TZ

from ..models import (
    Contract,
    ContractCustodyLoan,
    ContractDispute,
    ContractRegister,
    ContractStatus,
    CustodyLoanStatus,
    DisputeKind,
    DisputeStatus,
    Order,
)
from ..visibility import contracts_visible_to

FILING, REGISTER, DISPUTE = rules.FILING, rules.REGISTER, rules.DISPUTE
CUSTODY_DOC = "contract_custody"
OPEN_LOAN = (CustodyLoanStatus.REQUESTED, CustodyLoanStatus.APPROVED, CustodyLoanStatus.OUT)


def _cs_only(actor: User, what: str, rule: str) -> None:
    if not can(actor, "files_contracts"):
        raise PermissionDenied(f"{what}由客服部办理", rule=rule)


def _visible_contract(actor: User, contract_id: int, lock: bool = True) -> Contract:
    qs = contracts_visible_to(actor).select_related("order__salesperson__team")
    c = qs.filter(pk=contract_id).first()
    if c is None:
        raise NotFound("合同不存在或无权查看")
    return Contract.objects.select_for_update().get(pk=c.pk) if lock else c


def _link(c: Contract) -> str:
    return f"/orders/{c.order_id}/#contract"


# --- custody take-out (contract.filing_1wd) --------------------------------------------------------------------


def custody_state(c: Contract, today: date | None = None) -> tuple[str, str]:
    """(code, label) of where the signed original is: not filed, in custody, out (due back …), overdue."""
    if c.status != ContractStatus.FILED:
        return "unfiled", "未归档"
    loan = next((x for x in c.custody_loans.all() if x.status == CustodyLoanStatus.OUT), None)
    if loan is None:
        return "in", "客服部保管"
    today = today or timezone.localdate()
    if rules.takeout_overdue(loan.due_back_on, today, False):
        return "overdue", f"借出逾期（{loan.borrower.name}，应还 {loan.due_back_on:%Y-%m-%d}）"
    return "out", f"借出（{loan.borrower.name}，应还 {loan.due_back_on:%Y-%m-%d}）"


@transaction.atomic
def request_takeout(actor: User, contract_id: int, *, purpose: str, requested_due_on: date | None = None) -> ContractCustodyLoan:
    """Ask to take the signed original out of CS custody: GM approval (1 WD) and a return date."""
    c = _visible_contract(actor, contract_id)
    purpose = clean_text(purpose, field="purpose", label="用途", max_len=200, required=True)
    if c.status != ContractStatus.FILED:
        raise Conflict(f"合同状态为「{c.get_status_display()}」，原件不在客服部保管", rule=FILING, code="bad_state")
    today = timezone.localdate()
    d = rules.takeout_due_check(today, requested_due_on, get_calendar(), get_policy())
    if d.refused:
        raise RuleRefused.from_decision(d)
    try:
        with transaction.atomic():
            loan = ContractCustodyLoan.objects.create(contract=c, borrower=actor, purpose=purpose,
                                                      requested_due_on=requested_due_on)
    except IntegrityError as e:
        raise Conflict(f"合同 {c.number} 已有未完结的借出申请", rule=FILING, code="exists") from e
    need = Decision.needs(("GM",), Reason(FILING, "合同原件借出须总经理批准，并约定归还日期",
                                          "taking the signed original out needs GM approval and a return date",
                                          {"contract": c.number, "due_back_on": d.data["due_back_on"]}))
    req = approvals.start(doc_type=CUSTODY_DOC, doc_id=loan.pk, submitter=actor, decision=need,
                          steps=[{"role": "GM", "limit_wd": 1, "rule": FILING}],
                          label=f"合同原件借出 {c.number} {c.customer.name}（{actor.name}：{purpose}）"[:200],
                          link=_link(c), team=c.order.salesperson.team, beneficiary=actor)
    loan.approval = req
    loan.save(update_fields=["approval"])
    record(actor=actor, action="create", obj=loan, rule=FILING, decision=need,
           after={"contract": c.number, "purpose": purpose, "requested_due_on": requested_due_on})
    return loan


@approvals.on_decided(CUSTODY_DOC)
def _on_takeout_decided(req: ApprovalRequest) -> None:
    loan = ContractCustodyLoan.objects.select_for_update().select_related("contract", "borrower").get(pk=int(req.doc_id))
    before = snapshot(loan, ["status"])
    ok = req.state == ApprovalRequest.State.APPROVED
    loan.status = CustodyLoanStatus.APPROVED if ok else CustodyLoanStatus.REJECTED
    loan.save(update_fields=["status"])
    record(actor=None, action="update", obj=loan, before=before, after=snapshot(loan, ["status"]), rule=FILING)
    if ok:
        for u in users_with_ability("files_contracts"):
            notify(u, f"custody-approved:{loan.pk}:{u.pk}",
                   f"总经理已批准 {loan.borrower.name} 借出合同 {loan.contract.number} 原件，请办理借出登记",
                   rule=FILING, link="/orders/contracts/#custody")


def _loan(loan_id: int) -> ContractCustodyLoan:
    loan = (ContractCustodyLoan.objects.select_for_update().select_related("contract", "borrower")
            .filter(pk=loan_id).first())
    if loan is None:
        raise NotFound("借阅登记不存在")
    return loan


@transaction.atomic
def hand_out(actor: User, loan_id: int) -> ContractCustodyLoan:
    """CS hands the original over after GM approval; the return date runs from today (5 WD, or the date the
    approved request named)."""
    _cs_only(actor, "合同原件借出登记", FILING)
    loan = _loan(loan_id)
    if loan.status != CustodyLoanStatus.APPROVED:
        raise Conflict(f"借出申请状态为「{loan.get_status_display()}」，须总经理批准后才能借出", rule=FILING, code="bad_state")
    now = timezone.now()
    d = rules.takeout_due_check(timezone.localdate(now), loan.requested_due_on, get_calendar(), get_policy())
    if d.refused:
        raise RuleRefused.from_decision(d)
    loan.status, loan.out_at, loan.out_by, loan.due_back_on = CustodyLoanStatus.OUT, now, actor, d.data["due_back_on"]
    loan.save()
    record(actor=actor, action="hand_out", obj=loan, rule=FILING, decision=d,
           after={"contract": loan.contract.number, "borrower": loan.borrower_id, "out_at": now, "due_back_on": loan.due_back_on})
    notify(loan.borrower, f"custody-out:{loan.pk}", f"合同 {loan.contract.number} 原件已借出，请于 {loan.due_back_on:%Y-%m-%d} 前归还客服部",
           rule=FILING, link=_link(loan.contract))
    return loan


@transaction.atomic
def record_return(actor: User, loan_id: int, note: str = "") -> ContractCustodyLoan:
    _cs_only(actor, "合同原件归还登记", FILING)
    loan = _loan(loan_id)
    if loan.status != CustodyLoanStatus.OUT:
        raise Conflict(f"借阅状态为「{loan.get_status_display()}」，不是借出中", rule=FILING, code="bad_state")
    now = timezone.now()
    late = rules.takeout_overdue(loan.due_back_on, timezone.localdate(now), False)
    loan.status, loan.returned_at, loan.returned_to = CustodyLoanStatus.RETURNED, now, actor
    loan.return_note = clean_text(note, field="note", label="归还说明", max_len=200)
    loan.save()
    record(actor=actor, action="return", obj=loan, rule=FILING, reason=late.message if late else "",
           after={"contract": loan.contract.number, "returned_at": now, "on_time": late is None})
    return loan


def loans_visible_to(user: User) -> QuerySet[ContractCustodyLoan]:
    return ContractCustodyLoan.objects.filter(contract__in=contracts_visible_to(user)).select_related(
        "contract", "contract__customer", "borrower", "out_by", "returned_to", "approval")


def overdue_loans(today: date, qs: QuerySet[ContractCustodyLoan] | None = None) -> QuerySet[ContractCustodyLoan]:
    qs = qs if qs is not None else ContractCustodyLoan.objects.select_related("contract", "contract__customer", "borrower")
    return qs.filter(status=CustodyLoanStatus.OUT, due_back_on__lt=today)


def flag_overdue_loans(now: datetime | None = None) -> int:
    """Nightly: each take-out not back by its return date is flagged once; the borrower and the CSM are told."""
    now = now or timezone.now()
    today = now.astimezone(TZ).date()
    n = 0
    managers = list(users_with_ability("supervises_contract_filing"))
    for loan in overdue_loans(today).filter(overdue_flagged_on__isnull=True):
        why = rules.takeout_overdue(loan.due_back_on, today, False)
        with transaction.atomic():
            if not ContractCustodyLoan.objects.filter(pk=loan.pk, overdue_flagged_on__isnull=True).update(overdue_flagged_on=today):
                continue
            msg = f"合同 {loan.contract.number}（{loan.contract.customer.name}）原件由 {loan.borrower.name} 借出：{why.message}"
            for u in [loan.borrower, *managers]:
                notify(u, f"custody-overdue:{loan.pk}", msg, rule=FILING, link="/orders/contracts/#custody")
            record(actor=None, action="flag", obj=loan, after={"overdue_flagged_on": today}, rule=FILING, reason=msg)
            n += 1
    return n


# --- monthly register (contract.monthly_register) --------------------------------------------------------------


def parse_month(value: str | None, today: date | None = None) -> date:
    """``YYYY-MM`` → first day of that month; empty → the previous month (the one due for confirmation)."""
    if not value:
        return rules.previous_month(today or timezone.localdate())
    try:
        y, m = (int(x) for x in value.split("-"))
        return date(y, m, 1)
    except ValueError:
        raise ValidationError("month 格式应为 YYYY-MM", fields={"month": "YYYY-MM"}, rule=REGISTER) from None


def month_contracts(month: date, qs: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    """The month's signed contracts (by signing date), in number order."""
    qs = qs if qs is not None else Contract.objects.all()
    return (qs.filter(number__isnull=False, signed_on__year=month.year, signed_on__month=month.month)
            .select_related("customer", "order", "order__salesperson", "approval")
            .prefetch_related("custody_loans__borrower", "disputes").order_by("number"))


def register_rows(month: date, qs: QuerySet[Contract] | None = None) -> list[dict]:
    today = timezone.localdate()
    rows = []
    for i, c in enumerate(month_contracts(month, qs), 1):
        code, label = custody_state(c, today)
        filing = "已归档" if c.status == ContractStatus.FILED else ("逾期未归档" if c.filing_flagged_at else c.get_status_display())
        rows.append({"seq": i, "c": c, "filing": filing, "custody": label, "custody_code": code,
                     "disputed": any(d.status != DisputeStatus.RESOLVED for d in c.disputes.all())})
    return rows


def register_status(month: date, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    reg = ContractRegister.objects.select_related("confirmed_by").filter(month=month).first()
    confirmed = reg is not None and reg.confirmed_at is not None
    current = list(month_contracts(month).values_list("number", flat=True))
    added = sorted(set(current) - set(reg.numbers)) if confirmed else []
    return {"month": month, "reg": reg, "confirmed": confirmed, "due": rules.register_due(month, get_policy()),
            "overdue": rules.register_overdue(month, now, confirmed, get_policy()), "added_after": added,
            "count": len(current)}


@transaction.atomic
def confirm_register(actor: User, month: date) -> ContractRegister:
    """CS confirms the numbered register of a finished month (by the 5th of the next month)."""
    _cs_only(actor, "合同台账确认", REGISTER)
    month = rules.month_start(month)
    d = rules.register_confirmable(month, timezone.localdate())
    if d.refused:
        raise RuleRefused.from_decision(d)
    reg, _ = ContractRegister.objects.select_for_update().get_or_create(month=month)
    if reg.confirmed_at is not None:
        raise Conflict(f"{month:%Y年%m月}合同台账已由 {reg.confirmed_by.name} 于 {timezone.localtime(reg.confirmed_at):%Y-%m-%d %H:%M} 确认",
                       rule=REGISTER, code="already_confirmed")
    now = timezone.now()
    reg.numbers = list(month_contracts(month).values_list("number", flat=True))
    reg.confirmed_by, reg.confirmed_at = actor, now
    reg.save()
    due = rules.register_due(month, get_policy())
    record(actor=actor, action="confirm", obj=reg, rule=REGISTER, reason="" if now <= due else f"逾期确认（期限 {due:%Y-%m-%d}）",
           after={"month": f"{month:%Y-%m}", "count": len(reg.numbers), "numbers": reg.numbers, "on_time": now <= due})
    return reg


def flag_unconfirmed_register(now: datetime | None = None) -> int:
    """Nightly: after the 5th, last month's register (when it has contracts) not confirmed → CS and CSM told once."""
    now = now or timezone.now()
    month = rules.previous_month(now.astimezone(TZ).date())
    reg = ContractRegister.objects.filter(month=month).first()
    why = rules.register_overdue(month, now, reg is not None and reg.confirmed_at is not None, get_policy())
    if why is None or (reg is not None and reg.flagged_at) or not month_contracts(month).exists():
        return 0
    with transaction.atomic():
        reg, _ = ContractRegister.objects.select_for_update().get_or_create(month=month)
        if reg.flagged_at or reg.confirmed_at:
            return 0
        reg.flagged_at = now
        reg.save(update_fields=["flagged_at"])
        for u in users_with_ability("files_contracts"):
            notify(u, f"register-overdue:{month:%Y-%m}", why.message, rule=REGISTER,
                   link=f"/orders/contracts/register/?month={month:%Y-%m}")
        record(actor=None, action="flag", obj=reg, after={"flagged_at": now}, rule=REGISTER, reason=why.message)
    return 1


# --- disputes (contract.dispute) -------------------------------------------------------------------------------


def _owner_for(c: Contract) -> User:
    """The team's SM owns the dispute; without one, the GM."""
    team = c.order.salesperson.team if c.order.salesperson.team_id else None
    if team is not None and team.manager_id and team.manager.is_active:
        return team.manager
    gm = users_with_ability("handles_any_contract_dispute").first()
    if gm is None:
        raise Conflict("没有可负责该纠纷的业务经理或总经理", rule=DISPUTE)
    return gm


def may_record_dispute(actor: User, c: Contract) -> bool:
    """Who may record a breach/dispute: the order's salesperson, an SM, CS or the GM."""
    return can(actor, "records_contract_disputes") or actor.id == c.order.salesperson_id


def may_manage_dispute(actor: User, d: ContractDispute) -> bool:
    """Who moves a dispute on: its owner (the team's SM) or the GM."""
    return actor.id == d.owner_id or can(actor, "handles_any_contract_dispute")


@transaction.atomic
def record_dispute(actor: User, contract_id: int, *, kind: str, description: str, amount_at_stake, occurred_on: date) -> ContractDispute:
    """A breach or dispute on a signed contract: owned by the team's SM, reported to the GM. Litigation or
    arbitration leaves the normal flow at once (shipments and approvals of the order stop)."""
    c = _visible_contract(actor, contract_id)
    if not may_record_dispute(actor, c):
        raise PermissionDenied("纠纷由该订单的业务员、业务经理、客服或总经理登记", rule=DISPUTE)
    if c.status not in (ContractStatus.SIGNED, ContractStatus.FILED):
        raise Conflict(f"合同状态为「{c.get_status_display()}」，签订后的合同才有违约/纠纷", rule=DISPUTE, code="bad_state")
    if kind not in DisputeKind.values:
        raise ValidationError("请选择类型：违约、纠纷、诉讼或仲裁", fields={"kind": "必选"}, rule=DISPUTE)
    description = clean_text(description, field="description", label="情况说明", max_len=2000, required=True)
    amount = parsers.money("0" if amount_at_stake in (None, "") else amount_at_stake, field="amount_at_stake",
                           label="涉及金额", allow_zero=True, rule=DISPUTE)
    if occurred_on is None or occurred_on > timezone.localdate():
        raise ValidationError("发生日期须为今天或以前", fields={"occurred_on": "日期"}, rule=DISPUTE)
    owner = _owner_for(c)
    d = ContractDispute.objects.create(contract=c, kind=kind, description=description, amount_at_stake=amount,
                                       occurred_on=occurred_on, owner=owner, status=rules.dispute_initial_status(kind),
                                       created_by=actor)
    record(actor=actor, action="create", obj=d, rule=DISPUTE, after=snapshot(d))
    msg = (f"合同 {c.number}（{c.customer.name}）登记{d.get_kind_display()}：涉及 {amount:,.2f} 元，负责人 {owner.name}"
           + ("；已进入诉讼/仲裁，订单停止发货和审批" if d.status == DisputeStatus.LITIGATION else ""))
    for u in {owner, *users_with_ability("handles_any_contract_dispute")}:
        notify(u, f"dispute:{d.pk}:{u.pk}", msg, rule=DISPUTE, link=_link(c))
    return d


@transaction.atomic
def move_dispute(actor: User, dispute_id: int, target: str, resolution: str = "") -> ContractDispute:
    """open → resolved | litigation; litigation → resolved. The owner (SM) or the GM; the GM is told."""
    d = ContractDispute.objects.select_for_update().select_related("contract", "contract__customer").filter(pk=dispute_id).first()
    if d is None or not contracts_visible_to(actor).filter(pk=d.contract_id).exists():
        raise NotFound("纠纷不存在或无权查看")
    if not may_manage_dispute(actor, d):
        raise PermissionDenied(f"纠纷由负责人 {d.owner.name} 或总经理处理", rule=DISPUTE)
    dec = rules.dispute_move(d.status, target)
    if dec.refused:
        raise RuleRefused.from_decision(dec, status=409)
    resolution = clean_text(resolution, field="resolution", label="处理结果", max_len=500,
                            required=target == DisputeStatus.RESOLVED)
    before = snapshot(d, ["status", "resolution"])
    d.status = target
    if resolution:
        d.resolution = resolution
    if target == DisputeStatus.RESOLVED:
        d.resolved_at = timezone.now()
    d.save()
    record(actor=actor, action="update", obj=d, before=before, after=snapshot(d, ["status", "resolution"]), rule=DISPUTE)
    for u in users_with_ability("handles_any_contract_dispute"):
        notify(u, f"dispute:{d.pk}:{target}:{u.pk}", f"合同 {d.contract.number} 的{d.get_kind_display()}：{d.get_status_display()}"
               + (f"（{resolution}）" if resolution else ""), rule=DISPUTE, link=_link(d.contract))
    return d


def litigation_on(order: Order | int) -> ContractDispute | None:
    oid = order if isinstance(order, int) else order.pk
    return (ContractDispute.objects.filter(contract__order_id=oid, status=DisputeStatus.LITIGATION)
            .select_related("contract").first())


def litigation_reason(order: Order | int) -> Reason | None:
    """`contract.dispute`: an order whose contract is in litigation/arbitration is out of the normal flow."""
    d = litigation_on(order)
    if d is None:
        return None
    return Reason(DISPUTE, f"合同 {d.contract.number} 处于{d.get_kind_display()}（{d.occurred_on:%Y-%m-%d} 起），"
                           "已脱离正常流程：停止发货和审批", f"contract {d.contract.number} is in litigation/arbitration",
                  {"contract": d.contract.number, "dispute": d.pk})


def disputes_visible_to(user: User) -> QuerySet[ContractDispute]:
    return ContractDispute.objects.filter(contract__in=contracts_visible_to(user)).select_related(
        "contract", "contract__customer", "owner", "created_by")


@approvals.register_blocker
def _approval_blocker(req: ApprovalRequest) -> Reason | None:
    """Approvals of an order in litigation (the order itself and its contract review) stop; taking the original
    out of custody (e.g. for the court) does not."""
    if req.doc_type == "order":
        return litigation_reason(int(req.doc_id))
    if req.doc_type == "contract":
        oid = Contract.objects.filter(pk=int(req.doc_id)).values_list("order_id", flat=True).first()
        return litigation_reason(oid) if oid else None
    return None
