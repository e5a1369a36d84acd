"""Writes for customers: each public function is one transaction, checks its rule through the pure
policy, and writes the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.locks import lock
from yewu.common.text import clean_text
from yewu.org.models import Role, User
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids
from yewu.policy import Decision
from yewu.policy import customers as rules

from .models import (
    Category,
    Channel,
    Confidentiality,
    Contact,
    Customer,
    DemandGrade,
    InvoiceChoice,
    Kind,
    OwnershipChange,
    ReviewState,
    Source,
    Status,
    Visit,
    VisitStep,
)

FILING_LOCK = "customers.filing"
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# text fields an archive may carry: name -> (label, max length)
TEXT_FIELDS = {
    "short_name": ("简称", 50), "industry": ("行业", 50), "economic_nature": ("经济性质", 50), "qualifications": ("资质", 2000),
    "district": ("区", 30), "territory": ("区域", 30), "registered_address": ("注册地址", 200),
    "delivery_address": ("送货地址", 200), "scale": ("规模", 50), "network_coverage": ("网络覆盖", 200),
    "main_business": ("主营业务及业绩", 2000), "potential": ("潜力", 200), "attitude": ("态度", 200),
    "competitors": ("竞争对手", 200), "purchasing_procedure": ("采购流程", 2000), "needs": ("需求", 2000),
    "payday": ("发工资时间", 30), "default_settlement": ("默认结算方式", 20), "lead_tags": ("线索标签", 200),
}
CHOICE_FIELDS = {
    "kind": Kind, "category": Category, "invoice_choice": InvoiceChoice, "demand_grade": DemandGrade, "source": Source,
}


@dataclass
class ContactIn:
    name: str = ""  # required: _clean_contact refuses an empty name naming contacts.N.name
    title: str = ""
    is_decision_maker: bool = False
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    birthday: date | None = None


@dataclass
class CustomerIn:
    name: str
    city: str
    source: str
    contacts: list[ContactIn] = field(default_factory=list)
    demand_grade: str = "C"
    credit_code: str = ""
    collected_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # any of TEXT_FIELDS / CHOICE_FIELDS


# --- validation -----------------------------------------------------------------------------------


def _clean_contact(c: ContactIn, i: int) -> dict:
    f = f"contacts.{i}"
    out = {
        "name": clean_text(c.name, field=f"{f}.name", label="联系人姓名", max_len=50, required=True, multiline=False),
        "title": clean_text(c.title, field=f"{f}.title", label="职务", max_len=50, multiline=False),
        "is_decision_maker": bool(c.is_decision_maker),
        "mobile": clean_text(c.mobile, field=f"{f}.mobile", label="手机", max_len=30, multiline=False),
        "phone": clean_text(c.phone, field=f"{f}.phone", label="电话", max_len=30, multiline=False),
        "email": clean_text(c.email, field=f"{f}.email", label="邮箱", max_len=100, multiline=False),
        "wechat": clean_text(c.wechat, field=f"{f}.wechat", label="微信", max_len=50, multiline=False),
        "birthday": c.birthday,
    }
    for k, label in (("mobile", "手机"), ("phone", "电话")):
        if out[k] and not rules.phone_valid(out[k]):
            raise ValidationError(f"{label}号码「{out[k]}」格式不正确", fields={f"{f}.{k}": f"{label}号码格式不正确"})
    if out["email"] and not EMAIL.match(out["email"]):
        raise ValidationError(f"邮箱「{out['email']}」格式不正确", fields={f"{f}.email": "邮箱格式不正确"})
    out["mobile_norm"] = rules.normalize_phone(out["mobile"]) if out["mobile"] else ""
    out["phone_norm"] = rules.normalize_phone(out["phone"]) if out["phone"] else ""
    return out


def _clean_fields(extra: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (extra or {}).items():
        if v is None:
            continue
        if k in TEXT_FIELDS:
            label, n = TEXT_FIELDS[k]
            out[k] = clean_text(v, field=k, label=label, max_len=n)
        elif k in CHOICE_FIELDS:
            if v == "" and k == "category":
                out[k] = ""
                continue
            if v not in CHOICE_FIELDS[k].values:
                raise ValidationError(f"「{v}」不是有效的选项", fields={k: "可选：" + "、".join(CHOICE_FIELDS[k].values)})
            out[k] = v
        elif k in ("founded_on", "trading_since"):
            out[k] = v
        elif k == "key_customer":
            out[k] = bool(v)
        else:
            raise ValidationError(f"未知字段 {k}", fields={k: "未知字段"})
    return out


def _clean_customer(data: CustomerIn, *, require_contact: bool = True) -> tuple[dict, list[dict]]:
    for k, label in (("name", "客户名称"), ("city", "城市"), ("source", "客户来源")):
        v = getattr(data, k)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValidationError(f"建档须填写{label}", fields={k: f"{label}不能为空"}, rule="cust.required_fields")
    name = clean_text(data.name, field="name", label="客户名称", max_len=100, required=True, multiline=False)
    if not rules.name_key(name):
        raise ValidationError("客户名称无效（去掉标点和公司后缀后为空）", fields={"name": "名称无效"})
    city = clean_text(data.city, field="city", label="城市", max_len=30, required=True, multiline=False)
    if data.source not in Source.values:
        raise ValidationError("请选择客户来源", fields={"source": "可选：" + "、".join(Source.values)}, rule="cust.source")
    if data.demand_grade not in DemandGrade.values:
        raise ValidationError("需求等级只能是 A、B、C", fields={"demand_grade": "A/B/C"}, rule="cust.demand_grade")
    code = (data.credit_code or "").strip().upper()
    if code and not rules.credit_code_valid(code):
        raise ValidationError(
            f"统一社会信用代码「{code}」无效（应为18位且校验位正确）", fields={"credit_code": "18位，校验位不正确"}
        )
    contacts = [_clean_contact(c, i) for i, c in enumerate(data.contacts)]
    if require_contact and not any(c["mobile"] or c["phone"] or c["email"] for c in contacts):
        raise ValidationError(
            "建档至少需要一位有手机、电话或邮箱的联系人", fields={"contacts": "至少一位联系人（手机/电话/邮箱）"},
            rule="cust.required_fields",
        )
    fields = {"name": name, "city": city, "source": data.source, "demand_grade": data.demand_grade,
              "credit_code": code or None, **_clean_fields(data.extra)}
    return fields, contacts


_CJK = re.compile(r"[\u4e00-\u9fff]+")


def _search_keys(name: str) -> dict[str, str]:
    if _CJK.fullmatch(name or ""):  # the usual name: one pinyin pass; the initials are its first letters
        py = lazy_pinyin(name, errors="default")
        if len(py) == len(name):
            return {"search_initials": "".join(p[0] for p in py).lower()[:100], "search_pinyin": "".join(py).lower()[:400]}
    return {
        "search_initials": "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()[:100],
        "search_pinyin": "".join(lazy_pinyin(name, errors="default")).lower()[:400],
    }


# --- duplicate detection ----------------------------------------------------------------------------


def _candidates(name: str, city: str, code: str | None, phones: set[str], exclude_id: int | None = None):
    """Existing customers that could be the same one: same name key, credit code or phone (by index),
    and same-city names whose similarity reaches the warning threshold (scored on keys only)."""
    from rapidfuzz import fuzz, process

    key = rules.name_key(name)
    ids: set[int] = set()
    q = Q(name_key=key)
    if code:
        q |= Q(credit_code=code)
    ids.update(Customer.objects.filter(q).values_list("id", flat=True))
    if phones:
        ids.update(Contact.objects.filter(Q(mobile_norm__in=phones) | Q(phone_norm__in=phones))
                   .values_list("customer_id", flat=True))
    warn = get_policy()["cust.duplicate.warn_similarity"]
    same_city = dict(Customer.objects.filter(city=city).values_list("id", "name_key").iterator(chunk_size=5000))
    for _, _, cid in process.extract(key, same_city, scorer=fuzz.ratio, score_cutoff=warn, limit=10):
        ids.add(cid)
    ids.discard(exclude_id)
    found = list(Customer.objects.filter(id__in=ids).select_related("owner"))
    phone_map: dict[int, set[str]] = {}
    for cid, m, p in Contact.objects.filter(customer_id__in=ids).filter(
        Q(mobile_norm__in=phones) | Q(phone_norm__in=phones)
    ).values_list("customer_id", "mobile_norm", "phone_norm"):
        phone_map.setdefault(cid, set()).update(x for x in (m, p) if x)
    # exact matches first so the message names the strongest reason
    found.sort(key=lambda c: (c.name_key != key, c.credit_code != code, c.id not in phone_map, c.id))
    return [
        rules.ExistingCustomer(
            id=c.id, name=c.name, name_key=c.name_key, city=c.city, credit_code=c.credit_code or "",
            phones=frozenset(phone_map.get(c.id, ())), owner_name=c.owner.name if c.owner_id else None,
            filed_on=timezone.localtime(c.created_at).date(),
        )
        for c in found
    ]


def check_duplicate(name, city, code, phones, exclude_id=None) -> Decision:
    phones_n = {rules.normalize_phone(p) for p in phones if p}
    phones_n.discard("")
    return rules.check_duplicate(
        name=name, city=city, credit_code=code or "", phones=phones_n,
        candidates=_candidates(name, city, code, phones_n, exclude_id), cfg=get_policy(),
    )


def _duplicate_error(decision: Decision) -> Conflict:
    r = decision.reasons[0]
    return Conflict(
        r.message, rule="cust.duplicate", code="duplicate", decision=decision,
        extra={"existing": {"id": r.figures.get("existing_id"), "name": r.figures.get("existing_name"),
                            "owner": r.figures.get("owner") or "公海", "filed_on": str(r.figures.get("filed_on"))}},
    )


# --- filing -----------------------------------------------------------------------------------------


def _may_file(actor: User, web_lead: bool = False) -> None:
    # a CS agent files a web lead from an ad-hoc order call (ticket type 临时下单, SPEC §6.1)
    if web_lead and actor.has_role(Role.CS, Role.CSM):
        return
    if not actor.has_role(Role.SP, Role.SM, Role.GM, Role.LS):
        raise PermissionDenied("只有业务员、网络推广专员、业务经理或总经理可以建档", rule="cust.first_to_file")


def file_customer(actor: User, data: CustomerIn, *, owner: User | None = None, force_reason: str = "",
                  web_lead: bool = False, now=None) -> tuple[Customer, Decision]:
    """`cust.first_to_file`: the first SP to file owns the customer; a duplicate is refused (409).

    Returns the customer and the (possibly warning) decision. ``force_reason`` lets an SM/GM file a
    customer that was refused *only* by name similarity (`cust.manager_override`).
    A refused duplicate is audited after the filing transaction has rolled back, so the entry survives.
    """
    try:
        with transaction.atomic():
            return _file_customer(actor, data, owner=owner, force_reason=force_reason, web_lead=web_lead, now=now)
    except Conflict as e:
        if e.decision is not None:
            record(actor=actor, action="decision", object_type="customers.customer", object_id="-",
                   rule="cust.duplicate", reason=e.message, decision=e.decision, policy_version=get_policy().version)
        raise


def _file_customer(actor: User, data: CustomerIn, *, owner: User | None, force_reason: str, web_lead: bool,
                   now) -> tuple[Customer, Decision]:
    _may_file(actor, web_lead)
    now = now or timezone.now()
    fields, contacts = _clean_customer(data)
    cfg, cal = get_policy(), get_calendar()
    collected_on = data.collected_on or timezone.localdate(now)
    entry = rules.check_entry(collected_on, now, cal, cfg)
    if entry.refused:
        raise ValidationError(entry.message(), fields={"collected_on": entry.message()}, rule="cust.entry_2wd")

    owner, web_lead = filing_owner(actor, owner, web_lead)

    lock(FILING_LOCK)  # read-check-insert is atomic across concurrent filings (both databases)
    force_reason = clean_text(force_reason, field="force_reason", label="强制建档理由", max_len=300)
    phones = {c["mobile"] for c in contacts} | {c["phone"] for c in contacts}
    dup = check_duplicate(fields["name"], fields["city"], fields["credit_code"], phones)
    if dup.refused:
        similarity_only = all(r.figures.get("similarity_only") for r in dup.reasons)
        if not (force_reason and similarity_only and actor.has_role(Role.SM, Role.GM)):
            raise _duplicate_error(dup)

    c = new_customer(actor, fields, owner=owner, collected_on=collected_on, entry=entry, web_lead=web_lead, now=now)
    try:
        with transaction.atomic():
            c.save()
    except IntegrityError as e:  # unique name_key / credit_code: a concurrent filing got there first
        dup = check_duplicate(fields["name"], fields["city"], fields["credit_code"], phones)
        if dup.refused:
            raise _duplicate_error(dup) from e
        raise Conflict("客户已存在（唯一约束）", rule="cust.duplicate", code="duplicate") from e
    Contact.objects.bulk_create([Contact(customer=c, **ct) for ct in contacts])
    OwnershipChange.objects.create(customer=c, to_user=owner, by=actor, kind=OwnershipChange.Kind.FILED,
                                   reason=force_reason, rule="cust.first_to_file")
    after = snapshot(c)
    after["contacts"] = [{k: v for k, v in ct.items() if not k.endswith("_norm")} for ct in contacts]
    record(actor=actor, action="create", obj=c, after=after, rule="cust.first_to_file",
           reason=force_reason, decision=Decision.combine(entry, dup), policy_version=cfg.version)
    return c, Decision.combine(entry, dup)


def filing_owner(actor: User, owner: User | None, web_lead: bool) -> tuple[User | None, bool]:
    """Who owns a new filing (`cust.first_to_file`, `cust.manager_override`): an LS files into the pool, an
    SP files for themselves, an SM/GM may name an SP of their team."""
    if web_lead or actor.role_set == {"LS"}:
        return None, True
    if owner is None and actor.has_role(Role.SP):
        owner = actor
    if owner is not None and owner != actor:
        if not actor.has_role(Role.SM, Role.GM):
            raise PermissionDenied("只有业务经理可以替他人建档", rule="cust.manager_override")
        _check_assignee(actor, owner)
    return owner, web_lead


def new_customer(actor: User, fields: dict, *, owner: User | None, collected_on: date, entry: Decision,
                 web_lead: bool, now) -> Customer:
    """The unsaved archive of a filing whose checks passed (used by filing and by the Excel import)."""
    return Customer(
        **fields, **_search_keys(fields["name"]), name_key=rules.name_key(fields["name"]),
        owner=owner, created_by=actor, collected_on=collected_on, entry_due_at=entry.data["entry_due"],
        late_entry=entry.data["late"], assigned_at=now if owner else None,
        status=Status.LEAD if web_lead else Status.PROSPECT, is_web_lead=web_lead,
        lead_received_at=now if web_lead else None,
        review_state=ReviewState.PENDING,
        demand_grade_confirmed=actor.has_role(Role.SM, Role.GM),  # cust.demand_grade: SP proposes, SM confirms
    )


def enter_lead(actor: User, data: CustomerIn, *, tags: str = "", now=None) -> tuple[Customer, Decision]:
    """`cust.web_lead_intake`: the LS enters a web lead into the pool (awaiting allocation)."""
    if not actor.has_role(Role.LS, Role.SM, Role.GM):
        raise PermissionDenied("只有网络推广专员录入网络线索", rule="cust.web_lead_intake")
    data.source = Source.WEB
    if tags:
        data.extra = {**data.extra, "lead_tags": tags}
    return file_customer(actor, data, web_lead=True, now=now)


# --- ownership --------------------------------------------------------------------------------------


def _check_assignee(actor: User, to_user: User) -> None:
    if not to_user.is_active or not to_user.has_role(Role.SP):
        raise RuleRefused(f"{to_user.name} 不是在职业务员，不能接手客户", rule="cust.manager_override",
                          code="not_salesperson")
    if actor.has_role(Role.GM):
        return
    if to_user.team_id not in managed_team_ids(actor):
        raise RuleRefused(f"{to_user.name} 不在您管理的团队；跨团队调整需总经理批准", rule="cust.manager_override",
                          code="cross_team")


def _assign(actor: User, c: Customer, to_user: User | None, kind: str, reason: str, rule: str, now=None) -> Customer:
    now = now or timezone.now()
    before = snapshot(c, ["owner", "assigned_at", "first_contact_at", "status"])
    old = c.owner
    c.owner = to_user
    c.assigned_at = now if to_user else None
    c.first_contact_at = None
    if to_user and c.status == Status.LEAD:
        c.status = Status.PROSPECT
    c.save(update_fields=["owner", "assigned_at", "first_contact_at", "status", "updated_at"])
    OwnershipChange.objects.create(customer=c, from_user=old, to_user=to_user, by=actor, kind=kind, reason=reason, rule=rule)
    record(actor=actor, action="transfer" if kind != "allocated" else "allocate", obj=c, before=before,
           after=snapshot(c, ["owner", "assigned_at", "first_contact_at", "status"]), rule=rule, reason=reason)
    return c


@transaction.atomic
def transfer_customer(actor: User, customer_id: int, to_user_id: int, reason: str, now=None) -> Customer:
    """`cust.manager_override`: the SM transfers within own team or from the pool, with a reason;
    cross-team needs the GM. Every owner stays in the history."""
    if not actor.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只有业务经理或总经理可以调整客户归属；业务员不能接手他人客户", rule="cust.manager_override")
    if not (reason or "").strip():
        raise ValidationError("调整客户归属必须填写原因", fields={"reason": "调整原因不能为空"}, rule="cust.manager_override")
    reason = clean_text(reason, field="reason", label="调整原因", max_len=300, required=True)
    c = Customer.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=customer_id).first()
    if c is None:
        raise NotFound("客户不存在")
    if not actor.has_role(Role.GM) and c.owner_id and c.owner.team_id not in managed_team_ids(actor):
        raise PermissionDenied("该客户不属于您的团队；跨团队调整需总经理", rule="cust.manager_override")
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None:
        raise ValidationError("接手人不存在", fields={"to_user_id": "用户不存在"})
    _check_assignee(actor, to_user)
    if c.owner_id == to_user.id:
        raise ValidationError(f"客户已经由 {to_user.name} 负责", fields={"to_user_id": "与当前负责人相同"})
    kind = OwnershipChange.Kind.TRANSFERRED if c.owner_id else OwnershipChange.Kind.ALLOCATED
    return _assign(actor, c, to_user, kind, reason, "cust.manager_override", now)


def allocation_suggestion(actor: User, c: Customer) -> Decision:
    """`cust.web_lead_allocation` suggestion among the active SPs of the manager's team(s)."""
    from datetime import timedelta

    from django.db.models import Count

    from yewu.org.selectors import salespeople

    teams = managed_team_ids(actor) if not actor.has_role(Role.GM) else None
    sps = salespeople()
    if teams is not None:
        sps = sps.filter(team_id__in=teams)
    sps = list(sps)
    active = dict(
        Customer.objects.filter(owner__in=sps).exclude(status__in=[Status.ARCHIVED, Status.BLACKLISTED, Status.DORMANT])
        .values_list("owner").annotate(n=Count("id")).values_list("owner", "n")
    )
    since = timezone.now() - timedelta(days=30)
    leads = dict(
        OwnershipChange.objects.filter(to_user__in=sps, kind=OwnershipChange.Kind.ALLOCATED, at__gte=since,
                                       customer__is_web_lead=True)
        .values_list("to_user").annotate(n=Count("id")).values_list("to_user", "n")
    )
    cands = [
        rules.Candidate(
            user_id=u.id, name=u.name, active_customers=active.get(u.id, 0), ability=u.ability_factor,
            leads_last_30d=leads.get(u.id, 0),
            territories=frozenset(t.strip() for t in (u.territories or "").split(",") if t.strip()),
            tags=frozenset(t.strip() for t in (u.knowledge_tags or "").split(",") if t.strip()),
        )
        for u in sps
    ]
    tags = [t.strip() for t in (c.lead_tags or "").split(",") if t.strip()]
    return rules.suggest_allocation(cands, territory=c.city, tags=tags, cfg=get_policy())


