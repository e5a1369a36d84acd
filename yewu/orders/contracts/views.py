"""Contract pages (SPEC §4.4): the order page's contract section and its posts (draft, submit to review, sign,
file the scan); after signing: /orders/contracts/ (contracts with their custody state, the custody
log with overdue take-outs, open disputes), the monthly register /orders/contracts/register/, and the forms the
order page's contract section posts to (take-out request, CS hand-out/return, disputes). Thin: services in
``services.py`` and ``records.py``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from yewu.common.errors import ValidationError, YewuError
from yewu.org.models import Role
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import contracts as rules
from yewu.policy import orders as order_rules

from ..models import ContractStatus, CustodyLoanStatus, DisputeKind, DisputeStatus, OrderStatus
from ..pages import order_or_404, posted_date, show_error, uploaded
from ..visibility import contracts_visible_to
from . import records, services


def _back(request, default: str):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(default)


def _parse_date(value: str, field: str, label: str, rule: str):
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
    qs = (contracts_visible_to(u).select_related("order__salesperson")
          .prefetch_related("custody_loans__borrower", "disputes").order_by("-signed_on", "-id"))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q) | Q(order__number__icontains=q))
    rows = []
    for c in qs[:100]:
        code, label = records.custody_state(c, today)
        rows.append({"c": c, "custody": label, "custody_code": code,
                     "dispute": next((d for d in c.disputes.all() if d.status != DisputeStatus.RESOLVED), None)})
    loans = records.loans_visible_to(u)
    overdue = [{"loan": x, "why": rules.takeout_overdue(x.due_back_on, today, False)} for x in records.overdue_loans(today, loans)]
    last = rules.previous_month(today)
    return render(request, "orders/contracts.html", {
        "rows": rows, "q": q, "overdue": overdue, "today": today,
        "to_hand_out": loans.filter(status=CustodyLoanStatus.APPROVED),
        "out": loans.filter(status=CustodyLoanStatus.OUT).order_by("due_back_on"),
        "requested": loans.filter(status=CustodyLoanStatus.REQUESTED),
        "disputes": records.disputes_visible_to(u).exclude(status=DisputeStatus.RESOLVED),
        "is_cs": can(u, "files_contracts"), "register": records.register_status(last),
    })


@login_required
def register(request):
    u = request.user
    try:
        month = records.parse_month(request.GET.get("month", ""))
    except YewuError as e:
        show_error(request, e)
        month = rules.previous_month(timezone.localdate())
    rows = records.register_rows(month, contracts_visible_to(u))
    return render(request, "orders/contract_register.html", {
        "month": month, "rows": rows, "st": records.register_status(month), "is_cs": can(u, "files_contracts"),
        "prev": rules.previous_month(month), "next": rules.next_month(month), "today": timezone.localdate(),
        "can_confirm": can(u, "files_contracts") and rules.register_confirmable(month, timezone.localdate()).allowed,
        "total": sum((r["c"].amount for r in rows), 0) if can(u, "sees_prices") else None,
    })


@login_required
@require_POST
def register_confirm(request):
    month_s = request.POST.get("month", "")
    try:
        reg = records.confirm_register(request.user, records.parse_month(month_s))
        messages.success(request, f"{reg.month:%Y年%m月}合同台账已确认（{len(reg.numbers)} 份，contract.monthly_register）")
    except YewuError as e:
        show_error(request, e)
    return redirect(f"/orders/contracts/register/?month={month_s}")


def _contract_order(request, contract_id: int):
    c = contracts_visible_to(request.user).filter(pk=contract_id).first()
    if c is None:
        raise Http404("合同不存在或无权查看")
    return c


@login_required
@require_POST
def takeout(request, contract_id):
    c = _contract_order(request, contract_id)
    try:
        due = _parse_date(request.POST.get("requested_due_on", ""), "requested_due_on", "归还日期", rules.FILING)
        loan = records.request_takeout(request.user, c.pk, purpose=request.POST.get("purpose", ""), requested_due_on=due)
        messages.success(request, f"借出申请已提交总经理审批；批准后由客服办理借出（{loan.contract.number}，contract.filing_1wd）")
    except YewuError as e:
        show_error(request, e)
    return _back(request, f"/orders/{c.order_id}/#contract")


@login_required
@require_POST
def custody_action(request, loan_id, action):
    try:
        if action == "hand-out":
            loan = records.hand_out(request.user, loan_id)
            messages.success(request, f"已借出合同 {loan.contract.number} 原件给 {loan.borrower.name}，应还 {loan.due_back_on:%Y-%m-%d}")
        elif action == "return":
            loan = records.record_return(request.user, loan_id, request.POST.get("note", ""))
            messages.success(request, f"合同 {loan.contract.number} 原件已归还客服部")
        else:
            raise Http404()
    except YewuError as e:
        show_error(request, e)
    return _back(request, "/orders/contracts/#custody")


@login_required
@require_POST
def dispute_create(request, contract_id):
    c = _contract_order(request, contract_id)
    p = request.POST
    try:
        occurred = _parse_date(p.get("occurred_on", ""), "occurred_on", "发生日期", rules.DISPUTE)
        d = records.record_dispute(request.user, c.pk, kind=p.get("kind", ""), description=p.get("description", ""),
                              amount_at_stake=p.get("amount_at_stake", "") or "0", occurred_on=occurred)
        messages.success(request, f"已登记{d.get_kind_display()}，负责人 {d.owner.name}，已报告总经理（contract.dispute）")
    except YewuError as e:
        show_error(request, e)
    return _back(request, f"/orders/{c.order_id}/#disputes")


@login_required
@require_POST
def dispute_move(request, dispute_id):
    try:
        d = records.move_dispute(request.user, dispute_id, request.POST.get("status", ""), request.POST.get("resolution", ""))
        messages.success(request, f"纠纷状态：{d.get_status_display()}")
    except YewuError as e:
        show_error(request, e)
    return _back(request, "/orders/contracts/#disputes")


def order_section(u, o, c) -> dict:
    """The order page's custody/dispute part of the contract section (and the litigation banner)."""
    blocked = records.litigation_reason(o)
    if c is None:
        return {"litigation": blocked}
    today = timezone.localdate()
    code, label = records.custody_state(c, today)
    loans = list(c.custody_loans.select_related("borrower", "out_by", "returned_to").order_by("-created_at"))
    for x in loans:
        x.overdue_why = rules.takeout_overdue(x.due_back_on, today, False) if x.status == CustodyLoanStatus.OUT else None
    open_loan = next((x for x in loans if x.status in records.OPEN_LOAN), None)
    disputes = list(c.disputes.select_related("owner").order_by("-created_at"))
    signed = c.status in (ContractStatus.SIGNED, ContractStatus.FILED)
    return {
        "litigation": blocked, "custody_label": label, "custody_code": code, "loans": loans,
        "can_takeout": c.status == ContractStatus.FILED and open_loan is None,
        "takeout_default": rules.takeout_return_due(today, get_calendar(), get_policy()),
        "is_cs": can(u, "files_contracts"), "disputes": disputes, "dispute_kinds": DisputeKind.choices,
        "can_dispute": signed and records.may_record_dispute(u, c),
        "manage_dispute_ids": {d.pk for d in disputes if records.may_manage_dispute(u, d)},
    }


