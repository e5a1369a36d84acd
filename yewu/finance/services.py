"""Money writes (SPEC §5.1–§5.3), one transaction each, every change audited.

Receipts: recorded by FIN or CA only (`sod.receipt_recorder`), allocated oldest due first or by hand
(`receipt.allocation`), reversed (红冲) with a reason — undoing allocations, order balances and commission
exactly. The receipt row is locked (select_for_update) for every allocation, so two cashiers allocating one
receipt at once are serialised and the second sees what the first took."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.customers.models import Customer
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import release as orders
from yewu.org.models import Role, User
from yewu.org.selectors import get_policy, managed_team_ids, users_with_role
from yewu.performance import services as commission
from yewu.policy import Decision, Reason
from yewu.policy import receivables as rules

from . import selectors
from .models import (
    Allocation,
    DeferralRequest,
    Invoice,
    InvoiceKind,
    InvoiceRequest,
    InvoiceRequestLine,
    Receipt,
    ReceiptStatus,
    Reconciliation,
    RequestState,
    WriteOff,
)

ZERO = Decimal("0.00")
RECORDERS = (Role.FIN, Role.CA)


def parse_money(v, field: str = "amount", label: str = "金额", rule: str = "receipt.allocation") -> Decimal:
    """Any finite amount of 2 decimals within its column and input.bounds.max_amount (callers check the sign)."""
    return parsers.money(v, field=field, label=label, rule=rule, allow_negative=True)


def _refuse(d: Decision, field: str | None = None, status: int | None = None) -> RuleRefused:
    err = RuleRefused.from_decision(d, status=status)
    if field:
        err.fields = {field: d.message()}
    return err


def _check_recorder(actor: User) -> None:
    if not actor.has_role(*RECORDERS):
        raise PermissionDenied("回款只能由财务或出纳登记", rule="sod.receipt_recorder")


# --- receipts -------------------------------------------------------------------------------------------------


@transaction.atomic
def create_receipt(actor: User, *, customer_id: int, amount, arrived_on: date | None = None, method: str = "transfer",
                   reference: str = "", payer: str = "", note: str = "", for_order_id: int | None = None,
                   allocations: list[tuple[int, object]] | None = None, auto: bool = True) -> Receipt:
    """Record money arrived. ``allocations`` given → FIN/CA allocates by hand; else, with ``auto``, oldest due
    first (a receipt for a named order — its deposit — goes to that order first). The rest is credit balance."""
    _check_recorder(actor)
    amt = parse_money(amount)
    d = rules.check_receipt_amount(amt)
    if d.refused:
        raise _refuse(d, "amount")
    if method not in rules.RECEIPT_METHODS:
        raise ValidationError(f"收款方式无效：{method}", fields={"method": "、".join(rules.RECEIPT_METHODS)})
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("客户不存在")
    arrived_on = arrived_on or timezone.localdate()
    if arrived_on > timezone.localdate():
        raise ValidationError("到账日不能晚于今天", fields={"arrived_on": "不能是将来日期"})
    for_order = None
    if for_order_id:
        for_order = Order.objects.filter(pk=for_order_id, customer=customer).first()
        if for_order is None:
            raise ValidationError("指定订单不属于该客户", fields={"for_order_id": "不属于该客户"})
    r = Receipt(number=next_number("SK"), customer=customer, amount=amt, arrived_on=arrived_on, method=method,
                reference=clean_text(reference, field="reference", label="银行流水号", max_len=100),
                payer=clean_text(payer, field="payer", label="付款人", max_len=100),
                note=clean_text(note, field="note", label="备注", max_len=200), for_order=for_order, recorded_by=actor)
    r.save()
    record(actor=actor, action="create", obj=r, after=snapshot(r), rule="receipt.allocation")
    if allocations is not None:
        _allocate(actor, r, allocations, Allocation.Kind.MANUAL)
    elif auto:
        _allocate(actor, r, None, Allocation.Kind.AUTO)
    return r


def _auto_plan(r: Receipt) -> list[tuple[int, Decimal]]:
    opens = selectors.open_orders(r.customer_id)
    dd = selectors.delivery_dates([o.pk for o in opens])
    credited = selectors.returned_credit([o.pk for o in opens])
    plan = [rules.OpenOrder(o.pk, selectors.net_unpaid(o, credited), selectors.order_due_on(o, dd.get(o.pk)),
                            o.created_at.date()) for o in opens]
    return rules.auto_allocate(r.unallocated, plan, r.for_order_id)


def _allocate(actor: User, r: Receipt, pairs, kind: str) -> list[Allocation]:
    """Apply parts of a (locked) receipt to orders; all or nothing."""
    if r.status != ReceiptStatus.POSTED:
        raise Conflict(f"回款 {r.number} 已红冲，不能分配", rule="receipt.allocation", code="reversed")
    if pairs is None:
        pairs = _auto_plan(r)
    else:
        pairs = [(int(oid), parse_money(a, f"allocations.{i}.amount", "分配金额")) for i, (oid, a) in enumerate(pairs)]
        if not pairs:
            raise ValidationError("请填写分配的订单和金额", fields={"allocations": "至少一行"}, rule="receipt.allocation")
    ids = sorted({oid for oid, _ in pairs})
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    left = r.unallocated
    made = []
    for i, (oid, amt) in enumerate(pairs):
        o = locked.get(oid)
        if o is None or o.customer_id != r.customer_id:
            raise ValidationError(f"第 {i + 1} 行：订单不存在或不属于客户「{r.customer.name}」", rule="receipt.allocation",
                                  fields={f"allocations.{i}.order_id": "不属于该客户"})
        if o.status not in selectors.PAYABLE_STATES:
            raise Conflict(f"订单 {o.number} 状态为「{o.get_status_display()}」，不能分配回款", rule="receipt.allocation",
                           code="bad_state")
        if o.salesperson_id == actor.id:
            raise PermissionDenied(f"您是订单 {o.number} 的提成业务员，不能为其登记回款", rule="sod.receipt_recorder")
        d = rules.check_allocation(amt, left, selectors.net_unpaid(o), o.number)  # net of received returns
        if d.refused:
            raise _refuse(d, f"allocations.{i}.amount")
        a = Allocation.objects.create(receipt=r, order=o, amount=amt, kind=kind, created_by=actor)
        orders.apply_money_change(actor, o, amt, ref=r.number, arrived_on=r.arrived_on)
        commission.credit_allocation(a, o, r)
        left -= amt
        made.append(a)
    if made:
        before = snapshot(r, ["allocated"])
        r.allocated += sum((a.amount for a in made), ZERO)
        r.save(update_fields=["allocated"])
        record(actor=actor, action="allocate", obj=r, before=before,
               after={"allocated": r.allocated, "kind": kind,
                      "allocations": [{"order": a.order.number, "amount": a.amount} for a in made]},
               rule="receipt.allocation")
        sync_recovery(actor, {a.order_id for a in made}, ref=r.number)
    return made


@transaction.atomic
def allocate(actor: User, receipt_id: int, pairs: list[tuple[int, object]] | None = None) -> Receipt:
    """FIN allocates by hand (``pairs``) or lets the rest go oldest due first (``pairs`` None)."""
    if pairs is not None and not actor.has_role(Role.FIN):
        raise PermissionDenied("手工分配回款由财务办理", rule="receipt.allocation")
    _check_recorder(actor)
    r = Receipt.objects.select_for_update().select_related("customer").filter(pk=receipt_id).first()
    if r is None:
        raise NotFound("回款不存在")
    if pairs is None and not _auto_plan(r):
        raise Conflict("没有可分配的未收订单或回款已全部分配", rule="receipt.allocation", code="nothing_to_allocate")
    _allocate(actor, r, pairs, Allocation.Kind.MANUAL if pairs is not None else Allocation.Kind.AUTO)
    return r


@transaction.atomic
def reverse_receipt(actor: User, receipt_id: int, reason: str, on: date | None = None) -> Receipt:
    """红冲: undo every allocation (order balances, release state) and the commission, in the reversal's month."""
    _check_recorder(actor)
    if not (reason or "").strip():
        raise ValidationError("红冲必须填写原因", fields={"reason": "必填"}, rule="receipt.allocation")
    reason = clean_text(reason, field="reason", label="红冲原因", max_len=200, required=True)
    r = Receipt.objects.select_for_update().select_related("customer").filter(pk=receipt_id).first()
    if r is None:
        raise NotFound("回款不存在")
    if r.status == ReceiptStatus.REVERSED:
        raise Conflict(f"回款 {r.number} 已于 {r.reversed_on:%Y-%m-%d} 红冲，不能重复红冲", rule="receipt.allocation",
                       code="already_reversed")
    on = on or timezone.localdate()
    before = snapshot(r, ["status", "allocated"])
    allocs = list(r.allocations.filter(reversed_on__isnull=True).order_by("order_id", "id"))
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in={a.order_id for a in allocs}).order_by("pk")}
    for a in allocs:
        orders.apply_money_change(actor, locked[a.order_id], -a.amount, ref=f"红冲 {r.number}")
        commission.reverse_allocation(a, on)
        a.reversed_on = on
        a.save(update_fields=["reversed_on"])
    r.status, r.reversed_on, r.reversed_by, r.reversal_reason, r.allocated = ReceiptStatus.REVERSED, on, actor, reason, ZERO
    r.save(update_fields=["status", "reversed_on", "reversed_by", "reversal_reason", "allocated"])
    record(actor=actor, action="reverse", obj=r, before=before, after=snapshot(r, ["status", "allocated", "reversed_on"]),
           rule="receipt.allocation", reason=reason)
    sync_recovery(actor, set(locked), ref=f"红冲 {r.number}")
    return r


