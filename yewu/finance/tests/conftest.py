"""Money fixtures: orders built directly (status, lines with their commission cut, shipments on given dates)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import transaction

from yewu.orders.tests.conftest import shop  # noqa: F401  (re-exported fixture)
from yewu.policy.calendar import TZ


@pytest.fixture
def books(shop):  # noqa: F811
    from yewu.common.numbering import next_number
    from yewu.orders.models import Order, OrderLine, OrderStatus, Shipment, ShipmentLine

    co = shop.company

    def order(*a, **kw):
        with transaction.atomic():
            return _order(*a, **kw)

    def _order(customer, lines, settlement="CREDIT", term_days=30, status=OrderStatus.READY, shipped_on=None,
               deposit="0.00", created=None):
        """lines: [(qty, unit_price, commission_delta or None)] of the cable product."""
        total = sum((Decimal(q) * Decimal(p)).quantize(Decimal("0.01")) for q, p, _ in lines)
        o = Order.objects.create(number=next_number("DD"), customer=customer, salesperson=customer.owner,
                                 settlement=settlement, term_days=term_days if settlement == "CREDIT" else 0,
                                 delivery_address=customer.delivery_address, status=status, total=total,
                                 deposit_required=Decimal(deposit), created_by=customer.owner)
        if created:
            Order.objects.filter(pk=o.pk).update(created_at=datetime.combine(created, time(10), tzinfo=TZ))
        for q, p, delta in lines:
            OrderLine.objects.create(order=o, product=shop.cable, kind="standard", quantity=Decimal(q), unit_price=Decimal(p),
                                     guide_price=Decimal("100.00"), line_total=(Decimal(q) * Decimal(p)).quantize(Decimal("0.01")),
                                     price_outcome="allowed" if delta is None else "needs_approval",
                                     commission_delta=None if delta is None else Decimal(delta))
        if shipped_on:
            _ship(o, shipped_on)
        o.refresh_from_db()
        return o

    def ship(*a, **kw):
        with transaction.atomic():
            return _ship(*a, **kw)

    def _ship(o, on: date, fraction=None):
        s = Shipment.objects.create(number=next_number("CK"), order=o, shipped_by=co.manager)
        Shipment.objects.filter(pk=s.pk).update(shipped_at=datetime.combine(on, time(10), tzinfo=TZ))
        for ln in o.lines.all():
            q = ln.open_qty if fraction is None else (ln.quantity * Decimal(fraction)).quantize(Decimal("0.001"))
            ShipmentLine.objects.create(shipment=s, order_line=ln, quantity=q)
            ln.shipped_qty += q
            ln.save(update_fields=["shipped_qty"])
        done = all(ln.open_qty <= 0 for ln in o.lines.all())
        Order.objects.filter(pk=o.pk).update(status=OrderStatus.SHIPPED if done else OrderStatus.PARTLY_SHIPPED)
        return s

    class Books:
        pass

    b = Books()
    b.shop, b.co, b.order, b.ship = shop, co, order, ship
    b.gz = shop.gz
    b.other = shop.customer("王五的客户", owner=co.sales3)
    return b
