"""Invoice writes (`invoice.flow`, SPEC §5.2): requests, their review in the approval engine, issue, red-letter
reversal and the customer's signature; one transaction each, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.locks import lock
from yewu.common.numbering import next_number
from yewu.common.parsers import money
from yewu.common.text import clean_text
from yewu.customers.models import Customer
from yewu.finance.access import money_customers
from yewu.finance.base import ZERO, parse_money, refuse
from yewu.finance.invoices.selectors import invoiceable_by_order
from yewu.orders.models import Order
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids, users_with_ability
from yewu.policy import Decision, Reason
from yewu.policy import receivables as rules

from ..models import Invoice, InvoiceKind, InvoiceRequest, InvoiceRequestLine, RequestState


def _can_request_invoice(actor: User, customer: Customer) -> bool:
    if can(actor, "requests_any_invoice"):
        return True
    if can(actor, "requests_team_invoices") and customer.owner and customer.owner.team_id in managed_team_ids(actor):
        return True
    return can(actor, "requests_own_invoices") and customer.owner_id == actor.id


@transaction.atomic
def request_invoice(actor: User, *, customer_id: int, kind: str, lines: list[tuple[int, object]] | None = None,
                    note: str = "") -> InvoiceRequest:
    """开票申请单 (`invoice.flow`). ``lines`` = [(order_id, amount)]; omitted → everything delivered and not yet
    invoiced. A VAT special request below 5,000.00 waits and accumulates (`invoice.vat_min_5000`)."""

    customer = money_customers(actor).filter(pk=customer_id).select_related("owner", "owner__team").first()
    if customer is None:
        raise NotFound("客户不存在或无权查看", rule="acl.sp_scope")
    if not _can_request_invoice(actor, customer):
        raise PermissionDenied("只有客户的业务员、其经理或财务可以申请开票", rule="invoice.flow")
    if kind not in InvoiceKind.values:
        raise ValidationError(f"发票类型无效：{kind}", fields={"kind": "vat_special 或 general"})
    lock(f"invoice:customer:{customer.pk}")
    cfg = get_policy()
    avail = {r["order"].pk: r for r in invoiceable_by_order(customer.pk)}
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
            raise refuse(d, f"lines.{i}.amount")
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
    decision, waiting = _accumulate(req, cfg)
    InvoiceRequestLine.objects.bulk_create([InvoiceRequestLine(request=req, order_id=oid, amount=a, first_request=req)
                                            for oid, a in pairs])
    _merge(req, waiting)
    record(actor=actor, action="create", obj=req, after={**snapshot(req), "lines": [[o, a] for o, a in pairs],
                                                         "merged": [w.number for w in req.merged.all()]},
           decision=decision, policy_version=cfg.version)
    if req.state == RequestState.PENDING_REVIEW:
        _start_review(actor, req, cfg)
    return req


def _accumulate(req: InvoiceRequest, cfg) -> tuple[Decision, list[InvoiceRequest]]:
    """`invoice.vat_min_5000`: a VAT special request below the threshold waits; one that brings the customer's waiting
    requests to it takes them over (amount = the sum). Saves ``req``; returns the decision and the waiting requests."""
    decision, waiting = Decision.allow(), []
    if req.kind == InvoiceKind.VAT_SPECIAL:
        waiting = list(InvoiceRequest.objects.select_for_update().filter(customer=req.customer, state=RequestState.WAITING))
        acc = req.amount + sum((w.amount for w in waiting), ZERO)
        decision = rules.vat_special_threshold(acc, cfg)
        if decision.data.get("waiting"):
            req.state = RequestState.WAITING
        else:
            req.amount = acc
    req.reason = decision.as_dict()
    req.save()
    return decision, waiting


def _merge(req: InvoiceRequest, waiting: list[InvoiceRequest]) -> None:
    if req.kind == InvoiceKind.VAT_SPECIAL and req.state != RequestState.WAITING:
        for w in waiting:
            InvoiceRequestLine.objects.filter(request=w).update(request=req)
            w.state, w.merged_into = RequestState.MERGED, req
            w.save(update_fields=["state", "merged_into"])


@transaction.atomic
def request_invoice_for_charge(actor: User, *, customer_id: int, kind: str, amount, source: str, note: str = "",
                               rule: str = "invoice.flow") -> InvoiceRequest:
    """开票申请单 for a charge that is not an order line (a paid service job, …), asked by the system when the
    charge is complete under ``rule`` (e.g. `service.close_signature`), so ``actor`` — the person whose action
    completed it — needs no invoice-requesting ability. Same review, VAT accumulation and audit as
    :func:`request_invoice`. ``source`` names the charge; asking again for the same source returns the first request."""
    source = clean_text(source, field="source", label="来源", max_len=60, required=True)
    existing = InvoiceRequest.objects.filter(source=source).first()
    if existing is not None:
        return existing
    customer = Customer.objects.filter(pk=customer_id).select_related("owner", "owner__team").first()
    if customer is None:
        raise NotFound("客户不存在", rule=rule)
    if kind not in InvoiceKind.values:
        raise ValidationError(f"发票类型无效：{kind}", fields={"kind": "vat_special 或 general"}, rule="invoice.flow")
    total = money(amount, field="amount", label="开票金额", rule="invoice.flow")
    lock(f"invoice:customer:{customer.pk}")
    cfg = get_policy()
    req = InvoiceRequest(number=next_number("KP"), customer=customer, kind=kind, amount=total, source=source,
                         state=RequestState.PENDING_REVIEW, requested_by=actor,
                         note=clean_text(note, field="note", label="备注", max_len=200))
    decision, waiting = _accumulate(req, cfg)
    _merge(req, waiting)
    record(actor=actor, action="create", obj=req, after={**snapshot(req), "charge": total,
                                                         "merged": [w.number for w in req.merged.all()]},
           decision=decision, rule=rule, policy_version=cfg.version)
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
        for u in users_with_ability("issues_invoices"):
            notify(u, f"invoice:{req.pk}:approved", f"待开票：{req.number} {req.customer.name} ¥{req.amount:,.2f}",
                   rule="invoice.flow", link="/finance/invoices/")


@transaction.atomic
def issue_invoice(actor: User, request_id: int, tax_number: str, issued_on: date | None = None) -> Invoice:
    """FIN issues the invoice of an approved request, entering the tax-system number and date."""
    if not can(actor, "issues_invoices"):
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
            raise refuse(Decision.refuse(*d.reasons))
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
    if not can(actor, "issues_invoices"):
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
    if inv is None or not money_customers(actor).filter(pk=inv.customer_id).exists():
        raise NotFound("发票不存在")
    if not (can(actor, "issues_invoices") or inv.customer.owner_id == actor.id):
        raise PermissionDenied("由财务或客户的业务员登记签收", rule="invoice.flow")
    if inv.state != Invoice.State.ISSUED:
        raise Conflict("红冲或红字发票不登记签收", rule="invoice.flow", code="bad_state")
    if inv.signed_on:
        raise Conflict(f"该发票已于 {inv.signed_on:%Y-%m-%d} 签收", rule="invoice.flow", code="already_signed")
    inv.signed_on = signed_on or timezone.localdate()
    inv.save(update_fields=["signed_on"])
    record(actor=actor, action="update", obj=inv, after={"signed_on": inv.signed_on}, rule="invoice.flow")
    return inv
