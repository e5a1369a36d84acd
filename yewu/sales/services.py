"""Pricing checks and quotations (SPEC §3.2, §3.3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.catalog import line_pricing
from yewu.catalog.models import Product
from yewu.catalog.services import guide_for_line, parse_date
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.locks import lock
from yewu.common.text import clean_text
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy import Decision, PolicyConfig, Reason, pricing

from .models import CoachingTask, InvoiceChoice, Quote, QuoteLine, QuoteState
from .selectors import customers_for_user

QUOTERS = ("SP", "SM", "GM")
OPEN_STATES = (QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED, QuoteState.SENT)


# --- input helpers -----------------------------------------------------------------------------------


def parse_invoice(value: Any, *, default: str = InvoiceChoice.VAT_SPECIAL) -> str:
    """``vat_invoice``: true/false, or one of vat_special / general / none."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return InvoiceChoice.VAT_SPECIAL if value else InvoiceChoice.NONE
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "是"):
        return InvoiceChoice.VAT_SPECIAL
    if v in ("false", "0", "no", "否"):
        return InvoiceChoice.NONE
    if v in InvoiceChoice.values:
        return v
    raise ValidationError(f"发票类型无效：{value}", fields={"vat_invoice": "vat_special / general / none，或 true/false"},
                          rule="price.vat_free_discount")


def _raise_field_errors(errs: list[pricing.FieldError], prefix: str = "") -> None:
    if errs:
        raise ValidationError("；".join(e.message for e in errs), fields={prefix + e.field: e.message for e in errs},
                              rule=next((e.rule for e in errs if e.rule), None))


def decision_payload(dec: Decision, lang: str = "zh") -> dict:
    d = dec.as_dict(lang)
    d["min_price"] = d.get("min_price")
    d["commission_delta"] = d.get("commission_delta")
    return d


# --- the pricing check (UI, API, import and quote submission all use check_line_price) -----------------


def check_price(user, *, product_id=None, guide_price=None, quantity="1", unit_price=None, vat_invoice=None,
                fee_rate="0", day: date | None = None, cfg: PolicyConfig | None = None) -> Decision:
    cfg = cfg or get_policy()
    values, errs = pricing.parse_line_input(quantity, unit_price, fee_rate, cfg, guide_price=guide_price)
    if product_id in (None, "") and guide_price in (None, ""):
        errs.append(pricing.FieldError("product_id", "请提供产品（product_id）或指导价（guide_price）",
                                       "give product_id or guide_price", "price.guide"))
    _raise_field_errors(errs)
    invoice = parse_invoice(vat_invoice)
    source, kind = "list", None
    if product_id not in (None, ""):
        try:
            product = Product.objects.get(pk=int(product_id))
        except (Product.DoesNotExist, TypeError, ValueError):
            raise NotFound(f"产品 {product_id} 不存在", fields={"product_id": "产品不存在"}) from None
        g, source, _ = guide_for_line(product, day or timezone.localdate(), user)
        kind = product.kind
    else:
        g = values["guide_price"]
    dec = pricing.check_line_price(guide_price=g, unit_price=values["unit_price"], fee_rate=values["fee_rate"],
                                   invoice=invoice, quantity=values["quantity"], cfg=cfg, price_source=source,
                                   kind=kind)
    if g is None:
        raise RuleRefused.from_decision(dec)
    return dec


# --- numbering ---------------------------------------------------------------------------------------


