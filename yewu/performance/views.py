
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yewu.common.errors import YewuError
from yewu.org.selectors import get_policy
from yewu.policy.receivables import commission_schedule

from . import documents, selectors


@login_required
def commission(request):
    today = timezone.localdate()
    try:
        month = selectors.parse_month(request.GET.get("month"), today)
    except YewuError:
        month = today.replace(day=1)
    st = selectors.statement(request.user, month)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(documents.statement_xlsx(st, month),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="commission-{month:%Y-%m}.xlsx"'
        return resp
    total = sum((s["amount"] for s in st), 0)
    cfg = get_policy()
    base = cfg["commission.base.rate_pct"]
    schedule = commission_schedule(cfg)
    return render(request, "performance/commission.html", {
        "st": st, "month": month, "total": total, "base": base, "schedule": schedule})
