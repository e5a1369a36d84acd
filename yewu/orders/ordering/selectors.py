"""Order reads: late lines and orders, PROD's custom lines, the order form's customers, quotes and live settlement
preview, the release block and approval history of the order page, the SM's late orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from yewu.approvals.models import ApprovalRequest, ApprovalStep
from yewu.catalog.models import Product
from yewu.customers.models import Customer
from yewu.customers.selectors import customers_visible_to
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids
from yewu.policy import Reason
from yewu.policy import orders as rules
from yewu.sales.models import QuoteState
from yewu.sales.selectors import quotes_visible_to

from ..models import Order, OrderLine, OrderStatus
from ..shipping.check import ship_blocker, with_ship_facts
from ..visibility import SHIPPABLE, orders_visible_to
from .facts import order_facts

# What a list row shows of its customer and salesperson (name, and the shipping check's supply suspension): the
# other columns of the two joined tables (58 and 19) are left unread — a fifth of a 50-order page's time.
_ROW_CUSTOMER = {"id", "name", "supply_suspended"}
_ROW_SALESPERSON = {"id", "username", "display_name"}


def narrow_joins(qs: QuerySet[Order]) -> QuerySet[Order]:
    """``qs`` with its joined customer and salesperson reduced to what a list row shows."""
    return qs.defer(*[f"customer__{f.name}" for f in Customer._meta.concrete_fields if f.name not in _ROW_CUSTOMER],
                    *[f"salesperson__{f.name}" for f in User._meta.concrete_fields if f.name not in _ROW_SALESPERSON])


def for_list(qs: QuerySet[Order]) -> QuerySet[Order]:
    """Order rows with everything an API list item shows, in a fixed number of queries whatever the page size:
    customer, salesperson and approval joined; the lines with their products and the approval steps with their
    deciders prefetched; the shipping check's contract facts annotated (``ship_hold``)."""
    return narrow_joins(with_ship_facts(qs).select_related("customer", "salesperson", "approval")).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
        Prefetch("approval__steps", queryset=ApprovalStep.objects.select_related("decided_by")))


def page_rows(qs: QuerySet, offset: int, limit: int, count_qs: QuerySet | None = None,
              cap: int | None = None) -> tuple[list, int, bool]:
    """One page of ``qs``, the total and whether the total was cut at ``cap``. The total is counted only when the
    page does not tell it: a page that is not full (and not past the end) ends the list, so the total is its offset
    plus its rows. ``count_qs`` is the same rows without the page's joins and annotations (counting those costs a
    join per row). With ``cap`` the count stops at ``cap`` rows, or at the end of this page if that is further
    (``COUNT`` over a ``LIMIT`` subquery): the same cost at 20 k or 2 M rows."""
    rows = list(qs[offset:offset + limit])
    if (offset == 0 or rows) and len(rows) < limit:
        return rows, offset + len(rows), False
    base = qs if count_qs is None else count_qs
    if cap is None:
        return rows, base.count(), False
    cap = max(cap, offset + limit)
    n = base.values("pk")[:cap + 1].count()
    return rows, min(n, cap), n > cap


# A list page counts at most this many rows: "共 10000+ 条" tells a user to filter, and the count stays the same
# few milliseconds at 20 k or 2 M orders (an exact count reads the whole index: 20 ms at 200 k on PostgreSQL).
LIST_COUNT_CAP = 10_000


class _Paginator(Paginator):
    """A paginator that counts ``count_qs`` (the plain rows) instead of the page's joined, annotated queryset, up
    to ``cap`` rows (``capped`` then tells there are more; the pages beyond the cap are not offered)."""

    def __init__(self, object_list, per_page, count_qs: QuerySet | None = None, cap: int | None = None):
        super().__init__(object_list, per_page)
        self._count_qs, self._cap = count_qs, cap

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        if self._count_qs is None:
            return super().count, False
        if self._cap is None:
            return self._count_qs.count(), False
        n = self._count_qs.values("pk")[:self._cap + 1].count()  # COUNT over a LIMIT subquery
        return min(n, self._cap), n > self._cap

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def capped(self) -> bool:
        return self._counted[1]


def list_page(qs: QuerySet, number, per_page: int, count_qs: QuerySet | None = None, cap: int | None = None) -> Page:
    """The page ``number`` of ``qs`` for a list page (as ``Paginator.get_page``); a first page that is not full
    gives the total without counting the table, otherwise ``count_qs`` (the plain rows) is counted, up to ``cap``."""
    paginator = _Paginator(qs, per_page, count_qs, cap)
    if str(number or "1").strip() == "1":
        rows = list(qs[:per_page])
        if len(rows) < per_page:
            paginator.__dict__["count"] = len(rows)  # Paginator.count is a cached property: the page told it
            paginator.__dict__["_counted"] = (len(rows), False)
        return Page(rows, 1, paginator)  # the rows read are the page: no second read of the same rows
    return paginator.get_page(number)


