"""Input and output shapes of the customer API, and the one serializer that applies row-level and
confidentiality masking (decided in :mod:`yewu.customers.selectors`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict

from yewu.common.parsers import MoneyInput
from yewu.common.schemas import ERRORS, ErrorOut, ReasonOut  # noqa: F401  (ERRORS/ErrorOut re-exported)
from yewu.customers.archive import selectors
from yewu.customers.models import Customer
from yewu.policy import Decision

# --- input --------------------------------------------------------------------------------------------


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_In):
    name: str = ""
    title: str = ""
    is_decision_maker: bool = False
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    birthday: date | None = None


class _ArchiveFields(_In):
    """Optional archive fields (SPEC §2.1); the service validates and bounds each."""

    short_name: str | None = None
    kind: str | None = Field(None, description="enterprise / individual / institution")
    category: str | None = Field(None, description="end_user / distributor / retailer")
    industry: str | None = None
    economic_nature: str | None = None
    founded_on: date | None = None
    trading_since: date | None = None
    qualifications: str | None = None
    district: str | None = None
    territory: str | None = None
    registered_address: str | None = None
    delivery_address: str | None = None
    scale: str | None = None
    network_coverage: str | None = None
    main_business: str | None = None
    potential: str | None = None
    attitude: str | None = None
    competitors: str | None = None
    purchasing_procedure: str | None = None
    needs: str | None = None
    invoice_choice: str | None = Field(None, description="vat_special / general / none")
    default_settlement: str | None = None
    payday: str | None = None


class CustomerCreate(_ArchiveFields):
    name: str = Field("", description="客户名称（必填，≤100字）")
    city: str = Field("", description="城市（必填）")
    source: str = Field("", description="来源（cust.source）：web, direct, trade_show, press, association, referral, "
                                        "event, market, walk_in, other")
    demand_grade: str = Field("C", description="需求等级 A/B/C（cust.demand_grade）")
    credit_code: str = Field("", description="统一社会信用代码（18位，校验位）")
    collected_on: date | None = Field(None, description="收集日期，默认今天，不能是将来（cust.entry_2wd）")
    contacts: list[ContactIn] = Field(default_factory=list, description="≥1 位有手机/电话/邮箱的联系人")
    owner_id: int | None = Field(None, description="业务经理/总经理替本组业务员建档时的负责人")
    force_reason: str = Field("", description="业务经理强制建档理由（仅名称相似被拒时，cust.manager_override）")


class CustomerPatch(_ArchiveFields):
    name: str | None = None
    city: str | None = None
    credit_code: str | None = None
    demand_grade: str | None = Field(None, description="业务员提出，业务经理确认（cust.demand_grade）")
    confidentiality: str | None = Field(None, description="secret / confidential / top_secret（cust.confidentiality）")
    status: str | None = None
    key_customer: bool | None = None
    source: str | None = None
    credit_grade: str | None = Field(None, description="不可直接修改：须经授信审批（credit.limit_grant）")
    credit_limit: MoneyInput | None = Field(None, description="不可直接修改：须经授信审批（credit.limit_grant）")


class TransferIn(_In):
    to_user_id: int
    reason: str = Field("", description="调整原因（必填，cust.manager_override）")


class VisitCreate(_In):
    channel: str = Field(..., description="visit, phone, email, wechat, fax, post, other")
    purpose: str = ""
    at: datetime | None = None
    contacts_met: str = ""
    step: str = ""
    content: str = ""
    dissatisfaction: str = ""
    next_step: str = ""
    next_visit_on: date | None = None
    accompanied_by_id: int | None = None
    meeting: bool = Field(False, description="会谈（面谈），需在2个工作日内写会谈纪要（visit.minutes_2wd）")
    note_taker: str = ""


class ReviewIn(_In):
    accept: bool
    note: str = ""


class LeadCreate(_In):
    name: str = ""
    city: str = ""
    contacts: list[ContactIn] = Field(default_factory=list)
    demand_grade: str = "C"
    credit_code: str = ""
    collected_on: date | None = None
    tags: str = Field("", description="知识标签，逗号分隔（分配时匹配业务员）")
    industry: str | None = None
    needs: str | None = None
    registered_address: str | None = None
    delivery_address: str | None = None


class AllocateIn(_In):
    to_user_id: int | None = Field(None, description="不填则按建议分配（cust.web_lead_allocation）")
    reason: str = ""


# --- output -------------------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str


class ContactOut(Schema):
    id: int
    name: str
    title: str = ""
    is_decision_maker: bool = False
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    birthday: date | None = None


class CustomerOut(Schema):
    """A customer as the reader may see it. ``view`` says which cut: full, card (service card), name
    (name and owner) or summary (pool, as an SP sees it). Fields outside the cut are absent."""

    id: int
    view: str = Field(..., description="full / card / name / summary")
    name: str
    editable: bool | None = None
    short_name: str | None = None
    credit_code: str | None = None
    kind: str | None = None
    category: str | None = None
    industry: str | None = None
    economic_nature: str | None = None
    founded_on: date | None = None
    trading_since: date | None = None
    qualifications: str | None = None
    city: str | None = None
    district: str | None = None
    territory: str | None = None
    registered_address: str | None = None
    delivery_address: str | None = None
    scale: str | None = None
    network_coverage: str | None = None
    main_business: str | None = None
    potential: str | None = None
    attitude: str | None = None
    competitors: str | None = None
    purchasing_procedure: str | None = None
    needs: str | None = None
    invoice_choice: str | None = None
    default_settlement: str | None = None
    payday: str | None = None
    credit_grade: str | None = None
    credit_limit: Decimal | None = None
    term_days: int | None = None
    supply_suspended: bool | None = None
    owner: UserRef | None = None
    created_at: datetime | None = None
    collected_on: date | None = None
    entry_due_at: datetime | None = None
    late_entry: bool | None = None
    assigned_at: datetime | None = None
    first_contact_at: datetime | None = None
    last_contact_at: datetime | None = None
    status: str | None = None
    review_state: str | None = None
    key_customer: bool | None = None
    confidentiality: str | None = None
    confidentiality_expires_on: date | None = None
    demand_grade: str | None = None
    demand_grade_confirmed: bool | None = None
    source: str | None = None
    is_web_lead: bool | None = None
    lead_tags: str | None = None
    contacts: list[ContactOut] | None = None


class CustomerSaved(Schema):
    customer: CustomerOut
    warnings: list[ReasonOut] = Field(default_factory=list, description="提示（如名称相似 80–89、逾期录入）")


class CustomerList(Schema):
    items: list[CustomerOut]
    count: int
    limit: int
    offset: int


class LeadOut(Schema):
    id: int
    name: str
    city: str
    status: str
    status_label: str
    received_at: datetime | None = None
    created_by: UserRef | None = None
    owner: UserRef | None = None
    assigned_at: datetime | None = None
    lead_tags: str = ""
    is_web_lead: bool = True


class LeadList(Schema):
    items: list[LeadOut]
    count: int


class RankingOut(Schema):
    user_id: int
    name: str
    load: Decimal = Field(..., description="负荷（在跟客户数 ÷ 能力系数）")
    leads_last_30d: int


class SuggestionOut(Schema):
    outcome: str
    rule: str | None = None
    message: str
    suggested_user_id: int | None = None
    ranking: list[RankingOut] = Field(default_factory=list)


class TimelineItem(Schema):
    at: datetime
    kind: str
    who: str
    title: str
    body: str = ""


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    rule: str = ""
    reason: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class VisitOut(Schema):
    id: int
    customer_id: int
    at: datetime
    channel: str
    purpose: str
    unplanned: bool
    first_contact: bool = Field(False, description="本次记录满足首次联系（cust.first_contact_1w）")
    plan_id: int | None = Field(None, description="出发前已批准的客户走访单（visit.plan_approval）")
    meeting: bool = False












# --- serializing ---------------------------------------------------------------------------------------

FULL_FIELDS = [f for f in CustomerOut.model_fields if f not in ("view", "editable", "owner", "contacts")]
LIST_FIELDS = ("id", "name", "short_name", "city", "industry", "source", "status", "demand_grade",
               "demand_grade_confirmed", "review_state", "key_customer", "confidentiality", "late_entry",
               "is_web_lead", "created_at", "assigned_at", "first_contact_at", "last_contact_at", "owner")


def local(v):
    """Datetimes leave the API in Shanghai time (+08:00)."""
    return timezone.localtime(v) if isinstance(v, datetime) and timezone.is_aware(v) else v


def _owner(c: Customer) -> dict | None:
    return {"id": c.owner_id, "name": c.owner.name} if c.owner_id else None


def _contacts(c: Customer) -> list[dict]:
    return [{k: getattr(ct, k) for k in ContactOut.model_fields} for ct in c.contacts.all()]


def pool_summary_out(row: dict) -> dict:
    return {**{k: local(row[k]) for k in selectors.POOL_SUMMARY_FIELDS}, "view": "summary"}


def customer_out(user, c: Customer, *, detail: bool = True, v=None) -> dict:
    """The customer as ``user`` may see it: the cut comes from selectors.access (row access is already
    decided: ``c`` came out of selectors.customers_visible_to)."""
    acc = selectors.access(user, c, v)
    level = acc["level"]
    if level == "name":
        keys: tuple | list = selectors.NAME_FIELDS
    elif level == "card":
        keys = selectors.CARD_FIELDS
    else:
        keys = FULL_FIELDS if detail else LIST_FIELDS
    out: dict[str, Any] = {"view": level}
    for k in keys:
        if k == "owner":
            continue
        if k in selectors.CREDIT_FIELDS and not acc["credit"]:
            continue
        out[k] = local(getattr(c, k))
    out["owner"] = _owner(c)  # every cut names the owner (pool = null)
    if detail:
        out["editable"] = acc["edit"]
        if level in ("full", "card"):
            out["contacts"] = _contacts(c)
    return out


def warnings_out(decision: Decision) -> list[dict]:
    return [r.as_dict() for r in decision.reasons] if decision.outcome == "warning" else []


def lead_out(c: Customer) -> dict:
    return {
        "id": c.id, "name": c.name, "city": c.city, "status": c.status, "status_label": c.get_status_display(),
        "received_at": local(c.lead_received_at or c.created_at),
        "created_by": {"id": c.created_by_id, "name": c.created_by.name} if c.created_by_id else None,
        "owner": _owner(c), "assigned_at": local(c.assigned_at), "lead_tags": c.lead_tags, "is_web_lead": c.is_web_lead,
    }
