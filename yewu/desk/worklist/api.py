"""GET /api/v1/worklist: the manager work list (SPEC §9.1) — customer pool and first contacts (customers),
pending approvals (approvals), late orders (orders) and overdue receivables (finance) of the manager's team(s)."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router

from yewu.approvals.services import inbox
from yewu.common.errors import PermissionDenied
from yewu.customers.archive import selectors
from yewu.customers.leads.selectors import manager_worklist
from yewu.customers.schemas import (
    ERRORS,
    customer_out,
    local,
)
from yewu.desk.worklist.schemas import WorklistOut
from yewu.finance.selectors import overdue_for_manager
from yewu.orders.ordering.selectors import late_orders_for_manager
from yewu.org.permissions import can

worklist_router = Router(tags=["leads"])


@worklist_router.get("", response={200: WorklistOut, **ERRORS}, exclude_unset=True,
                     summary="经理工作清单（公海、首次联系逾期、逾期录入、待审核）")
def worklist(request):
    user = request.auth
    if not can(user, "manages_customers"):
        raise PermissionDenied("工作清单仅业务经理和总经理可见", rule="cust.ownerless_to_manager")
    wl = manager_worklist(user)
    v = selectors.viewer(user)

    def rows(cs):
        return [customer_out(user, c, detail=False, v=v) for c in cs]

    return {
        "pool": rows(wl["pool"]),
        "first_contact_overdue": [{"customer": customer_out(user, c, detail=False, v=v), "due": local(due),
                                   "rule": "cust.first_contact_1w"} for c, due in wl["first_contact_overdue"]],
        "late_entries": rows(wl["late_entries"]),
        "pending_review": rows(wl["pending_review"]),
        **_order_sections(user),
    }


def _order_sections(user) -> dict:
    """Pending approvals, late orders and receivables > 30 days past due of the manager's team(s) (SPEC §9.1)."""
    today = timezone.localdate()
    return {
        "pending_approvals": [{"request_id": s.request_id, "label": s.request.doc_label, "link": s.request.link, "role": s.role,
                               "due_at": local(s.due_at), "rule": "approval.inbox"} for s in inbox(user)],
        "late_orders": [{"order_id": x.order.pk, "number": x.order.number, "customer": x.order.customer.name,
                         "salesperson": x.order.salesperson.name, "promised": x.first_promised.isoformat(),
                         "days_late": x.days_late, "lines": len(x.lines), "rules": x.rules, "link": f"/orders/{x.order.pk}/"}
                        for x in late_orders_for_manager(user, today)],
        "overdue_receivables": [{"order_id": x.order.pk, "number": x.order.number, "customer": x.order.customer.name,
                                 "salesperson": x.order.salesperson.name, "due_on": x.due_on.isoformat(),
                                 "days_past_due": x.days_past_due, "open": str(x.open), "rule": "ar.collection_task",
                                 "link": f"/orders/{x.order.pk}/"} for x in overdue_for_manager(user, today)],
    }
