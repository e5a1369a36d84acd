"""Customer archive JSON API (/api/v1/customers). Handlers are thin: parse → service/selector → response.

Row-level access and confidentiality come from :mod:`yewu.customers.selectors`; writes and rules from
:mod:`yewu.customers.services`. Errors are ``{"error", "message", "fields", "rule"?}`` (see yewu/api.py).
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Schema, Status

from yewu.audit.selectors import entries_for
from yewu.common.errors import NotFound, PermissionDenied, ValidationError
from yewu.customers.archive import selectors, services
from yewu.customers.routers import router
from yewu.customers.schemas import (
    ERRORS,
    AuditOut,
    ContactIn,
    ContactOut,
    CustomerCreate,
    CustomerList,
    CustomerOut,
    CustomerPatch,
    CustomerSaved,
    ReviewIn,
    TimelineItem,
    TransferIn,
    VisitCreate,
    VisitOut,
    customer_out,
    local,
    pool_summary_out,
    warnings_out,
)
from yewu.customers.visits import services as visits
from yewu.org.models import User

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


def customer_in(data: dict[str, Any], source: str | None = None) -> services.CustomerIn:
    contacts = [services.ContactIn(**ct) for ct in data.pop("contacts", []) or []]
    return services.CustomerIn(
        name=data.pop("name", ""), city=data.pop("city", ""), source=source or data.pop("source", ""),
        contacts=contacts, demand_grade=data.pop("demand_grade", "C") or "C",
        credit_code=data.pop("credit_code", "") or "", collected_on=data.pop("collected_on", None),
        extra={k: v for k, v in data.items() if v is not None},
    )


def visible_customer(user: User, customer_id: int):
    c = selectors.customer_for(user, customer_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    return c


def _full(user: User, customer_id: int):
    """A customer whose full archive the user may read (`cust.confidentiality`)."""
    c = visible_customer(user, customer_id)
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
    c, decision = services.file_customer(user, customer_in(data), owner=owner, force_reason=force_reason)
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
    v = visits.log_visit(request.auth, customer_id, visits.VisitIn(**payload.model_dump()))
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












# --- SM work list ------------------------------------------------------------------------------------




