"""Order writes (SPEC §4): create with the line price check and the settlement rules, submit into the
approval engine, payments, shipments. One transaction each; every decision is stored and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.catalog.models import Product
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.customers.selectors import customer_for
from yewu.org.models import Role, User
from yewu.org.selectors import get_calendar, get_policy, users_with_role
from yewu.policy import Decision, Reason
from yewu.policy import orders as rules
from yewu.policy.commission import line_fee
from yewu.policy.decision import Outcome
from yewu.policy.pricing import check_line_price, check_quote_deviation

from . import closing, idempotency
from .models import (
    OPEN_CREDIT_STATES,
    Attachment,
    Order,
    OrderLine,
    OrderStatus,
    Settlement,
    Shipment,
    ShipmentLine,
)

if TYPE_CHECKING:
    from yewu.sales.models import Quote

CENT = Decimal("0.01")


@dataclass
class LineIn:
    product_id: int
    quantity: Decimal | str
    unit_price: Decimal | str


def _decimal(v, field: str, label: str, places: int) -> Decimal:
    """A quantity (3 places) or money figure (2 places) > 0 within its column and the input.bounds ceiling."""
    if places == 3:
        return parsers.quantity(v, field=field, label=label)
    kind = parsers.PRICE if field.endswith("unit_price") else parsers.MONEY
    return parsers.money(v, field=field, label=label, kind=kind)


def is_new_customer(customer) -> bool:
    """A new customer has no order that is both delivered and fully paid (SPEC §0): see :mod:`.closing`."""
    return closing.is_new_customer(customer)


def credit_exposure(customer, exclude_id=None) -> Decimal:
    qs = Order.objects.filter(customer=customer, settlement=Settlement.CREDIT, status__in=OPEN_CREDIT_STATES)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    v = qs.aggregate(s=Sum(F("total") - F("returned_amount") - F("paid_amount")))["s"]  # net of returned goods
    return (v or Decimal("0")).quantize(CENT)


def order_facts(customer, total: Decimal, custom_total: Decimal, delivery_address: str, exclude_id=None,
                deposits: Decimal = Decimal("0")) -> rules.OrderFacts:
    return rules.OrderFacts(
        total=total, is_new_customer=is_new_customer(customer), credit_grade=customer.credit_grade or "",
        delivery_address=delivery_address, registered_address=customer.registered_address,
        custom_lines_total=custom_total, credit_limit=customer.credit_limit,
        open_credit_exposure=credit_exposure(customer, exclude_id), deposits=deposits,
        supply_suspended=customer.supply_suspended,
    )


def _quote_for_order(actor: User, quote_id, customer, *, exclude_order_id=None):
    """The accepted quote an order is made from (SPEC §3.3 `quote.approval`: its approval covers orders made from
    it within validity). Refused, naming the rule, when it cannot be the basis: not visible, another customer's,
    not accepted, past its validity or already turned into an order."""
    from yewu.sales.selectors import quotes_visible_to

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


def _order_quote(order: Order) -> Quote | None:
    """The quote an order was made from (``Order.quote_id`` is a plain id), or None."""
    if not order.quote_id:
        return None
    from yewu.sales.models import Quote

    return Quote.objects.filter(pk=order.quote_id).first()


def _price_lines(customer, lines: list[LineIn], invoice: str, quote=None):
    """The full line price check of SPEC §3.2 for each order line, exactly as a quote line gets it
    (`yewu.sales.services._price_line`): the product kind (`price.gb_discretion`), the invoice choice and fee rate
    of the accepted quote when the order is made from one, G as in force on the quote date (`price.guide`: the
    quote's G; the order date without a quote) or Finance's G (`price.finance_guide`)."""
    from yewu.catalog.services import guide_for_line

    if not lines:
        raise ValidationError("订单至少需要一行产品", fields={"lines": "至少一行"})
    cfg = get_policy()
    today = timezone.localdate()
    fee_rate = quote.fee_rate if quote is not None else Decimal("0")
    quoted_g: dict[int, Decimal] = {}
    if quote is not None:
        for pid, g in quote.lines.values_list("product_id", "guide_price"):
            quoted_g.setdefault(pid, g)
    out, decisions = [], []
    for i, ln in enumerate(lines):
        qty = _decimal(ln.quantity, f"lines.{i}.quantity", "数量", 3)
        price = _decimal(ln.unit_price, f"lines.{i}.unit_price", "单价", 2)
        product = Product.objects.filter(pk=ln.product_id, active=True).first()
        if product is None:
            raise ValidationError(f"第 {i + 1} 行：产品不存在或已停售", fields={f"lines.{i}.product_id": "产品不存在"})
        if product.pk in quoted_g:
            g, source = quoted_g[product.pk], "list"
        else:
            g, source, _ = guide_for_line(product, today, customer.owner)
        d = check_line_price(guide_price=g, unit_price=price, fee_rate=fee_rate, invoice=invoice, quantity=qty, cfg=cfg,
                             price_source=source, kind=product.kind)
        if d.refused:
            err = RuleRefused.from_decision(d)
            err.message = f"第 {i + 1} 行（{product.code}）：{err.message}"
            err.fields = {f"lines.{i}.unit_price": d.message()}
            raise err
        decisions.append(d)
        line_total = parsers.fits((qty * price).quantize(CENT), parsers.MONEY, field=f"lines.{i}.quantity",
                                  label=f"第 {i + 1} 行金额", cfg=cfg)
        out.append(OrderLine(product=product, kind=product.kind, quantity=qty, unit_price=price, guide_price=g,
                             line_total=line_total, price_outcome=str(d.outcome),
                             commission_delta=d.data.get("commission_delta"), fee_rate=fee_rate,
                             fee=line_fee(qty, price, fee_rate)))
    parsers.fits(sum((ln.line_total for ln in out), Decimal("0.00")), parsers.MONEY, field="lines", label="订单金额",
                 cfg=cfg)
    return out, decisions


def _deviation(quote, order_lines: list[OrderLine], reapproval: bool, order_day: date | None = None) -> Decision | None:
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


def _check_settlement(facts: rules.OrderFacts, settlement: str, cfg) -> Decision:
    if settlement not in Settlement.values:
        raise ValidationError(f"结算方式无效：{settlement}", fields={"settlement": "CASH/PREPAY/COD/CREDIT"})
    opts = rules.settlement_options(facts, cfg)
    chosen = opts[settlement]
    if chosen.refused:
        allowed = "、".join(rules.SETTLEMENT_LABELS[k] for k, d in opts.items() if not d.refused)
        err = RuleRefused.from_decision(chosen)
        err.message = f"{chosen.message()}。该客户可选：{allowed}"
        err.fields = {"settlement": chosen.message()}
        raise err
    return chosen


@transaction.atomic
def create_order(actor: User, *, customer_id: int, lines: list[LineIn], settlement: str, term_days: int | None = None,
                 delivery_address: str = "", note: str = "", quote_id: int | None = None,
                 idempotency_key: str | None = None, reapproval: bool = False) -> tuple[Order, bool]:
    """Returns (order, created). A repeated call with the same Idempotency-Key returns the first order.
    ``quote_id``: the accepted quote the order is made from (`quote.approval`); a lower price than the quote's is
    refused unless ``reapproval`` asks for the SM's re-approval (`quote.deviation_reapproval`)."""
    key = (idempotency_key or "").strip()[:100] or None
    digest = idempotency.fingerprint(customer_id=customer_id, settlement=settlement, term_days=term_days,
                                     delivery_address=delivery_address, note=note, quote_id=quote_id,
                                     reapproval=reapproval, lines=lines) if key else ""
    if key:
        existing = Order.objects.filter(created_by=actor, idempotency_key=key).first()
        if existing:
            idempotency.check_same_request(existing, key, digest)
            return existing, False
    customer = customer_for(actor, customer_id)
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    if actor.has_role(Role.SP) and not actor.has_role(Role.SM, Role.GM) and customer.owner_id != actor.id:
        raise PermissionDenied("只能为自己负责的客户下单", rule="acl.sp_scope")
    if not actor.has_role(Role.SP, Role.SM, Role.GM):
        raise PermissionDenied("只有业务员、业务经理或总经理可以下单")
    if customer.owner_id is None:
        raise RuleRefused("公海客户须先分配业务员才能下单", rule="cust.ownerless_to_manager")
    addr = clean_text(delivery_address or customer.delivery_address, field="delivery_address", label="送货地址", max_len=200)
    if not addr:
        raise RuleRefused("订单必须有送货地址（送货上门）", rule="settle.door_delivery", fields={"delivery_address": "必填"})
    cfg = get_policy()
    quote = _quote_for_order(actor, quote_id, customer)
    invoice = quote.invoice_choice if quote is not None else customer.invoice_choice
    order_lines, line_decisions = _price_lines(customer, lines, invoice, quote)
    deviation = _deviation(quote, order_lines, reapproval)
    total = sum((ln.line_total for ln in order_lines), Decimal("0.00"))
    custom_total = sum((ln.line_total for ln in order_lines if ln.kind == "custom"), Decimal("0.00"))
    facts = order_facts(customer, total, custom_total, addr)
    chosen = _check_settlement(facts, settlement, cfg)
    deposit, dep_decision = rules.deposit_required(facts, cfg)
    if settlement == Settlement.CREDIT:
        term = customer.term_days or cfg["credit.grade_policy.term_days"] if term_days is None else term_days
        if term <= 0 or term > 365:
            raise ValidationError("账期天数须在 1–365 之间", fields={"term_days": "1–365"})
    else:
        term = 0
    decision = Decision.combine(chosen, dep_decision, *line_decisions, *([deviation] if deviation else []))
    order = Order(
        number=next_number("DD"), customer=customer, salesperson=customer.owner, quote_id=quote.pk if quote else None,
        settlement=settlement, term_days=term, delivery_address=addr, invoice_choice=invoice, total=total,
        custom_total=custom_total, deposit_required=deposit, is_new_customer=facts.is_new_customer,
        decision=decision.as_dict(), policy_version=cfg.version,
        note=clean_text(note, field="note", label="备注", max_len=300), created_by=actor, idempotency_key=key,
        idempotency_hash=digest,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        existing = Order.objects.filter(created_by=actor, idempotency_key=key).first()
        if existing:
            idempotency.check_same_request(existing, key, digest)
            return existing, False
        raise
    for ln in order_lines:
        ln.order = order
    OrderLine.objects.bulk_create(order_lines)
    record(actor=actor, action="create", obj=order, after={**snapshot(order), "lines": [snapshot(ln) for ln in order_lines]},
           decision=decision, policy_version=cfg.version)
    return order, True


def approvals_needed(order: Order, cfg=None) -> Decision:
    """Who must approve this order before release: credit rules and special-price lines."""
    cfg = cfg or get_policy()
    decisions = []
    if order.settlement == Settlement.CREDIT:
        facts = order_facts(order.customer, order.total, order.custom_total, order.delivery_address, exclude_id=order.pk)
        d = rules.credit_approvals(facts, cfg)
        if d.refused:
            raise RuleRefused.from_decision(d)
        decisions.append(d)
    lines = list(order.lines.select_related("product"))
    quote = _order_quote(order)
    qp = quote_prices(quote)
    lowered = [ln for ln in lines if ln.product_id in qp and ln.unit_price < qp[ln.product_id]]
    covered = [ln for ln in lines if ln.price_outcome == "needs_approval" and ln.product_id in qp and ln not in lowered]
    special = [ln for ln in lines if ln.price_outcome == "needs_approval" and ln.product_id not in qp]
    if lowered:
        decisions.append(Decision.needs(("SM",), *(Reason(
            "quote.deviation_reapproval",
            f"{ln.product.code}：订单单价 {ln.unit_price:,.2f} 低于已接受报价 {qp[ln.product_id]:,.2f}，需业务经理重新审批",
            f"{ln.product.code}: order price {ln.unit_price:,.2f} is below the accepted quote {qp[ln.product_id]:,.2f}; "
            "SM re-approval", {"product": ln.product.code, "quote_price": qp[ln.product_id], "order_price": ln.unit_price})
            for ln in lowered)))
    if covered:
        decisions.append(Decision.allow(Reason(
            "quote.approval", f"{len(covered)} 行特价/费用已在报价单 {quote.number} 获批，订单价格不低于报价，无需再审批",
            f"{len(covered)} special-price line(s) approved on quote {quote.number}; the order does not lower them",
            {"lines": len(covered), "quote": quote.number})))
    for rule, group in (("price.gb_discretion", [ln for ln in special if ln.kind == "gb"]),
                        ("price.special_commission", [ln for ln in special if ln.kind != "gb"])):
        if group:
            what = "国标产品低于基准价" if rule == "price.gb_discretion" else "为特价或含费用"
            decisions.append(Decision.needs(("SM",), Reason(
                rule, f"{len(group)} 行{what}，需业务经理审批",
                f"{len(group)} line(s) at a special price need SM approval", {"lines": len(group)})))
    return Decision.combine(*decisions) if decisions else Decision.allow()


def _after_approval(order: Order) -> None:
    """Approved: ready when no money is due before release, else awaiting payment/deposit."""
    if order.paid_amount >= order.payment_needed_before_release:
        _make_ready(order)
    else:
        order.status = OrderStatus.AWAITING_PAYMENT
        order.save(update_fields=["status"])


def _refresh_order_promise(order: Order) -> None:
    """The order's dates are the latest of its lines' (mixed orders carry per-line promises)."""
    lines = list(order.lines.all())
    promises = [ln.promised_ship_on for ln in lines if ln.promised_ship_on]
    targets = [ln.target_ship_on for ln in lines if ln.target_ship_on]
    order.promised_ship_on = max(promises) if promises else None
    order.target_ship_on = max(targets) if targets else None
    order.save(update_fields=["promised_ship_on", "target_ship_on"])


def _make_ready(order: Order) -> None:
    """Ready: standard lines get ready + 3/4 WD (`delivery.standard_3_4d`); custom lines keep PROD's date
    (`delivery.custom_production`)."""
    today = timezone.localdate()
    target, promise, _ = rules.promised_ship_dates(today, get_calendar(), get_policy())
    order.status, order.ready_on = OrderStatus.READY, today
    order.save(update_fields=["status", "ready_on"])
    order.lines.exclude(kind="custom").update(target_ship_on=target, promised_ship_on=promise)
    _refresh_order_promise(order)


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
        for u in users_with_role(Role.PROD):
            notify(u, f"custom-date:{order.pk}", f"订单 {order.number}（{order.customer.name}）{reason.message}",
                   rule="delivery.custom_production", link=f"/orders/{order.pk}/")
        record(actor=None, action="update", obj=order, after={"deposit_arrived_on": arrived_on, "prod_date_due_at": due},
               rule="delivery.custom_production", reason=reason.message)
    if order.status == OrderStatus.AWAITING_PAYMENT and order.paid_amount >= order.payment_needed_before_release:
        _make_ready(order)


@transaction.atomic
def set_custom_ship_date(actor: User, order_id: int, line_id: int, ship_on: date) -> OrderLine:
    """`delivery.custom_production`: PROD (only) enters a custom line's ship date once the deposit arrived."""
    if not actor.has_role(Role.PROD):
        raise PermissionDenied("定制产品交期只能由生产部录入（业务员不能设定）", rule="delivery.custom_production")
    order = Order.objects.select_for_update().select_related("customer").filter(pk=order_id).first()
    line = order.lines.select_for_update().filter(pk=line_id).first() if order else None
    if line is None:
        raise NotFound("订单行不存在")
    if not line.is_custom:
        raise RuleRefused("常规产品按备妥日 + 4 个工作日承诺发货，不由生产部录入", rule="delivery.standard_3_4d",
                          fields={"line_id": "不是定制产品"})
    if order.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED) or line.open_qty <= 0:
        raise Conflict(f"订单状态为「{order.get_status_display()}」，该行已无待发数量", code="bad_state")
    if order.deposit_arrived_on is None:
        raise RuleRefused(f"定金 {order.deposit_required:,.2f} 尚未到账（已收 {order.paid_amount:,.2f}），不能安排生产和交期",
                          rule="settle.custom_deposit_30")
    today = timezone.localdate()
    if not isinstance(ship_on, date):
        raise ValidationError("交期格式应为 YYYY-MM-DD", fields={"ship_on": "日期"})
    if ship_on < today:
        raise ValidationError(f"交期 {ship_on} 早于今天 {today}", fields={"ship_on": "不能早于今天"})
    before = snapshot(line, ["promised_ship_on", "target_ship_on"])
    on_time = line.prod_date_due_at is None or line.promised_ship_on is not None or timezone.now() <= line.prod_date_due_at
    line.promised_ship_on = line.target_ship_on = ship_on
    line.prod_date_set_by, line.prod_date_set_at, line.late_flagged_on = actor, timezone.now(), None
    line.save(update_fields=["promised_ship_on", "target_ship_on", "prod_date_set_by", "prod_date_set_at", "late_flagged_on"])
    _refresh_order_promise(order)
    record(actor=actor, action="update", obj=order, before={"line": line.pk, **before},
           after={"line": line.pk, "promised_ship_on": ship_on, "entered_on_time": on_time},
           rule="delivery.custom_production",
           reason="" if on_time else f"录入期限 {timezone.localtime(line.prod_date_due_at):%Y-%m-%d %H:%M} 已过")
    return line


EDITABLE_STATES = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.PENDING_APPROVAL, OrderStatus.AWAITING_PAYMENT,
                   OrderStatus.READY)


