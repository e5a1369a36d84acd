"""The manager work list page (SPEC §9.1): customers' pool and overdue first contacts with one-click allocation,
plus pending approvals, late orders, overdue receivables and overdue quote requests of the manager's team(s)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.approvals.services import inbox
from yewu.common.errors import YewuError
from yewu.customers.archive import services
from yewu.customers.leads import services as lead_services
from yewu.customers.leads.selectors import manager_worklist
from yewu.customers.web import fmt_value, int_or_none, is_manager, rule_msg, salesperson_choices
from yewu.finance.selectors import overdue_for_manager
from yewu.orders.ordering.selectors import late_orders_for_manager
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids
from yewu.sales import selectors as sales_selectors


def _quote_section(user):
    """`quote.nonstandard_24h`: overdue (and nearly due) quote requests of the manager's team(s); the GM sees all."""
    rows = sales_selectors.overdue_quote_requests(None if can(user, "manages_all_teams") else managed_team_ids(user))
    out = []
    for r in list(rows)[:200]:
        parts = []
        for k, v in r.items():
            if k in QUOTE_HIDDEN_KEYS or v in (None, ""):
                continue
            label = QUOTE_LABELS.get(k, k)
            v = QUOTE_STATES.get(v, v) if k == "state" else v
            parts.append(f"{label}：{fmt_value(v)}")
        out.append({"text": "；".join(parts), "link": r.get("link") or r.get("url"), "overdue": r.get("state") == "overdue"})
    return out


QUOTE_HIDDEN_KEYS = {"id", "owner_id", "link", "url", "rule", "kind", "customer_id", "product_id"}


QUOTE_LABELS = {"number": "编号", "customer": "客户", "owner": "业务员", "received_at": "收到询价", "due_at": "应答期限",
                "state": "状态", "age_hours": "已过小时", "product": "产品", "requested_by": "申请人"}


QUOTE_STATES = {"overdue": "已超时", "warning": "即将超时"}


def _render_worklist(request, errors=None, posted=None, status=200):
    user = request.user
    now = timezone.now()
    wl = manager_worklist(user, now)
    sp_choices = salesperson_choices(user)
    errors, posted = errors or {}, posted or {}
    pool_rows = []
    for c in wl["pool"]:
        try:
            s = lead_services.allocation_suggestion(user, c)
        except (YewuError, ValueError) as e:  # e.g. an ability factor out of range
            s, err = None, str(getattr(e, "message", e))
        else:
            err = None
        sid = s.data.get("suggested_user_id") if s is not None and not s.refused else None
        pool_rows.append({
            "c": c, "suggestion": s, "suggested_id": sid,
            "suggested_name": next((r["name"] for r in (s.data.get("ranking") or []) if r["user_id"] == sid), "")
            if sid else "", "problem": err or (s.message() if s is not None and s.refused else ""),
            "error": errors.get(("pool", c.pk)), "posted": posted.get(("pool", c.pk), {}),
        })
    overdue_rows = [{
        "c": c, "due": due, "days": (now - due).days, "error": errors.get(("overdue", c.pk)),
        "posted": posted.get(("overdue", c.pk), {}),
    } for c, due in wl["first_contact_overdue"]]
    return render(request, "customers/worklist.html", {
        "pool_rows": pool_rows, "overdue_rows": overdue_rows, "late": wl["late_entries"],
        "pending": wl["pending_review"], "sp_choices": sp_choices, "quotes": _quote_section(user),
        **_order_sections(user),
    }, status=status)


def _order_sections(user) -> dict:
    """The rest of the SM work list (SPEC §9.1): pending approvals (`approval.inbox`), late orders
    (`delivery.standard_3_4d` / `delivery.custom_production`) and receivables more than 30 days past due
    (`ar.collection_task`) of the manager's team(s); the GM sees all teams."""
    today = timezone.localdate()
    return {"approvals": inbox(user), "late_orders": late_orders_for_manager(user, today),
            "overdue_ar": overdue_for_manager(user, today), "sm_list_days": get_policy()["ar.collection_task.sm_list_days"],
            "today": today, "now": timezone.now()}


def _require_manager(user):
    if not is_manager(user):
        raise DjangoPermissionDenied("经理工作台仅限业务经理和总经理")


@login_required
def worklist(request):
    _require_manager(request.user)
    return _render_worklist(request)


@login_required
@require_POST
def worklist_allocate(request, pk: int):
    _require_manager(request.user)
    to_user_id = int_or_none(request.POST.get("to_user_id"))
    try:
        c = lead_services.allocate_lead(request.user, pk, to_user_id, request.POST.get("reason", ""))
    except YewuError as e:
        return _render_worklist(request, errors={("pool", pk): e}, posted={("pool", pk): request.POST.dict()},
                                status=e.status if e.status != 404 else 400)
    messages.success(request, rule_msg(f"已将「{c.name}」分配给 {c.owner.name}", "cust.web_lead_allocation"))
    return redirect("desk:worklist:page")


@login_required
@require_POST
def worklist_reassign(request, pk: int):
    _require_manager(request.user)
    to_user_id = int_or_none(request.POST.get("to_user_id"))
    try:
        if to_user_id is None:
            raise services.ValidationError("请选择接手业务员", fields={"to_user_id": "必选"}, rule="cust.first_contact_1w")
        c = services.transfer_customer(request.user, pk, to_user_id, request.POST.get("reason", ""))
    except YewuError as e:
        return _render_worklist(request, errors={("overdue", pk): e}, posted={("overdue", pk): request.POST.dict()},
                                status=e.status if e.status != 404 else 400)
    messages.success(request, rule_msg(f"已将「{c.name}」改派给 {c.owner.name}", "cust.manager_override"))
    return redirect("desk:worklist:page")
