"""Catalogue services: products, effective-dated guide prices, finance price requests (SPEC §3.1)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from yewu.common.models import Notification
from yewu.common.text import clean_text
from yewu.customers.selectors import customers_visible_to
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import pricing

from .models import AnswerScope, GuidePrice, Kind, PriceRequest, PriceSource, Product, RequestState

# kinds an SP/SM may add themselves (always unlisted, price from Finance)
SALES_KINDS = (Kind.NONSTANDARD, Kind.CUSTOM, Kind.HARNESS)


# --- products --------------------------------------------------------------------------------------


def _product_fields(data: dict, *, partial: bool = False) -> dict:
    out: dict[str, Any] = {}
    if not partial or "code" in data:
        code = clean_text(data.get("code"), field="code", label="产品编码", max_len=40, required=True, multiline=False)
        out["code"] = code.upper()
    if not partial or "name" in data:
        out["name"] = clean_text(data.get("name"), field="name", label="品名", max_len=100, required=True, multiline=False)
    for f, label, n in (("specification", "规格型号", 200), ("unit", "单位", 10)):
        if not partial or f in data:
            raw = data.get(f)
            if f == "unit" and not partial and raw in (None, ""):
                raw = "个"
            out[f] = clean_text(raw, field=f, label=label, max_len=n, required=(f == "unit"))
    if not partial or "kind" in data:
        kind = data.get("kind") or Kind.STANDARD
        if kind not in Kind.values:
            raise ValidationError(f"产品类别无效：{kind}", fields={"kind": "可选：" + "、".join(f"{k}={v}" for k, v in Kind.choices)})
        out["kind"] = kind
    if "pack_size" in data and data.get("pack_size") not in (None, ""):
        try:
            ps = int(data["pack_size"])
        except (TypeError, ValueError):
            raise ValidationError("包装数量必须是整数", fields={"pack_size": "必须是整数"}) from None
        if ps < 1:
            raise ValidationError("包装数量必须 ≥ 1", fields={"pack_size": "必须 ≥ 1"})
        out["pack_size"] = ps
    if "on_guide_list" in data and data["on_guide_list"] is not None:
        out["on_guide_list"] = bool(data["on_guide_list"])
    if "active" in data and data["active"] is not None:
        out["active"] = bool(data["active"])
    return out


def _derive_source(p: Product) -> None:
    """price.finance_guide: custom products and products not on the guide list are priced by Finance."""
    p.price_source = PriceSource.FINANCE if (p.kind == Kind.CUSTOM or not p.on_guide_list) else PriceSource.LIST


@transaction.atomic
def create_product(actor, data: dict) -> Product:
    fields = _product_fields(data)
    is_editor = can(actor, "edits_catalogue")
    if not is_editor:
        if not can(actor, "requests_prices"):
            raise PermissionDenied("只有财务、总经理可以维护产品目录")
        if fields["kind"] not in SALES_KINDS:
            raise PermissionDenied("业务员只能新增非国标、定制或线束产品（不在指导价表内，价格由财务核定）",
                                   rule="price.finance_guide")
        fields["on_guide_list"] = False
        if data.get("guide_price") not in (None, ""):
            raise PermissionDenied("业务员不能填写指导价，请向财务申请", rule="price.finance_guide",
                                   fields={"guide_price": "业务员不能填写指导价"})
    if fields["kind"] == Kind.CUSTOM:
        fields["on_guide_list"] = False
    guide = None
    if data.get("guide_price") not in (None, ""):
        guide = parsers.price(data.get("guide_price"), field="guide_price", label="指导价")
    eff = parsers.parse_date(data.get("effective_from"), field="effective_from", label="生效日期", required=False) or timezone.localdate()
    if Product.objects.filter(code=fields["code"]).exists():
        raise Conflict(f"产品编码 {fields['code']} 已存在", fields={"code": "编码已存在"})
    p = Product(created_by=actor, **fields)
    _derive_source(p)
    try:
        with transaction.atomic():
            p.save()
    except IntegrityError:
        raise Conflict(f"产品编码 {fields['code']} 已存在", fields={"code": "编码已存在"}) from None
    record(actor=actor, action="create", obj=p, after=snapshot(p))
    if guide is not None:
        set_guide_price(actor, p, guide, eff, note="新建产品")
    return p


@transaction.atomic
def update_product(actor, product: Product, data: dict) -> Product:
    if not can(actor, "edits_catalogue"):
        raise PermissionDenied("只有财务、总经理可以修改产品")
    before = snapshot(product)
    fields = _product_fields(data, partial=True)
    if "code" in fields and fields["code"] != product.code and Product.objects.filter(code=fields["code"]).exists():
        raise Conflict(f"产品编码 {fields['code']} 已存在", fields={"code": "编码已存在"})
    for k, v in fields.items():
        setattr(product, k, v)
    if product.kind == Kind.CUSTOM:
        product.on_guide_list = False
    _derive_source(product)
    product.save()
    record(actor=actor, action="update", obj=product, before=before, after=snapshot(product))
    return product


def get_product(product_id) -> Product:
    try:
        return Product.objects.get(pk=int(product_id))
    except (Product.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"产品 {product_id} 不存在", fields={"product_id": "产品不存在"}) from None


# --- guide prices ----------------------------------------------------------------------------------


def current_guide_price(product: Product, day: date | None = None) -> GuidePrice | None:
    return product.guide_price_on(day or timezone.localdate())


@transaction.atomic
def set_guide_price(actor, product: Product, price, effective_from: date | None = None, *, note: str = "",
                    source: str | None = None, price_request: PriceRequest | None = None) -> GuidePrice:
    """``price.guide``: add a guide price effective from a date. A new date is a new row (history);
    the same date replaces that day's figure (audited). Quotes keep the G they were priced with."""
    if not can(actor, "sets_guide_prices"):
        raise PermissionDenied("只有财务或总经理可以设定指导价；业务员请提交价格申请", rule="price.finance_guide")
    price = parsers.price(price, field="guide_price", label="指导价")
    eff = effective_from or timezone.localdate()
    note = clean_text(note, field="note", label="说明", max_len=200)
    existing = GuidePrice.objects.select_for_update().filter(product=product, effective_from=eff).first()
    src = source or (PriceSource.FINANCE if product.price_source == PriceSource.FINANCE else PriceSource.LIST)
    if existing:
        if existing.price == price:
            return existing
        before = snapshot(existing)
        existing.price, existing.note, existing.created_by = price, note or existing.note, actor
        existing.source = src
        if price_request is not None:
            existing.price_request = price_request
        existing.save()
        record(actor=actor, action="update", obj=existing, before=before, after=snapshot(existing), rule="price.guide")
        return existing
    gp = GuidePrice.objects.create(product=product, price=price, effective_from=eff, note=note, source=src,
                                   created_by=actor, price_request=price_request)
    record(actor=actor, action="create", obj=gp, after=snapshot(gp), rule="price.guide")
    return gp


