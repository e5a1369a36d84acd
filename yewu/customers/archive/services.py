"""Writes for customers: each public function is one transaction, checks its rule through the pure
policy, and writes the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yewu.audit.services import entry as audit_entry
from yewu.audit.services import record, snapshot
from yewu.common import bulk
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.inserts import insert_all, insert_statement
from yewu.common.locks import lock
from yewu.common.text import clean_text
from yewu.customers.archive.selectors import can_edit, customer_for, edit_denied_rule
from yewu.customers.models import (
    Category,
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
)
from yewu.customers.search.services import (
    check_duplicate,
    customer_index_tokens,
    duplicate_error,
    index_token_statements,
    reindex,
    search_keys,
)
from yewu.org.models import User
from yewu.org.permissions import can, roles_with
from yewu.org.selectors import get_calendar, get_policy, managed_team_ids
from yewu.policy import Decision
from yewu.policy import customers as rules

FILING_LOCK = "customers.filing"
_SOURCES, _GRADES = frozenset(Source.values), frozenset(DemandGrade.values)  # (.values builds a list per call)
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
    if data.source not in _SOURCES:
        raise ValidationError("请选择客户来源", fields={"source": "可选：" + "、".join(Source.values)}, rule="cust.source")
    if data.demand_grade not in _GRADES:
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






# --- duplicate detection ----------------------------------------------------------------------------








# --- filing -----------------------------------------------------------------------------------------


def _may_file(actor: User, web_lead: bool = False) -> None:
    # a CS agent files a web lead from an ad-hoc order call (ticket type 临时下单, SPEC §6.1)
    if web_lead and can(actor, "files_leads_from_calls"):
        return
    if not can(actor, "files_customers"):
        raise PermissionDenied("只有业务员、网络推广专员、业务经理或总经理可以建档", rule="cust.first_to_file")


def file_customer(actor: User, data: CustomerIn, *, owner: User | None = None, force_reason: str = "",
                  web_lead: bool = False, now=None) -> tuple[Customer, Decision]:
    """`cust.first_to_file`: the first SP to file owns the customer; a duplicate is refused (409).

    Returns the customer and the (possibly warning) decision. ``force_reason`` lets an SM/GM file a
    customer that was refused *only* by name similarity (`cust.manager_override`).
    A refused duplicate is audited after the filing transaction has rolled back, so the entry survives.

    Everything that needs no lock (validation, the settings, the owner, the unsaved archive and its search
    tokens) is prepared before the write transaction; inside it: the filing lock, the duplicate check (one read),
    the customer, then its contacts, its index rows, the ownership history and the audit entry (one statement on
    PostgreSQL, four on SQLite).
    """
    f = _prepare_filing(actor, data, owner=owner, force_reason=force_reason, web_lead=web_lead, now=now)
    try:
        try:
            with transaction.atomic():
                return _file_customer(actor, f)
        except _NameTaken as e:  # unique name_key / credit_code: a writer without the filing lock got there first
            dup = check_duplicate(f.fields["name"], f.fields["city"], f.fields["credit_code"], f.phones, cfg=f.cfg)
            if dup.refused:
                raise duplicate_error(dup) from e.__cause__
            raise Conflict("客户已存在（唯一约束）", rule="cust.duplicate", code="duplicate") from e.__cause__
    except Conflict as e:
        if e.decision is not None:
            record(actor=actor, action="decision", object_type="customers.customer", object_id="-",
                   rule="cust.duplicate", reason=e.message, decision=e.decision, policy_version=f.cfg.version)
        raise


class _NameTaken(Exception):
    """The customer's insert hit a unique constraint; decided again once the transaction has rolled back."""


@dataclass
class _Filing:
    """A filing whose checks that need no lock have passed: what the write transaction decides and inserts."""
    fields: dict
    contacts: list[dict]
    phones: set[str]
    cfg: Any
    entry: Decision
    force_reason: str
    customer: Customer  # unsaved
    tokens: set[str]  # its search index rows