# --- the order page's contract section (contract.required, contract.review_1wd, contract.number_format, contract.filing_1wd)


def contract_context(u, o) -> dict:
    why = services.contract_reason(o)
    c = contracts_visible_to(u).filter(order=o).select_related("approval", "signed_by", "filed_by").first()
    if why is None and c is None:
        return {"contract_why": None, "contract": None, **order_section(u, o, None)}
    owner = u.id in (o.salesperson_id, o.created_by_id) or can(u, "handles_team_orders")
    reviews = []
    if c is not None and c.approval_id:
        for s in c.approval.steps.select_related("decided_by").order_by("order"):
            data = s.data or {}
            reviews.append({"s": s, "role_label": Role(s.role).label if s.role in Role.values else s.role,
                            "checklist": [(label, (data.get("checklist") or {}).get(k, "")) for k, label in order_rules.REVIEW_CHECKLIST.items()]
                            if data.get("checklist") else [], "credit_opinion": data.get("credit_opinion", "")})
    dd = (c.due_diligence if c else {}) or {}
    return {
        "contract_why": why, "contract": c, "contract_reviews": reviews,
        "dd_fields": [(k, label, dd.get(k, "")) for k, label in order_rules.DUE_DILIGENCE.items()],
        "can_draft_contract": c is None and owner and o.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED),
        "can_submit_contract": c is not None and owner and c.status in (ContractStatus.DRAFT, ContractStatus.REJECTED),
        "can_sign_contract": c is not None and owner and c.status == ContractStatus.APPROVED,
        "can_file_contract": c is not None and c.status == ContractStatus.SIGNED and can(u, "files_contracts"),
        **order_section(u, o, c),
    }