def next_number(day: date, type_code: str = "BJ") -> str:
    """``contract.number_format`` for quotes: YWBJ-YYYYMMDD-NN, per day from 01, never reused."""
    company = str(get_policy().get("contract.number_format.company_code", "YW"))
    prefix = f"{company}{type_code}-{day:%Y%m%d}-"
    lock(f"number:{prefix}")
    seqs = [int(n[len(prefix):]) for n in Quote.objects.filter(number__startswith=prefix).values_list("number", flat=True)
            if n[len(prefix):].isdigit()]
    return pricing.quote_number(company, type_code, day, max(seqs, default=0) + 1)


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
        _raise_field_errors(errs)
        fr = data.get("fee_rate")
        quote.fee_rate = Decimal(str(fr)) if fr not in (None, "") else Decimal("0")
    if creating or "valid_until" in data:
        vu = parse_date(data.get("valid_until"), field="valid_until", label="有效期")
        quote.valid_until = vu or quote.quote_date + timedelta(days=int(cfg["quote.validity_days"]))
        if quote.valid_until < quote.quote_date:
            raise ValidationError("有效期不能早于报价日期", fields={"valid_until": "不能早于报价日期"})
        if quote.valid_until > quote.quote_date + timedelta(days=366):
            raise ValidationError("有效期不能超过一年", fields={"valid_until": "不能超过一年"})
    if creating or "received_at" in data:
        ra = data.get("received_at")
        if ra in (None, ""):
            quote.received_at = quote.received_at or timezone.now()
        else:
            try:
                dt = ra if isinstance(ra, datetime) else datetime.fromisoformat(str(ra))
            except ValueError:
                raise ValidationError("询价时间格式应为 ISO 8601", fields={"received_at": "格式错误"}) from None
            if timezone.is_naive(dt):
                dt = timezone.make_aware(dt)
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
    if not actor.has_role(*QUOTERS):
        raise PermissionDenied("只有业务员、业务经理或总经理可以报价")
    cfg = get_policy()
    cid = data.get("customer_id")
    try:
        customer = customers_for_user(actor).get(pk=int(cid))
    except Exception:  # noqa: BLE001 — unknown, invisible or malformed id: same answer
        raise ValidationError("客户不存在或无权为其报价", fields={"customer_id": "客户不存在或不可见"}) from None
    owner = actor if actor.has_role("SP") or customer.owner_id is None else customer.owner
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


# --- state machine ------------------------------------------------------------------------------------


def _lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("team", "owner", "customer").get(pk=quote.pk)


def _transition(actor, quote: Quote, to: str, *, rule: str = "", reason: str = "", decision=None) -> None:
    before = {"state": quote.state}
    quote.state = to
    quote.save()
    record(actor=actor, action="state", obj=quote, before=before, after={"state": to}, rule=rule, reason=reason,
           decision=decision)


def _notify(user, key: str, rule: str, message: str, link: str) -> None:
    from yewu.common.models import Notification

    if user is not None:
        Notification.objects.get_or_create(user=user, key=key, defaults={"rule": rule, "message": message, "link": link})


def sm_approvers(quote: Quote):
    """Who approves the SM step: the manager of the owner's team; when the owner is that manager (or
    there is none), the step goes to the superior (GM) — sod.no_self_approval."""
    from yewu.org.selectors import users_with_role

    mgr = quote.team.manager if quote.team_id else None
    if mgr is not None and mgr.pk != quote.owner_id and mgr.is_active:
        return [mgr]
    return [u for u in users_with_role("GM") if u.pk != quote.owner_id]


# --- quote.approval on the shared approval engine (yewu.approvals) ---------------------------------------
#
# A quote that needs approval starts an ApprovalRequest (doc_type "quote") with one step per reason, in
# order: the special-price/fee step (role SM: the owner's team manager) and the major-quote step (GM).
# When the SM step cannot be filled by the team's manager (none, inactive, or the manager is the owner or
# submitter) it goes to the superior, GM (sod.no_self_approval); if a GM step is needed anyway the two
# collapse into one GM step, since one person never fills two steps of a chain. Quotes then appear in the
# same approver inbox as orders (GET /api/v1/approvals/inbox) and can be decided there or on the quote.
# Older quotes were approved through sales.QuoteApproval; those rows are kept read-only as history
# (migration 0003 moved quotes still waiting for approval onto the engine).

QUOTE_DOC = "quote"


def _sm_step_escalates(quote: Quote, submitter_id: int | None = None) -> bool:
    mgr = quote.team.manager if quote.team_id else None
    return mgr is None or not mgr.is_active or mgr.pk in (quote.owner_id, submitter_id or quote.owner_id)