@transaction.atomic
def allocate_lead(actor: User, customer_id: int, to_user_id: int | None = None, reason: str = "", now=None) -> Customer:
    """`cust.web_lead_allocation`: only the SM (or GM) allocates pool customers; without ``to_user_id``
    the suggestion is taken."""
    if not actor.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只有业务经理可以分配公海客户/网络线索", rule="cust.web_lead_allocation")
    c = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if c is None:
        raise NotFound("线索不存在")
    if c.owner_id is not None:
        raise Conflict(f"该客户已分配给 {c.owner.name}", rule="cust.web_lead_allocation", code="already_allocated")
    suggestion = allocation_suggestion(actor, c)
    if to_user_id is None:
        if suggestion.refused:
            raise RuleRefused.from_decision(suggestion)
        to_user_id = suggestion.data["suggested_user_id"]
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None:
        raise ValidationError("接手人不存在", fields={"to_user_id": "用户不存在"})
    _check_assignee(actor, to_user)
    why = reason or suggestion.message()
    return _assign(actor, c, to_user, OwnershipChange.Kind.ALLOCATED, why[:300], "cust.web_lead_allocation", now)


@transaction.atomic
def release_customers_of(actor: User, user: User, reason: str = "业务员离职") -> int:
    """`cust.ownerless_to_manager`: when an SP leaves, all their customers become ownerless at once."""
    n = 0
    for c in Customer.objects.select_for_update().filter(owner=user):
        _assign(actor, c, None, OwnershipChange.Kind.OWNER_LEFT, reason, "cust.ownerless_to_manager")
        n += 1
    return n


