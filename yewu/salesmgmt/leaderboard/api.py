"""`/api/v1/leaderboard`: the morning 到账播报 (`daily.morning_leaderboard`)."""

from __future__ import annotations

from typing import Literal

from ninja import Router

from yewu.common.schemas import ERRORS, PDF, XLSX, Out, file_op

from ..daily.selectors import parse_day
from ..documents import sheets
from ..documents.paper import file_response
from . import selectors

router = Router(tags=["sales management: leaderboard"])


class BoardRowOut(Out):
    rank: int
    name: str
    salesperson_id: int
    team: str
    amount: str
    line: str
    mtd: str
    month_target: str | None
    mtd_pct: str | None


class BoardTeamOut(Out):
    team: str
    amount: str
    mtd: str
    target: str
    mtd_pct: str | None


class ChampionOut(Out):
    names: list[str]
    value: str | int


class ChampionsKindsOut(Out):
    collections: ChampionOut
    sales: ChampionOut
    new_customers: ChampionOut


class ChampionsOut(Out):
    week: ChampionsKindsOut
    month: ChampionsKindsOut


class BoardOut(Out):
    rule: str
    day: str
    today: str
    live: bool
    live_from: str
    month: str
    week_start: str
    total: str
    total_mtd: str
    rows: list[BoardRowOut]
    teams: list[BoardTeamOut]
    champions: ChampionsOut


@router.get("", response={200: BoardOut, **ERRORS}, summary="Yesterday's receipts per SP ranked, team totals, MTD, champions")
def leaderboard(request, today: str = ""):
    return selectors.board(request.auth, parse_day(today) if today else None)


@router.get("/document", **file_op(PDF, "到账播报 PDF 或 Excel（fmt=xlsx）", also=(XLSX,)), summary="到账播报 as PDF (fmt=pdf) or Excel (fmt=xlsx)")
def document(request, today: str = "", fmt: Literal["pdf", "xlsx"] = "pdf"):
    b = selectors.board(request.auth, parse_day(today) if today else None)
    return file_response(sheets.leaderboard(b, fmt), fmt, f"leaderboard-{b['day']}")