def _prepare_filing(actor: User, data: CustomerIn, *, owner: User | None, force_reason: str, web_lead: bool,
                    now) -> _Filing:
    _may_file(actor, web_lead)
    now = now or timezone.now()
    fields, contacts = _clean_customer(data)
    cfg, cal = get_policy(), get_calendar()
    collected_on = data.collected_on or timezone.localdate(now)
    entry = rules.check_entry(collected_on, now, cal, cfg)
    if entry.refused:
        raise ValidationError(entry.message(), fields={"collected_on": entry.message()}, rule="cust.entry_2wd")

    owner, web_lead = filing_owner(actor, owner, web_lead)
    force_reason = clean_text(force_reason, field="force_reason", label="强制建档理由", max_len=300)
    c = new_customer(actor, fields, owner=owner, collected_on=collected_on, entry=entry, web_lead=web_lead, now=now)
    digits = {x for ct in contacts for x in (ct["mobile_norm"], ct["phone_norm"]) if x}
    phones = {ct["mobile"] for ct in contacts} | {ct["phone"] for ct in contacts}
    return _Filing(fields=fields, contacts=contacts, phones=phones, cfg=cfg, entry=entry, force_reason=force_reason,
                   customer=c, tokens=customer_index_tokens(c, digits))


def _file_customer(actor: User, f: _Filing) -> tuple[Customer, Decision]:
    fields = f.fields
    # read-check-insert is atomic across concurrent filings (both databases): the filing lock is taken before the
    # candidates are read (on PostgreSQL in the same round trip)
    dup = check_duplicate(fields["name"], fields["city"], fields["credit_code"], f.phones, cfg=f.cfg, lock=FILING_LOCK)
    if dup.refused:
        similarity_only = all(r.figures.get("similarity_only") for r in dup.reasons)
        if not (f.force_reason and similarity_only and can(actor, "manages_customers")):
            raise duplicate_error(dup)

    c = f.customer
    try:
        c.save()
    except IntegrityError as e:
        raise _NameTaken from e
    decision = Decision.combine(f.entry, dup)
    after = snapshot(c)
    after["contacts"] = [{k: v for k, v in ct.items() if not k.endswith("_norm")} for ct in f.contacts]
    history = OwnershipChange(customer=c, to_user=c.owner, by=actor, kind=OwnershipChange.Kind.FILED,
                              reason=f.force_reason, rule="cust.first_to_file")
    audit = audit_entry(actor=actor, action="create", obj=c, after=after, rule="cust.first_to_file",
                        reason=f.force_reason, decision=decision, policy_version=f.cfg.version)
    contacts = [Contact(customer=c, **ct) for ct in f.contacts]
    # contacts, index rows, history and audit entry: one round trip on PostgreSQL (yewu.common.inserts)
    insert_all([*([insert_statement(contacts)] if contacts else []), *index_token_statements(c.pk, f.tokens),
                insert_statement([history]), insert_statement([audit])])
    return c, decision


def filing_owner(actor: User, owner: User | None, web_lead: bool) -> tuple[User | None, bool]:
    """Who owns a new filing (`cust.first_to_file`, `cust.manager_override`): an LS files into the pool, an
    SP files for themselves, an SM/GM may name an SP of their team."""
    if web_lead or actor.role_set == roles_with("enters_web_leads"):
        return None, True
    if owner is None and can(actor, "owns_customers"):
        owner = actor
    if owner is not None and owner != actor:
        if not can(actor, "manages_customers"):
            raise PermissionDenied("只有业务经理可以替他人建档", rule="cust.manager_override")
        check_assignee(actor, owner)
    return owner, web_lead


def new_customer(actor: User, fields: dict, *, owner: User | None, collected_on: date, entry: Decision,
                 web_lead: bool, now) -> Customer:
    """The unsaved archive of a filing whose checks passed (used by filing and by the Excel import)."""
    return bulk.build(Customer, {
        **fields, **search_keys(fields["name"]), "name_key": rules.name_key(fields["name"]),
        "collected_on": collected_on, "entry_due_at": entry.data["entry_due"],
        "late_entry": entry.data["late"], "assigned_at": now if owner else None,
        "status": Status.LEAD if web_lead else Status.PROSPECT, "is_web_lead": web_lead,
        "lead_received_at": now if web_lead else None,
        "review_state": ReviewState.PENDING,
        "demand_grade_confirmed": can(actor, "manages_customers"),  # cust.demand_grade: SP proposes, SM confirms
    }, owner=owner, created_by=actor)




