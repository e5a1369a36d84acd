"""`/api/v1/leaderboard`: the morning 到账播报 (`daily.morning_leaderboard`)."""

from __future__ import annotations

from ninja import Router, Schema

from ..daily.selectors import parse_day
from . import selectors

router = Router(tags=["sales management: leaderboard"])


class RowOut(Schema):
    rank: int
    name: str
    salesperson_id: int
    team: str
    amount: str
    line: str
    mtd: str
    month_target: str | None
    mtd_pct: str | None


class BoardOut(Schema):
    rule: str
    day: str
    today: str
    live: bool
    live_from: str
    month: str
    week_start: str
    total: str
    total_mtd: str
    rows: list[RowOut]
    teams: list[dict]
    champions: dict


@router.get("", response=BoardOut, summary="Yesterday's receipts per SP ranked, team totals, MTD, champions")
def leaderboard(request, today: str = ""):
    return selectors.board(request.auth, parse_day(today) if today else None)
