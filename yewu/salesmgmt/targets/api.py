"""`/api/v1/targets`: the month grid (GET, POST by the SM), one SP's daily split (GET) and moves between days
(PUT). Refusals are 4xx naming the rule (`target.monthly_set`, `target.daily_decomposition`,
`plan.change_reason`) and the field."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema

from yewu.common.errors import ValidationError
from yewu.common.schemas import ERRORS, Out
from yewu.org.permissions import require

from . import selectors, services

router = Router(tags=["sales management: targets"])


class MetricOut(Out):
    metric: str
    label: str
    target: str | None
    actual: str
    pct: str | None


class GridRowOut(Out):
    salesperson_id: int
    salesperson: str
    team: str | None
    target_id: int | None
    late: bool
    metrics: list[MetricOut]


class TargetChangeOut(Out):
    id: int
    month: str
    kind: str
    reason: str
    state: str
    department_total_changes: bool
    new_values: dict[str, dict[str, str]]
    old_values: dict[str, dict[str, str]]
    approval_id: int | None


class GridOut(Out):
    month: str
    rule: str
    due_at: str
    working_days: int
    missing: list[str]
    pending_changes: list[TargetChangeOut]
    rows: list[GridRowOut]


class GridRowIn(Schema):
    salesperson_id: int
    collections: str | None = None
    visits: str | int | None = None
    calls: str | int | None = None
    new_intent: str | int | None = None
    met: str | int | None = None


class GridIn(Schema):
    month: str
    rows: list[GridRowIn]
    kind: str = ""
    reason: str = ""


class SetOut(Out):
    set: int
    late: bool
    change_id: int | None
    change_state: str | None
    approvers: list[str]


class DayOut(Out):
    day: str
    targets: dict[str, str]
    actuals: dict[str, str]


class DaysOut(Out):
    salesperson_id: int
    month: str
    target_id: int | None
    days: list[DayOut]


class MoveIn(Schema):
    metric: str
    days: dict[str, str | int]


def change_out(c) -> dict:
    return {"id": c.pk, "month": f"{c.month:%Y-%m}", "kind": c.kind, "reason": c.reason, "state": c.state,
            "department_total_changes": c.department_total_changes, "new_values": c.new_values,
            "old_values": c.old_values, "approval_id": c.approval_id}


def _plain(d: dict) -> dict:
    return {k: str(v) for k, v in d.items()}


@router.get("", response={200: GridOut, **ERRORS}, summary="Monthly targets of the SPs you see, with progress (target.monthly_set)")
def grid(request, month: str = "", team_id: int | None = None):
    require(request.auth, "sees_sales_figures")
    g = selectors.month_grid(request.auth, selectors.parse_month(month), team_id)
    return {"month": f"{g['month']:%Y-%m}", "rule": "target.monthly_set", "due_at": g["due_at"].isoformat(),
            "working_days": g["working_days"], "missing": [s.name for s in g["missing"]],
            "pending_changes": [change_out(c) for c in g["pending"]],
            "rows": [{"salesperson_id": r["salesperson"].pk, "salesperson": r["salesperson"].name,
                      "team": r["salesperson"].team.name if r["salesperson"].team_id else None,
                      "target_id": r["target"].pk if r["target"] else None, "late": bool(r["target"] and r["target"].late),
                      "metrics": [{**m, "target": None if m["target"] is None else str(m["target"]),
                                   "actual": str(m["actual"]), "pct": None if m["pct"] is None else str(m["pct"])}
                                  for m in r["metrics"]]} for r in g["rows"]]}


@router.post("", response={200: SetOut, **ERRORS}, summary="Set the team's monthly targets in one grid (SM); changes go to approval")
def set_grid(request, payload: GridIn):
    month = selectors.parse_month(payload.month)
    res = services.set_month_targets(request.auth, month, [r.dict() for r in payload.rows], kind=payload.kind,
                                     reason=payload.reason)
    ch = res["change"]
    return {"set": res["set"], "late": res["late"], "change_id": ch.pk if ch else None,
            "change_state": ch.state if ch else None,
            "approvers": sorted({st.role for st in ch.approval.steps.all()}) if ch and ch.approval_id else []}


@router.get("/{salesperson_id}", response={200: DaysOut, **ERRORS}, summary="One SP's daily split and actuals (target.daily_decomposition)")
def days(request, salesperson_id: int, month: str = ""):
    m = selectors.parse_month(month)
    d = selectors.target_days(request.auth, salesperson_id, m)
    return {"salesperson_id": salesperson_id, "month": f"{m:%Y-%m}", "target_id": d["target"].pk if d["target"] else None,
            "days": [{"day": x["day"].isoformat(), "targets": _plain(x["targets"]), "actuals": _plain(x["actuals"])}
                     for x in d["days"]]}


@router.put("/{target_id}/days", response={200: DaysOut, **ERRORS}, summary="Move a metric's amounts between days (sum must stay)")
def move(request, target_id: int, payload: MoveIn):
    split = {}
    for k, v in payload.days.items():
        try:
            split[date.fromisoformat(k)] = v
        except ValueError:
            raise ValidationError("日期格式应为 YYYY-MM-DD", fields={f"days.{k}": "日期格式错误"},
                                  rule="target.daily_decomposition") from None
    t = services.move_days(request.auth, target_id, payload.metric, split)
    d = selectors.target_days(request.auth, t.salesperson_id, t.month)
    return {"salesperson_id": t.salesperson_id, "month": f"{t.month:%Y-%m}", "target_id": t.pk,
            "days": [{"day": x["day"].isoformat(), "targets": _plain(x["targets"]), "actuals": _plain(x["actuals"])}
                     for x in d["days"]]}
