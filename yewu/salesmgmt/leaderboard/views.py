"""The 到账播报 page: a wall screen (large type, refreshes itself every minute) and a phone; the ranking as a chart
(ECharts), the same figures as a table, and the board as PDF / Excel (`daily.morning_leaderboard`)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..daily.selectors import parse_day
from ..documents import sheets
from ..documents.paper import file_response
from . import selectors


@login_required
def board(request):
    today = request.GET.get("today")
    b = selectors.board(request.user, parse_day(today) if today else None)
    fmt = request.GET.get("format")
    if fmt in ("pdf", "xlsx"):
        return file_response(sheets.leaderboard(b, fmt), fmt, f"leaderboard-{b['day']}")
    return render(request, "salesmgmt/leaderboard.html", {"b": b, "today": b["today"] if today else ""})
