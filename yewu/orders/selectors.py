"""Row-level access for orders: an order is visible exactly when its customer is (customers.selectors)."""

from django.db.models import QuerySet
from django.utils import timezone

from yewu.customers.selectors import customers_visible_to

from .models import Order, OrderStatus


def orders_visible_to(user) -> QuerySet[Order]:
    if user.has_role("WH", "FIN", "FD", "CA", "GM"):
        return Order.objects.all()
    return Order.objects.filter(customer__in=customers_visible_to(user))


def order_for(user, pk: int) -> Order | None:
    return orders_visible_to(user).select_related("customer", "salesperson", "approval").filter(pk=pk).first()


def late_orders(user, today=None):
    """`delivery.standard_3_4d`: unshipped after the promised day."""
    today = today or timezone.localdate()
    return orders_visible_to(user).filter(
        status__in=[OrderStatus.READY, OrderStatus.PARTLY_SHIPPED], promised_ship_on__lt=today
    ).select_related("customer")


# --- read helpers for the order pages (yewu/orders/views.py) -------------------------------------------------

ALL_ORDER_ROLES = ("SP", "SM", "GM")  # who may create orders (services.create_order)
PRICE_READERS = ("SP", "SM", "GM", "FIN", "FD", "CA")  # acl.ops_scope: WH/PROD/QC never see prices


def sees_prices(user) -> bool:
    return user.has_role(*PRICE_READERS)


def order_customers(user):
    """Customers the user may place an order for: an SP only their own, SM the team's, GM all — never the pool."""
    from yewu.customers.selectors import customers_visible_to as visible

    qs = visible(user).filter(owner__isnull=False)
    if user.has_role("SP") and not user.has_role("SM", "GM"):
        qs = qs.filter(owner=user)
    return qs.order_by("name")


def accepted_quotes(user):
    """Accepted quotes the user may turn into an order (`acl.sp_scope` via quotes_visible_to)."""
    from yewu.sales.models import QuoteState
    from yewu.sales.selectors import quotes_visible_to

    return (quotes_visible_to(user).filter(state=QuoteState.ACCEPTED, customer__in=order_customers(user))
            .exclude(pk__in=Order.objects.exclude(quote_id=None).values("quote_id")).order_by("-created_at"))


def _num(v):
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() and d > 0 else None


def settlement_preview(user, customer_id, lines, delivery_address: str = "") -> dict | None:
    """What the order form shows while typing: the total, and for every settlement type whether this customer
    may have it for this total and address, with the rule reasons (yewu.policy.orders.settlement_options).
    ``lines`` are (product_id, quantity, unit_price) as typed; incomplete lines are ignored."""
    from decimal import Decimal

    from yewu.catalog.models import Product
    from yewu.org.selectors import get_policy
    from yewu.policy import orders as rules

    from .services import order_facts

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
    if order.customer.supply_suspended:
        return f"客户「{order.customer.name}」已暂停供货，不能发货", "credit.supply_suspended"
    if order.status in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED):
        return None
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
    from yewu.approvals.models import ApprovalRequest
    from yewu.org.models import Role

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
