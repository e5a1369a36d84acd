"""/api/v1/pricing/check and /api/v1/quotes."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from ninja import Router, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.parsers import PriceInput, QuantityInput, RateInput
from yewu.common.schemas import ERRORS, PDF, XLSX, file_op

from .approval import services as approval
from .documents import quote_pdf, quote_xlsx
from .followup import services as followup
from .followup.selectors import coaching_tasks_for
from .models import CoachingTask, Quote
from .pricing import services as pricing
from .quotes import services as quotes
from .quotes.selectors import quotes_visible_to
from .schemas import CoachingList, CoachingOut, PriceDecisionOut, QuoteList, QuoteOut

pricing_router = Router(tags=["pricing"])
quotes_router = Router(tags=["quotes"])


class CheckIn(Schema):
    product_id: int | None = None
    guide_price: PriceInput | None = None
    quantity: QuantityInput = Decimal("1")
    unit_price: PriceInput
    vat_invoice: bool | str | None = None
    fee_rate: RateInput = Decimal("0")


@pricing_router.post("/check", response={200: PriceDecisionOut, **ERRORS}, summary="Is this unit price allowed for this line? (price.* rules)")
def check(request, payload: CheckIn, lang: str = "zh"):
    """Returns ``{"outcome": "allowed" | "needs_approval" | "refused", "min_price", "commission_delta",
    "reasons": [{"rule", "message", ...figures}], ...figures}``. ``commission_delta`` is in percentage
    points of commission rate (−0.5 = half a point less); money as decimal strings; ``fee_rate`` in percent."""
    dec = pricing.check_price(request.user, product_id=payload.product_id, guide_price=payload.guide_price,
                               quantity=payload.quantity, unit_price=payload.unit_price, vat_invoice=payload.vat_invoice,
                               fee_rate=payload.fee_rate)
    return pricing.decision_payload(dec, lang)


class QuoteLineIn(Schema):
    product_id: int | None = None
    quantity: QuantityInput | None = None
    unit_price: PriceInput | None = None
    price_request_id: int | None = None


class QuoteIn(Schema):
    customer_id: int | None = None
    vat_invoice: bool | str | None = None
    fee_rate: RateInput | None = None
    valid_until: str | None = None
    received_at: str | None = None
    notes: str = ""
    lines: list[QuoteLineIn] = []


class QuotePatch(Schema):
    vat_invoice: bool | str | None = None
    fee_rate: RateInput | None = None
    valid_until: str | None = None
    received_at: str | None = None
    notes: str | None = None
    lines: list[QuoteLineIn] | None = None


class QuoteCommentIn(Schema):
    comment: str = ""


class CloseIn(Schema):
    outcome: str
    reason: str = ""


def _s(v):
    return None if v is None else str(v)


def line_out(ln) -> dict:
    return {
        "position": ln.position, "product_id": ln.product_id, "code": ln.product_code, "name": ln.product_name,
        "specification": ln.specification, "unit": ln.unit, "kind": ln.kind, "quantity": _s(ln.quantity),
        "guide_price": _s(ln.guide_price), "guide_source": ln.guide_source, "price_request_id": ln.price_request_id,
        "unit_price": _s(ln.unit_price), "fee_rate": _s(ln.fee_rate), "net_price": _s(ln.net_price),
        "baseline": _s(ln.baseline), "floor": _s(ln.floor), "min_price": _s(ln.min_price),
        "discount_pct": _s(ln.discount_pct), "fee": _s(ln.fee), "outcome": ln.outcome,
        "commission_rate": _s(ln.commission_rate), "commission_delta": _s(ln.commission_delta), "amount": _s(ln.amount),
        "reasons": (ln.decision or {}).get("reasons", []), "message": (ln.decision or {}).get("message", ""),
    }


def quote_out(q: Quote, user=None, lines: bool = True) -> dict:
    d = {
        "id": q.pk, "number": q.number, "customer_id": q.customer_id, "customer": q.customer.name,
        "owner_id": q.owner_id, "owner": str(q.owner), "state": q.state, "state_label": q.get_state_display(),
        "quote_date": q.quote_date.isoformat(), "valid_until": q.valid_until.isoformat(),
        "vat_invoice": q.invoice_choice, "fee_rate": _s(q.fee_rate), "total": _s(q.total),
        "received_at": q.received_at.isoformat(), "response_due_at": q.response_due_at.isoformat() if q.response_due_at else None,
        "needs_sm": q.needs_sm, "needs_gm": q.needs_gm, "current_step": approval.current_step(q),
        "sm_approved_by": _s(q.sm_approved_by) if q.sm_approved_by_id else None,
        "gm_approved_by": _s(q.gm_approved_by) if q.gm_approved_by_id else None,
        "sent_at": q.sent_at.isoformat() if q.sent_at else None, "lost_reason": q.lost_reason,
        "reject_comment": q.reject_comment, "notes": q.notes, "policy_version": q.policy_version,
    }
    if q.state == "lost":
        t = getattr(q, "coaching_task", None) if hasattr(q, "coaching_task") else None
        d["coaching_task"] = coaching_out(t) if t else None
    if lines:
        d["lines"] = [line_out(ln) for ln in q.lines.all()]
    return d


def _get(request, qid: int) -> Quote:
    q = quotes_visible_to(request.user).filter(pk=qid).first()
    if q is None:
        raise NotFound(f"报价单 {qid} 不存在")
    return q


def _dump(payload: Schema, exclude_unset: bool = False) -> dict:
    d = payload.dict(exclude_unset=exclude_unset)
    if d.get("lines") is not None:
        d["lines"] = [dict(ln) for ln in d["lines"]]
    return d


@quotes_router.get("", response={200: QuoteList, **ERRORS}, exclude_unset=True, summary="Quotes visible to me")
def list_quotes(request, state: str = "", q: str = "", limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    qs = quotes_visible_to(request.user)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(number__icontains=q) | qs.filter(customer__name__icontains=q)
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [quote_out(x, lines=False) for x in qs.order_by("-created_at", "-id")[offset:offset + limit]]}


@quotes_router.post("", response={201: QuoteOut, **ERRORS}, exclude_unset=True, summary="Create a draft quote with lines")
def create_quote(request, payload: QuoteIn):
    q = quotes.create_quote(request.user, _dump(payload))
    return Status(201, quote_out(q))


class NoteIn(Schema):
    note: str = ""


def coaching_out(t) -> dict:
    return {"id": t.pk, "quote_id": t.quote_id, "number": t.quote.number, "salesperson": str(t.salesperson),
            "coach": str(t.coach) if t.coach_id else None, "reason": t.reason, "due_at": t.due_at.isoformat(),
            "note": t.note, "done_by": str(t.done_by) if t.done_by_id else None,
            "done_at": t.done_at.isoformat() if t.done_at else None, "rule": "daily.shortfall_coaching"}


@quotes_router.get("/coaching-tasks", response={200: CoachingList, **ERRORS}, summary="Lost-quote coaching tasks visible to me (daily.shortfall_coaching)")
def list_coaching(request, open_only: bool = False):
    qs = coaching_tasks_for(request.user)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return {"items": [coaching_out(t) for t in qs[:500]]}


@quotes_router.post("/{qid}/coaching", response={200: CoachingOut, **ERRORS}, summary="The SM records the coaching note for a lost quote")
def coaching(request, qid: int, payload: NoteIn):
    q = _get(request, qid)
    task = CoachingTask.objects.filter(quote=q).first()
    if task is None:
        raise NotFound(f"报价单 {q.number} 没有辅导任务（只有丢单会生成）")
    return coaching_out(followup.record_coaching(request.user, task, payload.note))


@quotes_router.get("/{qid}", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="One quote with its priced lines")
def get_quote(request, qid: int):
    return quote_out(_get(request, qid))


@quotes_router.patch("/{qid}", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Edit a draft (lines replace all lines when given)")
def patch_quote(request, qid: int, payload: QuotePatch):
    return quote_out(quotes.update_quote(request.user, _get(request, qid), _dump(payload, exclude_unset=True)))


@quotes_router.post("/{qid}/submit", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Submit: re-checks every line; SM/GM approval per quote.approval")
def submit(request, qid: int):
    return quote_out(approval.submit_quote(request.user, _get(request, qid)))


@quotes_router.post("/{qid}/approve", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Approve the current step (SM of the owner's team, then GM if major)")
def approve(request, qid: int, payload: QuoteCommentIn | None = None):
    return quote_out(approval.approve_quote(request.user, _get(request, qid), (payload.comment if payload else "")))


@quotes_router.post("/{qid}/reject", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Return to the salesperson with a comment")
def reject(request, qid: int, payload: QuoteCommentIn):
    return quote_out(approval.reject_quote(request.user, _get(request, qid), payload.comment))


@quotes_router.post("/{qid}/send", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Mark as sent to the customer")
def send(request, qid: int):
    return quote_out(quotes.send_quote(request.user, _get(request, qid)))


@quotes_router.post("/{qid}/close", response={200: QuoteOut, **ERRORS}, exclude_unset=True, summary="Customer accepted, or lost (reason required)")
def close(request, qid: int, payload: CloseIn):
    return quote_out(followup.close_quote(request.user, _get(request, qid), payload.outcome, payload.reason))


@quotes_router.get("/{qid}/invoice-check", response={200: PriceDecisionOut, **ERRORS}, summary="price.invoice_lock: may this quote's lines take this invoice?")
def invoice_check(request, qid: int, invoice: str = "vat_special", lang: str = "zh"):
    return pricing.decision_payload(pricing.invoice_lock_check(_get(request, qid), invoice), lang)


@quotes_router.get("/{qid}/pdf", **file_op(PDF), summary="Quotation PDF (产品报价单)")
def pdf(request, qid: int):
    q = _get(request, qid)
    resp = HttpResponse(quote_pdf(q), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{q.number}.pdf"'
    return resp


@quotes_router.get("/{qid}/xlsx", **file_op(XLSX), summary="Quotation as Excel")
def xlsx(request, qid: int):
    q = _get(request, qid)
    resp = HttpResponse(quote_xlsx(q), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{q.number}.xlsx"'
    return resp
