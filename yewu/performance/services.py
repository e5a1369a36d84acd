"""Commission writes (`commission.base`), called by yewu.finance inside its transactions: an allocation credits
the order's salesperson in the receipt's arrival month, split over the order's lines by their totals, each at
base rate − the line's special-price cut (never below 0); a reversal adds the exact negatives in its month."""

from __future__ import annotations

from datetime import date

from yewu.org.selectors import get_policy
from yewu.policy.receivables import commission_amount, commission_rate, split_by_weights

from .models import CommissionEntry


def month_of(d: date) -> date:
    return d.replace(day=1)


def credit_allocation(alloc, order, receipt) -> list[CommissionEntry]:
    cfg = get_policy()
    lines = list(order.lines.all().order_by("id"))
    if not lines:
        return []
    parts = split_by_weights(alloc.amount, [ln.line_total for ln in lines])
    sp = order.salesperson
    if cfg["commission.base.credit_to"] == "owner_at_receipt" and order.customer.owner_id:
        sp = order.customer.owner
    out = []
    for ln, basis in zip(lines, parts, strict=True):
        if basis == 0:
            continue
        base, cut, rate = commission_rate(ln.commission_delta, cfg)
        out.append(CommissionEntry(salesperson=sp, month=month_of(receipt.arrived_on), booked_on=receipt.arrived_on,
                                   kind=CommissionEntry.Kind.CREDIT, receipt=receipt, allocation=alloc, order=order,
                                   order_line=ln, basis=basis, base_rate=base, cut=cut, rate=rate,
                                   amount=commission_amount(basis, rate)))
    CommissionEntry.objects.bulk_create(out)
    return out


def reverse_allocation(alloc, on: date) -> list[CommissionEntry]:
    out = [CommissionEntry(salesperson_id=e.salesperson_id, month=month_of(on), booked_on=on,
                           kind=CommissionEntry.Kind.REVERSAL, receipt_id=e.receipt_id, allocation=alloc, order_id=e.order_id,
                           order_line_id=e.order_line_id, basis=-e.basis, base_rate=e.base_rate, cut=e.cut, rate=e.rate,
                           amount=-e.amount)
           for e in CommissionEntry.objects.filter(allocation=alloc, kind=CommissionEntry.Kind.CREDIT)]
    CommissionEntry.objects.bulk_create(out)
    return out
