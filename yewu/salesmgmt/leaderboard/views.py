"""The 到账播报 page: a wall screen (large type, refreshes itself every minute) and a phone, chart by ECharts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def board(request):
    return render(request, "salesmgmt/leaderboard.html", {"b": selectors.board(request.user)})