def _step_kinds(quote: Quote, submitter_id: int) -> list[str]:
    """The logical steps of this quote's approval, in engine order: "SM" (special price/fee) and/or "GM"
    (major), after escalation/collapsing (see above)."""
    kinds = []
    if quote.needs_sm and not (quote.needs_gm and _sm_step_escalates(quote, submitter_id)):
        kinds.append("SM")
    if quote.needs_gm:
        kinds.append("GM")
    return kinds


def pending_request(quote: Quote):
    from yewu.approvals.models import ApprovalRequest

    return (ApprovalRequest.objects.filter(doc_type=QUOTE_DOC, doc_id=str(quote.pk), state=ApprovalRequest.State.PENDING)
            .order_by("-id").first())


def approval_requests(quote: Quote):
    """Every engine approval of this quote (newest first), with steps — for the history shown on the quote."""
    from yewu.approvals.models import ApprovalRequest

    return (ApprovalRequest.objects.filter(doc_type=QUOTE_DOC, doc_id=str(quote.pk)).order_by("-id")
            .prefetch_related("steps__decided_by"))


def _pending_step(quote: Quote):
    req = pending_request(quote)
    if req is None:
        return None, None
    from yewu.approvals.models import ApprovalStep

    return req, req.steps.filter(state=ApprovalStep.State.PENDING).order_by("order").first()


def current_step(quote: Quote) -> str | None:
    """The logical step waiting: "SM" (special price/fee) or "GM" (major quote); None when nothing waits."""
    if quote.state != QuoteState.SUBMITTED:
        return None
    req, step = _pending_step(quote)
    if step is None:
        return None
    kinds = [s.get("kind") for s in (req.chain_snapshot or [])]
    if step.order < len(kinds) and kinds[step.order]:
        return kinds[step.order]
    return step.role


def waiting_for(quote: Quote) -> dict | None:
    """Who the pending step waits for and by when (shown on the quote): {"kind", "names", "due_at"}."""
    if quote.state != QuoteState.SUBMITTED:
        return None
    req, step = _pending_step(quote)
    if step is None:
        return None
    from yewu.org.selectors import users_with_role

    if step.role == "SM" and quote.team_id and quote.team.manager_id:
        users = [quote.team.manager]
    else:
        users = [u for u in users_with_role(step.role) if u.pk not in (req.submitter_id, quote.owner_id)]
    return {"kind": current_step(quote), "role": step.role, "names": "、".join(str(u) for u in users) or "（无人可审批）",
            "due_at": step.due_at}


def can_approve(actor, quote: Quote) -> tuple[bool, str]:
    from yewu.approvals import services as approvals

    req, step = _pending_step(quote) if quote.state == QuoteState.SUBMITTED else (None, None)
    if step is None:
        return False, "该报价单没有待审批的步骤"
    if actor.pk in (quote.owner_id, quote.created_by_id, req.submitter_id):
        return False, "不能审批自己的报价单（sod.no_self_approval）"
    d = approvals.can_decide(actor, step)
    if d.allowed:
        return True, ""
    if d.rule == "sod.no_self_approval":
        return False, "同一人不能审批同一流程的两个步骤（sod.no_self_approval）"
    if current_step(quote) == "SM":
        return False, "特价/费用审批须由该业务员所在团队的业务经理办理"
    return False, "重大报价须由总经理审批" if step.role == "GM" else d.message()