@transaction.atomic
def update_order_lines(actor: User, order_id: int, lines: list[LineIn], reapproval: bool = False) -> Order:
    """Replace an unshipped order's lines (price check again). Changing amounts after the approval was
    started voids it (SPEC §4.1): the order returns to draft and must be submitted again."""
    order = Order.objects.select_for_update().select_related("customer", "salesperson").filter(pk=order_id).first()
    if order is None or customer_for(actor, order.customer_id) is None:
        raise NotFound("订单不存在或无权查看")
    if order.created_by_id != actor.id and order.salesperson_id != actor.id and not actor.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只能修改自己的订单", rule="acl.sp_scope")
    if order.status not in EDITABLE_STATES or order.shipments.exists():
        raise Conflict(f"订单状态为「{order.get_status_display()}」，不能再修改", code="bad_state")
    if hasattr(order, "contract") and order.contract.status not in ("draft", "rejected", "cancelled"):
        raise Conflict(f"合同已{order.contract.get_status_display()}，修改金额须先作废合同", rule="contract.review_1wd",
                       code="bad_state")
    cfg = get_policy()
    quote = _order_quote(order)
    new_lines, line_decisions = _price_lines(order.customer, lines, order.invoice_choice, quote)
    deviation = (_deviation(quote, new_lines, reapproval, timezone.localtime(order.created_at).date())
                 if quote is not None and quote.state == "accepted" else None)
    old = [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines.all()]
    new = [(ln.product_id, ln.quantity, ln.unit_price) for ln in new_lines]
    if old == new:
        return order
    total = sum((ln.line_total for ln in new_lines), Decimal("0.00"))
    custom_total = sum((ln.line_total for ln in new_lines if ln.kind == "custom"), Decimal("0.00"))
    facts = order_facts(order.customer, total, custom_total, order.delivery_address, exclude_id=order.pk,
                        deposits=order.paid_amount)
    chosen = _check_settlement(facts, order.settlement, cfg)
    deposit, dep_decision = rules.deposit_required(facts, cfg)
    if order.paid_amount > total:
        raise RuleRefused(f"已收款 {order.paid_amount:,.2f} 超过修改后的订单金额 {total:,.2f}，须先由财务红冲",
                          rule="receipt.allocation")
    before = {**snapshot(order, ["status", "total", "custom_total", "deposit_required", "approval"]),
              "lines": [snapshot(ln) for ln in order.lines.all()]}
    voided = None
    if order.approval_id and order.approval.state in ("pending", "approved"):
        voided = approvals.void(actor, order.approval_id, reason=f"订单 {order.number} 审批后修改金额，原审批作废",
                                rule="order.amount_change_voids_approval")
    order.lines.all().delete()
    for ln in new_lines:
        ln.order = order
    OrderLine.objects.bulk_create(new_lines)
    decision = Decision.combine(chosen, dep_decision, *line_decisions, *([deviation] if deviation else []))
    order.total, order.custom_total, order.deposit_required = total, custom_total, deposit
    order.decision, order.policy_version = decision.as_dict(), cfg.version
    if deposit == 0 or order.paid_amount < deposit:
        order.deposit_arrived_on = None
    if order.status != OrderStatus.DRAFT and (voided is not None or order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.READY)):
        order.status, order.approval = OrderStatus.DRAFT, None
        order.ready_on = order.target_ship_on = order.promised_ship_on = None
    order.save()
    record(actor=actor, action="update", obj=order, before=before,
           after={**snapshot(order, ["status", "total", "custom_total", "deposit_required", "approval"]),
                  "lines": [snapshot(ln) for ln in new_lines]},
           decision=decision, policy_version=cfg.version,
           rule="order.amount_change_voids_approval" if voided else "",
           reason="审批后修改金额，审批作废，订单退回草稿须重新提交" if voided else "")
    return order


