"""The morning leaderboard (到账播报, `daily.morning_leaderboard`): the previous working day's receipts per SP
("张三 到账 3,000.00"), ranked, team totals, month-to-date attainment, and the week's and month's champions for
collections, sales (orders placed) and new customers. Everyone with ``sees_leaderboard`` sees the whole board."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from yewu.common.errors import PermissionDenied
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol
from yewu.policy.calendar import TZ

from .. import reads

ZERO = Decimal("0.00")


class _SP(NamedTuple):
    pk: int
    name: str
    team: str
NOT_SALES = reads.NOT_SALES  # also used by the sales reports


def _money(x) -> Decimal:
    return (x or ZERO).quantize(ZERO)


def board(user, today: date | None = None) -> dict:
    if not can(user, "sees_leaderboard"):
        raise PermissionDenied("无权查看到账播报", rule="daily.morning_leaderboard")
    now = timezone.localtime()
    today = today or now.date()
    cal = get_calendar()
    day = pol.leaderboard_day(today, cal)
    month, week = day.replace(day=1), day - timedelta(days=day.weekday())
    start = min(month, week)
    # the whole sales force with its month targets in one read; the figures are grouped for every owner and looked
    # up by id (no IN lists); raw SQL (yewu.salesmgmt.reads, issue 13's benchmark)
    force = reads.sales_force(month)
    sps = [_SP(i, name, team) for i, name, team, _ in force]
    tgt = {i: t for i, _, _, t in force if t is not None}
    d_w_m = reads.receipts_by_owner(start, day, week, month)
    rec = {sid: {"d": d, "w": w, "m": m} for sid, (d, w, m) in d_w_m.items()}
    sales = {sid: {"w": w, "m": m} for sid, (w, m) in reads.sales_by_salesperson(start, day, week, month).items()}
    new = {sid: {"w": w, "m": m} for sid, (w, m) in reads.new_customers_by_owner(start, day, week, month).items()}
    ranked = pol.rank([(s.name, _money((rec.get(s.pk) or {}).get("d"))) for s in sps])
    by_name = {s.name: s for s in sps}
    rows = []
    for r in ranked:
        s = by_name[r["name"]]
        mtd = _money((rec.get(s.pk) or {}).get("m"))
        t = tgt.get(s.pk)
        rows.append({**r, "amount": str(r["amount"]), "salesperson_id": s.pk, "team": s.team,
                     "mtd": str(mtd), "month_target": str(t) if t is not None else None,
                     "mtd_pct": str(pol.attainment_pct(mtd, t)) if t else None})
    teams: dict[str, dict] = {}
    for s in sps:
        k = s.team or "—"
        row = teams.setdefault(k, {"team": k, "amount": ZERO, "mtd": ZERO, "target": ZERO})
        row["amount"] += _money((rec.get(s.pk) or {}).get("d"))
        row["mtd"] += _money((rec.get(s.pk) or {}).get("m"))
        row["target"] += tgt.get(s.pk) or ZERO
    team_rows = [{"team": t["team"], "amount": str(t["amount"]), "mtd": str(t["mtd"]), "target": str(t["target"]),
                  "mtd_pct": str(pol.attainment_pct(t["mtd"], t["target"])) if t["target"] else None}
                 for t in teams.values()]

    def champs(src: dict, key: str, money: bool = True) -> dict:
        vals = [(s.name, (_money if money else (lambda x: Decimal(x or 0)))((src.get(s.pk) or {}).get(key))) for s in sps]
        names = pol.champion(vals)
        top = max((v for _, v in vals), default=ZERO)
        return {"names": names, "value": str(top) if money else int(top)}

    total = sum((Decimal(r["amount"]) for r in rows), ZERO)
    live_from = datetime.combine(today, time(9, 0), tzinfo=TZ)
    return {
        "rule": "daily.morning_leaderboard", "day": day.isoformat(), "today": today.isoformat(),
        "live": now >= live_from or today != now.date(), "live_from": live_from.isoformat(),
        "rows": rows, "teams": team_rows, "total": str(total),
        "total_mtd": str(sum((Decimal(t["mtd"]) for t in team_rows), ZERO)),
        "week_start": week.isoformat(), "month": f"{month:%Y-%m}",
        "champions": {
            "week": {"collections": champs(rec, "w"), "sales": champs(sales, "w"), "new_customers": champs(new, "w", False)},
            "month": {"collections": champs(rec, "m"), "sales": champs(sales, "m"), "new_customers": champs(new, "m", False)},
        },
    }
