"""/api/v1/products — catalogue, guide prices, finance price requests, Excel import/export."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from yewu.common import parsers
from yewu.common.errors import NotFound
from yewu.common.parsers import PriceInput, QuantityInput
from yewu.common.schemas import ERRORS, XLSX, file_op
from yewu.customers.models import Customer
from yewu.org.permissions import can, require

from . import selectors, services
from .excel import export_price_list, import_price_list
from .models import PriceRequest, Product
from .schemas import (
    PriceHistory,
    PriceImportReport,
    PriceRequestList,
    PriceRequestOut,
    PriceSet,
    ProductList,
    ProductOut,
    ProductPickList,
)

router = Router(tags=["products"])


class ProductIn(Schema):
    code: str
    name: str
    specification: str = ""
    unit: str = "个"
    pack_size: int | None = None
    kind: str = "standard"
    on_guide_list: bool | None = None
    guide_price: PriceInput | None = None
    effective_from: str | None = None


class ProductPatch(Schema):
    code: str | None = None
    name: str | None = None
    specification: str | None = None
    unit: str | None = None
    pack_size: int | None = None
    kind: str | None = None
    on_guide_list: bool | None = None
    active: bool | None = None


class PriceIn(Schema):
    guide_price: PriceInput
    effective_from: str | None = None
    note: str = ""


class PriceRequestIn(Schema):
    product_id: int
    customer_id: int | None = None
    quantity: QuantityInput | None = None
    note: str = ""


class AnswerIn(Schema):
    price: PriceInput
    scope: str = "product"
    effective_from: str | None = None


class RejectIn(Schema):
    reason: str


def product_out(p: Product, user, day: date | None = None) -> dict:
    d = {
        "id": p.pk, "code": p.code, "name": p.name, "specification": p.specification, "unit": p.unit,
        "pack_size": p.pack_size, "kind": p.kind, "kind_label": p.get_kind_display(), "on_guide_list": p.on_guide_list,
        "price_source": p.price_source, "active": p.active,
    }
    if can(user, "sees_prices"):
        gp = services.current_guide_price(p, day)
        d["guide_price"] = str(gp.price) if gp else None
        d["guide_effective_from"] = gp.effective_from.isoformat() if gp else None
    return d


def request_out(r: PriceRequest) -> dict:
    return {
        "id": r.pk, "product_id": r.product_id, "product": str(r.product), "customer_id": r.customer_id,
        "customer": r.customer.name if r.customer else None, "quantity": str(r.quantity) if r.quantity is not None else None,
        "note": r.note, "requested_by": str(r.requested_by), "state": r.state, "state_label": r.get_state_display(),
        "created_at": r.created_at.isoformat(), "received_at": r.received_at.isoformat(),
        "due_at": r.due_at.isoformat() if r.due_at else None, "age_hours": r.age_hours(),
        "answer_price": str(r.answer_price) if r.answer_price is not None else None, "answer_scope": r.answer_scope,
        "answer_effective_from": r.answer_effective_from.isoformat() if r.answer_effective_from else None,
        "answered_by": str(r.answered_by) if r.answered_by else None,
        "answered_at": r.answered_at.isoformat() if r.answered_at else None, "reject_reason": r.reject_reason,
    }


@router.get("", response={200: ProductList, **ERRORS}, exclude_unset=True, summary="List products with the guide price in force today")
def list_products(request, q: str = "", kind: str = "", active: bool = True, limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    qs = Product.objects.all()
    if active:
        qs = qs.filter(active=True)
    if q:
        qs = qs.filter(selectors.matching(q))
    if kind:
        qs = qs.filter(kind=kind)
    total = qs.count()
    items = [product_out(p, request.user) for p in qs.order_by("code")[offset:offset + limit]]
    return {"count": total, "limit": limit, "offset": offset, "items": items}


@router.get("/search", response={200: ProductPickList, **ERRORS}, exclude_unset=True,
            summary="Type-ahead product search (code, name, pinyin initials) with the guide price in force today")
def search_products(request, q: str = "", limit: int = selectors.PICK_LIMIT, source: str = ""):
    """``q`` up to 50 characters (empty: no items); at most 20 items; ``source=finance``: only products Finance
    prices. The guide price only for a reader who may see prices (``sees_prices``)."""
    sees = can(request.user, "sees_prices")
    rows = selectors.search_products(q, day=timezone.localdate(), limit=limit, finance_priced=source == "finance")
    items = []
    for p in rows:
        d = {"id": p.pk, "code": p.code, "name": p.name, "specification": p.specification, "unit": p.unit,
             "kind": p.kind, "kind_label": p.get_kind_display(), "price_source": p.price_source}
        if sees:
            d["guide_price"] = str(p.in_force_price) if p.in_force_price is not None else None
        items.append(d)
    return {"items": items}


@router.post("", response={201: ProductOut, **ERRORS}, exclude_unset=True, summary="Create a product (SP: unlisted non-standard/custom/harness only)")
def create_product(request, payload: ProductIn):
    p = services.create_product(request.user, payload.dict())
    return Status(201, product_out(p, request.user))


@router.get("/export", **file_op(XLSX), summary="Guide price list as Excel (产品指导价表)")
def export_prices(request, day: str = ""):
    require(request.user, "sees_prices")
    d = parsers.parse_date(day, field="day", label="日期", required=False) or timezone.localdate()
    data = export_price_list(request.user, d)
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="guide-prices-{d:%Y%m%d}.xlsx"'
    return resp


@router.post("/import", response={200: PriceImportReport, **ERRORS}, summary="Import the guide price list from Excel; returns a per-row report")
def import_prices(request, file: UploadedFile = File(...), dry_run: bool = False):
    return import_price_list(request.user, file.read(), dry_run=dry_run)


@router.get("/price-requests", response={200: PriceRequestList, **ERRORS}, summary="Finance price requests visible to me, with their age")
def list_requests(request, state: str = "", limit: int = 50, offset: int = 0):
    limit = max(1, min(limit, 200))
    qs = services.requests_visible_to(request.user)
    if state:
        qs = qs.filter(state=state)
    return {"count": qs.count(), "items": [request_out(r) for r in qs[offset:offset + limit]]}


@router.post("/price-requests", response={201: PriceRequestOut, **ERRORS}, summary="SP asks Finance for a guide price (price.finance_guide)")
def create_request(request, payload: PriceRequestIn):
    product = services.get_product(payload.product_id)
    customer = None
    if payload.customer_id:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise NotFound("客户不存在", fields={"customer_id": "不存在"})
    r = services.request_price(request.user, product, customer=customer, quantity=payload.quantity, note=payload.note)
    return Status(201, request_out(r))


def _visible_request(user, rid: int) -> PriceRequest:
    r = services.requests_visible_to(user).filter(pk=rid).first()
    if r is None:
        raise NotFound(f"价格申请 {rid} 不存在")
    return r


@router.post("/price-requests/{rid}/answer", response={200: PriceRequestOut, **ERRORS}, summary="Finance answers with G")
def answer_request(request, rid: int, payload: AnswerIn):
    r = _visible_request(request.user, rid)
    eff = parsers.parse_date(payload.effective_from, field="effective_from", label="生效日期", required=False)
    r = services.answer_price_request(request.user, r, price=payload.price, scope=payload.scope, effective_from=eff)
    return request_out(r)


@router.post("/price-requests/{rid}/reject", response={200: PriceRequestOut, **ERRORS}, summary="Finance rejects with a reason")
def reject_request(request, rid: int, payload: RejectIn):
    r = _visible_request(request.user, rid)
    return request_out(services.reject_price_request(request.user, r, reason=payload.reason))


@router.get("/{product_id}", response={200: ProductOut, **ERRORS}, exclude_unset=True, summary="One product")
def get_product(request, product_id: int):
    return product_out(services.get_product(product_id), request.user)


@router.patch("/{product_id}", response={200: ProductOut, **ERRORS}, exclude_unset=True, summary="Update a product (FIN/GM)")
def patch_product(request, product_id: int, payload: ProductPatch):
    p = services.update_product(request.user, services.get_product(product_id), payload.dict(exclude_unset=True))
    return product_out(p, request.user)


@router.get("/{product_id}/prices", response={200: PriceHistory, **ERRORS}, summary="Guide price history")
def price_history(request, product_id: int):
    require(request.user, "sees_prices")
    p = services.get_product(product_id)
    return {"product_id": p.pk, "items": [
        {"price": str(g.price), "effective_from": g.effective_from.isoformat(), "source": g.source, "note": g.note,
         "created_by": str(g.created_by) if g.created_by else None, "created_at": g.created_at.isoformat()}
        for g in p.guide_prices.select_related("created_by").order_by("-effective_from", "-id")]}


@router.post("/{product_id}/prices", response={201: PriceSet, **ERRORS}, summary="Set a guide price from a date (FIN/GM)")
def add_price(request, product_id: int, payload: PriceIn):
    p = services.get_product(product_id)
    eff = parsers.parse_date(payload.effective_from, field="effective_from", label="生效日期", required=False)
    g = services.set_guide_price(request.user, p, payload.guide_price, eff, note=payload.note)
    return Status(201, {"product_id": p.pk, "price": str(g.price), "effective_from": g.effective_from.isoformat()})
