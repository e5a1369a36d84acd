"""The role home page (`/`) and its chart exports. Thin: ask the selectors, render."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from openpyxl import Workbook

from . import selectors


@login_required
def home(request):
    h = selectors.home_for(request.user)
    # the nav badge reads the same inbox; don't compute it twice
    for c in h.cards:
        if c.label == "待我审批":
            request._pending_approvals = c.value
    return render(request, "desk/home.html", {"home": h, "charts": [c.as_json() for c in h.charts]})


@login_required
def chart_xlsx(request, key: str):
    """The figures behind one chart of the user's home page, as a workbook (same rows as the table)."""
    chart = selectors.home_for(request.user).chart(key)
    if chart is None:
        raise Http404
    wb = Workbook()
    ws = wb.active
    ws.title = chart.title[:31]
    ws.append([chart.title])
    ws.append(chart.headers)
    for row in chart.rows:
        ws.append([str(row[0]), *row[1:]])
    for col in ws.iter_cols(min_row=3, min_col=2):
        for cell in col:
            cell.number_format = "#,##0.00" if chart.unit == "元" else "0"
    ws.column_dimensions["A"].width = 24
    buf = BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename=home-{key}.xlsx"
    return resp