@transaction.atomic
def deactivate_user(actor: User, user_id: int) -> int:
    if not actor.has_role(Role.GM, Role.SYS):
        raise PermissionDenied("只有总经理或系统管理员可以停用账号")
    u = User.objects.select_for_update().get(pk=user_id)
    before = {"is_active": u.is_active}
    u.is_active = False
    u.save(update_fields=["is_active"])
    record(actor=actor, action="update", obj=u, before=before, after={"is_active": False})
    return release_customers_of(actor, u)


# --- edits ------------------------------------------------------------------------------------------


@transaction.atomic
def update_customer(actor: User, customer_id: int, changes: dict[str, Any]) -> tuple[Customer, Decision]:
    from .selectors import can_edit, customer_for, edit_denied_rule

    c = customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    changes = dict(changes)
    # cust.confidentiality is its own decision (rules.check_set_confidentiality): the CSM sets 机密 on any customer
    # and the owner's SM is refused 绝密 by that rule, whether or not they may edit the rest of the archive
    level_only = set(changes) <= {"confidentiality"}
    if not can_edit(actor, c) and not (level_only and rules.may_set_confidentiality(actor.role_set)):
        if "confidentiality" in changes and changes["confidentiality"] != c.confidentiality:
            _check_confidentiality(actor, c, changes["confidentiality"])
        raise PermissionDenied("只有负责人、其业务经理或总经理可以修改该客户", rule=edit_denied_rule(actor))
    c = Customer.objects.select_for_update(of=("self",)).select_related("owner").get(pk=c.pk)
    before = snapshot(c)
    decision = Decision.allow()
    if "name" in changes or "city" in changes or "credit_code" in changes:
        name = clean_text(changes.get("name", c.name), field="name", label="客户名称", max_len=100, required=True, multiline=False)
        city = clean_text(changes.get("city", c.city), field="city", label="城市", max_len=30, required=True, multiline=False)
        code = (changes.get("credit_code", c.credit_code) or "").strip().upper() or None
        if code and not rules.credit_code_valid(code):
            raise ValidationError(f"统一社会信用代码「{code}」无效", fields={"credit_code": "18位，校验位不正确"})
        lock(FILING_LOCK)
        decision = check_duplicate(name, city, code, set(), exclude_id=c.pk)
        if decision.refused:
            raise _duplicate_error(decision)
        c.name, c.city, c.credit_code = name, city, code
        c.name_key = rules.name_key(name)
        for k, v in _search_keys(name).items():
            setattr(c, k, v)
        for k in ("name", "city", "credit_code"):
            changes.pop(k, None)
    if "demand_grade" in changes:
        g = changes.pop("demand_grade")
        if g not in DemandGrade.values:
            raise ValidationError("需求等级只能是 A、B、C", fields={"demand_grade": "A/B/C"}, rule="cust.demand_grade")
        # SP proposes, SM confirms (cust.demand_grade): an SM/GM saving the grade confirms it, even unchanged
        if actor.has_role(Role.SM, Role.GM):
            c.demand_grade, c.demand_grade_confirmed = g, True
        elif g != c.demand_grade:
            c.demand_grade, c.demand_grade_confirmed = g, False
    if "confidentiality" in changes:
        level = changes.pop("confidentiality")
        _check_confidentiality(actor, c, level)
        if level != c.confidentiality:
            c.confidentiality = level
            c.confidentiality_expires_on = rules.confidentiality_expiry(timezone.localdate(), get_policy())
    if {"credit_grade", "credit_limit", "term_days"} & set(changes):
        raise PermissionDenied("信用等级和额度须经授信审批设定（credit.limit_grant）", rule="credit.limit_grant")
    if "key_customer" in changes and not actor.has_role(Role.SM, Role.CSM, Role.GM):
        raise PermissionDenied("重点客户由业务经理或客服经理设定", rule="cust.key_customer")
    if "status" in changes:
        st = changes.pop("status")
        if st not in Status.values:
            raise ValidationError("状态无效", fields={"status": "、".join(Status.values)})
        c.status = st
    for k, v in _clean_fields(changes).items():
        setattr(c, k, v)
    c.last_verified_at = timezone.now()
    c.save()
    after = snapshot(c)
    if {k: v for k, v in after.items() if k not in ("updated_at", "last_verified_at")} != {
        k: v for k, v in before.items() if k not in ("updated_at", "last_verified_at")
    }:
        record(actor=actor, action="update", obj=c, before=before, after=after)
    return c, decision


