"""The weekly/monthly report page with charts (ECharts) and Excel (`report.weekly_monthly`)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from yewu.org.permissions import require

from ..daily.selectors import parse_day
from . import documents, selectors


@login_required
def report(request):
    require(request.user, "sees_sales_figures")
    kind = "month" if request.GET.get("kind") == "month" else "week"
    rep = selectors.report(request.user, kind, parse_day(request.GET.get("start")))
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(documents.xlsx(rep), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="report-{kind}-{rep["start"]}.xlsx"'
        return resp
    return render(request, "salesmgmt/report.html", {"rep": rep, "kind": kind})