@approvals.on_decided("order")
def _on_order_decided(req: ApprovalRequest) -> None:
    order = Order.objects.select_for_update().get(pk=int(req.doc_id))
    before = snapshot(order, ["status"])
    if req.state == ApprovalRequest.State.APPROVED:
        _after_approval(order)
    else:
        order.status = OrderStatus.REJECTED
        order.save(update_fields=["status"])
    record(actor=None, action="update", obj=order, before=before, after=snapshot(order, ["status", "promised_ship_on"]),
           rule="approval.inbox")


@transaction.atomic
def submit_order(actor: User, order_id: int) -> Order:
    order = Order.objects.select_for_update().select_related("customer", "salesperson").filter(pk=order_id).first()
    if order is None or customer_for(actor, order.customer_id) is None:
        raise NotFound("订单不存在或无权查看")
    if order.created_by_id != actor.id and order.salesperson_id != actor.id and not actor.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只能提交自己的订单", rule="acl.sp_scope")
    if order.status == OrderStatus.PENDING_APPROVAL:
        raise Conflict("订单正在审批中，不能重复提交", rule="approval.inbox", code="already_pending")
    if order.status not in (OrderStatus.DRAFT, OrderStatus.REJECTED):
        raise Conflict(f"订单状态为「{order.get_status_display()}」，不能提交", code="bad_state")
    cfg = get_policy()
    needed = approvals_needed(order, cfg)
    before = snapshot(order, ["status", "is_new_customer"])
    order.submitted_at = timezone.now()
    order.is_new_customer = is_new_customer(order.customer)  # as the approvals just saw it (an order may have closed)
    if needed.outcome == "needs_approval":
        req = approvals.start(doc_type="order", doc_id=order.pk, submitter=actor, decision=needed,
                              label=f"订单 {order.number} {order.customer.name} ¥{order.total:,.2f}",
                              link=f"/orders/{order.pk}/", team=order.salesperson.team, beneficiary=order.salesperson,
                              policy_version=cfg.version)
        order.approval = req
        order.status = OrderStatus.PENDING_APPROVAL
        order.save(update_fields=["approval", "status", "submitted_at", "is_new_customer"])
    else:
        order.save(update_fields=["submitted_at", "is_new_customer"])
        _after_approval(order)
    order.decision = {**order.decision, "approvals": {**needed.as_dict(), "policy_version": cfg.version}}
    order.save(update_fields=["decision"])
    record(actor=actor, action="submit", obj=order, before=before,
           after=snapshot(order, ["status", "approval", "is_new_customer"]),
           decision=needed, policy_version=cfg.version)
    return order