def _check_confidentiality(actor: User, c: Customer, level: str) -> None:
    if level not in Confidentiality.values:
        raise ValidationError("密级无效", fields={"confidentiality": "secret/confidential/top_secret"})
    d = rules.check_set_confidentiality(level, c.confidentiality, actor.role_set)
    if d.refused:
        raise RuleRefused.from_decision(d, status=403)


@transaction.atomic
def add_contact(actor: User, customer_id: int, data: ContactIn) -> Contact:
    from .selectors import can_edit, customer_for, edit_denied_rule

    c = customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    if not can_edit(actor, c):
        raise PermissionDenied("无权修改该客户", rule=edit_denied_rule(actor))
    ct = _clean_contact(data, 0)
    if not (ct["mobile"] or ct["phone"] or ct["email"]):
        raise ValidationError("联系人需要手机、电话或邮箱之一", fields={"contacts.0.mobile": "必填其一"})
    phones = {ct["mobile"], ct["phone"]} - {""}
    lock(FILING_LOCK)
    dup = check_duplicate(c.name, c.city, c.credit_code, phones, exclude_id=c.pk)
    if dup.refused and not all(r.figures.get("similarity_only") for r in dup.reasons):
        raise _duplicate_error(dup)
    contact = Contact.objects.create(customer=c, **ct)
    record(actor=actor, action="create", obj=contact, object_type="customers.customer", object_id=c.pk,
           after={"contact": {k: v for k, v in ct.items() if not k.endswith("_norm")}})
    return contact