def _posted_dd(post) -> dict:
    return {k: post.get(f"dd_{k}", "") for k in order_rules.DUE_DILIGENCE}


def _contract_of(request, pk):
    o = order_or_404(request, pk)
    c = contracts_visible_to(request.user).filter(order=o).first()
    if c is None:
        raise Http404("合同不存在或无权查看")
    return o, c


def _review_started(c) -> str:
    roles = "、".join(Role(s.role).label for s in c.approval.steps.order_by("order"))
    return f"合同已送评审：{roles}（各 1 个工作日内，contract.review_1wd）"


@login_required
@require_POST
def contract_create(request, pk):
    """SP drafts the order's sales contract (terms; a new customer's due diligence) and may send it to review."""
    o = order_or_404(request, pk)
    p = request.POST
    try:
        c = services.create_contract(request.user, o.pk, due_diligence=_posted_dd(p), terms=p.get("terms", ""))
        messages.success(request, "合同草稿已保存")
    except YewuError as e:
        show_error(request, e)
        return redirect(f"/orders/{pk}/#contract")
    if p.get("and_submit") == "1":
        try:
            c = services.submit_review(request.user, c.pk)
            messages.success(request, _review_started(c))
        except YewuError as e:
            show_error(request, e)
    return redirect(f"/orders/{pk}/#contract")


def _on_contract(request, pk, act) -> HttpResponse:
    """Run one contract step from the order page: ``act(contract)`` returns the success message; a refusal is
    shown with its rule; either way back to the order's contract section."""
    _, c = _contract_of(request, pk)
    try:
        messages.success(request, act(c))
    except YewuError as e:
        show_error(request, e)
    return redirect(f"/orders/{pk}/#contract")


@login_required
@require_POST
def contract_submit(request, pk):
    def submitted(c):
        p = request.POST
        dd = _posted_dd(p) if any(k.startswith("dd_") for k in p) else None
        return _review_started(services.submit_review(request.user, c.pk, due_diligence=dd))
    return _on_contract(request, pk, submitted)


def _signed(request, c) -> str:
    v = request.POST.get("signed_on", "").strip()
    c = services.sign(request.user, c.pk, posted_date(v, "signed_on", "签订日期") if v else None)
    return (f"合同已签订，编号 {c.number}；请于 {timezone.localtime(c.filing_due_at):%Y-%m-%d %H:%M} "
            "前将签字盖章原件交客服部归档（contract.filing_1wd）")


@login_required
@require_POST
def contract_sign(request, pk):
    return _on_contract(request, pk, lambda c: _signed(request, c))


def _filed(request, c) -> str:
    scan = uploaded(request.FILES.get("scan"), "scan")
    if scan is None:
        raise YewuError("请上传签字盖章合同的扫描件或照片", fields={"scan": "必填"}, rule="contract.filing_1wd")
    c = services.file_signed(request.user, c.pk, scan)
    return f"合同 {c.number} 已归档（客服部保管）"


@login_required
@require_POST
def contract_file(request, pk):
    return _on_contract(request, pk, lambda c: _filed(request, c))


@login_required
@require_GET
def contract_scan(request, pk):
    _, c = _contract_of(request, pk)
    if not can(request.user, "sees_prices"):  # acl.ops_scope: the signed contract states prices and amounts
        raise PermissionDenied("无权查看合同原件（acl.ops_scope）")
    if not c.scan_id:
        raise Http404("没有合同扫描件")
    resp = HttpResponse(bytes(c.scan.content), content_type=c.scan.content_type)
    resp["Content-Disposition"] = f'inline; filename="{c.number or "contract"}-scan"'
    return resp
