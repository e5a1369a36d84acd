"""An order made from an accepted quote (SPEC §3.3): which quote may be its basis, its prices, and the
`quote.deviation_reapproval` check of an order that lowers them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from yewu.common.errors import Conflict, NotFound, RuleRefused
from yewu.org.models import User
from yewu.policy import Decision
from yewu.policy.decision import Outcome
from yewu.policy.pricing import check_quote_deviation
from yewu.sales.models import Quote
from yewu.sales.selectors import quotes_visible_to

from ..models import Order, OrderLine, OrderStatus


def quote_for_order(actor: User, quote_id, customer, *, exclude_order_id=None):
    """The accepted quote an order is made from (SPEC §3.3 `quote.approval`: its approval covers orders made from
    it within validity). Refused, naming the rule, when it cannot be the basis: not visible, another customer's,
    not accepted, past its validity or already turned into an order."""
    if quote_id in (None, ""):
        return None
    quote = (quotes_visible_to(actor).filter(pk=quote_id).first() if str(quote_id).isdigit() else None)
    if quote is None:
        raise NotFound("报价单不存在或无权查看", rule="acl.sp_scope", fields={"quote_id": "报价单不存在"})
    if quote.customer_id != customer.pk:
        raise RuleRefused(f"报价单 {quote.number} 是「{quote.customer.name}」的，不能用于「{customer.name}」的订单",
                          rule="quote.approval", fields={"quote_id": "客户不一致"})
    d = check_quote_deviation(quote_state=quote.state, valid_until=quote.valid_until, order_day=timezone.localdate(),
                              quote_prices={}, order_prices={})
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.message = f"报价单 {quote.number}：{err.message}"
        err.fields = {"quote_id": d.message()}
        raise err
    used = Order.objects.filter(quote_id=quote.pk).exclude(status=OrderStatus.CANCELLED)
    if exclude_order_id:
        used = used.exclude(pk=exclude_order_id)
    if used.exists():
        raise Conflict(f"报价单 {quote.number} 已转为订单 {used.first().number}", rule="quote.approval", code="quote_used",
                       fields={"quote_id": "已转为订单"})
    return quote


def quote_prices(quote: Quote | None) -> dict[int, Decimal]:
    """Per product, the accepted quote's unit price (the lowest when a product is quoted twice: both were approved)."""
    out: dict[int, Decimal] = {}
    for pid, price in (quote.lines.values_list("product_id", "unit_price") if quote is not None else ()):
        out[pid] = min(out.get(pid, price), price)
    return out


def order_quote(order: Order) -> Quote | None:
    """The quote an order was made from (``Order.quote_id`` is a plain id), or None."""
    if not order.quote_id:
        return None
    return Quote.objects.filter(pk=order.quote_id).first()


def deviation(quote, order_lines: list[OrderLine], reapproval: bool, order_day: date | None = None) -> Decision | None:
    """`quote.deviation_reapproval`: an order that lowers a price against its accepted quote needs SM re-approval.
    Without the submitter asking for it (``reapproval``) the order is refused, naming the rule, and nothing is
    saved; with it the order carries the reasons and goes to the SM on submit."""
    if quote is None:
        return None
    qp = quote_prices(quote)
    d = check_quote_deviation(
        quote_state=quote.state, valid_until=quote.valid_until, order_day=order_day or timezone.localdate(),
        quote_prices={f"第 {i + 1} 行 {ln.product.code}": qp[ln.product_id] for i, ln in enumerate(order_lines)
                      if ln.product_id in qp},
        order_prices={f"第 {i + 1} 行 {ln.product.code}": ln.unit_price for i, ln in enumerate(order_lines)
                      if ln.product_id in qp})
    if d.refused:
        raise RuleRefused.from_decision(d)
    if d.outcome == Outcome.NEEDS_APPROVAL and not reapproval:
        fields = {}
        for i, ln in enumerate(order_lines):
            if ln.product_id in qp and ln.unit_price < qp[ln.product_id]:
                fields[f"lines.{i}.unit_price"] = f"低于报价 {qp[ln.product_id]:,.2f}"
        err = RuleRefused(f"报价单 {quote.number}：{d.message()}。订单未保存；如确需降价，请勾选「申请业务经理重新审批」后再保存",
                          rule="quote.deviation_reapproval", decision=d, fields=fields, code="quote_deviation")
        raise err
    return d