# --- invoices -------------------------------------------------------------------------------------------------


def _can_request_invoice(actor: User, customer: Customer) -> bool:
    if actor.has_role(Role.FIN, Role.GM):
        return True
    if actor.has_role(Role.SM) and customer.owner and customer.owner.team_id in managed_team_ids(actor):
        return True
    return actor.has_role(Role.SP) and customer.owner_id == actor.id


@transaction.atomic
def request_invoice(actor: User, *, customer_id: int, kind: str, lines: list[tuple[int, object]] | None = None,
                    note: str = "") -> InvoiceRequest:
    """开票申请单 (`invoice.flow`). ``lines`` = [(order_id, amount)]; omitted → everything delivered and not yet
    invoiced. A VAT special request below 5,000.00 waits and accumulates (`invoice.vat_min_5000`)."""
    from yewu.common.locks import lock

    customer = selectors.money_customers(actor).filter(pk=customer_id).select_related("owner", "owner__team").first()
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    if not _can_request_invoice(actor, customer):
        raise PermissionDenied("只有客户的业务员、其经理或财务可以申请开票", rule="invoice.flow")
    if kind not in InvoiceKind.values:
        raise ValidationError(f"发票类型无效：{kind}", fields={"kind": "vat_special 或 general"})
    lock(f"invoice:customer:{customer.pk}")
    cfg = get_policy()
    avail = {r["order"].pk: r for r in selectors.invoiceable_by_order(customer.pk)}
    if lines is None:
        pairs = [(oid, r["invoiceable"]) for oid, r in avail.items() if r["invoiceable"] > 0]
        if not pairs:
            raise RuleRefused("该客户没有已送货未开票的金额", rule="invoice.flow")
    else:
        pairs = [(int(oid), parse_money(a, f"lines.{i}.amount", "开票金额", "invoice.flow")) for i, (oid, a) in enumerate(lines)]
        if not pairs:
            raise ValidationError("请填写开票的订单和金额", fields={"lines": "至少一行"}, rule="invoice.flow")
    used: dict[int, Decimal] = {}
    for i, (oid, amt) in enumerate(pairs):
        row = avail.get(oid)
        o = row["order"] if row else Order.objects.filter(pk=oid, customer=customer).first()
        if o is None:
            raise ValidationError(f"第 {i + 1} 行：订单不属于该客户", fields={f"lines.{i}.order_id": "不属于该客户"},
                                  rule="invoice.flow")
        left = (row["invoiceable"] if row else ZERO) - used.get(oid, ZERO)
        d = rules.check_invoice_amount(amt, left, o.number)
        if d.refused:
            raise _refuse(d, f"lines.{i}.amount")
        if kind == InvoiceKind.VAT_SPECIAL:
            vf = [ln for ln in o.lines.all() if o.invoice_choice != "vat_special" and ln.unit_price < ln.guide_price]
            if vf:
                raise RuleRefused(f"订单 {o.number} 按不开专票的优惠价定价（{vf[0].unit_price} < 指导价 {vf[0].guide_price}），"
                                  "须重新定价到不低于指导价后才能开增值税专用发票", rule="price.invoice_lock")
        used[oid] = used.get(oid, ZERO) + amt
    total = sum((a for _, a in pairs), ZERO)
    req = InvoiceRequest(number=next_number("KP"), customer=customer, kind=kind, amount=total,
                         state=RequestState.PENDING_REVIEW, requested_by=actor,
                         note=clean_text(note, field="note", label="备注", max_len=200))
    decision = Decision.allow()
    if kind == InvoiceKind.VAT_SPECIAL:
        waiting = list(InvoiceRequest.objects.select_for_update().filter(customer=customer, state=RequestState.WAITING))
        acc = total + sum((w.amount for w in waiting), ZERO)
        decision = rules.vat_special_threshold(acc, cfg)
        if decision.data.get("waiting"):
            req.state = RequestState.WAITING
        else:
            req.amount = acc
    req.reason = decision.as_dict()
    req.save()
    InvoiceRequestLine.objects.bulk_create([InvoiceRequestLine(request=req, order_id=oid, amount=a, first_request=req)
                                            for oid, a in pairs])
    if kind == InvoiceKind.VAT_SPECIAL and req.state != RequestState.WAITING:
        for w in waiting:
            InvoiceRequestLine.objects.filter(request=w).update(request=req)
            w.state, w.merged_into = RequestState.MERGED, req
            w.save(update_fields=["state", "merged_into"])
    record(actor=actor, action="create", obj=req, after={**snapshot(req), "lines": [[o, a] for o, a in pairs],
                                                         "merged": [w.number for w in req.merged.all()]},
           decision=decision, policy_version=cfg.version)
    if req.state == RequestState.PENDING_REVIEW:
        _start_review(actor, req, cfg)
    return req


