"""Order writes (SPEC §4): create with the line price check and the settlement rules, change lines, submit
into the approval engine, PROD's custom ship dates. One transaction each; every decision is stored and audited.
Shipments are in :mod:`yewu.orders.shipping.services`, money arriving in :mod:`.release` (told by finance)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.models import AuditEntry
from yewu.audit.services import entry, record, snapshot
from yewu.common import bulk
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.inserts import insert_all
from yewu.common.numbering import next_number, reserve
from yewu.common.text import clean_text
from yewu.customers.selectors import customer_for
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.policy import Decision, Reason
from yewu.policy import orders as rules

from ..models import Order, OrderLine, OrderStatus, Settlement
from . import idempotency
from .facts import customer_with_figures, is_new_customer, order_facts
from .pricing import LineIn, price_lines
from .quotes import deviation as quote_deviation
from .quotes import order_quote, quote_for_order, quote_prices
from .release import after_approval, refresh_order_promise

__all__ = ["LineIn", "approvals_needed", "create_order", "is_new_customer", "set_custom_ship_date", "submit_order",
           "update_order_lines"]


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
    customer = customer_with_figures(actor, customer_id)  # customer_for with the customer's order figures: one query
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    if can(actor, "places_orders") and not can(actor, "handles_team_orders") and customer.owner_id != actor.id:
        raise PermissionDenied("只能为自己负责的客户下单", rule="acl.sp_scope")
    if not can(actor, "places_orders"):
        raise PermissionDenied("只有业务员、业务经理或总经理可以下单")
    if customer.owner_id is None:
        raise RuleRefused("公海客户须先分配业务员才能下单", rule="cust.ownerless_to_manager")
    addr = clean_text(delivery_address or customer.delivery_address, field="delivery_address", label="送货地址", max_len=200)
    if not addr:
        raise RuleRefused("订单必须有送货地址（送货上门）", rule="settle.door_delivery", fields={"delivery_address": "必填"})
    cfg = get_policy()
    quote = quote_for_order(actor, quote_id, customer)
    invoice = quote.invoice_choice if quote is not None else customer.invoice_choice
    order_lines, line_decisions = price_lines(customer, lines, invoice, quote, cfg)
    deviation = quote_deviation(quote, order_lines, reapproval)
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
        number="", customer=customer, salesperson=customer.owner, quote_id=quote.pk if quote else None,
        settlement=settlement, term_days=term, delivery_address=addr, invoice_choice=invoice, total=total,
        custom_total=custom_total, deposit_required=deposit, is_new_customer=facts.is_new_customer,
        decision=decision.as_dict(), policy_version=cfg.version,
        note=clean_text(note, field="note", label="备注", max_len=300), created_by=actor, idempotency_key=key,
        idempotency_hash=digest,
    )
    as_stored(order, *order_lines)
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            _insert_in_two_statements(actor, order, order_lines, decision, cfg)
        else:
            _insert(actor, order, order_lines, decision, cfg)
    except IntegrityError:
        existing = Order.objects.filter(created_by=actor, idempotency_key=key).first() if key else None
        if existing:
            idempotency.check_same_request(existing, key, digest)
            return existing, False
        raise
    known_lines(order, order_lines)
    return order, True


def _insert(actor, order: Order, order_lines: list[OrderLine], decision: Decision, cfg) -> None:
    with transaction.atomic():  # the write window: the number, the inserts and the audit entry, nothing else
        order.number = next_number("DD")
        order.save(force_insert=True)
        for ln in order_lines:
            ln.order = order
        OrderLine.objects.bulk_create(order_lines)
        record(actor=actor, action="create", obj=order,
               after={**snapshot(order), "lines": [snapshot(ln) for ln in order_lines]},
               decision=decision, policy_version=cfg.version)


def _insert_in_two_statements(actor, order: Order, order_lines: list[OrderLine], decision: Decision, cfg) -> None:
    """PostgreSQL outside a transaction: the same rows as :func:`_insert` in two statements instead of six round trips
    (BEGIN, number, order, lines, audit, COMMIT): the number and the new ids first (``numbering.reserve``), then the
    order, its lines and the audit entry in one INSERT — atomic as one statement, so no order without its lines or
    its audit entry. A failed insert leaves a gap in the day's numbers (allowed: they are never reused)."""
    number, ids = reserve("DD", {Order._meta.db_table: 1, OrderLine._meta.db_table: len(order_lines)})
    order.number, order.pk = number, ids[Order._meta.db_table][0]
    for ln, pk in zip(order_lines, ids[OrderLine._meta.db_table], strict=True):
        ln.pk, ln.order = pk, order
    order_table, line_table = bulk.table_for(Order, with_pk=True), bulk.table_for(OrderLine, with_pk=True)
    order_row = order_table.row(order)  # stamps created_at, as save() does
    line_rows = [line_table.row(ln) for ln in order_lines]
    audit = entry(actor=actor, action="create", obj=order,
                  after={**snapshot(order), "lines": [snapshot(ln) for ln in order_lines]},
                  decision=decision, policy_version=cfg.version)
    audit_table = bulk.table_for(AuditEntry)
    insert_all([order_table.statement([order_row]), line_table.statement(line_rows),
                audit_table.statement([audit_table.row(audit)])], prepare=True)
    for obj in (order, *order_lines):
        obj._state.adding, obj._state.db = False, connection.alias


