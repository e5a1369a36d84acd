"""Return pages (`return.flow`, SPEC §4.6): the order page's returns section, the application and each step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can

from ..models import ReturnStatus
from ..pages import order_or_404, show_error
from ..visibility import returns_visible_to
from . import services
from .services import RETURNABLE_STATES

# which ability acts on a return in each state, and the action the page offers (returns.py enforces who exactly)
RETURN_NEXT = {
    ReturnStatus.APPLIED: ("confirms_returns", "confirm", "业务经理确认"),
    ReturnStatus.CONFIRMED: ("inspects_returns", "inspect", "质检检验"),
    ReturnStatus.INSPECTED: ("confirms_returns", "approve", "业务经理批准"),
    ReturnStatus.AWAITING_GM: ("approves_late_returns", "approve", "总经理批准"),
    ReturnStatus.APPROVED: ("receives_returns", "receive", "仓库收货（红字出库单）"),
    ReturnStatus.RECEIVED: ("credits_returns", "credit", "财务开红字发票/贷项"),
}


def returns_context(u, o, lines) -> dict:
    items = []
    for r in returns_visible_to(u).filter(order=o).select_related("line__product").order_by("id"):
        nxt = RETURN_NEXT.get(r.status)
        if r.status == ReturnStatus.RECEIVED and r.exchange:
            nxt = None
        items.append({"r": r, "next_label": nxt[2] if nxt else "", "action": nxt[1] if nxt and can(u, nxt[0]) else "",
                      "can_reject": nxt is not None and nxt[1] in ("confirm", "approve") and can(u, nxt[0]),
                      "can_reverse": r.status == ReturnStatus.RECEIVED and not r.exchange and can(u, "reverses_return_receipts")})
    may_apply = (o.status in RETURNABLE_STATES and can(u, "applies_returns")
                 and (o.salesperson_id == u.id or can(u, "handles_team_orders")))
    return {"returns": items, "return_lines": [ln for ln in lines if ln.returnable_qty > 0] if may_apply else []}


@login_required
@require_POST
def return_apply(request, pk):
    o = order_or_404(request, pk)
    p = request.POST
    try:
        if not p.get("line_id", "").isdigit():
            raise YewuError("请选择退货的产品", fields={"line_id": "必填"})
        r = services.apply(request.user, order_id=o.pk, line_id=int(p["line_id"]), quantity=p.get("quantity", ""),
                          reason=p.get("reason", ""), quality_defect=p.get("quality_defect") == "1",
                          exchange=p.get("exchange") == "1")
        messages.success(request, f"{'换货' if r.exchange else '退货'}申请 {r.number} 已提交，待业务经理确认"
                         + ("；送达已超过 30 天，业务经理批准后还须总经理批准" if r.needs_gm else ""))
    except YewuError as e:
        show_error(request, e)
    return redirect(f"/orders/{pk}/#returns")


@login_required
@require_POST
def return_action(request, pk, return_id, action):
    o = order_or_404(request, pk)
    r = returns_visible_to(request.user).filter(pk=return_id, order=o).first()
    if r is None:
        raise Http404("退货单不存在或无权查看")
    p, u = request.POST, request.user
    try:
        if action == "confirm":
            r = services.confirm(u, r.pk, p.get("comment", ""))
        elif action == "inspect":
            if p.get("is_ours") not in ("1", "0"):
                raise YewuError("请选择是否为本公司产品", fields={"is_ours": "必选"}, rule="return.flow")
            r = services.inspect(u, r.pk, is_ours=p["is_ours"] == "1", condition=p.get("condition", ""))
        elif action == "approve":
            r = services.approve(u, r.pk, p.get("comment", ""))
        elif action == "reject":
            r = services.reject(u, r.pk, p.get("comment", ""))
        elif action == "receive":
            r = services.receive(u, r.pk)
        elif action == "credit":
            r = services.record_credit_note(u, r.pk, p.get("reference", ""))
        elif action == "reverse":
            r = services.reverse_receive(u, r.pk, p.get("reason", ""))
        else:
            raise Http404("未知操作")
        messages.success(request, f"退货单 {r.number}：{r.get_status_display()}"
                         + (f"，红字出库单 {r.red_note_number}" if action == "receive" else ""))
    except YewuError as e:
        show_error(request, e)
    return redirect(f"/orders/{pk}/#ret-{return_id}")
