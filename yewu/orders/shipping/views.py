"""Shipment pages: the warehouse ships from the order page (出仓单), and the customer-signed copy of a
goods-issue note sets the delivery date (`ship.goods_issue_note`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError

from ..pages import order_or_404, posted_date, show_error, uploaded
from ..visibility import shipment_for
from .services import ShipLineIn, confirm_delivery, create_shipment


@login_required
@require_POST
def order_ship(request, pk):
    o = order_or_404(request, pk)
    p = request.POST
    lines = []
    for ln in o.lines.all():
        v = p.get(f"ship-{ln.pk}", "").strip()
        if v and v not in ("0", "0.0", "0.000"):
            lines.append(ShipLineIn(ln.pk, v))
    try:
        s = create_shipment(request.user, o.pk, lines, p.get("note", ""))
        s.order.refresh_from_db()
        messages.success(request, f"出仓单 {s.number} 已生成，订单状态：{s.order.get_status_display()}")
    except YewuError as e:
        show_error(request, e)
    return redirect("orders:detail", pk=pk)


@login_required
@require_POST
def shipment_delivered(request, pk, shipment_id):
    """The customer-signed copy of a goods-issue note: a photo/scan or the e-signature flag; sets the delivery date."""
    o = order_or_404(request, pk)
    s = shipment_for(request.user, shipment_id)
    if s is None or s.order_id != o.pk:
        raise Http404("出仓单不存在或无权查看")
    p = request.POST
    try:
        s = confirm_delivery(request.user, s.pk, delivered_on=posted_date(p.get("delivered_on", ""), "delivered_on", "签收日期"),
                                      signed_by_name=p.get("signed_by_name", ""), e_signature=p.get("e_signature") == "1",
                                      signed_copy=uploaded(request.FILES.get("signed_copy"), "signed_copy"))
        s.order.refresh_from_db()
        messages.success(request, f"出仓单 {s.number} 已登记客户签收（{s.delivered_on:%Y-%m-%d}），订单状态：{s.order.get_status_display()}")
    except YewuError as e:
        show_error(request, e)
    return redirect(f"/orders/{pk}/#ship-{shipment_id}")