def as_stored(*objs) -> None:
    """Decimal fields as the database gives them back (their column's places), so an answer built from the
    inserted objects reads exactly as one read back from the database."""
    for obj in objs:
        for f in obj._meta.concrete_fields:
            if isinstance(f, DecimalField) and getattr(obj, f.attname) is not None:
                setattr(obj, f.attname, Decimal(getattr(obj, f.attname)).quantize(Decimal(1).scaleb(-f.decimal_places)))


def known_lines(order: Order, lines: list[OrderLine]) -> None:
    """``order.lines.all()`` answers ``lines`` (just inserted, products attached) without reading them back."""
    qs = OrderLine.objects.filter(order=order)
    qs._result_cache, qs._prefetch_done = list(lines), True
    order._prefetched_objects_cache = {**getattr(order, "_prefetched_objects_cache", {}), "lines": qs}


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
    quote = order_quote(order)
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


@transaction.atomic
def set_custom_ship_date(actor: User, order_id: int, line_id: int, ship_on: date) -> OrderLine:
    """`delivery.custom_production`: PROD (only) enters a custom line's ship date once the deposit arrived."""
    if not can(actor, "enters_custom_ship_dates"):
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
    refresh_order_promise(order)
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
    if order.created_by_id != actor.id and order.salesperson_id != actor.id and not can(actor, "handles_team_orders"):
        raise PermissionDenied("只能修改自己的订单", rule="acl.sp_scope")
    if order.status not in EDITABLE_STATES or order.shipments.exists():
        raise Conflict(f"订单状态为「{order.get_status_display()}」，不能再修改", code="bad_state")
    if hasattr(order, "contract") and order.contract.status not in ("draft", "rejected", "cancelled"):
        raise Conflict(f"合同已{order.contract.get_status_display()}，修改金额须先作废合同", rule="contract.review_1wd",
                       code="bad_state")
    cfg = get_policy()
    quote = order_quote(order)
    new_lines, line_decisions = price_lines(order.customer, lines, order.invoice_choice, quote, cfg)
    deviation = (quote_deviation(quote, new_lines, reapproval, timezone.localtime(order.created_at).date())
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
        after_approval(order)
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
    if order.created_by_id != actor.id and order.salesperson_id != actor.id and not can(actor, "handles_team_orders"):
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
        after_approval(order)
    order.decision = {**order.decision, "approvals": {**needed.as_dict(), "policy_version": cfg.version}}
    order.save(update_fields=["decision"])
    record(actor=actor, action="submit", obj=order, before=before,
           after=snapshot(order, ["status", "approval", "is_new_customer"]),
           decision=needed, policy_version=cfg.version)
    return order