@transaction.atomic
def record_payment(actor: User, order_id: int, amount, arrived_on: date | None = None, reference: str = "") -> Order:
    """Money arrived for an order (deposit or payment); FIN/CA only (`sod.receipt_recorder`). Recorded as a
    finance receipt (回款, SK number) allocated in full to this order (yewu.finance)."""
    from yewu.finance.services import create_receipt

    if not actor.has_role(Role.FIN, Role.CA):
        raise PermissionDenied("收款只能由财务或出纳登记", rule="sod.receipt_recorder")
    amt = _decimal(amount, "amount", "金额", 2)
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    if order.status in (OrderStatus.CANCELLED, OrderStatus.DRAFT):
        raise Conflict("草稿或已取消的订单不能收款", code="bad_state")
    create_receipt(actor, customer_id=order.customer_id, amount=amt, arrived_on=arrived_on or timezone.localdate(),
                   method="transfer", reference=reference, for_order_id=order.pk, allocations=[(order.pk, amt)])
    return Order.objects.get(pk=order.pk)


@dataclass
class ShipLineIn:
    line_id: int
    quantity: Decimal | str


@transaction.atomic
def create_shipment(actor: User, order_id: int, lines: list[ShipLineIn], note: str = "") -> Shipment:
    """`ship.release_check`: only ready orders of non-suspended customers; partial shipments allowed."""
    if not actor.has_role(Role.WH, Role.SM, Role.GM):
        raise PermissionDenied("发货由仓库（库管）办理", rule="ship.release_check")
    order = Order.objects.select_for_update().select_related("customer").filter(pk=order_id).first()
    if order is None:
        raise NotFound("订单不存在")
    if order.customer.supply_suspended:
        raise RuleRefused(f"客户「{order.customer.name}」已暂停供货，不能发货", rule="credit.supply_suspended")
    if order.status not in (OrderStatus.READY, OrderStatus.PARTLY_SHIPPED):
        why = {
            OrderStatus.PENDING_APPROVAL: "订单尚在审批中",
            OrderStatus.AWAITING_PAYMENT: f"结算方式「{order.get_settlement_display()}」要求的款项/定金尚未到账"
                                          f"（需 {order.payment_needed_before_release:,.2f}，已收 {order.paid_amount:,.2f}）",
        }.get(order.status, f"订单状态为「{order.get_status_display()}」")
        raise RuleRefused(f"不能发货：{why}", rule="ship.release_check")
    from .contracts import release_blocker

    blocker = release_blocker(order)
    if blocker is not None:
        raise RuleRefused(f"不能发货：{blocker.message}", rule=blocker.rule)
    if not lines:
        raise ValidationError("请填写发货数量", fields={"lines": "至少一行"})
    by_id = {ln.id: ln for ln in order.lines.select_for_update()}
    ship = Shipment(number=next_number("CK"), order=order, shipped_by=actor,
                    note=clean_text(note, field="note", label="备注", max_len=200))
    ship.save()
    for i, sl in enumerate(lines):
        ln = by_id.get(sl.line_id)
        if ln is None:
            raise ValidationError(f"第 {i + 1} 行：订单行不存在", fields={f"lines.{i}.line_id": "不属于该订单"})
        qty = _decimal(sl.quantity, f"lines.{i}.quantity", "发货数量", 3)
        if qty > ln.open_qty:
            raise RuleRefused(f"{ln.product.code} 发货 {qty} 超过未发数量 {ln.open_qty}", rule="ship.release_check",
                              fields={f"lines.{i}.quantity": f"最多 {ln.open_qty}"})
        ShipmentLine.objects.create(shipment=ship, order_line=ln, quantity=qty)
        ln.shipped_qty += qty
        ln.save(update_fields=["shipped_qty"])
    before = snapshot(order, ["status"])
    order.status = OrderStatus.SHIPPED if all(ln.open_qty <= 0 for ln in by_id.values()) else OrderStatus.PARTLY_SHIPPED
    order.save(update_fields=["status"])
    record(actor=actor, action="ship", obj=order, before=before,
           after={**snapshot(order, ["status"]), "shipment": ship.number,
                  "lines": [{"line": sl.line_id, "qty": str(sl.quantity)} for sl in lines]}, rule="ship.release_check")
    return ship


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")