@transaction.atomic
def review_customer(actor: User, customer_id: int, accept: bool, note: str = "") -> Customer:
    """`cust.manager_review`: the SM accepts or returns a new archive."""
    from .selectors import customer_for

    if not actor.has_role(Role.SM, Role.GM):
        raise PermissionDenied("只有业务经理审核客户档案", rule="cust.manager_review")
    c = customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    note = clean_text(note, field="note", label="审核意见", max_len=300, required=not accept)
    before = snapshot(c, ["review_state", "demand_grade_confirmed"])
    c.review_state = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
    if accept:
        c.demand_grade_confirmed = True
    c.save(update_fields=["review_state", "demand_grade_confirmed", "updated_at"])
    record(actor=actor, action="review", obj=c, before=before, after=snapshot(c, ["review_state", "demand_grade_confirmed"]),
           rule="cust.manager_review", reason=note)
    return c


# --- visits -----------------------------------------------------------------------------------------


@dataclass
class VisitIn:
    channel: str
    purpose: str
    at: Any = None
    contacts_met: str = ""
    step: str = ""
    content: str = ""
    dissatisfaction: str = ""
    next_step: str = ""
    next_visit_on: date | None = None
    accompanied_by_id: int | None = None
    meeting: bool = False
    note_taker: str = ""


