"""Service-job pages: list, register, the job page with dispatch, arrival and the close form with the customer's
signature drawn on the phone screen (or a photo of the paper voucher)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.policy import service as rules

from ..documents import sheet, visit_sheets
from ..web import need, refused
from . import selectors, services


@login_required
def job_list(request):
    return render(request, "service/jobs.html", {"rows": selectors.job_queue(request.user),
                                                 "contracts": selectors.contracts_near_renewal(20), "now": timezone.now()})


@login_required
def new_job(request):
    need(request.user, "dispatches_service_jobs")
    p = request.POST
    if request.method == "POST":
        try:
            j = services.register_job(request.user, services.JobIn(
                category=p.get("category", ""), district=p.get("district", ""), problem=p.get("problem", ""),
                customer_id=p.get("customer_id") or None, address=p.get("address", ""), carry_in=p.get("carry_in") == "1",
                complaint_id=p.get("complaint_id") or None))
            messages.success(request, f"已登记 {j.number}：到达期限 {timezone.localtime(j.arrival_due_at):%Y-%m-%d %H:%M} "
                                      f"[service.arrival_sla]")
            return redirect(f"/service/jobs/{j.pk}/")
        except YewuError as e:
            refused(request, e)
    return render(request, "service/job_new.html", {"form": p, "categories": rules.JOB_CATEGORIES,
                                                    "customer_id": request.GET.get("customer_id", ""),
                                                    "complaint_id": request.GET.get("complaint_id", "")})


@login_required
def job(request, pk: int):
    j = selectors.job_for(request.user, pk)
    if j is None:
        raise Http404
    techs = [u for u in User.objects.filter(is_active=True).order_by("id")] if can(request.user, "dispatches_service_jobs") else []
    return render(request, "service/job.html", {"j": j, "techs": techs, "now": timezone.now(),
                                               "survey": getattr(j, "survey", None), "items": rules.SURVEY_ITEMS,
                                               "invoice": selectors.job_invoice(request.user, j),
                                               "may_work": request.user.id == j.technician_id or can(request.user, "dispatches_service_jobs")})


@login_required
@require_POST
def act(request, pk: int, action: str):
    if selectors.job_for(request.user, pk) is None:
        raise Http404
    p, u = request.POST, request.user
    try:
        if action == "dispatch":
            services.dispatch(u, pk, int(p.get("technician_id") or 0))
        elif action == "survey":
            services.rate(u, pk, {k: p.get(k) for k in rules.SURVEY_ITEMS})
        elif action == "unsolved":
            services.report_unsolved(u, pk, p.get("note", ""))
        elif action == "arrive":
            services.arrive(u, pk)
        elif action == "close":
            f = request.FILES.get("photo")
            photo = f.read(services.MAX_PHOTO + 1) if f else None
            services.close_job(u, pk, work_done=p.get("work_done", ""), signer_name=p.get("signer_name", ""),
                               signature=p.get("signature", ""), photo=photo, amount=p.get("amount") or None,
                               checks={k: p.get(k) == "1" for k in ("pickup_receipt", "register_entry", "repair_tag",
                                                                    "supervisor_inspected")})
        else:
            raise Http404
        messages.success(request, "已保存")
    except YewuError as e:
        refused(request, e)
    return redirect(f"/service/jobs/{pk}/")


@login_required
def document(request, pk: int, kind: str, fmt: str):
    """服务凭证 (with the customer's signature) or 客户满意度调查表 of the job, PDF or Excel."""
    j = selectors.job_for(request.user, pk)
    if j is None or kind not in ("voucher", "survey") or fmt not in ("pdf", "xlsx"):
        raise Http404
    doc = visit_sheets.voucher(j) if kind == "voucher" else visit_sheets.satisfaction_survey(j)
    return sheet.response(doc, fmt)


def _month(request) -> tuple[int, int]:
    today = timezone.localdate()
    raw = request.GET.get("month") or f"{today.year}-{today.month:02d}"
    try:
        y, m = (int(x) for x in raw.split("-")[:2])
        if 2000 <= y <= 2100 and 1 <= m <= 12:
            return y, m
    except ValueError:
        pass
    messages.error(request, "月份应为 YYYY-MM [service.survey_100pct]")
    return today.year, today.month


@login_required
def technicians(request):
    """`service.survey_100pct`: the monthly technician table from the surveys (screen, Excel, PDF)."""
    need(request.user, "sees_technician_table")
    y, m = _month(request)
    rows = selectors.technician_table(y, m)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        return sheet.response(visit_sheets.technician_table(y, m, rows), fmt)
    return render(request, "service/technicians.html", {"rows": rows, "month": f"{y}-{m:02d}",
                                                        "items": rules.SURVEY_ITEMS})


@login_required
def surveys(request):
    """`service.survey_100pct`: every caller's survey due today or earlier and not yet done."""
    need(request.user, "records_return_visits")
    return render(request, "service/surveys.html", {"rows": selectors.surveys_due(), "today": timezone.localdate()})