# --- price requests (price.finance_guide) ----------------------------------------------------------


def requests_visible_to(user):
    qs = PriceRequest.objects.select_related("product", "requested_by", "answered_by", "customer")
    if can(user, "sees_all_quotes"):
        return qs

    q = Q(requested_by=user)
    if can(user, "sees_team_quotes"):
        q |= Q(team__in=user.managed_teams.all())
    return qs.filter(q)


@transaction.atomic
def request_price(actor, product: Product, *, customer=None, quantity=None, note: str = "",
                  received_at: datetime | None = None, quote_due_at: datetime | None = None) -> PriceRequest:
    if not can(actor, "requests_prices"):
        raise PermissionDenied("只有业务员或业务经理可以提交价格申请")
    note = clean_text(note, field="note", label="说明", max_len=1000)
    if product.price_source != PriceSource.FINANCE and current_guide_price(product):
        raise ValidationError(f"{product.code} 在指导价表内，已有指导价，无需申请", rule="price.guide",
                              fields={"product_id": "已有指导价"})
    qty = None
    if quantity not in (None, ""):
        _, errs = pricing.parse_line_input(quantity, "1", 0)
        if errs:
            raise ValidationError(errs[0].message, fields={"quantity": errs[0].message})
        qty = Decimal(str(quantity))
    if customer is not None:
        if not customers_visible_to(actor).filter(pk=customer.pk).exists():
            raise PermissionDenied("只能为自己可见的客户申请价格")
    received = received_at or timezone.now()

    cfg = get_policy()
    if quote_due_at is None and pricing.triggers_24h(product.kind, product.on_guide_list, cfg):
        _, quote_due_at = pricing.nonstandard_due(received, cfg, get_calendar())
    req = PriceRequest.objects.create(
        product=product, customer=customer, quantity=qty, note=note, requested_by=actor, team=actor.team,
        received_at=received, due_at=pricing.finance_price_due(quote_due_at, cfg) if quote_due_at else None,
    )
    record(actor=actor, action="create", obj=req, after=snapshot(req), rule="price.finance_guide")
    _notify_finance(req)
    return req


