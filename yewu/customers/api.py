"""Customer and lead JSON API. Handlers are thin: parse → service/selector → response.

Row-level access and confidentiality come from :mod:`yewu.customers.selectors`; writes and rules from
:mod:`yewu.customers.services`. Errors are ``{"error", "message", "fields", "rule"?}`` (see yewu/api.py).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from yewu.audit.selectors import entries_for
from yewu.common.errors import NotFound, PermissionDenied, ValidationError
from yewu.common.schemas import ReasonOut
from yewu.org.models import Role, User

from . import selectors, services
from .schemas import (
    ERRORS,
    AllocateIn,
    AuditOut,
    ContactIn,
    ContactOut,
    CustomerCreate,
    CustomerList,
    CustomerOut,
    CustomerPatch,
    CustomerSaved,
    LeadCreate,
    LeadList,
    LeadOut,
    ReviewIn,
    SuggestionOut,
    TimelineItem,
    TransferIn,
    VisitCreate,
    VisitOut,
    WorklistOut,
    customer_out,
    lead_out,
    local,
    pool_summary_out,
    warnings_out,
)

router = Router(tags=["customers"])
leads_router = Router(tags=["leads"])
worklist_router = Router(tags=["leads"])

NOT_FOUND = "客户不存在或无权查看"


class Page(Schema):
    limit: int = Field(50, ge=1, le=200, description="每页条数（≤200）")
    offset: int = Field(0, ge=0)


class CustomerFilters(Page):
    q: str = Field("", description="名称、简称、拼音首字母（gzdl）、全拼、联系电话")
    owner: str = Field("", description="me = 我负责的；pool = 公海（未分配）")
    city: str = ""
    status: str = ""
    demand_grade: str = ""


# --- helpers (parsing only) ------------------------------------------------------------------------


def _customer_in(data: dict[str, Any], source: str | None = None) -> services.CustomerIn:
    contacts = [services.ContactIn(**ct) for ct in data.pop("contacts", []) or []]
    return services.CustomerIn(
        name=data.pop("name", ""), city=data.pop("city", ""), source=source or data.pop("source", ""),
        contacts=contacts, demand_grade=data.pop("demand_grade", "C") or "C",
        credit_code=data.pop("credit_code", "") or "", collected_on=data.pop("collected_on", None),
        extra={k: v for k, v in data.items() if v is not None},
    )


def _visible(user: User, customer_id: int):
    c = selectors.customer_for(user, customer_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    return c


def _full(user: User, customer_id: int):
    """A customer whose full archive the user may read (`cust.confidentiality`)."""
    c = _visible(user, customer_id)
    acc = selectors.access(user, c)
    if acc["level"] != "full":
        raise PermissionDenied("该客户档案为保密级别，您只能查看服务卡/名称", rule="cust.confidentiality")
    services.record_archive_read(user, c)  # 借阅卡: every 机密/绝密 full read (no-op for 秘密)
    return c, acc


# --- customers -------------------------------------------------------------------------------------


@router.get("", response={200: CustomerList, **ERRORS}, exclude_unset=True, summary="客户列表（按权限）")
def list_customers(request, filters: Query[CustomerFilters]):
    user = request.auth
    qs, summary_only = selectors.list_customers(
        user, q=filters.q, owner=filters.owner, city=filters.city, status=filters.status,
        demand_grade=filters.demand_grade,
    )
    page = slice(filters.offset, filters.offset + filters.limit)
    if summary_only:
        rows = qs.values(*selectors.POOL_SUMMARY_FIELDS)
        items = [pool_summary_out(r) for r in rows[page]]
    else:
        v = selectors.viewer(user)
        items = [customer_out(user, c, detail=False, v=v) for c in qs[page]]
    return {"items": items, "count": qs.count(), "limit": filters.limit, "offset": filters.offset}


@router.post("", response={201: CustomerSaved, **ERRORS}, exclude_unset=True, summary="建档（cust.first_to_file）")
def create_customer(request, payload: CustomerCreate):
    user = request.auth
    data = payload.model_dump(exclude_unset=True)
    owner = None
    owner_id = data.pop("owner_id", None)
    force_reason = data.pop("force_reason", "")
    if owner_id is not None:
        owner = User.objects.filter(pk=owner_id).first()
        if owner is None:
            raise ValidationError("负责人不存在", fields={"owner_id": "用户不存在"})
    c, decision = services.file_customer(user, _customer_in(data), owner=owner, force_reason=force_reason)
    c = selectors.customer_for(user, c.pk) or c
    return Status(201, {"customer": customer_out(user, c), "warnings": warnings_out(decision)})


@router.get("/{int:customer_id}", response={200: CustomerOut, **ERRORS}, exclude_unset=True, summary="客户详情")
def get_customer(request, customer_id: int):
    user = request.auth
    c = selectors.customer_for(user, customer_id)
    if c is None:
        row = selectors.pool_summary_for(user, customer_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        return pool_summary_out(row)
    out = customer_out(user, c)
    if out["view"] == "full":
        services.record_archive_read(user, c)
    return out


@router.patch("/{int:customer_id}", response={200: CustomerSaved, **ERRORS}, exclude_unset=True, summary="修改档案")
def patch_customer(request, customer_id: int, payload: CustomerPatch):
    user = request.auth
    c, decision = services.update_customer(user, customer_id, payload.model_dump(exclude_unset=True))
    c = selectors.customer_for(user, c.pk) or c
    return {"customer": customer_out(user, c), "warnings": warnings_out(decision)}


@router.post("/{int:customer_id}/transfer", response={200: CustomerOut, **ERRORS}, exclude_unset=True,
             summary="调整归属（cust.manager_override）")
def transfer_customer(request, customer_id: int, payload: TransferIn):
    user = request.auth
    c = services.transfer_customer(user, customer_id, payload.to_user_id, payload.reason)
    return customer_out(user, selectors.customer_for(user, c.pk) or c)


@router.post("/{int:customer_id}/visits", response={201: VisitOut, **ERRORS}, summary="记录拜访/沟通")
def log_visit(request, customer_id: int, payload: VisitCreate):
    v = services.log_visit(request.auth, customer_id, services.VisitIn(**payload.model_dump()))
    return Status(201, {"id": v.id, "customer_id": v.customer_id, "at": local(v.at), "channel": v.channel,
                        "purpose": v.purpose, "unplanned": v.unplanned, "plan_id": v.plan_id, "meeting": v.meeting,
                        "first_contact": v.customer.first_contact_at == v.at})


@router.post("/{int:customer_id}/contacts", response={201: ContactOut, **ERRORS}, summary="新增联系人")
def add_contact(request, customer_id: int, payload: ContactIn):
    ct = services.add_contact(request.auth, customer_id, services.ContactIn(**payload.model_dump()))
    return Status(201, ct)


@router.post("/{int:customer_id}/review", response={200: CustomerOut, **ERRORS}, exclude_unset=True,
             summary="经理审核档案（cust.manager_review）")
def review_customer(request, customer_id: int, payload: ReviewIn):
    user = request.auth
    c = services.review_customer(user, customer_id, payload.accept, payload.note)
    return customer_out(user, selectors.customer_for(user, c.pk) or c)


@router.get("/{int:customer_id}/timeline", response={200: list[TimelineItem], **ERRORS}, summary="客户时间线")
def customer_timeline(request, customer_id: int):
    c, acc = _full(request.auth, customer_id)
    return [{"at": local(i["at"]), **{k: i[k] for k in ("kind", "who", "title", "body")}}
            for i in selectors.timeline(c, credit=acc["credit"])]


@router.get("/{int:customer_id}/audit", response={200: list[AuditOut], **ERRORS}, summary="审计记录")
def customer_audit(request, customer_id: int):
    c, acc = _full(request.auth, customer_id)
    hidden = () if acc["credit"] else selectors.CREDIT_FIELDS

    def mask(d):
        return {k: v for k, v in d.items() if k not in hidden} if isinstance(d, dict) else d

    return [
        {"id": e.id, "at": local(e.at), "actor": e.actor_name, "action": e.action, "rule": e.rule, "reason": e.reason,
         "before": mask(e.before), "after": mask(e.after)}
        for e in entries_for(c).order_by("at", "id")
        if acc["credit"] or e.rule not in selectors.CREDIT_RULES
    ]


# --- leads -----------------------------------------------------------------------------------------


class LeadSaved(Schema):
    lead: LeadOut
    warnings: list[ReasonOut] = []


@leads_router.get("", response={200: LeadList, **ERRORS}, summary="线索（推广专员：自己的；经理：公海）")
def list_leads(request, page: Query[Page]):
    user = request.auth
    if not user.has_role(Role.LS, Role.SM, Role.GM):
        raise PermissionDenied("只有网络推广专员和业务经理查看线索", rule="cust.web_lead_intake")
    qs = selectors.leads_for(user).select_related("created_by").order_by("-created_at", "-id")
    return {"items": [lead_out(c) for c in qs[page.offset:page.offset + page.limit]], "count": qs.count()}


@leads_router.post("", response={201: LeadSaved, **ERRORS}, summary="录入网络线索（cust.web_lead_intake）")
def create_lead(request, payload: LeadCreate):
    data = payload.model_dump(exclude_unset=True)
    tags = data.pop("tags", "")
    c, decision = services.enter_lead(request.auth, _customer_in(data, source="web"), tags=tags)
    return Status(201, {"lead": lead_out(c), "warnings": warnings_out(decision)})


@leads_router.get("/{int:customer_id}/suggestion", response={200: SuggestionOut, **ERRORS},
                  summary="分配建议（cust.web_lead_allocation）")
def lead_suggestion(request, customer_id: int):
    user = request.auth
    if not user.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只有业务经理可以分配线索", rule="cust.web_lead_allocation")
    d = services.allocation_suggestion(user, _visible(user, customer_id))
    return {"outcome": str(d.outcome), "rule": d.rule, "message": d.message(),
            "suggested_user_id": d.data.get("suggested_user_id"), "ranking": d.data.get("ranking", [])}


@leads_router.post("/{int:customer_id}/allocate", response={200: CustomerOut, **ERRORS}, exclude_unset=True,
                   summary="分配线索（cust.web_lead_allocation）")
def allocate_lead(request, customer_id: int, payload: AllocateIn):
    user = request.auth
    c = services.allocate_lead(user, customer_id, payload.to_user_id, payload.reason)
    return customer_out(user, selectors.customer_for(user, c.pk) or c)


# --- SM work list ------------------------------------------------------------------------------------


@worklist_router.get("", response={200: WorklistOut, **ERRORS}, exclude_unset=True,
                     summary="经理工作清单（公海、首次联系逾期、逾期录入、待审核）")
def worklist(request):
    user = request.auth
    if not user.has_role(Role.SM, Role.GM):
        raise PermissionDenied("工作清单仅业务经理和总经理可见", rule="cust.ownerless_to_manager")
    wl = selectors.manager_worklist(user)
    v = selectors.viewer(user)

    def rows(cs):
        return [customer_out(user, c, detail=False, v=v) for c in cs]

    return {
        "pool": rows(wl["pool"]),
        "first_contact_overdue": [{"customer": customer_out(user, c, detail=False, v=v), "due": local(due),
                                   "rule": "cust.first_contact_1w"} for c, due in wl["first_contact_overdue"]],
        "late_entries": rows(wl["late_entries"]),
        "pending_review": rows(wl["pending_review"]),
        **_order_sections(user),
    }


def _order_sections(user) -> dict:
    """Pending approvals, late orders and receivables > 30 days past due of the manager's team(s) (SPEC §9.1)."""
    from yewu.approvals.services import inbox
    from yewu.finance.selectors import overdue_for_manager
    from yewu.orders.ordering.selectors import late_orders_for_manager

    today = timezone.localdate()
    return {
        "pending_approvals": [{"request_id": s.request_id, "label": s.request.doc_label, "link": s.request.link, "role": s.role,
                               "due_at": local(s.due_at), "rule": "approval.inbox"} for s in inbox(user)],
        "late_orders": [{"order_id": x.order.pk, "number": x.order.number, "customer": x.order.customer.name,
                         "salesperson": x.order.salesperson.name, "promised": x.first_promised.isoformat(),
                         "days_late": x.days_late, "lines": len(x.lines), "rules": x.rules, "link": f"/orders/{x.order.pk}/"}
                        for x in late_orders_for_manager(user, today)],
        "overdue_receivables": [{"order_id": x.order.pk, "number": x.order.number, "customer": x.order.customer.name,
                                 "salesperson": x.order.salesperson.name, "due_on": x.due_on.isoformat(),
                                 "days_past_due": x.days_past_due, "open": str(x.open), "rule": "ar.collection_task",
                                 "link": f"/orders/{x.order.pk}/"} for x in overdue_for_manager(user, today)],
    }
from . import api_credit  # noqa: E402,F401  (credit, access, visit plans, upkeep routes on this router)
