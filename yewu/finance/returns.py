"""Returns → money (`return.flow` → SPEC §5): registered with :func:`yewu.orders.returns.register_credit_note_handler`
at app start, so it runs inside the warehouse's receive transaction for a plain (non-exchange) return.

What changes, and where it is computed:

* receivables (`ar.aging`) and the order's amount owed: read-time, in :mod:`yewu.finance.selectors` — the returned
  value leaves the order's delivered value (newest goods-issue note first) from the day the goods were received;
  the order's total owed is its total less received plain returns. Money already allocated beyond that stays
  allocated (the order is over-paid; FIN refunds or reverses the receipt) — written down here, in the audit log;
* un-invoiced delivered amounts (`invoice.vat_min_5000`): delivered is net of returned quantities (selectors);
* commission (`commission.base`: "reversals and returns deduct in their month"): written here — 退货扣回 entries
  booked on the day the goods were received (the return's month), see
  :func:`yewu.performance.services.reverse_for_return`.

FIN's credit note / red-letter invoice (``record_credit_note``) then only records the document: every money
figure already moved when the goods came back, so a late credit note does not leave commission paid on goods
that were returned.
"""

from __future__ import annotations

from decimal import Decimal

from yewu.audit.services import record
from yewu.common.jobs import notify
from yewu.orders import returns
from yewu.orders.models import ReturnRequest
from yewu.org.models import Role
from yewu.org.selectors import users_with_role
from yewu.performance import services as commission
from yewu.policy.calendar import TZ

from . import selectors

ZERO = Decimal("0.00")


@returns.register_credit_note_handler
def on_return_received(ret: ReturnRequest) -> None:
    """Same transaction as the warehouse receipt (order and line rows already locked by ``returns.receive``)."""
    if ret.exchange:  # an exchange is re-shipped, nothing is owed back
        return
    on = ret.received_at.astimezone(TZ).date()
    due = returns.credit_note_due(ret)
    entries = commission.reverse_for_return(ret, on)
    order = ret.order
    order.refresh_from_db(fields=["paid_amount", "total"])
    net_total = selectors.net_total(order)
    over = selectors.overpaid(order)
    record(actor=None, action="return_credit", obj=ret, rule="return.flow",
           after={"return": ret.number, "order": order.number, "received_on": on, "credit_due": due["amount"],
                  "order_total": order.total, "order_net_total": net_total, "paid_amount": order.paid_amount,
                  "overpaid": over,
                  "commission_reversed": sum((e.amount for e in entries), ZERO),
                  "commission_entries": [{"salesperson_id": e.salesperson_id, "receipt_id": e.receipt_id,
                                          "basis": e.basis, "amount": e.amount, "month": e.month} for e in entries]})
    if over > 0:
        for u in users_with_role(Role.FIN):
            notify(u, f"return:{ret.pk}:overpaid",
                   f"退货 {ret.number} 后订单 {order.number} 已收款 ¥{order.paid_amount:,.2f} 超过应收 ¥{net_total:,.2f}，"
                   f"多收 ¥{over:,.2f} 请退款或红冲回款", rule="return.flow", link="/finance/receipts/")
