"""/api/v1/leads: list and enter web leads, the allocation suggestion, allocate (SPEC §2.3)."""

from __future__ import annotations

from ninja import Query, Schema, Status

from yewu.common.errors import PermissionDenied
from yewu.common.schemas import ReasonOut
from yewu.customers.archive import selectors
from yewu.customers.archive.api import Page, customer_in, visible_customer
from yewu.customers.leads import selectors as lead_selectors
from yewu.customers.leads import services as lead_services
from yewu.customers.routers import leads_router
from yewu.customers.schemas import (
    ERRORS,
    AllocateIn,
    CustomerOut,
    LeadCreate,
    LeadList,
    LeadOut,
    SuggestionOut,
    customer_out,
    lead_out,
    warnings_out,
)
from yewu.org.permissions import can


class LeadSaved(Schema):
    lead: LeadOut
    warnings: list[ReasonOut] = []


@leads_router.get("", response={200: LeadList, **ERRORS}, summary="线索（推广专员：自己的；经理：公海）")
def list_leads(request, page: Query[Page]):
    user = request.auth
    if not can(user, "works_web_leads"):
        raise PermissionDenied("只有网络推广专员和业务经理查看线索", rule="cust.web_lead_intake")
    qs = lead_selectors.leads_for(user).select_related("created_by").order_by("-created_at", "-id")
    return {"items": [lead_out(c) for c in qs[page.offset:page.offset + page.limit]], "count": qs.count()}


@leads_router.post("", response={201: LeadSaved, **ERRORS}, summary="录入网络线索（cust.web_lead_intake）")
def create_lead(request, payload: LeadCreate):
    data = payload.model_dump(exclude_unset=True)
    tags = data.pop("tags", "")
    c, decision = lead_services.enter_lead(request.auth, customer_in(data, source="web"), tags=tags)
    return Status(201, {"lead": lead_out(c), "warnings": warnings_out(decision)})


@leads_router.get("/{int:customer_id}/suggestion", response={200: SuggestionOut, **ERRORS},
                  summary="分配建议（cust.web_lead_allocation）")
def lead_suggestion(request, customer_id: int):
    user = request.auth
    if not can(user, "allocates_leads"):
        raise PermissionDenied("只有业务经理可以分配线索", rule="cust.web_lead_allocation")
    d = lead_services.allocation_suggestion(user, visible_customer(user, customer_id))
    return {"outcome": str(d.outcome), "rule": d.rule, "message": d.message(),
            "suggested_user_id": d.data.get("suggested_user_id"), "ranking": d.data.get("ranking", [])}


@leads_router.post("/{int:customer_id}/allocate", response={200: CustomerOut, **ERRORS}, exclude_unset=True,
                   summary="分配线索（cust.web_lead_allocation）")
def allocate_lead(request, customer_id: int, payload: AllocateIn):
    user = request.auth
    c = lead_services.allocate_lead(user, customer_id, payload.to_user_id, payload.reason)
    return customer_out(user, selectors.customer_for(user, c.pk) or c)