@transaction.atomic
def submit_quote(actor, quote: Quote) -> Quote:
    from yewu.approvals import services as approvals

    quote = _lock(quote)
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk:
        raise PermissionDenied("只有报价单的业务员可以提交")
    if quote.state != QuoteState.DRAFT:
        raise Conflict(f"报价单状态为「{quote.get_state_display()}」，只有草稿可以提交", fields={"state": quote.state})
    lines = list(quote.lines.all())
    if not lines:
        raise ValidationError("报价单没有明细行，不能提交", fields={"lines": "至少一行"})
    if quote.valid_until < timezone.localdate():
        raise ValidationError("报价单已过有效期，请修改有效期后再提交", fields={"valid_until": "已过期"})
    cfg = get_policy()
    decisions = []
    for ln in lines:  # price.* [submit]: re-checked with the stored G under the settings in force
        dec = _price_line(ln, quote, cfg)
        if dec.refused:
            raise RuleRefused.from_decision(dec)
        ln.save()
        decisions.append(dec)
    _apply_totals_and_deadlines(quote, lines, cfg)
    steps = pricing.quote_approval_steps([ln.outcome for ln in lines], quote.total, cfg)
    quote.submitted_at = timezone.now()
    quote.reject_comment = ""
    quote.sm_approved_by = quote.gm_approved_by = None
    quote.sm_approved_at = quote.gm_approved_at = None
    summary = Decision.combine(*decisions)
    if steps:
        _transition(actor, quote, QuoteState.SUBMITTED, rule="quote.approval",
                    reason="；".join(s.reason_zh for s in steps), decision=summary)
        kinds = _step_kinds(quote, actor.pk)
        esc = _sm_step_escalates(quote, actor.pk)
        roles = ["GM" if (k == "SM" and esc) else k for k in kinds]
        reasons = [Reason(s.rule, s.reason_zh, s.reason_en) for s in steps]
        if esc and quote.needs_sm:
            reasons.append(Reason("sod.no_self_approval", "业务员所在团队的业务经理不能审批（本人或无经理），特价/费用审批转总经理",
                                          "the team's SM cannot approve (own quote or none): the step goes to the GM"))
        needed = Decision.needs(tuple(roles), *reasons, *summary.reasons)
        req = approvals.start(doc_type=QUOTE_DOC, doc_id=quote.pk, submitter=actor, roles=roles, decision=needed,
                              label=f"报价单 {quote.number}（{quote.customer.name}，{pricing.fmt(quote.total)} 元）",
                              link=f"/sales/quotes/{quote.pk}/", team=quote.team, beneficiary=quote.owner,
                              policy_version=cfg.version)
        # remember which logical step each engine step is (for labels); the engine keeps the roles
        req.chain_snapshot = [{**s, "kind": k} for s, k in zip(req.chain_snapshot, kinds, strict=True)]
        req.save(update_fields=["chain_snapshot"])
    else:
        quote.approved_at = timezone.now()
        _transition(actor, quote, QuoteState.APPROVED, rule="quote.approval", reason="无特价、无费用、非重大报价，无需审批",
                    decision=summary)
    return quote


def _sync_approvers(quote: Quote, req) -> None:
    """Mirror the engine's decided steps onto the quote's SM/GM approver fields (shown on the quote and PDF)."""
    from yewu.approvals.models import ApprovalStep

    kinds = [s.get("kind") or s.get("role") for s in (req.chain_snapshot or [])]
    for st in req.steps.filter(state=ApprovalStep.State.APPROVED).select_related("decided_by"):
        kind = kinds[st.order] if st.order < len(kinds) else st.role
        if kind == "SM":
            quote.sm_approved_by, quote.sm_approved_at = st.decided_by, st.decided_at
        elif kind == "GM":
            quote.gm_approved_by, quote.gm_approved_at = st.decided_by, st.decided_at
            if quote.needs_sm and "SM" not in kinds:  # collapsed step: the GM approved the special price too
                quote.sm_approved_by, quote.sm_approved_at = st.decided_by, st.decided_at


def _on_quote_decided(req) -> None:
    """Engine callback (same transaction): approved → APPROVED; rejected → back to DRAFT with the comment."""
    from yewu.approvals.models import ApprovalRequest, ApprovalStep

    quote = Quote.objects.select_for_update(of=("self",)).select_related("owner", "customer").get(pk=int(req.doc_id))
    if quote.state != QuoteState.SUBMITTED:
        return
    now = timezone.now()
    _sync_approvers(quote, req)
    if req.state == ApprovalRequest.State.APPROVED:
        quote.approved_at = now
        _transition(None, quote, QuoteState.APPROVED, rule="quote.approval")
        _notify(quote.owner, f"quote:{quote.pk}:approved:{now.timestamp():.0f}", "quote.approval",
                f"报价单 {quote.number} 已批准，可以发送给客户", f"/sales/quotes/{quote.pk}/")
    else:
        step = req.steps.filter(state=ApprovalStep.State.REJECTED).first()
        quote.reject_comment = (step.comment if step else "")[:300]
        quote.sm_approved_by = quote.gm_approved_by = None
        quote.sm_approved_at = quote.gm_approved_at = None
        _transition(None, quote, QuoteState.DRAFT, rule="quote.approval", reason=quote.reject_comment)
        _notify(quote.owner, f"quote:{quote.pk}:rejected:{now.timestamp():.0f}", "quote.approval",
                f"报价单 {quote.number} 被退回：{quote.reject_comment}", f"/sales/quotes/{quote.pk}/")