def _start_review(actor: User, req: InvoiceRequest, cfg) -> None:
    if not cfg["invoice.flow.sm_review"]:
        req.state = RequestState.APPROVED
        req.save(update_fields=["state"])
        return
    owner = req.customer.owner
    approvals.start(doc_type="invoice_request", doc_id=req.pk, submitter=actor, roles=["SM"],
                    decision=Decision.needs(("SM",), Reason("invoice.flow", "开票申请须业务经理审核", "SM reviews invoice requests")),
                    label=f"开票申请 {req.number} {req.customer.name} ¥{req.amount:,.2f}（{req.get_kind_display()}）",
                    link="/finance/invoices/", team=owner.team if owner and owner.team_id else None, beneficiary=owner)


@approvals.on_decided("invoice_request")
def _on_review(ap: ApprovalRequest) -> None:
    req = InvoiceRequest.objects.select_for_update().get(pk=int(ap.doc_id))
    step = ap.steps.exclude(decided_by=None).order_by("-order").first()
    before = snapshot(req, ["state"])
    req.state = RequestState.APPROVED if ap.state == ApprovalRequest.State.APPROVED else RequestState.REJECTED
    req.reviewed_by = step.decided_by if step else None
    req.reviewed_at, req.review_comment = timezone.now(), (step.comment if step else "")[:200]
    req.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])
    record(actor=req.reviewed_by, action="review", obj=req, before=before, after=snapshot(req, ["state"]), rule="invoice.flow")
    if req.state == RequestState.APPROVED:
        for u in users_with_role(Role.FIN):
            notify(u, f"invoice:{req.pk}:approved", f"待开票：{req.number} {req.customer.name} ¥{req.amount:,.2f}",
                   rule="invoice.flow", link="/finance/invoices/")


