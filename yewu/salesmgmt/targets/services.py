"""Targets (writes): the SM's monthly grid (`target.monthly_set`) with its daily split
(`target.daily_decomposition`), moves between days, and changes of set targets (`plan.change_reason`) through the
approval engine. Each public function is one transaction and writes the audit log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.services import record, snapshot
from yewu.common.errors import NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.text import clean_text
from yewu.org.models import User
from yewu.org.permissions import require
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol
from yewu.policy.approvals import superior_role

from ..models import DailyTarget, MonthlyTarget, TargetChange
from ..scope import manages

DOC_TYPE = "target_change"


def _refuse(dec, field: str):
    err = RuleRefused.from_decision(dec)
    err.fields = {field: dec.reasons[0].message}
    return err


def parse_values(row: dict, prefix: str) -> dict:
    """The five metrics of one grid row, cleaned (4xx naming the rule and the field)."""
    out = {}
    for m in pol.METRICS:
        dec = pol.parse_target_value(m, row.get(m, 0) if row.get(m) not in (None, "") else 0)
        if dec.refused:
            raise _refuse(dec, f"{prefix}.{m}")
        out[m] = dec.data["value"]
    return out


def _values(t: MonthlyTarget) -> dict:
    return {m: getattr(t, m) for m in pol.METRICS}


def split_days(t: MonthlyTarget, from_day: date | None = None) -> None:
    """(Re)write the daily split: days before ``from_day`` keep their figures, the rest of each metric's month
    total is split over the remaining working days, the first r days one unit more."""
    cal = get_calendar()
    days = pol.month_working_days(t.month.year, t.month.month, cal)
    existing = {d.day: d for d in t.days.all()}
    keep = [d for d in days if from_day and d < from_day and d in existing]
    rest = [d for d in days if d not in keep]
    if not rest:  # a past month: split it whole
        keep, rest = [], days
    parts: dict[date, dict] = {d: {} for d in rest}
    for m in pol.METRICS:
        kept = sum((getattr(existing[d], m) for d in keep), 0)
        remaining = getattr(t, m) - kept
        if remaining < 0:
            raise ValidationError(f"{pol.METRICS[m]}新目标小于已过去工作日的目标之和（{kept}）",
                                  fields={m: "小于已过去工作日的目标之和"}, rule="target.daily_decomposition")
        for d, v in pol.daily_split(remaining, rest, m).items():
            parts[d][m] = v
    t.days.filter(day__in=rest).delete()
    t.days.exclude(day__in=days).delete()
    DailyTarget.objects.bulk_create([DailyTarget(target=t, salesperson_id=t.salesperson_id, day=d, **v)
                                     for d, v in parts.items()])


def _check_can_set(actor, sp: User) -> None:
    require(actor, "sets_targets")
    if not manages(actor, sp):
        raise PermissionDenied(f"{sp.name} 不在您管理的团队", rule="target.monthly_set", fields={"salesperson_id": "不在您的团队"})


@transaction.atomic
def set_month_targets(actor, month: date, rows: list[dict], *, kind: str = "", reason: str = "") -> dict:
    """The SM's grid for one month. New targets are set (and split) at once, flagged late after the deadline.
    Changing a target that was already set, after its deadline, needs a reason and goes to approval (SM; GM when
    the department total changes): nothing changes until it is approved. Returns {"set": n, "change": TargetChange|None}."""
    month = month.replace(day=1)
    cal = get_calendar()
    now = timezone.now()
    timing = pol.check_monthly_set(month.year, month.month, now, cal)
    if not rows:
        raise ValidationError("目标表为空", fields={"rows": "至少一行"}, rule="target.monthly_set")
    seen, created, changes = set(), 0, {}
    for i, row in enumerate(rows):
        try:
            sp = User.objects.get(pk=int(row.get("salesperson_id")))
        except (TypeError, ValueError, User.DoesNotExist):
            raise ValidationError("业务员不存在", fields={f"rows.{i}.salesperson_id": "不存在"}, rule="target.monthly_set") from None
        if sp.pk in seen:
            raise ValidationError(f"{sp.name} 重复", fields={f"rows.{i}.salesperson_id": "重复"}, rule="target.monthly_set")
        seen.add(sp.pk)
        _check_can_set(actor, sp)
        values = parse_values(row, f"rows.{i}")
        t = MonthlyTarget.objects.select_for_update().filter(salesperson=sp, month=month).first()
        if t is None:
            t = MonthlyTarget.objects.create(salesperson=sp, team=sp.team, month=month, set_by=actor,
                                             late=bool(timing.data["late"]), **values)
            split_days(t)
            record(actor=actor, action="create", obj=t, after=snapshot(t), rule="target.monthly_set", decision=timing)
            created += 1
            continue
        if _values(t) == values:
            continue
        if not timing.data["late"]:  # still being set before its deadline: applies at once
            before = snapshot(t)
            for m, v in values.items():
                setattr(t, m, v)
            t.set_by = actor
            t.save()
            split_days(t)
            record(actor=actor, action="update", obj=t, before=before, after=snapshot(t), rule="target.monthly_set")
            continue
        changes[str(sp.pk)] = ({m: str(v) for m, v in _values(t).items()}, {m: str(v) for m, v in values.items()})
    change = _request_change(actor, month, changes, kind, reason) if changes else None
    return {"set": created, "change": change, "late": bool(timing.data["late"])}


def _department_total_changes(month: date, changes: dict) -> bool:
    for m in pol.METRICS:
        if sum(Decimal(new[m]) - Decimal(old[m]) for old, new in changes.values()) != 0:
            return True
    return False


def _request_change(actor, month: date, changes: dict, kind: str, reason: str) -> TargetChange:
    reason = clean_text(reason, field="reason", label="变更原因", max_len=300)
    dept = _department_total_changes(month, changes)
    dec = pol.change_reason(kind, reason, dept)
    if dec.refused:
        raise _refuse(dec, dec.reasons[0].figures.get("field", "reason"))
    ch = TargetChange.objects.create(
        month=month, team=User.objects.get(pk=int(next(iter(changes)))).team, kind=kind, reason=reason,
        old_values={k: o for k, (o, _) in changes.items()}, new_values={k: n for k, (_, n) in changes.items()},
        department_total_changes=dept, requested_by=actor)
    # sod.no_self_approval: a submitter's own step goes to the superior (the SM asking → the GM)
    roles = [superior_role(r) if actor.has_role(r) and superior_role(r) else r for r in dec.approvers]
    if all(actor.has_role(r) for r in roles):
        # the asker holds the top approving role (the GM for department totals) and has no superior: asking is
        # approving, so the change applies at once (reason and decision in the audit log), never left pending
        record(actor=actor, action="submit", obj=ch, after=snapshot(ch), rule="plan.change_reason", decision=dec)
        ch.state = TargetChange.State.APPROVED
        ch.save(update_fields=["state"])
        record(actor=actor, action="approve", obj=ch, after={"state": ch.state, "by_role": roles},
               rule="plan.change_reason", reason=ch.reason)
        _apply_change(ch, actor)
        return ch
    req = approvals.start(doc_type=DOC_TYPE, doc_id=ch.pk, submitter=actor, decision=dec, team=ch.team, roles=roles,
                          label=f"目标变更 {month:%Y-%m}（{len(changes)} 人）", link="/salesmgmt/targets/?month=" + f"{month:%Y-%m}")
    ch.approval = req
    ch.save(update_fields=["approval"])
    record(actor=actor, action="submit", obj=ch, after=snapshot(ch), rule="plan.change_reason", decision=dec)
    return ch


@approvals.on_decided(DOC_TYPE)
def _on_change_decided(req) -> None:
    ch = TargetChange.objects.select_for_update().get(pk=int(req.doc_id))
    approved = req.state == req.State.APPROVED
    ch.state = TargetChange.State.APPROVED if approved else TargetChange.State.REJECTED
    ch.save(update_fields=["state"])
    record(actor=None, action="approve" if approved else "reject", obj=ch, after={"state": ch.state}, rule="plan.change_reason")
    if approved:
        _apply_change(ch, None)


def _apply_change(ch: TargetChange, actor) -> None:
    """Write the approved figures; past working days keep theirs, the rest is split again."""
    today = timezone.localdate()
    for sp_id, new in ch.new_values.items():
        t = MonthlyTarget.objects.select_for_update().get(salesperson_id=int(sp_id), month=ch.month)
        before = snapshot(t)
        for m in pol.METRICS:
            setattr(t, m, new[m])
        t.save()
        t.refresh_from_db()
        split_days(t, from_day=today if ch.month <= today else None)
        record(actor=actor, action="update", obj=t, before=before, after=snapshot(t), rule="plan.change_reason",
               reason=ch.reason)


@transaction.atomic
def move_days(actor, target_id: int, metric: str, split: dict[date, object]) -> MonthlyTarget:
    """The SM moves a metric's amounts between the month's working days; the days must sum to the month."""
    t = MonthlyTarget.objects.select_for_update().select_related("salesperson").filter(pk=target_id).first()
    if t is None:
        raise NotFound("目标不存在")
    _check_can_set(actor, t.salesperson)
    if metric not in pol.METRICS:
        raise ValidationError("未知指标", fields={"metric": "未知指标"}, rule="target.daily_decomposition")
    dec = pol.check_day_moves(metric, getattr(t, metric), t.month.year, t.month.month, split, get_calendar())
    if dec.refused:
        raise _refuse(dec, dec.reasons[0].figures.get("field", "days"))
    rows = {d.day: d for d in t.days.select_for_update()}
    before = {d.isoformat(): str(getattr(r, metric)) for d, r in rows.items()}
    for d, v in dec.data["split"].items():
        r = rows.get(d) or DailyTarget(target=t, salesperson_id=t.salesperson_id, day=d)
        setattr(r, metric, v)
        r.save()
    record(actor=actor, action="update", obj=t, before={metric: before},
           after={metric: {d.isoformat(): str(v) for d, v in dec.data["split"].items()}},
           rule="target.daily_decomposition")
    return t
