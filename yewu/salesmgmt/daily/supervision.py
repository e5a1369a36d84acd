"""SM supervision (reads, `daily.supervision`): for each team the user may see, each SP's 09:20–09:30 call-list
check of the day with its result (ok / outside the window / missing / still open), and the SM's accompanied
deal-closing visits per week (at least one a week; a past week without one is *missing*, the current week is *due*
on its last working day), with the recent supervision log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from yewu.common.errors import PermissionDenied
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, salespeople
from yewu.policy import salesmgmt as pol

from ..models import SupervisionLog
from ..scope import visible_teams

CALL_STATUS = {"ok": "按时检查", "late": "未在 09:20–09:30 检查", "missing": "未检查", "open": "待检查", "none": "非工作日"}
WEEK_STATUS = {"ok": "已完成", "missing": "缺失", "due": "今日到期", "open": "本周待完成"}


def may_see(user) -> bool:
    return can(user, "coaches_salespeople") or can(user, "sees_all_sales_figures")


def board(user, day: date, weeks: int = 6, *, managed_by=None) -> dict:
    if not may_see(user):
        raise PermissionDenied("无权查看督导记录", rule="daily.supervision")
    cal, cfg = get_calendar(), get_policy()
    now = timezone.now()
    today = timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    week_list = [monday - timedelta(weeks=i) for i in range(weeks)]
    teams = visible_teams(user).select_related("manager")
    teams = list(teams.filter(manager=managed_by) if managed_by is not None else teams)
    manager_ids = [t.manager_id for t in teams if t.manager_id]
    logs = list(SupervisionLog.objects.filter(manager_id__in=manager_ids,
                                              at__gte=datetime.combine(week_list[-1], time.min, tzinfo=pol.TZ))
        .select_related("manager", "salesperson").order_by("-at"))
    checks: dict[int, list] = defaultdict(list)
    accompanied: dict[int, list[date]] = defaultdict(list)
    for s in logs:
        if s.kind == SupervisionLog.Kind.CALL_LIST and timezone.localtime(s.at).date() == day:
            checks[s.salesperson_id].append(s)
        elif s.kind == SupervisionLog.Kind.ACCOMPANIED:
            accompanied[s.manager_id].append(timezone.localtime(s.at).date())
    out = []
    for team in teams:
        rows = []
        for sp in salespeople(team).order_by("id"):
            mine = sorted(checks.get(sp.pk, []), key=lambda s: s.at)
            dec = pol.call_list_status(day, [s.at for s in mine], now, cal)
            shown = next((s for s in mine if s.in_window), mine[0] if mine else None)
            rows.append({"salesperson_id": sp.pk, "salesperson": sp.name, "status": dec.data["status"],
                         "status_label": CALL_STATUS[dec.data["status"]],
                         "at": timezone.localtime(shown.at).isoformat() if shown else None,
                         "result": shown.result if shown else "", "message": dec.reasons[0].message if dec.reasons else ""})
        wk = []
        for w in week_list:
            dec = pol.accompanied_week_status(w, accompanied.get(team.manager_id, []), today, cal, cfg)
            wk.append({"week": w.isoformat(), "count": dec.data["count"], "status": dec.data["status"],
                       "status_label": WEEK_STATUS[dec.data["status"]], "due_on": dec.data["due_on"].isoformat(),
                       "message": dec.reasons[0].message if dec.reasons else ""})
        out.append({"team_id": team.pk, "team": team.name, "manager": team.manager.name if team.manager_id else None,
                    "checks": rows, "weeks": wk})
    return {"rule": "daily.supervision", "day": day.isoformat(), "teams": out,
            "log": [{"id": s.pk, "manager": s.manager.name, "salesperson": s.salesperson.name, "kind": s.kind,
                     "kind_label": s.get_kind_display(), "at": timezone.localtime(s.at).isoformat(), "result": s.result,
                     "in_window": s.in_window} for s in logs[:100]]}


def missing_for_manager(user, today: date) -> list[str]:
    """One-line warnings for the SM's own pages: today's unchecked call lists and a week without an accompanied
    visit (this week due, or last week missing)."""
    if not can(user, "coaches_salespeople"):
        return []
    b = board(user, today, weeks=2, managed_by=user)
    msgs = []
    for t in b["teams"]:
        miss = [c["salesperson"] for c in t["checks"] if c["status"] in ("missing", "late")]
        if miss:
            msgs.append(f"{t['team']}：今日电话清单未按时检查 — {'、'.join(miss)}")
        for w in t["weeks"]:
            if w["status"] in ("missing", "due"):
                msgs.append(f"{t['team']}：{w['message']}")
    return msgs