@transaction.atomic
def issue_invoice(actor: User, request_id: int, tax_number: str, issued_on: date | None = None) -> Invoice:
    """FIN issues the invoice of an approved request, entering the tax-system number and date."""
    if not actor.has_role(Role.FIN):
        raise PermissionDenied("发票由财务开具", rule="invoice.flow")
    req = InvoiceRequest.objects.select_for_update().select_related("customer").filter(pk=request_id).first()
    if req is None:
        raise NotFound("开票申请不存在")
    if req.state != RequestState.APPROVED:
        why = req.reason.get("message") if req.state == RequestState.WAITING else ""
        raise Conflict(f"开票申请状态为「{req.get_state_display()}」，不能开票" + (f"：{why}" if why else ""),
                       rule="invoice.vat_min_5000" if req.state == RequestState.WAITING else "invoice.flow", code="bad_state")
    tax_number = clean_text(tax_number, field="tax_number", label="发票号码", max_len=40, required=True)
    cfg = get_policy()
    if req.kind == InvoiceKind.VAT_SPECIAL:
        d = rules.vat_special_threshold(req.amount, cfg)
        if d.data.get("waiting"):
            raise _refuse(Decision.refuse(*d.reasons))
    net, tax = rules.vat_split(req.amount, cfg)
    inv = Invoice.objects.create(request=req, customer=req.customer, kind=req.kind, tax_number=tax_number,
                                 issued_on=issued_on or timezone.localdate(), amount=req.amount, net_amount=net, tax_amount=tax,
                                 vat_rate_pct=cfg["invoice.flow.vat_rate_pct"], issued_by=actor)
    req.state = RequestState.ISSUED
    req.save(update_fields=["state"])
    record(actor=actor, action="issue", obj=inv, after=snapshot(inv), rule="invoice.flow", policy_version=cfg.version)
    return inv