@dataclass
class LateLine:
    line: OrderLine
    reason: Reason


def _open_expr():
    return ExpressionWrapper(F("quantity") - F("shipped_qty") + F("exchange_qty"),
                             output_field=DecimalField(max_digits=14, decimal_places=3))


def late_lines_qs(today: date, orders: QuerySet[Order] | None = None) -> QuerySet[OrderLine]:
    """Lines still open after their promised day on orders that may ship (per line: standard lines'
    `delivery.standard_3_4d` promise, custom lines' PROD date under `delivery.custom_production`)."""
    qs = OrderLine.objects.annotate(open=_open_expr()).filter(
        order__status__in=SHIPPABLE, promised_ship_on__lt=today, open__gt=0)
    if orders is not None:
        qs = qs.filter(order__in=orders)
    return qs.select_related("order", "order__customer", "order__salesperson", "product").order_by("promised_ship_on", "id")


def late_lines(user, today: date | None = None) -> list[LateLine]:
    today = today or timezone.localdate()
    out = []
    for ln in late_lines_qs(today, orders_visible_to(user)):
        reason = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
        if reason is not None:
            out.append(LateLine(ln, reason))
    return out


def late_orders(user, today=None):
    """Orders with at least one late line."""
    today = today or timezone.localdate()
    ids = late_lines_qs(today, orders_visible_to(user)).values("order_id")
    return orders_visible_to(user).filter(pk__in=ids).select_related("customer")


def custom_dates_overdue(now=None) -> QuerySet[OrderLine]:
    """Custom lines whose PROD ship date is still missing after its entry deadline."""
    now = now or timezone.now()
    return OrderLine.objects.filter(kind="custom", promised_ship_on__isnull=True, prod_date_due_at__lt=now).exclude(
        order__status__in=[OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED]
    ).select_related("order", "order__customer", "order__salesperson")


def custom_lines_to_date(user) -> QuerySet[OrderLine]:
    """PROD's list (`delivery.custom_production`): custom lines whose deposit arrived and whose ship date is not
    entered yet, the most urgent entry deadline first."""
    return OrderLine.objects.filter(kind="custom", promised_ship_on__isnull=True, order__deposit_arrived_on__isnull=False,
                                    order__in=orders_visible_to(user)).exclude(
        order__status__in=[OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                           OrderStatus.CLOSED]
    ).select_related("order", "order__customer", "product").order_by("prod_date_due_at", "id")


# --- read helpers for the order pages (yewu/orders/ordering/views.py) -------------------------------------------------

def order_customers(user):
    """Customers the user may place an order for: an SP only their own, SM the team's, GM all — never the pool."""
    qs = customers_visible_to(user).filter(owner__isnull=False)
    if can(user, "places_orders") and not can(user, "handles_team_orders"):
        qs = qs.filter(owner=user)
    return qs.order_by("name")


def accepted_quotes(user):
    """Accepted quotes the user may turn into an order (`acl.sp_scope` via quotes_visible_to)."""
    return (quotes_visible_to(user).filter(state=QuoteState.ACCEPTED, customer__in=order_customers(user))
            .exclude(pk__in=Order.objects.exclude(quote_id=None).values("quote_id")).order_by("-created_at"))


def _num(v):
    try:
        d = Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() and d > 0 else None


def settlement_preview(user, customer_id, lines, delivery_address: str = "") -> dict | None:
    """What the order form shows while typing: the total, and for every settlement type whether this customer
    may have it for this total and address, with the rule reasons (yewu.policy.orders.settlement_options).
    ``lines`` are (product_id, quantity, unit_price) as typed; incomplete lines are ignored."""
    customer = order_customers(user).filter(pk=customer_id).first() if str(customer_id).isdigit() else None
    if customer is None:
        return None
    cfg = get_policy()
    ids = {int(p) for p, _, _ in lines if str(p).isdigit()}
    kinds = dict(Product.objects.filter(pk__in=ids).values_list("pk", "kind"))
    total = custom = Decimal("0.00")
    for pid, qty, price in lines:
        q, p = _num(qty), _num(price)
        if not str(pid).isdigit() or int(pid) not in kinds or q is None or p is None:
            continue
        amt = (q * p).quantize(Decimal("0.01"))
        total += amt
        if kinds[int(pid)] == "custom":
            custom += amt
    addr = (delivery_address or "").strip() or customer.delivery_address
    facts = order_facts(customer, total, custom, addr)
    opts = rules.settlement_options(facts, cfg)
    deposit, dep = rules.deposit_required(facts, cfg)
    basis = customer.registered_address if cfg["settle.gz_cod_1500.basis"] == "registered" else addr
    return {
        "customer_id": customer.pk, "customer": customer.name, "total": str(total), "custom_total": str(custom),
        "address": addr, "in_guangzhou": rules.in_guangzhou(basis), "is_new_customer": facts.is_new_customer,
        "credit_grade": customer.credit_grade or "", "term_days": customer.term_days or cfg["credit.grade_policy.term_days"],
        "deposit": str(deposit), "deposit_reasons": [r.as_dict() for r in dep.reasons],
        "options": [{
            "code": code, "label": rules.SETTLEMENT_LABELS[code], "allowed": not d.refused, "outcome": str(d.outcome),
            "approvers": list(d.approvers), "reasons": [{"rule": r.rule, "message": r.message} for r in d.reasons],
        } for code, d in ((c, opts[c]) for c in (rules.CASH, rules.PREPAY, rules.COD, rules.CREDIT))],
    }