def _cancel_pending_approval(actor, quote: Quote, reason: str) -> None:
    """A quote closed while waiting (lost, expired) leaves the approvers' inbox: its pending engine request
    is voided through the engine (audited there)."""
    from yewu.approvals.models import ApprovalRequest

    req = pending_request(quote)
    if req is None:
        return
    from yewu.approvals import services as approvals

    if req.state == ApprovalRequest.State.PENDING:
        approvals.void(actor, req.pk, reason, rule="quote.approval")


def register_callbacks() -> None:
    from yewu.approvals import services as approvals

    approvals.on_decided(QUOTE_DOC)(_on_quote_decided)


def _decide(actor, quote: Quote, approve: bool, comment: str) -> Quote:
    from yewu.approvals import services as approvals

    quote = _lock(quote)
    ok, why = can_approve(actor, quote)
    if not ok:
        if quote.state != QuoteState.SUBMITTED:
            raise Conflict(f"报价单状态为「{quote.get_state_display()}」，没有待审批步骤", fields={"state": quote.state})
        raise PermissionDenied(why, rule="sod.no_self_approval" if "sod" in why else "quote.approval")
    req = pending_request(quote)
    step = current_step(quote)
    approvals.decide(actor, req.pk, approve, comment)
    quote.refresh_from_db()
    if approve and quote.state == QuoteState.SUBMITTED:  # an intermediate step: show who approved it
        req.refresh_from_db()
        _sync_approvers(quote, req)
        quote.save(update_fields=["sm_approved_by", "sm_approved_at", "gm_approved_by", "gm_approved_at", "updated_at"])
    record(actor=actor, action="approve" if approve else "reject", obj=quote, after={"step": step, "comment": comment},
           rule="quote.approval")
    return quote


@transaction.atomic
def approve_quote(actor, quote: Quote, comment: str = "") -> Quote:
    comment = clean_text(comment, field="comment", label="审批意见", max_len=300)
    return _decide(actor, quote, True, comment)


@transaction.atomic
def reject_quote(actor, quote: Quote, comment: str) -> Quote:
    comment = clean_text(comment, field="comment", label="退回意见", max_len=300, required=True)
    return _decide(actor, quote, False, comment)


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


@transaction.atomic
def close_quote(actor, quote: Quote, outcome: str, reason: str = "") -> Quote:
    quote = _lock(quote)
    if quote.owner_id != actor.pk and quote.created_by_id != actor.pk and not actor.has_role("SM", "GM"):
        raise PermissionDenied("只有业务员或其经理可以关闭报价单")
    if outcome == "accepted":
        if quote.state != QuoteState.SENT:
            raise Conflict("只有已发送的报价单可以标记为客户接受", fields={"state": quote.state})
        if quote.valid_until < timezone.localdate():
            raise ValidationError("报价单已过有效期，不能接受", fields={"valid_until": "已过期"})
        to = QuoteState.ACCEPTED
    elif outcome == "lost":
        if not str(reason or "").strip():
            raise ValidationError("丢单必须填写原因（将为业务经理生成辅导任务）", fields={"reason": "丢单原因不能为空"},
                                  rule="daily.shortfall_coaching")
        reason = clean_text(reason, field="reason", label="丢单原因", max_len=300, required=True)
        if quote.state not in (QuoteState.APPROVED, QuoteState.SENT, QuoteState.SUBMITTED, QuoteState.DRAFT):
            raise Conflict("该报价单已关闭", fields={"state": quote.state})
        quote.lost_reason = reason
        to = QuoteState.LOST
    else:
        raise ValidationError("outcome 应为 accepted 或 lost", fields={"outcome": "accepted / lost"})
    quote.closed_at = timezone.now()
    was_submitted = quote.state == QuoteState.SUBMITTED
    _transition(actor, quote, to, reason=reason)
    if was_submitted:
        _cancel_pending_approval(actor, quote, f"报价单已丢单：{reason}")
    if to == QuoteState.LOST:
        _open_coaching_task(actor, quote, reason)
    return quote