@transaction.atomic
def red_reverse_invoice(actor: User, invoice_id: int, reason: str, tax_number: str = "") -> Invoice:
    """Corrections only by red-letter reversal (红字发票): a negative invoice; the amounts become invoiceable again."""
    if not actor.has_role(Role.FIN):
        raise PermissionDenied("红字发票由财务开具", rule="invoice.flow")
    reason = clean_text(reason, field="reason", label="红冲原因", max_len=200, required=True)
    inv = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if inv is None:
        raise NotFound("发票不存在")
    if inv.state != Invoice.State.ISSUED:
        raise Conflict("该发票已红冲或本身是红字发票，不能再红冲", rule="invoice.flow", code="already_reversed")
    red = Invoice.objects.create(request=inv.request, customer=inv.customer, kind=inv.kind,
                                 tax_number=clean_text(tax_number, field="tax_number", label="红字发票号码", max_len=40)
                                 or f"红字-{inv.tax_number}", issued_on=timezone.localdate(), amount=-inv.amount,
                                 net_amount=-inv.net_amount, tax_amount=-inv.tax_amount, vat_rate_pct=inv.vat_rate_pct,
                                 state=Invoice.State.RED, red_of=inv, reason=reason, issued_by=actor)
    inv.state = Invoice.State.REVERSED
    inv.save(update_fields=["state"])
    InvoiceRequest.objects.filter(pk=inv.request_id).update(state=RequestState.REVERSED)
    record(actor=actor, action="reverse", obj=inv, after={"red": red.pk, "amount": red.amount}, rule="invoice.flow",
           reason=reason)
    return red


@transaction.atomic
def mark_invoice_signed(actor: User, invoice_id: int, signed_on: date | None = None) -> Invoice:
    """The customer signed for the invoice (`invoice.flow`, last step); recorded by FIN or the customer's SP."""
    inv = Invoice.objects.select_for_update().select_related("customer").filter(pk=invoice_id).first()
    if inv is None or not selectors.money_customers(actor).filter(pk=inv.customer_id).exists():
        raise NotFound("发票不存在")
    if not (actor.has_role(Role.FIN) or inv.customer.owner_id == actor.id):
        raise PermissionDenied("由财务或客户的业务员登记签收", rule="invoice.flow")
    if inv.state != Invoice.State.ISSUED:
        raise Conflict("红冲或红字发票不登记签收", rule="invoice.flow", code="bad_state")
    if inv.signed_on:
        raise Conflict(f"该发票已于 {inv.signed_on:%Y-%m-%d} 签收", rule="invoice.flow", code="already_signed")
    inv.signed_on = signed_on or timezone.localdate()
    inv.save(update_fields=["signed_on"])
    record(actor=actor, action="update", obj=inv, after={"signed_on": inv.signed_on}, rule="invoice.flow")
    return inv


# --- ar.deferral ----------------------------------------------------------------------------------------------