def _notify_finance(req: PriceRequest) -> None:
    for u in users_with_ability("is_told_of_price_requests"):
        Notification.objects.get_or_create(
            user=u, key=f"price_request:{req.pk}:new",
            defaults={"rule": "price.finance_guide", "message": f"新的价格申请：{req.product} （{req.requested_by}）",
                      "link": "/catalog/requests/"})


def _lock_pending(req: PriceRequest) -> PriceRequest:
    req = PriceRequest.objects.select_for_update().get(pk=req.pk)
    if req.state != RequestState.PENDING:
        raise Conflict(f"该申请已{req.get_state_display()}，不能再处理", fields={"state": req.state})
    return req


@transaction.atomic
def answer_price_request(actor, req: PriceRequest, *, price, scope: str = AnswerScope.PRODUCT,
                         effective_from: date | None = None) -> PriceRequest:
    if not can(actor, "answers_price_requests"):
        raise PermissionDenied("只有财务可以答复价格申请", rule="price.finance_guide")
    if scope not in AnswerScope.values:
        raise ValidationError("答复范围无效", fields={"scope": "product 或 request"})
    price = parsers.price(price, field="price", label="指导价")
    req = _lock_pending(req)
    before = snapshot(req)
    req.state, req.answer_price, req.answer_scope = RequestState.ANSWERED, price, scope
    req.answer_effective_from = (effective_from or timezone.localdate()) if scope == AnswerScope.PRODUCT else None
    req.answered_by, req.answered_at = actor, timezone.now()
    req.save()
    record(actor=actor, action="answer", obj=req, before=before, after=snapshot(req), rule="price.finance_guide")
    if scope == AnswerScope.PRODUCT:
        set_guide_price(actor, req.product, price, req.answer_effective_from, note=f"价格申请 #{req.pk}",
                        source=PriceSource.FINANCE, price_request=req)

    Notification.objects.get_or_create(
        user=req.requested_by, key=f"price_request:{req.pk}:answered",
        defaults={"rule": "price.finance_guide", "message": f"财务已答复 {req.product} 的指导价：{pricing.fmt(price)} 元",
                  "link": "/catalog/requests/"})
    return req


@transaction.atomic
def reject_price_request(actor, req: PriceRequest, *, reason: str) -> PriceRequest:
    if not can(actor, "answers_price_requests"):
        raise PermissionDenied("只有财务可以驳回价格申请", rule="price.finance_guide")
    reason = clean_text(reason, field="reason", label="驳回原因", max_len=200, required=True)
    req = _lock_pending(req)
    before = snapshot(req)
    req.state, req.reject_reason, req.answered_by, req.answered_at = RequestState.REJECTED, reason, actor, timezone.now()
    req.save()
    record(actor=actor, action="reject", obj=req, before=before, after=snapshot(req), rule="price.finance_guide", reason=reason)

    Notification.objects.get_or_create(
        user=req.requested_by, key=f"price_request:{req.pk}:rejected",
        defaults={"rule": "price.finance_guide", "message": f"财务驳回了 {req.product} 的价格申请：{reason}",
                  "link": "/catalog/requests/"})
    return req


def guide_for_line(product: Product, day: date, owner, price_request_id=None) -> tuple[Decimal | None, str, PriceRequest | None]:
    """G for a quote line: the guide price in force on the quote date, or the answer of the owner's
    price request for this product (scope "request"). Returns (G, source, request)."""
    if price_request_id:
        req = PriceRequest.objects.filter(pk=price_request_id, product=product).first()
        if req is None:
            raise ValidationError("价格申请不存在或不是该产品的", fields={"price_request_id": "无效"})
        if req.state != RequestState.ANSWERED:
            raise ValidationError(f"价格申请 #{req.pk} {req.get_state_display()}，不能使用", rule="price.finance_guide",
                                  fields={"price_request_id": req.get_state_display()})
        return req.answer_price, PriceSource.FINANCE, req
    gp = product.guide_price_on(day)
    if gp is not None:
        return gp.price, gp.source, gp.price_request
    if product.price_source == PriceSource.FINANCE and owner is not None:
        req = (PriceRequest.objects.filter(product=product, requested_by=owner, state=RequestState.ANSWERED)
               .order_by("-answered_at").first())
        if req is not None:
            return req.answer_price, PriceSource.FINANCE, req
    return None, product.price_source, None
