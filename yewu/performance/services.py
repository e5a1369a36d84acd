"""Commission writes (`commission.base`), called by yewu.finance inside its transactions: an allocation credits
the order's salesperson in the receipt's arrival month, split over the order's lines by their totals, each at
base rate − the line's special-price cut (never below 0); a reversal adds the exact negatives in its month; a
return received back takes back the returned share of each credit on its line in the return's month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused
from yewu.orders.models import ReturnRequest, ReturnStatus
from yewu.org.models import User
from yewu.org.selectors import get_policy
from yewu.policy import Decision, Reason
from yewu.policy.commission import commission_basis
from yewu.policy.receivables import commission_amount, commission_rate, money, split_by_weights

from . import selectors
from .models import CommissionEntry, CommissionStatement

ZERO = Decimal("0.00")


def month_of(d: date) -> date:
    return d.replace(day=1)


def next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def booking_month(salesperson_id: int, on: date) -> date:
    """`commission.statement`: the month an entry dated ``on`` books into — its own month, unless that salesperson's
    statement for it is under approval or approved (frozen); then the next open month ("reversals and returns
    deduct in their month", never in a closed one)."""
    m = month_of(on)
    closed = set(CommissionStatement.objects.filter(salesperson_id=salesperson_id, month__gte=m,
                                                    state__in=CommissionStatement.CLOSED_STATES).values_list("month", flat=True))
    while m in closed:
        m = next_month(m)
    return m


def _booking_months(on: date):
    """``booking_month(sp, on)`` looked up once per salesperson, not once per entry (one query per salesperson)."""
    cache: dict[int, date] = {}

    def month(salesperson_id: int) -> date:
        if salesperson_id not in cache:
            cache[salesperson_id] = booking_month(salesperson_id, on)
        return cache[salesperson_id]

    return month


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
    month = booking_month(sp.pk, receipt.arrived_on)
    for ln, part in zip(lines, parts, strict=True):
        if part == 0:
            continue
        basis, fee = commission_basis(part, ln.line_total, ln.fee)
        base, cut, rate = commission_rate(ln.commission_delta, cfg)
        out.append(CommissionEntry(salesperson=sp, month=month, booked_on=receipt.arrived_on,
                                   kind=CommissionEntry.Kind.CREDIT, receipt=receipt, allocation=alloc, order=order,
                                   order_line=ln, basis=basis, fee_excluded=fee, base_rate=base, cut=cut, rate=rate,
                                   amount=commission_amount(basis, rate)))
    CommissionEntry.objects.bulk_create(out)
    return out


def _net_line_totals(lines) -> list[Decimal]:
    """Line totals less the plain returns received on them: money paid after a return is credited on what the
    customer kept (at those lines' rates); all lines returned → the gross totals."""
    back: dict[int, Decimal] = {}
    for line_id, amt in ReturnRequest.objects.filter(line__in=lines, exchange=False, status__in=(
            ReturnStatus.RECEIVED, ReturnStatus.CREDITED)).values_list("line_id", "amount"):
        back[line_id] = back.get(line_id, ZERO) + amt
    net = [max(ln.line_total - back.get(ln.pk, ZERO), ZERO) for ln in lines]
    return net if sum(net) > 0 else [ln.line_total for ln in lines]


def reverse_allocation(alloc, on: date) -> list[CommissionEntry]:
    """Receipt reversal: the exact negative of what is still credited per line of the allocation — the credit
    less any 退货扣回 already booked on it, so a return followed by a receipt reversal never deducts twice."""
    returned: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    for line_id, basis, amount, fee in CommissionEntry.objects.filter(allocation=alloc, kind=CommissionEntry.Kind.RETURN
                                                                      ).values_list("order_line_id", "basis", "amount",
                                                                                    "fee_excluded"):
        b, a, f = returned.get(line_id, (ZERO, ZERO, ZERO))
        returned[line_id] = (b + basis, a + amount, f + fee)
    month_for = _booking_months(on)
    out = []
    for e in CommissionEntry.objects.filter(allocation=alloc, kind=CommissionEntry.Kind.CREDIT):
        rb, ra, rf = returned.get(e.order_line_id, (ZERO, ZERO, ZERO))
        if e.basis + rb == 0 and e.amount + ra == 0:
            continue
        out.append(CommissionEntry(salesperson_id=e.salesperson_id, month=month_for(e.salesperson_id), booked_on=on,
                                   kind=CommissionEntry.Kind.REVERSAL, receipt_id=e.receipt_id, allocation=alloc,
                                   order_id=e.order_id, order_line_id=e.order_line_id, basis=-(e.basis + rb),
                                   fee_excluded=-(e.fee_excluded + rf), base_rate=e.base_rate, cut=e.cut, rate=e.rate,
                                   amount=-(e.amount + ra)))
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
    fresh = type(line).objects.only("returned_qty", "exchange_qty").get(pk=line.pk)
    all_back = fresh.returned_qty - fresh.exchange_qty >= line.quantity  # plain returns now cover the whole line
    taken: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    for alloc_id, basis, amount, fee in CommissionEntry.objects.filter(
            order_line_id=line.pk, kind=CommissionEntry.Kind.RETURN).values_list("allocation_id", "basis", "amount",
                                                                                 "fee_excluded"):
        b, a, f = taken.get(alloc_id, (ZERO, ZERO, ZERO))
        taken[alloc_id] = (b + basis, a + amount, f + fee)
    month_for = _booking_months(on)
    out = []
    credits = CommissionEntry.objects.filter(order_line_id=line.pk, kind=CommissionEntry.Kind.CREDIT,
                                             allocation__reversed_on__isnull=True).order_by("id")
    for e in credits:
        tb, ta, tf = taken.get(e.allocation_id, (ZERO, ZERO, ZERO))
        if all_back:  # the last goods of the line came back: take back exactly what is left, no rounding residue
            share = Decimal("1")
        basis = min(money(e.basis * share), e.basis + tb)
        amount = min(money(e.amount * share), e.amount + ta)
        if basis <= 0 and amount <= 0:
            continue
        fee = min(money(e.fee_excluded * share), e.fee_excluded + tf)  # like basis and amount: net of earlier returns
        out.append(CommissionEntry(salesperson_id=e.salesperson_id, month=month_for(e.salesperson_id), booked_on=on,
                                   fee_excluded=-max(fee, ZERO), kind=CommissionEntry.Kind.RETURN, receipt_id=e.receipt_id, allocation_id=e.allocation_id,
                                   order_id=e.order_id, order_line_id=e.order_line_id, return_request=ret,
                                   basis=-max(basis, ZERO), base_rate=e.base_rate, cut=e.cut, rate=e.rate,
                                   amount=-max(amount, ZERO)))
    CommissionEntry.objects.bulk_create(out)
    return out


# --- commission.statement: the monthly statement as a document, approved by the FD ------------------------------


def _snapshot(s: dict) -> dict:
    """The figures frozen on approval: totals, the tiers that applied, and every entry's applied rate and amount."""
    return {"basis": str(s["basis"]), "credits": str(s["credits"]), "deductions": str(s["deductions"]),
            "net": str(s["net"]), "fee_excluded": str(s["fee_excluded"]), "tiers_enabled": s["tiers"]["enabled"],
            "tiers": {str(k): v for k, v in s["tiers"]["by_product"].items()},
            "entries": {str(e.pk): [str(e.applied_base), str(e.applied_rate), str(e.applied_amount)] for e in s["entries"]}}


def _live(sp: User, month: date) -> dict | None:
    entries = selectors.entry_rows(CommissionEntry.objects.filter(salesperson=sp, month=month).order_by("id"))
    if not entries:
        return None
    return {"entries": entries, **selectors.apply_figures(sp.pk, month, entries, get_policy())}


@transaction.atomic
def submit_statement(actor: User, salesperson_id: int, month: date) -> CommissionStatement:
    """`commission.statement`: FIN (or the SP's SM, or GM) submits a salesperson's statement of an ended month to the
    FD. From then on the month is closed for that salesperson (later entries book into the next open month); a
    rejection reopens it and it may be submitted again."""
    sp = User.objects.select_for_update().filter(pk=salesperson_id).first()
    if sp is None:
        raise NotFound("业务员不存在")
    if not selectors.can_submit(actor, sp):
        raise PermissionDenied("提成计算表由财务（或本组业务经理）提交", rule="commission.statement")
    month = month_of(month)
    if next_month(month) > timezone.localdate():
        raise RuleRefused(f"{month:%Y年%m月} 尚未结束，月结后才能提交提成计算表", rule="commission.statement",
                          fields={"month": "月份未结束"})
    st = CommissionStatement.objects.select_for_update().filter(salesperson=sp, month=month).first()
    if st is not None and st.closed:
        raise Conflict(f"{sp.name} {month:%Y年%m月} 的提成计算表已{st.get_state_display()}", rule="commission.statement",
                       code="already_submitted")
    live = _live(sp, month)
    if live is None:
        raise RuleRefused(f"{sp.name} {month:%Y年%m月} 没有提成记录", rule="commission.statement")
    before = snapshot(st, ["state", "net"]) if st else None
    st = st or CommissionStatement(salesperson=sp, month=month)
    st.state, st.submitted_by, st.submitted_at = CommissionStatement.State.PENDING, actor, timezone.now()
    st.decided_by, st.decided_at, st.comment = None, None, ""
    st.basis, st.credits, st.deductions, st.net = live["basis"], live["credits"], live["deductions"], live["net"]
    st.snapshot = {}
    st.save()
    reason = Reason("commission.statement", f"{sp.name} {month:%Y年%m月} 提成计算表：提成 {st.credits:,.2f}，扣回 "
                    f"{st.deductions:,.2f}，实发 {st.net:,.2f}，须财务总监审批",
                    f"Commission statement {sp.name} {month:%Y-%m}: net {st.net:,.2f}; FD approves",
                    {"basis": st.basis, "credits": st.credits, "deductions": st.deductions, "net": st.net})
    st.approval = approvals.start(
        doc_type=STATEMENT_DOC, doc_id=st.pk, submitter=actor, roles=["FD"], decision=Decision.needs(("FD",), reason),
        label=f"提成计算表 {sp.name} {month:%Y年%m月} 实发 ¥{st.net:,.2f}",
        link=f"/performance/commission/?month={month:%Y-%m}", team=sp.team, beneficiary=sp)
    st.save(update_fields=["approval"])
    record(actor=actor, action="submit", obj=st, before=before, after=snapshot(st, ["state", "basis", "credits",
                                                                                   "deductions", "net"]),
           rule="commission.statement")
    return st


STATEMENT_DOC = "commission_statement"


@approvals.on_decided(STATEMENT_DOC)
def _on_statement_decided(req) -> None:
    st = CommissionStatement.objects.select_for_update().select_related("salesperson").get(pk=int(req.doc_id))
    step = req.steps.exclude(decided_by=None).order_by("-decided_at").first()
    st.decided_by, st.decided_at = (step.decided_by, step.decided_at) if step else (None, timezone.now())
    st.comment = step.comment if step else ""
    if req.state == req.State.APPROVED:
        live = _live(st.salesperson, st.month)
        st.state = CommissionStatement.State.APPROVED
        st.basis, st.credits, st.deductions, st.net = live["basis"], live["credits"], live["deductions"], live["net"]
        st.snapshot = _snapshot(live)
    else:
        st.state = CommissionStatement.State.REJECTED
    st.save()
    record(actor=st.decided_by, action="approve" if st.state == CommissionStatement.State.APPROVED else "reject", obj=st,
           after=snapshot(st, ["state", "basis", "credits", "deductions", "net"]), rule="commission.statement")


def undo_return(ret, on: date) -> list[CommissionEntry]:
    """A received return was reversed (撤销收货): the exact opposite of its 退货扣回 entries, booked on ``on`` —
    except on receipts reversed since (their reversal already took back only credit − 退货扣回)."""
    month_for = _booking_months(on)
    out = [CommissionEntry(salesperson_id=e.salesperson_id, month=month_for(e.salesperson_id), booked_on=on,
                           kind=CommissionEntry.Kind.RETURN, fee_excluded=-e.fee_excluded,
                           receipt_id=e.receipt_id, allocation_id=e.allocation_id, order_id=e.order_id,
                           order_line_id=e.order_line_id, return_request=ret, basis=-e.basis, base_rate=e.base_rate,
                           cut=e.cut, rate=e.rate, amount=-e.amount)
           for e in CommissionEntry.objects.filter(return_request=ret, kind=CommissionEntry.Kind.RETURN,
                                                    allocation__reversed_on__isnull=True).order_by("id")]
    CommissionEntry.objects.bulk_create(out)
    return out
