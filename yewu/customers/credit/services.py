"""Credit investigation, rating and limit decision (SPEC §2.7, process P06). Writes, one transaction each.

investigation (客户信用调查表: CS; the owner's SM in person for an important customer)
→ rating (客户信用评等表: FIN/FD score and propose grade, limit, term — `credit.grade_policy`)
→ decision by the credit-limit group through the approval engine (SM + FD; GM when > 50,000 —
`credit.limit_grant`) → only then the customer's grade, limit and term change, audited with the reasons.
The customer's ``credit_limit`` is the limit `credit.over_limit` checks orders against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalStep
from yewu.audit.services import record, snapshot
from yewu.common import parsers
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.text import clean_text
from yewu.customers.archive import selectors
from yewu.customers.lending.services import last_decision
from yewu.customers.models import CreditInvestigation, CreditRating, Customer, Status
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids
from yewu.policy import credit as rules
from yewu.policy.decision import Decision, Reason

DOC_TYPE = "credit_rating"
CREDIT_KEYS = ["credit_grade", "credit_limit", "term_days", "credit_rated_at", "credit_next_report_on"]
INVESTIGATION_TEXT = {
    "premises": ("经营场所", 50), "bank": ("开户银行及账号", 100), "legal_person": ("法定代表人", 50),
    "payment_record": ("付款记录", 2000), "main_suppliers": ("主要供应商", 200), "disputes": ("纠纷、诉讼", 2000),
    "business_status": ("经营状况", 2000), "conclusion": ("调查结论", 2000),
}
INVESTIGATION_NUMBERS = {"registered_capital": "注册资本", "annual_sales": "年销售额"}
INVESTIGATION_INTS = {"years_in_business": "经营年限", "employees": "员工人数"}


# --- reads (row access from selectors) ------------------------------------------------------------------


def may_investigate_any(user: User) -> bool:
    return can(user, "investigates_any_customer")


def may_evaluate(user: User) -> bool:
    """FIN evaluates (FD may too)."""
    return can(user, "evaluates_credit")


def can_read_investigations(user: User, c: Customer) -> bool:
    """`acl.finance_scope` readers, plus CS who carry out the investigations (the form has no grade or limit)."""
    return selectors.can_see_credit(user, c) or can(user, "carries_out_investigations")


def credit_customer(user: User, customer_id: int, *, investigations_only: bool = False) -> Customer:
    c = selectors.customer_for(user, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    ok = can_read_investigations(user, c) if investigations_only else selectors.can_see_credit(user, c)
    if not ok:
        raise PermissionDenied("信用等级、额度仅财务、总经理、客服经理、负责人及其经理可见", rule="acl.finance_scope")
    return c


def is_owner_sm(user: User, c: Customer) -> bool:
    if not can(user, "manages_team_customers"):
        return False
    if c.owner_id is None:
        return True
    return c.owner.team_id in managed_team_ids(user)


def investigations_of(c: Customer) -> QuerySet[CreditInvestigation]:
    return c.credit_investigations.select_related("investigator", "opened_by").order_by("-created_at", "-id")


def ratings_of(c: Customer) -> QuerySet[CreditRating]:
    return c.credit_ratings.select_related("evaluator", "investigation").order_by("-created_at", "-id")


def pending_step(rating: CreditRating):
    """The approval step now waiting on a pending rating (or None)."""

    if rating.approval_id is None or rating.state != CreditRating.State.PENDING:
        return None
    return (ApprovalStep.objects.filter(request_id=rating.approval_id, state=ApprovalStep.State.PENDING)
            .select_related("request").first())


def approval_steps(rating: CreditRating) -> list:

    if rating.approval_id is None:
        return []
    return list(ApprovalStep.objects.filter(request_id=rating.approval_id).select_related("decided_by").order_by("order"))


def credit_worklist(user: User, today: date | None = None) -> dict:
    """P06 work list: investigations to do, to evaluate, decisions pending, periodic reports overdue,
    ungraded customers without an investigation (`credit.grade_policy`: an investigation task opens)."""
    today = today or timezone.localdate()
    visible = selectors.customers_visible_to(user)
    if not can(user, "uses_credit_worklist"):
        visible = visible.none()
    ids = visible.values("pk")
    open_inv = (CreditInvestigation.objects.filter(customer__in=ids, state=CreditInvestigation.State.OPEN)
                .select_related("customer", "customer__owner"))
    to_rate = (CreditInvestigation.objects.filter(customer__in=ids, state=CreditInvestigation.State.SUBMITTED)
               .exclude(ratings__isnull=False).select_related("customer", "investigator"))
    pending = CreditRating.objects.filter(customer__in=ids, state=CreditRating.State.PENDING).select_related(
        "customer", "evaluator")
    overdue = (visible.filter(credit_next_report_on__lt=today).exclude(credit_grade="")
               .select_related("owner").order_by("credit_next_report_on"))
    ungraded = (visible.filter(credit_grade="", status=Status.ACTIVE)
                .exclude(credit_investigations__isnull=False).select_related("owner").order_by("-created_at"))
    return {"open": list(open_inv[:200]), "to_rate": list(to_rate[:200]), "pending": list(pending[:200]),
            "overdue": [(c, rules.report_overdue_reason(c.credit_next_report_on, today, c.credit_grade, get_policy()))
                        for c in overdue[:200]],
            "ungraded": list(ungraded[:200])}


# --- investigation ----------------------------------------------------------------------------------------


def _link(c: Customer) -> str:
    return reverse("customers:detail", args=[c.pk]) + "#credit"


@transaction.atomic
def open_investigation(actor: User | None, customer_id: int, *, reason: str = "") -> CreditInvestigation:
    """Open an investigation task (ungraded customer, or a periodic report falling due). Idempotent: an open
    task for the customer is returned as it is."""
    c = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if c is None:
        raise NotFound("客户不存在")
    existing = c.credit_investigations.filter(state=CreditInvestigation.State.OPEN).first()
    if existing is not None:
        return existing
    kind = CreditInvestigation.Kind.PERIODIC if c.credit_rated_at else CreditInvestigation.Kind.FIRST
    inv = CreditInvestigation.objects.create(customer=c, kind=kind, opened_by=actor)
    record(actor=actor, action="create", obj=inv, object_type="customers.customer", object_id=c.pk,
           after={"credit_investigation": inv.pk, "kind": kind}, rule="credit.investigation_cadence",
           reason=reason or f"开立{inv.get_kind_display()}任务")
    return inv


@dataclass
class InvestigationIn:
    investigated_on: date | None = None
    registered_capital: Decimal | str | None = None
    years_in_business: int | None = None
    employees: int | None = None
    annual_sales: Decimal | str | None = None
    premises: str = ""
    bank: str = ""
    legal_person: str = ""
    payment_record: str = ""
    main_suppliers: str = ""
    disputes: str = ""
    business_status: str = ""
    conclusion: str = ""


def _money_field(v, name: str, label: str) -> Decimal | None:
    """≥ 0, two decimals; a credit limit within its column and input.bounds.max_amount, a company's capital or
    annual sales within theirs (yewu.common.parsers)."""
    kind = parsers.LARGE_MONEY if name in INVESTIGATION_NUMBERS else parsers.MONEY
    return parsers.money(v, field=name, label=label, required=False, allow_zero=True, kind=kind)


@transaction.atomic
def submit_investigation(actor: User, customer_id: int, data: InvestigationIn) -> CreditInvestigation:
    """客户信用调查表 filled and submitted. Important customers (grade A or limit > 50,000) only by the owner's
    SM in person (`credit.investigation_cadence`). A periodic report restarts the 6/3/1-month clock."""
    c = credit_customer(actor, customer_id, investigations_only=True)
    c = Customer.objects.select_for_update(of=("self",)).select_related("owner").get(pk=c.pk)
    cfg = get_policy()
    important = rules.is_important(c.credit_grade, c.credit_limit, cfg)
    owner_sm = is_owner_sm(actor, c)
    d = rules.check_investigator(important=important, roles=actor.role_set, is_owner_sm=owner_sm)
    if d.refused:
        raise RuleRefused.from_decision(d, status=403)
    today = timezone.localdate()
    on = data.investigated_on or today
    if on > today:
        raise ValidationError("调查日期不能晚于今天", fields={"investigated_on": "不能是将来日期"})
    values = {}
    for k, (label, n) in INVESTIGATION_TEXT.items():
        values[k] = clean_text(getattr(data, k), field=k, label=label, max_len=n)
    for k, label in INVESTIGATION_NUMBERS.items():
        values[k] = _money_field(getattr(data, k), k, label)
    for k, label in INVESTIGATION_INTS.items():
        v = getattr(data, k)
        if v not in (None, "") and (not isinstance(v, int) or v < 0 or v > 1_000_000):
            raise ValidationError(f"{label}须为非负整数", fields={k: "非负整数"})
        values[k] = v if v != "" else None
    if not values["conclusion"]:
        raise ValidationError("请填写调查结论", fields={"conclusion": "必填"})
    inv = c.credit_investigations.select_for_update().filter(state=CreditInvestigation.State.OPEN).first()
    if inv is None:
        kind = CreditInvestigation.Kind.PERIODIC if c.credit_rated_at else CreditInvestigation.Kind.FIRST
        inv = CreditInvestigation(customer=c, kind=kind, opened_by=actor)
    for k, v in values.items():
        setattr(inv, k, v)
    inv.investigator, inv.in_person = actor, owner_sm or can(actor, "investigates_in_person")
    inv.investigated_on, inv.state, inv.submitted_at = on, CreditInvestigation.State.SUBMITTED, timezone.now()
    inv.save()
    record(actor=actor, action="create", obj=inv, object_type="customers.customer", object_id=c.pk,
           after={"credit_investigation": inv.pk, "kind": inv.kind, "investigated_on": on, "in_person": inv.in_person},
           rule="credit.investigation_cadence", reason=f"提交{inv.get_kind_display()}（客户信用调查表）")
    if c.credit_grade and c.credit_rated_at:  # a periodic report: the next one is due from this one
        before = snapshot(c, ["credit_next_report_on"])
        c.credit_next_report_on = rules.next_report_due(on, c.credit_grade, cfg)
        c.save(update_fields=["credit_next_report_on", "updated_at"])
        record(actor=actor, action="update", obj=c, before=before, after=snapshot(c, ["credit_next_report_on"]),
               rule="credit.investigation_cadence",
               reason=f"{c.credit_grade} 级每 {rules.report_months(c.credit_grade, cfg)} 个月一次，下次 {c.credit_next_report_on}")
    return inv


# --- rating and decision ------------------------------------------------------------------------------------


@dataclass
class RatingIn:
    investigation_id: int
    scores: dict
    grade: str
    credit_limit: Decimal | str
    term_days: int
    avg_monthly_sales: Decimal | str = Decimal("0")
    note: str = ""


@transaction.atomic
def rate_customer(actor: User, customer_id: int, data: RatingIn) -> CreditRating:
    """客户信用评等表: FIN scores the investigated customer and proposes grade, limit and term; the decision goes
    to the credit-limit group through the approval engine. Nothing on the customer changes yet."""
    if not may_evaluate(actor):
        raise PermissionDenied("信用评等由财务评定", rule="credit.limit_grant")
    c = credit_customer(actor, customer_id)
    c = Customer.objects.select_for_update(of=("self",)).select_related("owner", "owner__team").get(pk=c.pk)
    inv = c.credit_investigations.filter(pk=data.investigation_id).first()
    if inv is None or inv.state != CreditInvestigation.State.SUBMITTED:
        raise RuleRefused("授信须先完成客户信用调查（调查表未提交）", rule="credit.limit_grant",
                          fields={"investigation_id": "须为该客户已提交的调查表"})
    if inv.ratings.filter(state__in=[CreditRating.State.PENDING, CreditRating.State.APPROVED]).exists():
        raise Conflict("该调查表已用于一次授信评定；请先做新的信用调查", rule="credit.limit_grant", code="investigation_used")
    if c.credit_ratings.filter(state=CreditRating.State.PENDING).exists():
        raise Conflict("该客户已有授信评定在审批中", rule="credit.limit_grant", code="already_pending")
    try:
        total = rules.rating_total(data.scores or {})
    except ValueError as e:
        raise ValidationError(
            "评分不完整或超出范围：" + "；".join(f"{label} 0–{hi}" for label, hi in rules.CRITERIA.values()),
            fields={"scores": str(e)}, rule="credit.grade_policy") from e
    grade = (data.grade or "").strip().upper()
    if grade not in rules.GRADES:
        raise ValidationError("信用等级只能是 A、B、C、D", fields={"grade": "A/B/C/D"}, rule="credit.grade_policy")
    limit = _money_field(data.credit_limit, "credit_limit", "信用额度")
    avg = _money_field(data.avg_monthly_sales, "avg_monthly_sales", "近6个月月均销售额") or Decimal("0.00")
    if limit is None:
        raise ValidationError("请填写信用额度（不授信填 0）", fields={"credit_limit": "必填"})
    if not isinstance(data.term_days, int) or isinstance(data.term_days, bool):
        raise ValidationError("账期天数须为整数", fields={"term_days": "整数"})
    note = clean_text(data.note, field="note", label="评定意见", max_len=2000)
    cfg = get_policy()
    g = rules.check_rating_grade(total, grade, note, cfg)
    if g.refused:
        raise RuleRefused.from_decision(g)
    d = rules.credit_decision(rules.CreditProposal(grade, limit, data.term_days, avg), cfg)
    if d.refused:
        raise RuleRefused.from_decision(d)
    if rules.is_important(grade, limit, cfg) and not inv.in_person:
        raise RuleRefused(
            f"重要客户（A 级或额度超过 {rules.yuan(cfg['credit.investigation_cadence.important_limit'])} 元）须依据业务经理"
            "亲自调查的调查表评定；本调查表由客服完成，请业务经理亲自调查后再评定",
            rule="credit.investigation_cadence", fields={"investigation_id": "须为业务经理亲自调查的调查表"})
    decision = Decision.needs(d.approvers, *g.reasons, *d.reasons)
    rating = CreditRating.objects.create(
        customer=c, investigation=inv, evaluator=actor, scores={k: data.scores[k] for k in rules.CRITERIA}, total=total,
        suggested_grade=rules.suggested_grade(total, cfg), grade=grade, credit_limit=limit, term_days=data.term_days,
        avg_monthly_sales=avg, note=note, reasons=[r.as_dict() for r in decision.reasons],
        approvers=list(decision.approvers), previous=snapshot(c, ["credit_grade", "credit_limit", "term_days"]),
    )
    req = approvals.start(
        doc_type=DOC_TYPE, doc_id=rating.pk, submitter=actor, roles=list(decision.approvers), decision=decision,
        label=f"授信评定：{c.name} {grade} 级 额度 {rules.yuan(limit)} 元 账期 {data.term_days} 天", link=_link(c),
        team=c.owner.team if c.owner_id and c.owner.team_id else None,
    )
    rating.approval_id = req.pk
    rating.save(update_fields=["approval_id"])
    record(actor=actor, action="submit", obj=rating, object_type="customers.customer", object_id=c.pk,
           after={"credit_rating": rating.pk, "grade": grade, "credit_limit": limit, "term_days": data.term_days,
                  "total": total, "approvers": list(decision.approvers)},
           rule="credit.limit_grant", reason=decision.message(), decision=decision, policy_version=cfg.version or None)
    return rating


@approvals.on_decided(DOC_TYPE)
def _rating_decided(req) -> None:
    """Approval engine callback (same transaction): apply an approved grade/limit/term, audited."""
    rating = CreditRating.objects.select_for_update().filter(pk=int(req.doc_id)).first()
    if rating is None or rating.state != CreditRating.State.PENDING:
        return
    now = timezone.now()
    labels = dict(Role.choices)
    deciders = [f"{labels.get(s.role, s.role)} {s.decided_by.name}"
                for s in req.steps.select_related("decided_by").order_by("order") if s.decided_by_id]
    rating.decided_at = now
    if req.state != req.State.APPROVED:
        rating.state = CreditRating.State.REJECTED
        rating.save(update_fields=["state", "decided_at"])
        last = last_decision(req)
        record(actor=last.decided_by if last else None, action="reject", obj=rating, object_type="customers.customer",
               object_id=rating.customer_id, after={"credit_rating": rating.pk, "state": rating.state},
               rule="credit.limit_grant", reason=f"授信评定被驳回：{last.comment if last else ''}")
        return
    rating.state = CreditRating.State.APPROVED
    rating.save(update_fields=["state", "decided_at"])
    c = Customer.objects.select_for_update().get(pk=rating.customer_id)
    cfg = get_policy()
    before = snapshot(c, CREDIT_KEYS)
    c.credit_grade, c.credit_limit, c.term_days = rating.grade, rating.credit_limit, rating.term_days
    c.credit_rated_at = now
    c.credit_next_report_on = rules.next_report_due(rating.investigation.investigated_on or timezone.localdate(),
                                                    rating.grade, cfg)
    c.save(update_fields=[*CREDIT_KEYS, "updated_at"])
    reasons = "；".join(r.get("message", "") for r in rating.reasons)
    last = last_decision(req)
    record(actor=last.decided_by if last else None, action="update", obj=c, before=before,
           after=snapshot(c, CREDIT_KEYS), rule="credit.limit_grant",
           reason=f"授信评定 #{rating.pk} 经 {'、'.join(deciders)} 批准：{reasons}",
           decision={"outcome": "approved", "reasons": rating.reasons, "approvers": rating.approvers})


def overdue_reports(today: date | None = None) -> QuerySet[Customer]:
    """`credit.investigation_cadence`: graded customers whose periodic credit report is past due (flag only)."""
    today = today or timezone.localdate()
    return (Customer.objects.filter(credit_next_report_on__lt=today).exclude(credit_grade="")
            .exclude(status__in=[Status.ARCHIVED, Status.BLACKLISTED]).select_related("owner", "owner__team__manager"))


def ungraded_needing_investigation() -> QuerySet[Customer]:
    """Ungraded active customers with no investigation yet: a task opens (`credit.grade_policy`)."""
    return Customer.objects.filter(credit_grade="", status=Status.ACTIVE).exclude(
        Q(credit_investigations__isnull=False))


def explain_limit(c: Customer) -> Reason:
    """What the credit-limit figure on the customer means for orders (`credit.over_limit`)."""
    if not c.credit_grade:
        return Reason("credit.grade_policy", "未评级：信用额度为 0，赊销须经超信审批（credit.over_limit）",
                      "ungraded: limit 0")
    if c.credit_grade == "D":
        return Reason("credit.grade_policy", "D 级：不授信，只能现款现货或款到发货", "grade D: no credit")
    return Reason("credit.over_limit", f"{c.credit_grade} 级，信用额度 {rules.yuan(c.credit_limit)} 元、账期 {c.term_days} 天；"
                  "赊销敞口超过额度须超信审批", "exposure above the limit needs approval")
