"""Commission writes (`commission.base`), called by yewu.finance inside its transactions: an allocation credits
the order's salesperson in the receipt's arrival month, split over the order's lines by their totals, each at
base rate − the line's special-price cut (never below 0); a reversal adds the exact negatives in its month; a
return received back takes back the returned share of each credit on its line in the return's month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yewu.org.selectors import get_policy
from yewu.policy.receivables import commission_amount, commission_rate, money, split_by_weights

from .models import CommissionEntry

ZERO = Decimal("0.00")


def month_of(d: date) -> date:
    return d.replace(day=1)


def credit_allocation(alloc, order, receipt) -> list[CommissionEntry]:
    cfg = get_policy()
    lines = list(order.lines.all().order_by("id"))
    if not lines:
        return []
    parts = split_by_weights(alloc.amount, _net_line_totals(lines))
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


def _net_line_totals(lines) -> list[Decimal]:
    """Line totals less the plain returns received on them: money paid after a return is credited on what the
    customer kept (at those lines' rates); all lines returned → the gross totals."""
    from yewu.orders.models import ReturnRequest, ReturnStatus

    back: dict[int, Decimal] = {}
    for line_id, amt in ReturnRequest.objects.filter(line__in=lines, exchange=False, status__in=(
            ReturnStatus.RECEIVED, ReturnStatus.CREDITED)).values_list("line_id", "amount"):
        back[line_id] = back.get(line_id, ZERO) + amt
    net = [max(ln.line_total - back.get(ln.pk, ZERO), ZERO) for ln in lines]
    return net if sum(net) > 0 else [ln.line_total for ln in lines]


def reverse_allocation(alloc, on: date) -> list[CommissionEntry]:
    """Receipt reversal: the exact negative of what is still credited per line of the allocation — the credit
    less any 退货扣回 already booked on it, so a return followed by a receipt reversal never deducts twice."""
    returned: dict[int, tuple[Decimal, Decimal]] = {}
    for line_id, basis, amount in CommissionEntry.objects.filter(allocation=alloc, kind=CommissionEntry.Kind.RETURN
                                                                 ).values_list("order_line_id", "basis", "amount"):
        b, a = returned.get(line_id, (ZERO, ZERO))
        returned[line_id] = (b + basis, a + amount)
    out = []
    for e in CommissionEntry.objects.filter(allocation=alloc, kind=CommissionEntry.Kind.CREDIT):
        rb, ra = returned.get(e.order_line_id, (ZERO, ZERO))
        if e.basis + rb == 0 and e.amount + ra == 0:
            continue
        out.append(CommissionEntry(salesperson_id=e.salesperson_id, month=month_of(on), booked_on=on,
                                   kind=CommissionEntry.Kind.REVERSAL, receipt_id=e.receipt_id, allocation=alloc,
                                   order_id=e.order_id, order_line_id=e.order_line_id, basis=-(e.basis + rb),
                                   base_rate=e.base_rate, cut=e.cut, rate=e.rate, amount=-(e.amount + ra)))
    CommissionEntry.objects.bulk_create(out)
    return out


def reverse_for_return(ret, on: date) -> list[CommissionEntry]:
    """`commission.base` — returns deduct in their month: for every receipt allocation that credited commission on
    the returned line (and is not reversed), a 退货扣回 entry of −(credited × returned qty ÷ line qty), basis
    likewise, booked on ``on`` for the salesperson who was credited; capped so that the returns on one credit never
    take back more than it gave."""
    line = ret.line
    if not line.quantity:
        return []
    share = Decimal(ret.quantity) / Decimal(line.quantity)
    taken: dict[int, tuple[Decimal, Decimal]] = {}
    for alloc_id, basis, amount in CommissionEntry.objects.filter(order_line_id=line.pk, kind=CommissionEntry.Kind.RETURN
                                                                  ).values_list("allocation_id", "basis", "amount"):
        b, a = taken.get(alloc_id, (ZERO, ZERO))
        taken[alloc_id] = (b + basis, a + amount)
    out = []
    credits = CommissionEntry.objects.filter(order_line_id=line.pk, kind=CommissionEntry.Kind.CREDIT,
                                             allocation__reversed_on__isnull=True).order_by("id")
    for e in credits:
        tb, ta = taken.get(e.allocation_id, (ZERO, ZERO))
        basis = min(money(e.basis * share), e.basis + tb)
        amount = min(money(e.amount * share), e.amount + ta)
        if basis <= 0 and amount <= 0:
            continue
        out.append(CommissionEntry(salesperson_id=e.salesperson_id, month=month_of(on), booked_on=on,
                                   kind=CommissionEntry.Kind.RETURN, receipt_id=e.receipt_id, allocation_id=e.allocation_id,
                                   order_id=e.order_id, order_line_id=e.order_line_id, return_request=ret,
                                   basis=-max(basis, ZERO), base_rate=e.base_rate, cut=e.cut, rate=e.rate,
                                   amount=-max(amount, ZERO)))
    CommissionEntry.objects.bulk_create(out)
    return out


def undo_return(ret, on: date) -> list[CommissionEntry]:
    """A received return was reversed (撤销收货): the exact opposite of its 退货扣回 entries, booked on ``on`` —
    except on receipts reversed since (their reversal already took back only credit − 退货扣回)."""
    out = [CommissionEntry(salesperson_id=e.salesperson_id, month=month_of(on), booked_on=on, kind=CommissionEntry.Kind.RETURN,
                           receipt_id=e.receipt_id, allocation_id=e.allocation_id, order_id=e.order_id,
                           order_line_id=e.order_line_id, return_request=ret, basis=-e.basis, base_rate=e.base_rate,
                           cut=e.cut, rate=e.rate, amount=-e.amount)
           for e in CommissionEntry.objects.filter(return_request=ret, kind=CommissionEntry.Kind.RETURN,
                                                    allocation__reversed_on__isnull=True).order_by("id")]
    CommissionEntry.objects.bulk_create(out)
    return out
