from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from yewu.common.errors import YewuError

from . import selectors
from .api import period


@login_required
def sales_by_salesperson(request):
    error = None
    try:
        start, end = period(parse_date(request.GET.get("start") or "") if request.GET.get("start") else None,
                            parse_date(request.GET.get("end") or "") if request.GET.get("end") else None)
    except (YewuError, ValueError) as e:
        error = getattr(e, "message", str(e))
        start, end = period(None, None)
    rep = selectors.sales_by_salesperson(request.user, start, end)
    if request.GET.get("format") == "xlsx" and not error:
        buf = BytesIO()
        selectors.sales_workbook(rep).save(buf)
        resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="sales-{rep.start}-{rep.end}.xlsx"'
        return resp
    return render(request, "reports/sales_by_salesperson.html", {"report": rep, "error": error})