def release_block(order, with_money: bool = True) -> tuple[str, str] | None:
    """Why the warehouse may not ship this order now (`ship.release_check`), as (message, rule), or None.
    Without ``with_money`` (`acl.ops_scope`: warehouse) the amounts are left out."""
    if order.status in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED):
        why = ship_blocker(order, with_money)  # the check the warehouse's shipment and the order list ask too
        return (why.message, why.rule) if why else None
    if order.customer.supply_suspended:
        return f"客户「{order.customer.name}」已暂停供货，不能发货", "credit.supply_suspended"
    if order.status == OrderStatus.AWAITING_PAYMENT:
        figs = (f"（需 {order.payment_needed_before_release:,.2f}，已收 {order.paid_amount:,.2f}）" if with_money else "")
        return (f"结算方式「{order.get_settlement_display()}」要求的款项/定金尚未到账{figs}，财务确认到账后方可发货",
                "ship.release_check")
    if order.status == OrderStatus.PENDING_APPROVAL:
        return "订单尚在审批中，审批通过后方可发货", "ship.release_check"
    return f"订单状态为「{order.get_status_display()}」，不能发货", "ship.release_check"


def approval_history(order, now=None) -> list[dict]:
    """Every approval this order went through (latest first), with each step's role, state, decider, comment,
    due time and overdue flag (`approval.inbox`, `approval.overdue`)."""
    now = now or timezone.now()
    out = []
    reqs = (ApprovalRequest.objects.filter(doc_type="order", doc_id=str(order.pk)).order_by("-created_at", "-id")
            .prefetch_related("steps__decided_by"))
    for req in reqs:
        steps = list(req.steps.all())
        done = sum(1 for s in steps if s.state == "approved")
        out.append({"req": req, "done": done, "total": len(steps), "steps": [{
            "step": s, "role_label": Role(s.role).label if s.role in Role.values else s.role,
            "overdue": s.state == "pending" and s.due_at is not None and s.due_at < now,
        } for s in steps]})
    return out


# --- SM work list (SPEC §9.1: late orders) --------------------------------------------------------------------


def team_orders(user) -> QuerySet[Order]:
    """The orders of the teams ``user`` manages (`acl.team_scope`); the GM sees all teams."""
    if can(user, "sees_every_team_orders"):
        return Order.objects.all()
    teams = managed_team_ids(user)
    return orders_visible_to(user).filter(Q(salesperson__team_id__in=teams) | Q(customer__owner__team_id__in=teams))


@dataclass
class LateOrder:
    order: Order
    lines: list[LateLine]

    @property
    def first_promised(self) -> date:
        return min(x.line.promised_ship_on for x in self.lines)

    @property
    def days_late(self) -> int:
        return max(x.reason.figures["days_late"] for x in self.lines)

    @property
    def rules(self) -> list[str]:
        return sorted({x.reason.rule for x in self.lines})


def late_orders_for_manager(user, today: date | None = None, limit: int = 200) -> list[LateOrder]:
    """SM work list: orders of the manager's team(s) with a line still open after its promised day
    (`delivery.standard_3_4d`, `delivery.custom_production`), the longest overdue first."""
    today = today or timezone.localdate()
    by_order: dict[int, LateOrder] = {}
    for ln in late_lines_qs(today, team_orders(user)):
        reason = rules.line_late(ln.promised_ship_on, today, ln.open_qty, ln.is_custom)
        if reason is not None:
            by_order.setdefault(ln.order_id, LateOrder(ln.order, [])).lines.append(LateLine(ln, reason))
    out = sorted(by_order.values(), key=lambda x: (-x.days_late, x.order.number))
    return out[:limit]
