"""Route visits (writes, `route.visit_8_steps`, `route.safety_stock_1_5`): the 8 ordered steps, the stock check
feeding the suggested order (W = average weekly sell-through of the last 28 days), the order confirmed into a real
draft order through the orders service, and the mandatory next visit date (reminded by a notification)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.catalog.models import Product
from yewu.common.errors import NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.text import clean_text
from yewu.customers.models import Customer
from yewu.orders.ordering import services as orders
from yewu.org.permissions import can, require
from yewu.org.selectors import get_policy
from yewu.policy import salesmgmt as pol

from ..models import RouteVisit, StockCount


def _refuse(dec, field: str):
    err = RuleRefused.from_decision(dec)
    err.fields = {field: dec.reasons[0].message}
    return err


def _int(v, field: str) -> int:
    try:
        d = Decimal(str(v))
    except Exception:
        raise ValidationError("必须是整数", fields={field: "必须是整数"}, rule="route.safety_stock_1_5") from None
    if not d.is_finite() or d != d.to_integral_value() or d < 0 or d > 10**7:
        raise ValidationError("必须是非负整数", fields={field: "必须是非负整数"}, rule="route.safety_stock_1_5")
    return int(d)


def suggestion(customer_id: int, product_id: int, on_hand: int, pack: int, delivered: int = 0,
               today: date | None = None) -> dict:
    """The suggested order for one product at one dealer: W from the stored counts plus today's count."""
    today = today or timezone.localdate()
    cfg = get_policy()
    days = int(cfg["route.safety_stock_1_5.days"])
    counts = [pol.StockCount(c.day, c.on_hand, c.delivered_since_previous) for c in
              StockCount.objects.filter(customer_id=customer_id, product_id=product_id, day__lt=today)]
    counts.append(pol.StockCount(today, on_hand, delivered))
    w = pol.weekly_sell_through(counts, today, days)
    dec = pol.safety_stock_order(w, on_hand, pack, cfg)
    if dec.refused:
        raise _refuse(dec, dec.reasons[0].figures.get("field", "pack"))
    return {"weekly": w, "qty": dec.data["qty"], "explain": dec.reasons[0].message}


@transaction.atomic
def record_visit(actor, *, customer_id: int, steps: list[dict], lines: list[dict], next_visit_on: date | None,
                 confirm_order: bool = False, settlement: str = "CASH") -> RouteVisit:
    require(actor, "records_route_visits")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("客户不存在")
    if customer.owner_id != actor.pk and not can(actor, "visits_others_customers"):
        raise PermissionDenied("只能拜访自己负责的客户", rule="acl.sp_scope")
    today = timezone.localdate()
    try:
        order_steps = [int(s.get("step")) for s in steps]
    except (TypeError, ValueError):
        raise ValidationError("步骤编号无效", fields={"steps": "无效"}, rule="route.visit_8_steps") from None
    dec = pol.check_route_steps(order_steps, today, next_visit_on)
    if dec.refused:
        raise _refuse(dec, dec.reasons[0].figures.get("field", "steps"))
    clean_steps = [{"step": s["step"], "label": pol.ROUTE_STEPS[int(s["step"])],
                    "note": clean_text(s.get("note", ""), field=f"steps.{i}.note", label="记录", max_len=300)}
                   for i, s in enumerate(steps)]
    visit = RouteVisit.objects.create(salesperson=actor, customer=customer, day=today, steps=clean_steps, lines=[],
                                      next_visit_on=next_visit_on)
    out_lines, order_lines = [], []
    for i, ln in enumerate(lines):
        product = Product.objects.filter(pk=ln.get("product_id")).first()
        if product is None:
            raise ValidationError("产品不存在", fields={f"lines.{i}.product_id": "不存在"}, rule="route.safety_stock_1_5")
        on_hand = _int(ln.get("on_hand"), f"lines.{i}.on_hand")
        delivered = _int(ln.get("delivered_since_previous", 0), f"lines.{i}.delivered_since_previous")
        pack = _int(ln.get("pack", 1), f"lines.{i}.pack")
        sug = suggestion(customer.pk, product.pk, on_hand, pack, delivered, today)
        qty = _int(ln.get("qty", sug["qty"]), f"lines.{i}.qty")
        StockCount.objects.create(customer=customer, product=product, day=today, on_hand=on_hand,
                                  delivered_since_previous=delivered, visit=visit)
        out_lines.append({"product_id": product.pk, "product": str(product), "on_hand": on_hand, "pack": pack,
                          "weekly": str(sug["weekly"]), "suggested": sug["qty"], "qty": qty, "explain": sug["explain"]})
        if qty:
            gp = product.guide_price_on(today)
            if gp is None:
                raise ValidationError(f"{product} 没有指导价，不能下单", fields={f"lines.{i}.product_id": "没有指导价"},
                                      rule="route.visit_8_steps")
            order_lines.append(orders.LineIn(product_id=product.pk, quantity=Decimal(qty), unit_price=gp.price))
    visit.lines = out_lines
    if confirm_order and order_lines:
        order, _ = orders.create_order(actor, customer_id=customer.pk, lines=order_lines, settlement=settlement,
                                       note=f"线路拜访 {today} 按安全库存建议下单")
        visit.order = order
    visit.save()
    record(actor=actor, action="create", obj=visit, after=snapshot(visit), rule="route.visit_8_steps", decision=dec)
    notify(actor, f"route-visit:{visit.pk}:next", f"{customer.name} 下次拜访 {next_visit_on:%Y-%m-%d}",
           rule="route.visit_8_steps", link="/salesmgmt/")
    return visit