@transaction.atomic
def request_deferral(actor: User, *, customer_id: int, new_due_on: date, reason: str, order_id: int | None = None,
                     today: date | None = None) -> DeferralRequest:
    today = today or timezone.localdate()
    customer = selectors.money_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    reason = clean_text(reason, field="reason", label="推迟理由", max_len=300, required=True)
    order = None
    if order_id:
        order = Order.objects.filter(pk=order_id, customer=customer).first()
        if order is None:
            raise ValidationError("订单不属于该客户", fields={"order_id": "不属于该客户"})
    if new_due_on <= today:
        raise ValidationError("推迟后的付款日须晚于今天", fields={"new_due_on": "须晚于今天"}, rule="ar.deferral")
    prev = list(DeferralRequest.objects.filter(customer=customer).values_list("requested_on", flat=True))
    flag = rules.deferral_flags_credit_review(prev, today, get_policy())
    d = DeferralRequest.objects.create(customer=customer, order=order, requested_on=today, new_due_on=new_due_on,
                                       reason=reason, requested_by=actor, credit_review=flag.data["credit_review"],
                                       comment="")
    record(actor=actor, action="create", obj=d, after=snapshot(d), rule="ar.deferral", decision=flag)
    if d.credit_review:
        for u in list(users_with_role(Role.FIN)) + ([customer.owner.team.manager] if customer.owner and customer.owner.team_id
                                                     and customer.owner.team.manager_id else []):
            notify(u, f"deferral:{d.pk}:credit_review", f"信用复查：{customer.name} {flag.message()}", rule="ar.deferral",
                   link="/finance/ar/")
    return d


@transaction.atomic
def decide_deferral(actor: User, deferral_id: int, grant: bool, comment: str = "") -> DeferralRequest:
    """Only the customer's SM grants; the default answer is refusal."""
    d = DeferralRequest.objects.select_for_update(of=("self",)).select_related("customer__owner").filter(pk=deferral_id).first()
    if d is None:
        raise NotFound("推迟付款申请不存在")
    owner = d.customer.owner
    if not (actor.has_role(Role.SM) and owner and owner.team_id in managed_team_ids(actor)):
        raise PermissionDenied("推迟付款只能由该客户所属团队的业务经理决定", rule="ar.deferral")
    if d.outcome != DeferralRequest.Outcome.PENDING:
        raise Conflict("该申请已有结果", rule="ar.deferral", code="already_decided")
    d.outcome = DeferralRequest.Outcome.GRANTED if grant else DeferralRequest.Outcome.REFUSED
    d.decided_by, d.decided_on = actor, timezone.localdate()
    d.comment = clean_text(comment, field="comment", label="意见", max_len=200)
    d.save()
    record(actor=actor, action="approve" if grant else "reject", obj=d, after=snapshot(d, ["outcome", "comment"]),
           rule="ar.deferral")
    return d


# --- ar.bad_debt ----------------------------------------------------------------------------------------------


def write_off_ceiling(actor: User, order: Order) -> Decimal:
    """What may still be proposed for write-off: the order's open amount (delivered, net of returns, unpaid, not
    yet written off) less proposals awaiting approval."""
    open_amt = sum((r.open for r in selectors.receivables(actor, timezone.localdate(), order_id=order.pk)), ZERO)
    pending = sum(WriteOff.objects.filter(order=order, state=WriteOff.State.PENDING).values_list("amount", flat=True), ZERO)
    return max(open_amt - pending, ZERO)


@transaction.atomic
def request_write_off(actor: User, order_id: int, amount, reason: str) -> WriteOff:
    """`ar.bad_debt`: the order's SP, its SM or FIN proposes; SM, FD and GM approve in turn; the debt stays tracked
    (listed as written off in the aging; later money on the order is recovery)."""
    order = Order.objects.select_for_update(of=("self",)).select_related("customer__owner", "salesperson__team").filter(
        pk=order_id).first()
    if order is None or not selectors.money_customers(actor).filter(pk=order.customer_id).exists():
        raise NotFound("订单不存在或无权查看")
    if not selectors.can_write_off(actor, order):
        raise PermissionDenied("坏账核销由该订单的业务员、其业务经理或财务提出", rule="ar.bad_debt")
    if not (reason or "").strip():
        raise ValidationError("核销必须填写原因", fields={"reason": "必填"}, rule="ar.bad_debt")
    reason = clean_text(reason, field="reason", label="核销原因", max_len=300, required=True)
    amt = parse_money(amount, rule="ar.bad_debt")
    ceiling = write_off_ceiling(actor, order)
    if amt <= 0 or amt > ceiling:
        raise RuleRefused(f"核销金额 {rules.fmt(amt)} 须大于 0 且不超过订单 {order.number} 已送货未收金额 "
                          f"{rules.fmt(ceiling)}", rule="ar.bad_debt", fields={"amount": "超出未收金额"})
    w = WriteOff.objects.create(number=next_number("HX"), customer=order.customer, order=order, amount=amt,
                                reason=reason, requested_by=actor)
    w.approval = approvals.start(
        doc_type="write_off", doc_id=w.pk, submitter=actor, roles=["SM", "FD", "GM"],
        decision=Decision.needs(("SM", "FD", "GM"), Reason("ar.bad_debt", "坏账核销须业务经理、财务总监、总经理审批",
                                                           "Write-off needs SM, FD and GM")),
        label=f"坏账核销 {w.number} {order.customer.name} 订单 {order.number} ¥{amt:,.2f}：{reason}",
        link=f"/finance/statement/{order.customer_id}/",
        team=order.salesperson.team, beneficiary=order.salesperson)
    w.save(update_fields=["approval"])
    record(actor=actor, action="create", obj=w, after=snapshot(w), rule="ar.bad_debt", reason=reason)
    return w