# --- ownership --------------------------------------------------------------------------------------


def check_assignee(actor: User, to_user: User) -> None:
    if not to_user.is_active or not can(to_user, "owns_customers"):
        raise RuleRefused(f"{to_user.name} 不是在职业务员，不能接手客户", rule="cust.manager_override",
                          code="not_salesperson")
    if can(actor, "manages_all_teams"):
        return
    if to_user.team_id not in managed_team_ids(actor):
        raise RuleRefused(f"{to_user.name} 不在您管理的团队；跨团队调整需总经理批准", rule="cust.manager_override",
                          code="cross_team")


def assign_owner(actor: User, c: Customer, to_user: User | None, kind: str, reason: str, rule: str, now=None) -> Customer:
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
    if not can(actor, "manages_customers"):
        raise PermissionDenied("只有业务经理或总经理可以调整客户归属；业务员不能接手他人客户", rule="cust.manager_override")
    if not (reason or "").strip():
        raise ValidationError("调整客户归属必须填写原因", fields={"reason": "调整原因不能为空"}, rule="cust.manager_override")
    reason = clean_text(reason, field="reason", label="调整原因", max_len=300, required=True)
    c = Customer.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=customer_id).first()
    if c is None:
        raise NotFound("客户不存在")
    if not can(actor, "manages_all_teams") and c.owner_id and c.owner.team_id not in managed_team_ids(actor):
        raise PermissionDenied("该客户不属于您的团队；跨团队调整需总经理", rule="cust.manager_override")
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None:
        raise ValidationError("接手人不存在", fields={"to_user_id": "用户不存在"})
    check_assignee(actor, to_user)
    if c.owner_id == to_user.id:
        raise ValidationError(f"客户已经由 {to_user.name} 负责", fields={"to_user_id": "与当前负责人相同"})
    kind = OwnershipChange.Kind.TRANSFERRED if c.owner_id else OwnershipChange.Kind.ALLOCATED
    return assign_owner(actor, c, to_user, kind, reason, "cust.manager_override", now)










# --- edits ------------------------------------------------------------------------------------------


@transaction.atomic
def update_customer(actor: User, customer_id: int, changes: dict[str, Any]) -> tuple[Customer, Decision]:

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
            raise duplicate_error(decision)
        c.name, c.city, c.credit_code = name, city, code
        c.name_key = rules.name_key(name)
        for k, v in search_keys(name).items():
            setattr(c, k, v)
        for k in ("name", "city", "credit_code"):
            changes.pop(k, None)
    if "demand_grade" in changes:
        g = changes.pop("demand_grade")
        if g not in DemandGrade.values:
            raise ValidationError("需求等级只能是 A、B、C", fields={"demand_grade": "A/B/C"}, rule="cust.demand_grade")
        # SP proposes, SM confirms (cust.demand_grade): an SM/GM saving the grade confirms it, even unchanged
        if can(actor, "manages_customers"):
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
    if "key_customer" in changes and not can(actor, "sets_key_customers"):
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
    if any(before.get(k) != getattr(c, k) for k in ("name", "short_name", "city")):
        reindex([c.pk])  # the search index follows the name
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
        raise duplicate_error(dup)
    contact = Contact.objects.create(customer=c, **ct)
    reindex([c.pk])
    record(actor=actor, action="create", obj=contact, object_type="customers.customer", object_id=c.pk,
           after={"contact": {k: v for k, v in ct.items() if not k.endswith("_norm")}})
    return contact


@transaction.atomic
def review_customer(actor: User, customer_id: int, accept: bool, note: str = "") -> Customer:
    """`cust.manager_review`: the SM accepts or returns a new archive."""

    if not can(actor, "manages_customers"):
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






def record_archive_read(actor: User, c: Customer, *, channel: str = "api") -> None:
    """`cust.archive_access_request`: every full read of a 机密/绝密 archive is logged (借阅卡)."""
    if c.confidentiality in (Confidentiality.CONFIDENTIAL, Confidentiality.TOP_SECRET):
        record(actor=actor, action="read", obj=c, rule="cust.archive_access_request",
               reason=f"{c.get_confidentiality_display()}档案查阅（{channel}）")
