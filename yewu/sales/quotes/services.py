"""Quotes (SPEC §3.3): the number, the lines (each priced by ``policy.pricing.check_line_price`` with the guide
price it was quoted with), the header (invoice, fee rate, validity, enquiry time), creating and editing a draft,
sending an approved quote; and the small state helpers the approval and follow-up sub-areas share."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.catalog import line_pricing
from yewu.common import numbering, parsers
from yewu.common.errors import Conflict, PermissionDenied, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.common.text import clean_text
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import Decision, PolicyConfig, pricing

from ..models import Quote, QuoteLine, QuoteState
from ..pricing.services import decision_payload, parse_invoice, raise_field_errors
from .selectors import customers_for_user

OPEN_STATES = (QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED, QuoteState.SENT)
QUOTE_KIND = "BJ"


def next_number(day: date | None = None) -> str:
    """``contract.number_format`` for quotes: YWBJ-YYYYMMDD-NN, per day from 01, never reused (yewu.common.numbering;
    migration sales 0005 seeded each day's counter from the quotes numbered before)."""
    return numbering.next_number(QUOTE_KIND, day)


# --- lines -------------------------------------------------------------------------------------------


def _price_line(line: QuoteLine, quote: Quote, cfg: PolicyConfig) -> Decision:
    """The line's figures and outcome from the one line price check (:func:`yewu.catalog.line_pricing.check`)."""
    dec = line_pricing.check(line_pricing.Guide(line.guide_price, line.guide_source), kind=line.kind,
                             unit_price=line.unit_price, quantity=line.quantity, fee_rate=quote.fee_rate,
                             invoice=quote.invoice_choice, cfg=cfg)
    d = dec.data
    line.fee_rate = quote.fee_rate
    line.net_price, line.baseline, line.floor, line.min_price = d["net_price"], d["baseline"], d["floor"], d["min_price"]
    line.discount_pct, line.fee, line.outcome = d["discount_pct"], d["fee"], str(dec.outcome)
    line.commission_rate = d["commission_rate"] if d.get("commission_rate") is not None else Decimal("0")
    line.commission_delta = d["commission_delta"] if d.get("commission_delta") is not None else Decimal("0")
    line.amount = pricing.money(line.quantity * line.unit_price)
    line.decision = {**decision_payload(dec), "policy_version": cfg.version}
    return dec


def _product_pk(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _build_lines(actor, quote: Quote, raw_lines: list[dict], cfg: PolicyConfig, keep: dict | None = None) -> list[QuoteLine]:
    """Quote lines priced by the one line pricing (:mod:`yewu.catalog.line_pricing`): the products and their guide
    prices on the quote date in one query, then the line price check per line."""
    if not isinstance(raw_lines, list):
        raise ValidationError("lines 必须是列表", fields={"lines": "必须是列表"})
    if len(raw_lines) > 200:
        raise ValidationError("一张报价单最多 200 行", fields={"lines": "最多 200 行"})
    keep = keep or {}
    products = line_pricing.products_for(
        [pk for raw in raw_lines if isinstance(raw, dict) and (pk := _product_pk(raw.get("product_id"))) is not None],
        quote.quote_date)
    lines: list[QuoteLine] = []
    for i, raw in enumerate(raw_lines):
        pre = f"lines.{i}."
        pid = raw.get("product_id")
        if pid in (None, ""):
            raise ValidationError(f"第 {i + 1} 行未选择产品", fields={pre + "product_id": "必填"})
        pk = _product_pk(pid)
        product = products.get(pk) if pk is not None else None
        if product is None:
            raise ValidationError(f"第 {i + 1} 行产品不存在", fields={pre + "product_id": "产品不存在"})
        if not product.active:
            raise ValidationError(f"第 {i + 1} 行产品 {product.code} 已停售", fields={pre + "product_id": "已停售"})
        values, errs = pricing.parse_line_input(raw.get("quantity"), raw.get("unit_price"), quote.fee_rate, cfg)
        if errs:
            raise ValidationError(f"第 {i + 1} 行：" + "；".join(e.message for e in errs),
                                  fields={pre + e.field: e.message for e in errs}, rule=next((e.rule for e in errs if e.rule), None))
        key = (product.pk, raw.get("price_request_id") or None)
        if key in keep:
            guide = line_pricing.Guide(*keep[key])
        else:
            guide = line_pricing.guide_of(product, quote.quote_date, quote.owner, raw.get("price_request_id"))
        line = QuoteLine(quote=quote, position=i + 1, product=product, product_code=product.code, product_name=product.name,
                         specification=product.specification, unit=product.unit, kind=product.kind,
                         on_guide_list=product.on_guide_list, quantity=values["quantity"],
                         guide_price=guide.price or Decimal("0"), guide_source=guide.source,
                         price_request_id=guide.request_id, unit_price=values["unit_price"])
        if guide.price is None:
            dec = line_pricing.check(guide, kind=product.kind, unit_price=values["unit_price"], quantity=values["quantity"],
                                     fee_rate=quote.fee_rate, invoice=quote.invoice_choice, cfg=cfg)
            raise line_pricing.refusal(dec, where=f"第 {i + 1} 行 {product.code}", field=pre + "product_id")
        dec = _price_line(line, quote, cfg)
        parsers.fits(line.amount, parsers.MONEY, field=pre + "quantity", label=f"第 {i + 1} 行金额", cfg=cfg)
        if dec.refused:
            raise line_pricing.refusal(dec, where=f"第 {i + 1} 行 {product.code}", field=pre + "unit_price")
        lines.append(line)
    return lines


def _apply_totals_and_deadlines(quote: Quote, lines: list[QuoteLine], cfg: PolicyConfig) -> None:
    quote.total = pricing.quote_total([(ln.quantity, ln.unit_price) for ln in lines])
    parsers.fits(quote.total, parsers.MONEY, field="lines", label="报价合计", cfg=cfg)
    steps = pricing.quote_approval_steps([ln.outcome for ln in lines], quote.total, cfg)
    quote.needs_sm = any(s.role == "SM" for s in steps)
    quote.needs_gm = any(s.role == "GM" for s in steps)
    if any(pricing.triggers_24h(ln.kind, ln.on_guide_list, cfg) for ln in lines):
        quote.response_warn_at, quote.response_due_at = pricing.nonstandard_due(quote.received_at, cfg, get_calendar())
    else:
        quote.response_warn_at = quote.response_due_at = None
    quote.policy_version = cfg.version


def _header(actor, quote: Quote, data: dict, cfg: PolicyConfig, creating: bool) -> None:
    if creating or "vat_invoice" in data or "invoice_choice" in data:
        raw = data.get("vat_invoice", data.get("invoice_choice"))
        quote.invoice_choice = parse_invoice(raw, default=quote.customer.invoice_choice if creating else quote.invoice_choice)
    if creating or "fee_rate" in data:
        _, errs = pricing.parse_line_input("1", "1", data.get("fee_rate"), cfg)
        raise_field_errors(errs)
        fr = data.get("fee_rate")
        quote.fee_rate = Decimal(str(fr)) if fr not in (None, "") else Decimal("0")
    if creating or "valid_until" in data:
        vu = parsers.parse_date(data.get("valid_until"), field="valid_until", label="有效期", required=False)
        quote.valid_until = vu or quote.quote_date + timedelta(days=int(cfg["quote.validity_days"]))
        if quote.valid_until < quote.quote_date:
            raise ValidationError("有效期不能早于报价日期", fields={"valid_until": "不能早于报价日期"})
        if quote.valid_until > quote.quote_date + timedelta(days=366):
            raise ValidationError("有效期不能超过一年", fields={"valid_until": "不能超过一年"})
    if creating or "received_at" in data:
        dt = parsers.parse_datetime(data.get("received_at"), field="received_at", label="询价时间", required=False)
        if dt is None:
            quote.received_at = quote.received_at or timezone.now()
        else:
            if dt > timezone.now() + timedelta(minutes=5):
                raise ValidationError("询价时间不能在将来", fields={"received_at": "不能在将来"})
            quote.received_at = dt
    if "notes" in data:
        quote.notes = clean_text(data.get("notes"), field="notes", label="备注", max_len=2000)


def _can_edit(actor, quote: Quote) -> None:
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk:
        raise PermissionDenied("只有报价单的业务员可以修改")
    if quote.state != QuoteState.DRAFT:
        raise Conflict(f"报价单 {quote.number} 状态为「{quote.get_state_display()}」，只有草稿可以修改", fields={"state": quote.state})


@transaction.atomic
def create_quote(actor, data: dict) -> Quote:
    if not can(actor, "makes_quotes"):
        raise PermissionDenied("只有业务员、业务经理或总经理可以报价")
    cfg = get_policy()
    cid = data.get("customer_id")
    try:
        customer = customers_for_user(actor).get(pk=int(cid))
    except Exception:  # noqa: BLE001 — unknown, invisible or malformed id: same answer
        raise ValidationError("客户不存在或无权为其报价", fields={"customer_id": "客户不存在或不可见"}) from None
    owner = actor if can(actor, "keeps_own_quotes") or customer.owner_id is None else customer.owner
    today = timezone.localdate()
    quote = Quote(customer=customer, owner=owner, team=owner.team, quote_date=today, created_by=actor, state=QuoteState.DRAFT)
    _header(actor, quote, data, cfg, creating=True)
    lines = _build_lines(actor, quote, data.get("lines") or [], cfg)
    _apply_totals_and_deadlines(quote, lines, cfg)
    quote.number = next_number(today)
    quote.save()
    for ln in lines:
        ln.quote = quote
    QuoteLine.objects.bulk_create(lines)
    record(actor=actor, action="create", obj=quote, after=_quote_snapshot(quote, lines), rule="price.guide",
           policy_version=cfg.version)
    return quote


@transaction.atomic
def update_quote(actor, quote: Quote, data: dict) -> Quote:
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    _can_edit(actor, quote)
    cfg = get_policy()
    before = _quote_snapshot(quote, list(quote.lines.all()))
    _header(actor, quote, data, cfg, creating=False)
    existing = list(quote.lines.select_related("price_request"))
    # keep the G each product was priced with (price.guide: later price changes never rewrite the quote)
    keep = {(ln.product_id, ln.price_request_id): (ln.guide_price, ln.guide_source, ln.price_request) for ln in existing}
    if "lines" in data and data["lines"] is not None:
        lines = _build_lines(actor, quote, data["lines"], cfg, keep)
        quote.lines.all().delete()
        QuoteLine.objects.bulk_create(lines)
    else:
        lines = existing
        for ln in lines:
            dec = _price_line(ln, quote, cfg)
            if dec.refused:
                raise RuleRefused.from_decision(dec)
            ln.save()
    _apply_totals_and_deadlines(quote, lines, cfg)
    quote.save()
    record(actor=actor, action="update", obj=quote, before=before, after=_quote_snapshot(quote, lines), policy_version=cfg.version)
    return quote


def _quote_snapshot(quote: Quote, lines: list[QuoteLine]) -> dict:
    s = snapshot(quote)
    s["lines"] = [{"product": ln.product_code, "quantity": ln.quantity, "G": ln.guide_price, "P": ln.unit_price,
                   "x": ln.fee_rate, "N": ln.net_price, "d": ln.discount_pct, "outcome": ln.outcome,
                   "commission_delta": ln.commission_delta} for ln in lines]
    return s


# --- state helpers (shared by approval and follow-up) ----------------------------------------------


def _lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("team", "owner", "customer").get(pk=quote.pk)


def _transition(actor, quote: Quote, to: str, *, rule: str = "", reason: str = "", decision=None) -> None:
    before = {"state": quote.state}
    quote.state = to
    quote.save()
    record(actor=actor, action="state", obj=quote, before=before, after={"state": to}, rule=rule, reason=reason,
           decision=decision)


def _notify(user, key: str, rule: str, message: str, link: str) -> None:
    if user is not None:
        Notification.objects.get_or_create(user=user, key=key, defaults={"rule": rule, "message": message, "link": link})


def sm_approvers(quote: Quote):
    """Who approves the SM step: the manager of the owner's team; when the owner is that manager (or
    there is none), the step goes to the superior (GM) — sod.no_self_approval."""
    mgr = quote.team.manager if quote.team_id else None
    if mgr is not None and mgr.pk != quote.owner_id and mgr.is_active:
        return [mgr]
    return [u for u in users_with_ability("stands_in_for_team_manager") if u.pk != quote.owner_id]


@transaction.atomic
def send_quote(actor, quote: Quote) -> Quote:
    quote = _lock(quote)
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk:
        raise PermissionDenied("只有报价单的业务员可以发送")
    if quote.state != QuoteState.APPROVED:
        raise Conflict(f"只有已批准的报价单可以发送（现为「{quote.get_state_display()}」）", fields={"state": quote.state})
    if quote.valid_until < timezone.localdate():
        raise ValidationError("报价单已过有效期", fields={"valid_until": "已过期"})
    quote.sent_at = timezone.now()
    _transition(actor, quote, QuoteState.SENT, rule="quote.nonstandard_24h" if quote.response_due_at else "")
    return quote
