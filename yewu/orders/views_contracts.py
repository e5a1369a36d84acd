"""Contract pages after signing (SPEC §4.4): /orders/contracts/ (contracts with their custody state, the custody
log with overdue take-outs, open disputes), the monthly register /orders/contracts/register/, and the forms the
order page's contract section posts to (take-out request, CS hand-out/return, disputes). Thin: services in
contract_records.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yewu.common.errors import ValidationError, YewuError
from yewu.org.models import Role
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import contracts as rules

from . import contract_records as cr
from . import selectors
from .models import ContractStatus, CustodyLoanStatus, DisputeKind, DisputeStatus


def _error(request, e: YewuError) -> None:
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def _back(request, default: str):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(default)


def _parse_date(value: str, field: str, label: str, rule: str):
    from datetime import date

    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{label}格式不对", fields={field: "日期"}, rule=rule) from None


@login_required
def contract_list(request):
    u = request.user
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()
    qs = (selectors.contracts_visible_to(u).select_related("order__salesperson")
          .prefetch_related("custody_loans__borrower", "disputes").order_by("-signed_on", "-id"))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q) | Q(order__number__icontains=q))
    rows = []
    for c in qs[:100]:
        code, label = cr.custody_state(c, today)
        rows.append({"c": c, "custody": label, "custody_code": code,
                     "dispute": next((d for d in c.disputes.all() if d.status != DisputeStatus.RESOLVED), None)})
    loans = cr.loans_visible_to(u)
    overdue = [{"loan": x, "why": rules.takeout_overdue(x.due_back_on, today, False)} for x in cr.overdue_loans(today, loans)]
    last = rules.previous_month(today)
    return render(request, "orders/contracts.html", {
        "rows": rows, "q": q, "overdue": overdue, "today": today,
        "to_hand_out": loans.filter(status=CustodyLoanStatus.APPROVED),
        "out": loans.filter(status=CustodyLoanStatus.OUT).order_by("due_back_on"),
        "requested": loans.filter(status=CustodyLoanStatus.REQUESTED),
        "disputes": cr.disputes_visible_to(u).exclude(status=DisputeStatus.RESOLVED),
        "is_cs": u.has_role(Role.CS, Role.CSM), "register": cr.register_status(last),
    })


@login_required
def register(request):
    u = request.user
    try:
        month = cr.parse_month(request.GET.get("month", ""))
    except YewuError as e:
        _error(request, e)
        month = rules.previous_month(timezone.localdate())
    rows = cr.register_rows(month, selectors.contracts_visible_to(u))
    return render(request, "orders/contract_register.html", {
        "month": month, "rows": rows, "st": cr.register_status(month), "is_cs": u.has_role(Role.CS, Role.CSM),
        "prev": rules.previous_month(month), "next": rules.next_month(month), "today": timezone.localdate(),
        "can_confirm": u.has_role(Role.CS, Role.CSM) and rules.register_confirmable(month, timezone.localdate()).allowed,
        "total": sum((r["c"].amount for r in rows), 0) if can(u, "sees_prices") else None,
    })


@login_required
@require_POST
def register_confirm(request):
    month_s = request.POST.get("month", "")
    try:
        reg = cr.confirm_register(request.user, cr.parse_month(month_s))
        messages.success(request, f"{reg.month:%Y年%m月}合同台账已确认（{len(reg.numbers)} 份，contract.monthly_register）")
    except YewuError as e:
        _error(request, e)
    return redirect(f"/orders/contracts/register/?month={month_s}")


def _contract_order(request, contract_id: int):
    c = selectors.contracts_visible_to(request.user).filter(pk=contract_id).first()
    if c is None:
        raise Http404("合同不存在或无权查看")
    return c


@login_required
@require_POST
def takeout(request, contract_id):
    c = _contract_order(request, contract_id)
    try:
        due = _parse_date(request.POST.get("requested_due_on", ""), "requested_due_on", "归还日期", rules.FILING)
        loan = cr.request_takeout(request.user, c.pk, purpose=request.POST.get("purpose", ""), requested_due_on=due)
        messages.success(request, f"借出申请已提交总经理审批；批准后由客服办理借出（{loan.contract.number}，contract.filing_1wd）")
    except YewuError as e:
        _error(request, e)
    return _back(request, f"/orders/{c.order_id}/#contract")


@login_required
@require_POST
def custody_action(request, loan_id, action):
    try:
        if action == "hand-out":
            loan = cr.hand_out(request.user, loan_id)
            messages.success(request, f"已借出合同 {loan.contract.number} 原件给 {loan.borrower.name}，应还 {loan.due_back_on:%Y-%m-%d}")
        elif action == "return":
            loan = cr.record_return(request.user, loan_id, request.POST.get("note", ""))
            messages.success(request, f"合同 {loan.contract.number} 原件已归还客服部")
        else:
            raise Http404()
    except YewuError as e:
        _error(request, e)
    return _back(request, "/orders/contracts/#custody")


@login_required
@require_POST
def dispute_create(request, contract_id):
    c = _contract_order(request, contract_id)
    p = request.POST
    try:
        occurred = _parse_date(p.get("occurred_on", ""), "occurred_on", "发生日期", rules.DISPUTE)
        d = cr.record_dispute(request.user, c.pk, kind=p.get("kind", ""), description=p.get("description", ""),
                              amount_at_stake=p.get("amount_at_stake", "") or "0", occurred_on=occurred)
        messages.success(request, f"已登记{d.get_kind_display()}，负责人 {d.owner.name}，已报告总经理（contract.dispute）")
    except YewuError as e:
        _error(request, e)
    return _back(request, f"/orders/{c.order_id}/#disputes")


@login_required
@require_POST
def dispute_move(request, dispute_id):
    try:
        d = cr.move_dispute(request.user, dispute_id, request.POST.get("status", ""), request.POST.get("resolution", ""))
        messages.success(request, f"纠纷状态：{d.get_status_display()}")
    except YewuError as e:
        _error(request, e)
    return _back(request, "/orders/contracts/#disputes")


def order_section(u, o, c) -> dict:
    """The order page's custody/dispute part of the contract section (and the litigation banner)."""
    blocked = cr.litigation_reason(o)
    if c is None:
        return {"litigation": blocked}
    today = timezone.localdate()
    code, label = cr.custody_state(c, today)
    loans = list(c.custody_loans.select_related("borrower", "out_by", "returned_to").order_by("-created_at"))
    for x in loans:
        x.overdue_why = rules.takeout_overdue(x.due_back_on, today, False) if x.status == CustodyLoanStatus.OUT else None
    open_loan = next((x for x in loans if x.status in cr.OPEN_LOAN), None)
    disputes = list(c.disputes.select_related("owner").order_by("-created_at"))
    signed = c.status in (ContractStatus.SIGNED, ContractStatus.FILED)
    return {
        "litigation": blocked, "custody_label": label, "custody_code": code, "loans": loans,
        "can_takeout": c.status == ContractStatus.FILED and open_loan is None,
        "takeout_default": rules.takeout_return_due(today, get_calendar(), get_policy()),
        "is_cs": u.has_role(Role.CS, Role.CSM), "disputes": disputes, "dispute_kinds": DisputeKind.choices,
        "can_dispute": signed and cr.may_record_dispute(u, c),
        "manage_dispute_ids": {d.pk for d in disputes if cr.may_manage_dispute(u, d)},
    }