# --- lost quote → coaching task (daily.shortfall_coaching) -------------------------------------------


def _open_coaching_task(actor, quote: Quote, reason: str) -> CoachingTask:
    cfg = get_policy()
    dec = pricing.lost_quote_coaching(number=quote.number, total=quote.total, reason=reason,
                                      lost_on=timezone.localdate(quote.closed_at), cal=get_calendar(), cfg=cfg)
    if dec.refused:  # pragma: no cover — the reason was validated above
        raise RuleRefused.from_decision(dec)
    coaches = sm_approvers(quote)
    task = CoachingTask.objects.create(quote=quote, salesperson=quote.owner, coach=coaches[0] if len(coaches) == 1 else None,
                                       team=quote.team, reason=reason, due_at=dec.data["due_at"])
    record(actor=actor, action="create", obj=task, after=snapshot(task), rule="daily.shortfall_coaching", decision=dec)
    for u in coaches:
        _notify(u, f"coaching:{task.pk}:new", "daily.shortfall_coaching", dec.reasons[0].message, f"/sales/quotes/{quote.pk}/")
    return task


def can_coach(actor, task: CoachingTask) -> tuple[bool, str]:
    if task.done_at is not None:
        return False, "该辅导任务已记录"
    if actor.pk == task.salesperson_id:
        return False, "业务员不能为自己的丢单记录辅导（sod.no_self_approval）"
    if actor.pk in [u.pk for u in sm_approvers(task.quote)] or actor.has_role("GM"):
        return True, ""
    return False, "丢单辅导须由该业务员所在团队的业务经理记录"


@transaction.atomic
def record_coaching(actor, task: CoachingTask, note: str) -> CoachingTask:
    task = CoachingTask.objects.select_for_update(of=("self",)).select_related("quote__team").get(pk=task.pk)
    if not str(note or "").strip():
        raise ValidationError("辅导记录不能为空", fields={"note": "辅导记录不能为空"}, rule="daily.shortfall_coaching")
    note = clean_text(note, field="note", label="辅导记录", max_len=2000)
    ok, why = can_coach(actor, task)
    if not ok:
        if task.done_at is not None:
            raise Conflict(why, rule="daily.shortfall_coaching")
        raise PermissionDenied(why, rule="daily.shortfall_coaching")
    before = snapshot(task)
    task.note, task.done_by, task.done_at = note, actor, timezone.now()
    task.save()
    late = task.done_at > task.due_at
    record(actor=actor, action="update", obj=task, before=before, after=snapshot(task), rule="daily.shortfall_coaching",
           reason="逾期记录" if late else "")
    _notify(task.salesperson, f"coaching:{task.pk}:done", "daily.shortfall_coaching",
            f"{actor} 已就丢单 {task.quote.number} 记录辅导", f"/sales/quotes/{task.quote_id}/")
    return task


# --- timers (quote.nonstandard_24h, validity) ----------------------------------------------------------


