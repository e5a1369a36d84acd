"""An order's release state after approval and money (SPEC §4): ready (with its promised ship dates) or
awaiting payment; :func:`apply_money_change` is the one entry point finance tells orders through."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.jobs import notify
from yewu.org.models import User
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import orders as rules

from .. import closing
from ..models import Order, OrderStatus


def after_approval(order: Order) -> None:
    """Approved: ready when no money is due before release, else awaiting payment/deposit."""
    if order.paid_amount >= order.payment_needed_before_release:
        make_ready(order)
    else:
        order.status = OrderStatus.AWAITING_PAYMENT
        order.save(update_fields=["status"])


def refresh_order_promise(order: Order) -> None:
    """The order's dates are the latest of its lines' (mixed orders carry per-line promises)."""
    lines = list(order.lines.all())
    promises = [ln.promised_ship_on for ln in lines if ln.promised_ship_on]
    targets = [ln.target_ship_on for ln in lines if ln.target_ship_on]
    order.promised_ship_on = max(promises) if promises else None
    order.target_ship_on = max(targets) if targets else None
    order.save(update_fields=["promised_ship_on", "target_ship_on"])


def make_ready(order: Order) -> None:
    """Ready: standard lines get ready + 3/4 WD (`delivery.standard_3_4d`); custom lines keep PROD's date
    (`delivery.custom_production`)."""
    today = timezone.localdate()
    target, promise, _ = rules.promised_ship_dates(today, get_calendar(), get_policy())
    order.status, order.ready_on = OrderStatus.READY, today
    order.save(update_fields=["status", "ready_on"])
    order.lines.exclude(kind="custom").update(target_ship_on=target, promised_ship_on=promise)
    refresh_order_promise(order)


def money_arrived(order: Order, arrived_on: date) -> None:
    """After money for ``order`` was recorded (``paid_amount`` already updated, order row locked): note the
    day the deposit was covered — PROD then owes the custom ship date within 1 WD
    (`delivery.custom_production`) — and make the order ready when the release condition is met. Finance's
    receipt allocation calls this too."""
    if order.deposit_required > 0 and order.deposit_arrived_on is None and order.paid_amount >= order.deposit_required:
        order.deposit_arrived_on = arrived_on
        order.save(update_fields=["deposit_arrived_on"])
        due, reason = rules.custom_date_entry_due(arrived_on, get_calendar(), get_policy())
        order.lines.filter(kind="custom", promised_ship_on__isnull=True).update(prod_date_due_at=due)
        for u in users_with_ability("enters_custom_ship_dates"):
            notify(u, f"custom-date:{order.pk}", f"订单 {order.number}（{order.customer.name}）{reason.message}",
                   rule="delivery.custom_production", link=f"/orders/{order.pk}/")
        record(actor=None, action="update", obj=order, after={"deposit_arrived_on": arrived_on, "prod_date_due_at": due},
               rule="delivery.custom_production", reason=reason.message)
    if order.status == OrderStatus.AWAITING_PAYMENT and order.paid_amount >= order.payment_needed_before_release:
        make_ready(order)


def apply_money_change(actor: User | None, order: Order, delta: Decimal, *, rule: str = "receipt.allocation",
                       ref: str = "", arrived_on: date | None = None) -> Order:
    """Money on an order changed (yewu.finance: a receipt allocated, delta > 0, or reversed, delta < 0). The
    caller holds the order row locked in its transaction. Keeps ``paid_amount`` and the release state: an order
    awaiting payment becomes ready once the money needed before release has arrived (as record_payment did);
    a reversal that takes a ready, unshipped order below it puts it back to awaiting payment."""
    before = snapshot(order, ["paid_amount", "status"])
    order.paid_amount += delta
    order.save(update_fields=["paid_amount"])
    needed = order.payment_needed_before_release
    if delta > 0:
        money_arrived(order, arrived_on or timezone.localdate())
    elif delta < 0 and order.status == OrderStatus.READY and needed > 0 and order.paid_amount < needed:
        order.status, order.ready_on, order.target_ship_on, order.promised_ship_on = OrderStatus.AWAITING_PAYMENT, None, None, None
        order.save(update_fields=["status", "ready_on", "target_ship_on", "promised_ship_on"])
    record(actor=actor, action="payment" if delta > 0 else "payment_reversal", obj=order, before=before,
           after={**snapshot(order, ["paid_amount", "status"]), "ref": ref}, rule=rule)
    return closing.sync_closed(actor, order, ref=ref)  # paid in full: closed; a reversal reopens it
