"""Returns → money (`return.flow` → SPEC §5): registered with :func:`yewu.orders.returns.register_credit_note_handler`
at app start, so it runs inside the warehouse's receive transaction for a plain (non-exchange) return.

What changes, and where it is computed:

* receivables (`ar.aging`) and the order's amount owed: read-time, in :mod:`yewu.finance.selectors` — the returned
  value leaves the order's delivered value (newest goods-issue note first) from the day the goods were received;
  the order's total owed is its total less received plain returns (``Order.returned_amount``, kept by
  :mod:`yewu.orders.returns`, so ``Order.unpaid`` is net of returns everywhere);
* money allocated beyond the new net total (the return made the order over-paid) is released to the customer's
  credit balance at once (`receipt.allocation`: "the rest is a customer credit balance"): a negative *release*
  allocation per receipt, newest money first, dated the day the goods came back; reversing the return
  (:func:`on_return_reversed`) re-applies exactly those amounts, or refuses when the balance has been used since;
* un-invoiced delivered amounts (`invoice.vat_min_5000`): delivered is net of returned quantities (selectors);
* commission (`commission.base`: "reversals and returns deduct in their month"): written here — 退货扣回 entries
  booked on the day the goods were received (the return's month), see
  :func:`yewu.performance.services.reverse_for_return`.

FIN's credit note / red-letter invoice (``record_credit_note``) then only records the document: every money
figure already moved when the goods came back, so a late credit note does not leave commission paid on goods
that were returned.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.audit.services import record
from yewu.common.errors import Conflict
from yewu.common.jobs import notify
from yewu.orders.models import Order, ReturnRequest
from yewu.orders.ordering import release as orders
from yewu.orders.returns import services as returns
from yewu.org.selectors import users_with_ability
from yewu.performance import services as commission
from yewu.policy.calendar import TZ

from ..models import Allocation, Receipt, ReceiptStatus
from ..receivables import balances

ZERO = Decimal("0.00")


def _release_excess(ret: ReturnRequest, order: Order, excess: Decimal, on: date, actor) -> list[dict]:
    """Move ``excess`` allocated to ``order`` back to the customer's balance, newest allocation first."""
    net: dict[int, Decimal] = {}
    latest: dict[int, int] = {}
    for a in Allocation.objects.filter(order=order, reversed_on__isnull=True).order_by("id"):
        net[a.receipt_id] = net.get(a.receipt_id, ZERO) + a.amount
        latest[a.receipt_id] = a.pk
    out = []
    left = excess
    for rid in sorted(net, key=lambda k: -latest[k]):
        if left <= 0:
            break
        take = min(left, net[rid])
        if take <= 0:
            continue
        r = Receipt.objects.select_for_update().get(pk=rid)
        Allocation.objects.create(receipt=r, order=order, amount=-take, kind=Allocation.Kind.RELEASE, created_by=actor,
                                  return_request=ret, effective_on=on)
        r.allocated -= take
        r.save(update_fields=["allocated"])
        orders.apply_money_change(actor, order, -take, rule="return.flow", ref=f"退货 {ret.number} 多收转余额 {r.number}")
        out.append({"receipt": r.number, "amount": take})
        left -= take
    return out


@returns.register_credit_note_handler
def on_return_received(ret: ReturnRequest) -> None:
    """Same transaction as the warehouse receipt (order and line rows already locked by ``returns.receive``)."""
    if ret.exchange:  # an exchange is re-shipped, nothing is owed back
        return
    on = ret.received_at.astimezone(TZ).date()
    actor = getattr(ret, "_actor", None) or ret.created_by
    due = returns.credit_note_due(ret)
    entries = commission.reverse_for_return(ret, on)
    order = Order.objects.select_for_update().get(pk=ret.order_id)
    net_total = balances.net_total(order)
    over = balances.overpaid(order)
    released = _release_excess(ret, order, over, on, actor) if over > 0 else []
    record(actor=actor, action="return_credit", obj=ret, rule="return.flow",
           after={"return": ret.number, "order": order.number, "received_on": on, "credit_due": due["amount"],
                  "order_total": order.total, "order_net_total": net_total, "paid_amount": order.paid_amount,
                  "overpaid": over, "released_to_balance": released,
                  "credit_balance": balances.customer_credit_balance(order.customer_id),
                  "commission_reversed": sum((e.amount for e in entries), ZERO),
                  "commission_entries": [{"salesperson_id": e.salesperson_id, "receipt_id": e.receipt_id,
                                          "basis": e.basis, "amount": e.amount, "month": e.month} for e in entries]})
    if over > 0:
        for u in users_with_ability("hears_overpaid_returns"):
            notify(u, f"return:{ret.pk}:overpaid",
                   f"退货 {ret.number} 后订单 {order.number} 已收款超过应收 ¥{net_total:,.2f}，多收 ¥{over:,.2f} 已转入客户余额"
                   "（可分配到其他订单或退款）", rule="return.flow", link=f"/finance/statement/{order.customer_id}/")


@returns.register_reversal_handler
def on_return_reversed(ret: ReturnRequest) -> None:
    """撤销收货: undo exactly what :func:`on_return_received` did — re-apply the released money to the order (refused
    when the customer's balance on that receipt has been allocated elsewhere since) and give back the commission."""
    actor = getattr(ret, "_actor", None) or ret.created_by
    on = timezone.localdate()
    order = Order.objects.select_for_update().get(pk=ret.order_id)
    restored = []
    for a in Allocation.objects.filter(return_request=ret, kind=Allocation.Kind.RELEASE, reversed_on__isnull=True).order_by("id"):
        r = Receipt.objects.select_for_update().get(pk=a.receipt_id)
        if r.status != ReceiptStatus.POSTED:
            continue
        if r.unallocated < -a.amount:
            raise Conflict(f"退货多收的 ¥{-a.amount:,.2f} 已转入客户余额，回款 {r.number} 现只剩未分配 ¥{r.unallocated:,.2f}，"
                           "须先红冲用掉余额的回款后才能撤销收货", rule="receipt.allocation", code="balance_used")
        a.reversed_on = on
        a.save(update_fields=["reversed_on"])
        r.allocated += -a.amount
        r.save(update_fields=["allocated"])
        orders.apply_money_change(actor, order, -a.amount, rule="return.flow", ref=f"撤销退货 {ret.number} {r.number}")
        restored.append({"receipt": r.number, "amount": -a.amount})
    entries = commission.undo_return(ret, on)
    record(actor=actor, action="return_reversal", obj=ret, rule="return.flow",
           after={"return": ret.number, "order": order.number, "restored_from_balance": restored,
                  "paid_amount": order.paid_amount, "order_net_total": balances.net_total(order),
                  "commission_restored": sum((e.amount for e in entries), ZERO),
                  "credit_balance": balances.customer_credit_balance(order.customer_id)})