def scan_quote_deadlines(now: datetime | None = None) -> dict:
    """Every 5 minutes: notify owners and their SM of non-standard/harness quotes at the 20 h warning
    and the 24 h deadline (idempotent per key), notify Finance of overdue price requests, and expire
    quotes past their validity."""
    from yewu.catalog.models import PriceRequest, RequestState
    from yewu.org.selectors import users_with_role

    now = now or timezone.now()
    counts = {"warning": 0, "overdue": 0, "price_requests": 0, "expired": 0, "coaching_overdue": 0}
    open_qs = Quote.objects.filter(state__in=(QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED),
                                   response_warn_at__lte=now).select_related("owner", "team__manager", "customer")
    for q in open_qs:
        overdue = q.response_due_at <= now
        tag = "overdue" if overdue else "warning"
        due_s = timezone.localtime(q.response_due_at).strftime("%m-%d %H:%M")
        msg = (f"非标/线束报价 {q.number}（{q.customer.name}）已超过 24 小时答复期限（{due_s}）" if overdue
               else f"非标/线束报价 {q.number}（{q.customer.name}）须在 {due_s} 前发出")
        targets = [q.owner] + ([q.team.manager] if overdue and q.team_id and q.team.manager_id else [])
        for u in targets:
            _, created = _get_or_create_note(u, f"quote:{q.pk}:24h:{tag}", "quote.nonstandard_24h", msg, f"/sales/quotes/{q.pk}/")
            counts[tag] += int(created)
    fins = list(users_with_role("FIN"))
    for r in PriceRequest.objects.filter(state=RequestState.PENDING, due_at__lte=now).select_related("product"):
        for u in fins:
            _, created = _get_or_create_note(u, f"price_request:{r.pk}:overdue", "price.finance_guide",
                                             f"价格申请 #{r.pk}（{r.product}）已到答复期限", "/catalog/requests/")
            counts["price_requests"] += int(created)
    for t in CoachingTask.objects.filter(done_at__isnull=True, due_at__lt=now).select_related("quote__team__manager"):
        due_s = timezone.localtime(t.due_at).strftime("%m-%d %H:%M")
        for u in sm_approvers(t.quote):
            _, created = _get_or_create_note(u, f"coaching:{t.pk}:overdue", "daily.shortfall_coaching",
                                             f"丢单 {t.quote.number} 的辅导记录已逾期（期限 {due_s}）", f"/sales/quotes/{t.quote_id}/")
            counts["coaching_overdue"] += int(created)
    today = timezone.localtime(now).date()
    for q in Quote.objects.filter(state__in=OPEN_STATES, valid_until__lt=today):
        with transaction.atomic():
            q = Quote.objects.select_for_update().get(pk=q.pk)
            if q.state in OPEN_STATES and q.valid_until < today:
                q.closed_at = now
                was_submitted = q.state == QuoteState.SUBMITTED
                _transition(None, q, QuoteState.EXPIRED, rule="quote.validity", reason=f"有效期至 {q.valid_until}")
                if was_submitted:
                    _cancel_pending_approval(None, q, f"报价单已过有效期（{q.valid_until}）")
                counts["expired"] += 1
    return counts


def _get_or_create_note(user, key, rule, message, link):
    from yewu.common.models import Notification

    return Notification.objects.get_or_create(user=user, key=key, defaults={"rule": rule, "message": message, "link": link})


# --- price.invoice_lock ---------------------------------------------------------------------------------


def priced_lines(quote: Quote, lines=None) -> list[pricing.PricedLine]:
    """The quote's lines as priced (for ``price.invoice_lock`` checks by invoices and orders)."""
    lines = list(quote.lines.all()) if lines is None else lines
    return [pricing.PricedLine(f"第 {ln.position} 行 {ln.product_code} {ln.product_name}", ln.guide_price, ln.net_price,
                               quote.invoice_choice) for ln in lines]


def invoice_lock_check(quote: Quote, requested_invoice: str) -> Decision:
    return pricing.check_invoice_lock(requested_invoice, priced_lines(quote), get_policy())


def invoice_lock_note(quote: Quote, lines=None) -> str:
    """Shown on the quote: which lines lock out a VAT special invoice (empty when none)."""
    if quote.invoice_choice == InvoiceChoice.VAT_SPECIAL:
        return ""
    dec = pricing.check_invoice_lock(InvoiceChoice.VAT_SPECIAL, priced_lines(quote, lines), get_policy())
    if dec.allowed:
        return ""
    return "如客户改开增值税专票：" + dec.message()
