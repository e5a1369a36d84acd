"""Money arrived for one order (deposit or payment), recorded from the order: ``POST
/api/v1/orders/{order_id}/payments`` and the order page's payment form (``/orders/<pk>/payments/``).

Finance owns receipts: the money is a finance receipt (回款, SK number) allocated in full to the order, and
finance tells orders through its one entry point (``yewu.orders.ordering.release.apply_money_change``, called by
the receipt allocation). Orders never imports finance; this module sits in finance and reads orders."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST
from ninja import Router, Schema

from yewu.common.errors import Conflict, NotFound, PermissionDenied, YewuError
from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS
from yewu.orders.inputs import decimal_in
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.api import order_out
from yewu.orders.pages import order_or_404, posted_date, show_error
from yewu.orders.schemas import OrderOut
from yewu.orders.visibility import visible_order
from yewu.org.models import User
from yewu.org.permissions import can

from .services import create_receipt

router = Router(tags=["orders"])  # mounted at /orders in yewu.api


@transaction.atomic
def record_payment(actor: User, order_id: int, amount, arrived_on: date | None = None, reference: str = "") -> Order:
    """Money arrived for an order (deposit or payment); FIN/CA only (`sod.receipt_recorder`). Recorded as a
    finance receipt allocated in full to this order."""
    if not can(actor, "records_receipts"):
        raise PermissionDenied("收款只能由财务或出纳登记", rule="sod.receipt_recorder")
    amt = decimal_in(amount, "amount", "金额", 2)
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.DRAFT):
        raise Conflict("草稿或已取消的订单不能收款", code="bad_state")
    create_receipt(actor, customer_id=order.customer_id, amount=amt, arrived_on=arrived_on or timezone.localdate(),
                   method="transfer", reference=reference, for_order_id=order.pk, allocations=[(order.pk, amt)])
    return Order.objects.get(pk=order.pk)


class PaymentIn(Schema):
    amount: MoneyInput
    arrived_on: date | None = None
    reference: str = ""


@router.post("/{order_id}/payments", response={200: OrderOut, **ERRORS}, exclude_unset=True, summary="Money arrived for this order (FIN/CA): deposit or payment")
def payment(request, order_id: int, payload: PaymentIn):
    visible_order(request.auth, order_id)
    return order_out(record_payment(request.auth, order_id, payload.amount, payload.arrived_on, payload.reference), request.auth)


@login_required
@require_POST
def order_payment(request, pk):
    """The order page's payment form (FIN/CA)."""
    o = order_or_404(request, pk)
    p = request.POST
    try:
        arrived = p.get("arrived_on") or None
        if arrived:
            arrived = posted_date(arrived, "arrived_on", "到账日期")
        o = record_payment(request.user, o.pk, p.get("amount", ""), arrived, p.get("reference", ""))
        messages.success(request, f"已登记到账，累计已收 {o.paid_amount:,.2f}，状态：{o.get_status_display()}")
    except YewuError as e:
        show_error(request, e)
    return redirect("orders:detail", pk=pk)