@approvals.on_decided("write_off")
def _on_write_off(ap: ApprovalRequest) -> None:
    w = WriteOff.objects.select_for_update().get(pk=int(ap.doc_id))
    w.state = WriteOff.State.APPROVED if ap.state == ApprovalRequest.State.APPROVED else WriteOff.State.REJECTED
    w.decided_at = timezone.now()
    w.save(update_fields=["state", "decided_at"])
    record(actor=None, action="update", obj=w, after={"state": w.state}, rule="ar.bad_debt")
    if w.state == WriteOff.State.APPROVED:  # money received while it awaited approval is recovery from the start
        sync_recovery(None, {w.order_id}, ref=w.number)


def sync_recovery(actor: User | None, order_ids, ref: str = "") -> None:
    """After money on orders changed: what of their approved write-offs is recovered = written off − what is still
    open of it (receipts pay the live debt first). Oldest write-off first; each change audited as recovery."""
    from .tasks import SYSTEM

    wos = list(WriteOff.objects.select_for_update().filter(order_id__in=list(order_ids), state=WriteOff.State.APPROVED)
               .order_by("order_id", "decided_at", "id"))
    by_order: dict[int, list[WriteOff]] = {}
    for w in wos:
        by_order.setdefault(w.order_id, []).append(w)
    for oid, ws in by_order.items():
        still = sum((r.written_off for r in selectors.receivables(SYSTEM, timezone.localdate(), order_id=oid,
                                                                  keep_written_off=True)), ZERO)
        recovered = max(sum((w.amount for w in ws), ZERO) - still, ZERO)
        for w in ws:
            new = min(recovered, w.amount)
            recovered -= new
            if new != w.recovered:
                before = {"recovered": w.recovered}
                w.recovered = new
                w.save(update_fields=["recovered"])
                record(actor=actor, action="recovery", obj=w, before=before, after={"recovered": new, "ref": ref},
                       rule="ar.bad_debt")


# --- ar.reconcile_semiannual ----------------------------------------------------------------------------------


@transaction.atomic
def record_reconciliation(actor: User, rec_id: int, agreed: bool, customer_balance=None, note: str = "") -> Reconciliation:
    rec = Reconciliation.objects.select_for_update().select_related("customer").filter(pk=rec_id).first()
    if rec is None or not selectors.money_customers(actor).filter(pk=rec.customer_id).exists():
        raise NotFound("对账记录不存在")
    if not (actor.id == rec.owner_id or actor.has_role(Role.FIN, Role.SM, Role.GM)):
        raise PermissionDenied("由客户负责人对账", rule="ar.reconcile_semiannual")
    rec.state = Reconciliation.State.AGREED if agreed else Reconciliation.State.DIFFERENCE
    rec.customer_balance = rec.balance if agreed else parse_money(customer_balance, "customer_balance", "客户确认余额",
                                                                     "ar.reconcile_semiannual")
    rec.difference_note = clean_text(note, field="note", label="差异说明", max_len=300, required=not agreed)
    rec.recorded_by, rec.recorded_on = actor, timezone.localdate()
    rec.save()
    record(actor=actor, action="update", obj=rec, after=snapshot(rec, ["state", "customer_balance", "difference_note"]),
           rule="ar.reconcile_semiannual")
    return rec


__all__ = ["create_receipt", "allocate", "reverse_receipt", "request_invoice", "issue_invoice", "red_reverse_invoice",
           "request_deferral", "decide_deferral", "record_reconciliation", "OrderStatus"]