@dataclass
class FileIn:
    name: str
    content_type: str
    content: bytes


def save_attachment(actor: User, f: FileIn, field: str = "file") -> Attachment:
    import hashlib

    if not f.content:
        raise ValidationError("文件为空", fields={field: "文件为空"})
    if len(f.content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(f"文件超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB", fields={field: "文件过大"})
    ctype = (f.content_type or "").split(";")[0].strip().lower()
    if ctype not in ATTACHMENT_TYPES:
        raise ValidationError(f"只接受照片（JPG/PNG/WebP/HEIC）或 PDF，收到 {ctype or '未知类型'}", fields={field: "文件类型"})
    return Attachment.objects.create(name=clean_text(f.name, field=field, label="文件名", max_len=200) or "upload",
                                     content_type=ctype, size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest(),
                                     content=f.content, uploaded_by=actor)


@transaction.atomic
def confirm_delivery(actor: User, shipment_id: int, *, delivered_on: date, signed_by_name: str = "",
                     e_signature: bool = False, signed_copy: FileIn | None = None) -> Shipment:
    """`ship.goods_issue_note`: the customer-signed copy (a photo/scan, or an e-signature) sets the shipment's
    delivery date; when every shipment of a fully shipped order is signed for, the order is delivered (and a
    CREDIT order's due date runs from then)."""
    if not actor.has_role(Role.WH, Role.SP, Role.SM, Role.CS, Role.GM):
        raise PermissionDenied("签收回单由仓库、业务员或客服登记", rule="ship.goods_issue_note")
    ship = Shipment.objects.select_for_update().select_related("order").filter(pk=shipment_id).first()
    if ship is None:
        raise NotFound("出仓单不存在")
    if ship.delivered_on is not None:
        raise Conflict(f"出仓单 {ship.number} 已于 {ship.delivered_on} 签收", rule="ship.goods_issue_note", code="already_delivered")
    if signed_copy is None and not e_signature:
        raise RuleRefused("须上传客户签收联（照片/扫描件）或确认电子签名", rule="ship.goods_issue_note",
                          fields={"signed_copy": "签收联或电子签名"})
    shipped_on = timezone.localtime(ship.shipped_at).date()
    today = timezone.localdate()
    if delivered_on < shipped_on or delivered_on > today:
        raise ValidationError(f"签收日期须在出仓日 {shipped_on} 与今天 {today} 之间", fields={"delivered_on": "日期不对"})
    order = Order.objects.select_for_update().get(pk=ship.order_id)
    before = snapshot(order, ["status", "delivered_on"])
    if signed_copy is not None:
        ship.signed_copy = save_attachment(actor, signed_copy, "signed_copy")
    ship.delivered_on, ship.e_signature = delivered_on, bool(e_signature)
    ship.signed_by_name = clean_text(signed_by_name, field="signed_by_name", label="签收人", max_len=50)
    ship.delivery_recorded_by, ship.delivery_recorded_at = actor, timezone.now()
    ship.save()
    if order.status == OrderStatus.SHIPPED and not order.shipments.filter(delivered_on__isnull=True).exists():
        order.status = OrderStatus.DELIVERED
        order.delivered_on = max(order.shipments.values_list("delivered_on", flat=True))
        order.save(update_fields=["status", "delivered_on"])
    record(actor=actor, action="deliver", obj=order, before=before,
           after={**snapshot(order, ["status", "delivered_on"]), "shipment": ship.number, "delivered_on": delivered_on,
                  "e_signature": ship.e_signature, "signed_copy": ship.signed_copy_id}, rule="ship.goods_issue_note")
    closing.sync_closed(actor, order, ref=ship.number)  # delivered and already paid: closed
    return ship


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