@transaction.atomic
def log_visit(actor: User, customer_id: int, data: VisitIn) -> Visit:
    """Visit / communication log (客户拜访记录簿). The first logged contact satisfies `cust.first_contact_1w`;
    an outgoing visit without an approved plan is flagged *unplanned* (`visit.plan_approval`)."""
    from .selectors import can_edit, customer_for, edit_denied_rule

    c = customer_for(actor, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    if not can_edit(actor, c):
        raise PermissionDenied("只能为自己负责的客户记录拜访", rule=edit_denied_rule(actor))
    if data.channel not in Channel.values:
        raise ValidationError("请选择沟通方式", fields={"channel": "、".join(Channel.values)})
    if data.step and data.step not in VisitStep.values:
        raise ValidationError("进展无效", fields={"step": "、".join(VisitStep.values)})
    now = timezone.now()
    at = data.at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if data.accompanied_by_id is not None:
        acc = User.objects.filter(pk=data.accompanied_by_id, is_active=True).first()
        if acc is None or not acc.has_role(Role.SM, Role.GM):
            raise ValidationError("陪同经理须为在职的业务经理或总经理", fields={"accompanied_by_id": "不是业务经理"})
    if at > now + timezone.timedelta(minutes=5):
        raise ValidationError("拜访时间不能晚于现在", fields={"at": "不能是将来时间"})
    if data.next_visit_on and data.next_visit_on < timezone.localdate(at):
        raise ValidationError("下次拜访日期不能早于本次", fields={"next_visit_on": "不能早于本次拜访"})
    if data.meeting and data.channel != Channel.VISIT:
        raise ValidationError("会谈须为面谈（拜访）", fields={"meeting": "仅拜访可标为会谈"}, rule="visit.minutes_2wd")
    plan = None
    if data.channel == Channel.VISIT:
        from .visit_plans import plan_for_visit

        plan = plan_for_visit(actor, c, at)
    v = Visit.objects.create(
        customer=c, user=actor, at=at, channel=data.channel,
        purpose=clean_text(data.purpose, field="purpose", label="目的", max_len=200, required=True),
        contacts_met=clean_text(data.contacts_met, field="contacts_met", label="接洽人", max_len=200),
        step=data.step,
        content=clean_text(data.content, field="content", label="内容", max_len=5000),
        dissatisfaction=clean_text(data.dissatisfaction, field="dissatisfaction", label="不满及处理", max_len=2000),
        next_step=clean_text(data.next_step, field="next_step", label="下一步", max_len=200),
        next_visit_on=data.next_visit_on, accompanied_by_id=data.accompanied_by_id,
        plan=plan, unplanned=data.channel == Channel.VISIT and plan is None,
        meeting=bool(data.meeting), note_taker=clean_text(data.note_taker, field="note_taker", label="记录人", max_len=50),
    )
    updates = ["last_contact_at", "updated_at"]
    if c.owner_id == actor.id and c.first_contact_at is None and c.assigned_at and at >= c.assigned_at:
        c.first_contact_at = at
        updates.append("first_contact_at")
    c.last_contact_at = max(c.last_contact_at or at, at)
    c.save(update_fields=updates)
    record(actor=actor, action="create", obj=v, after=snapshot(v))
    return v


def record_archive_read(actor: User, c: Customer, *, channel: str = "api") -> None:
    """`cust.archive_access_request`: every full read of a 机密/绝密 archive is logged (借阅卡)."""
    if c.confidentiality in (Confidentiality.CONFIDENTIAL, Confidentiality.TOP_SECRET):
        record(actor=actor, action="read", obj=c, rule="cust.archive_access_request",
               reason=f"{c.get_confidentiality_display()}档案查阅（{channel}）")
