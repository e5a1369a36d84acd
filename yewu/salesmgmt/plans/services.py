"""Action plans (writes, `plan.monthly_action`, `visit.weekly_plan`): the SP's monthly 行动计划表 (due the previous
month's last working day) and weekly items (due 12:00 on the previous week's last working day), the SM's
instructions, and plan-vs-actual variances with cause and countermeasure."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.text import clean_text
from yewu.org.permissions import require
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol

from ..models import ActionItem, ActionPlan
from ..scope import manages, own_customers


def _period(kind: str, start: date) -> tuple[date, object]:
    cal = get_calendar()
    if kind == ActionPlan.Kind.MONTHLY:
        start = start.replace(day=1)
        return start, pol.monthly_plan_due(start.year, start.month, cal)
    if kind == ActionPlan.Kind.WEEKLY:
        start = start - timedelta(days=start.weekday())
        return start, pol.weekly_plan_due(start, cal)
    raise ValidationError("计划类型应为 monthly 或 weekly", fields={"kind": "无效"}, rule="plan.monthly_action")


def _planned(v, field: str):
    try:
        d = Decimal(str(v or 0))
    except InvalidOperation:
        raise ValidationError("必须是数字", fields={field: "必须是数字"}, rule="plan.monthly_action") from None
    if not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.01")):
        raise ValidationError("必须是非负数，最多两位小数", fields={field: "无效"}, rule="plan.monthly_action")
    return d


@transaction.atomic
def submit_plan(actor, kind: str, start: date, items: list[dict]) -> ActionPlan:
    require(actor, "writes_action_plans")
    start, due = _period(kind, start)
    if not items:
        raise ValidationError("至少一项行动", fields={"items": "至少一项"}, rule="plan.monthly_action")
    plan = ActionPlan.objects.select_for_update().filter(salesperson=actor, kind=kind, period_start=start).first()
    before = snapshot(plan) if plan else None
    now = timezone.now()
    if plan is None:
        plan = ActionPlan.objects.create(salesperson=actor, kind=kind, period_start=start, due_at=due, late=now > due)
    elif now > plan.due_at:
        raise RuleRefused("计划已过提交期限，变更须说明原因并经业务经理批准", rule="plan.change_reason",
                          fields={"items": "已过期限"})
    plan.items.all().delete()
    for i, it in enumerate(items):
        customer = None
        if it.get("customer_id"):  # a weekly item names the customer of its key visit (visit.weekly_plan)
            customer = own_customers(actor).filter(pk=it.get("customer_id")).first()
            if customer is None:
                raise ValidationError("只能选择自己负责的客户", fields={f"items.{i}.customer_id": "不是您的客户"},
                                      rule="visit.weekly_plan")
        ActionItem.objects.create(plan=plan, text=clean_text(it.get("text"), field=f"items.{i}.text", label="行动事项",
                                                             max_len=300, required=True),
                                  planned=_planned(it.get("planned"), f"items.{i}.planned"), customer=customer)
    record(actor=actor, action="update" if before else "create", obj=plan, before=before, after=snapshot(plan),
           rule="plan.monthly_action")
    return plan


@transaction.atomic
def instruct(actor, plan_id: int, instructions: str) -> ActionPlan:
    require(actor, "instructs_plans")
    plan = ActionPlan.objects.select_for_update().select_related("salesperson").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("计划不存在")
    if not manages(actor, plan.salesperson):
        raise PermissionDenied("只能批示本团队的计划", rule="plan.monthly_action")
    before = snapshot(plan)
    plan.instructions = clean_text(instructions, field="instructions", label="经理指示", max_len=2000, required=True)
    plan.save()
    record(actor=actor, action="update", obj=plan, before=before, after=snapshot(plan), rule="plan.monthly_action")
    return plan


@transaction.atomic
def record_actual(actor, item_id: int, actual, cause: str = "", countermeasure: str = "") -> ActionItem:
    item = ActionItem.objects.select_for_update().select_related("plan").filter(pk=item_id).first()
    if item is None or item.plan.salesperson_id != actor.pk:
        raise NotFound("行动事项不存在")
    a = _planned(actual, "actual")
    dec = pol.check_variance(item.planned, a, cause, countermeasure)
    if dec.refused:
        err = RuleRefused.from_decision(dec)
        err.fields = {dec.reasons[0].figures["field"]: dec.reasons[0].message}
        raise err
    before = snapshot(item)
    item.actual = a
    item.cause = clean_text(cause, field="cause", label="原因", max_len=300)
    item.countermeasure = clean_text(countermeasure, field="countermeasure", label="对策", max_len=300)
    item.save()
    record(actor=actor, action="update", obj=item, before=before, after=snapshot(item), rule="plan.monthly_action")
    return item
