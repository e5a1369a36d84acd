"""Pages of archive upkeep (§2.5): quarterly verification, the upkeep page, information reports (PDF/Excel)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.common.errors import NotFound, YewuError
from yewu.customers.archive import selectors
from yewu.customers.documents import records as paper
from yewu.customers.documents import xlsx as exports
from yewu.customers.documents.views import error_response, file_response, log_export, send_form
from yewu.customers.upkeep import services as upkeep
from yewu.customers.web import detail_url, int_or, run_and_redirect
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids
from yewu.policy import credit as rules


@login_required
@require_POST
def verify(request, pk: int):
    back = request.POST.get("next") or detail_url(pk)
    if not back.startswith("/"):
        back = "/"
    return run_and_redirect(request, back, lambda: upkeep.verify_customer(request.user, pk, request.POST.get("note", "")),
                "档案已核实", "cust.archive_quarterly_review")


@login_required
def upkeep_page(request):
    user = request.user
    if request.method == "POST" and request.POST.get("checked"):
        return run_and_redirect(request, reverse("customers:upkeep") + "#complete",
                    lambda: upkeep.record_completeness_check(user, int_or(request.POST["checked"], 0)),
                    "已记录档案完整性检查", "cust.archive_quarterly_review")
    if request.method == "POST":
        return run_and_redirect(request, reverse("customers:upkeep"), lambda: upkeep.submit_info_report(
            user, request.POST.get("changes", ""), request.POST.get("competition", ""), request.POST.get("other", "")),
            "客户信息报告已提交", "cust.monthly_info_report")
    today = timezone.localdate()
    month = upkeep.month_of(today)
    visible = selectors.customers_visible_to(user)
    if not can(user, "sees_upkeep"):
        visible = visible.filter(owner=user)
    unverified = upkeep.unverified_this_quarter(visible.select_related("owner"), today).order_by("owner_id", "name")
    team = None
    if can(user, "manages_all_teams"):
        team = None
    elif can(user, "manages_team_customers"):

        team = managed_team_ids(user)
    return render(request, "customers/upkeep.html", {
        "unverified": list(unverified[:300]), "unverified_count": unverified.count(),
        "quarter_end": rules.quarter_end(today), "month": month,
        "due": rules.info_report_due(month), "reports": list(upkeep.reports_visible_to(user)[:100]),
        "mine_done": upkeep.InfoReport.objects.filter(user=user, month=month).first(),
        "is_sp": can(user, "submits_info_reports"),
        "missing": upkeep.missing_reports(month, team) if can(user, "manages_customers") else [],
        "incomplete": upkeep.incomplete_archives(visible) if can(user, "checks_archives") else None,
    })


@login_required
@require_GET
def info_report_file(request, report_id: int):
    try:
        r = upkeep.report_for(request.user, report_id)
    except NotFound as e:
        raise Http404(e.message) from e
    return send_form(request, paper.info_report_doc(request.user, r), "pdf", f"客户信息报告-{r.user.username}-{r.month:%Y%m}")


@login_required
@require_GET
def info_reports_xlsx(request):
    try:
        month = upkeep.parse_month(request.GET.get("month") or f"{timezone.localdate():%Y-%m}")
    except YewuError as e:
        return error_response(e)
    reps = list(upkeep.reports_visible_to(request.user).filter(month=month))
    rows = [[r.user.name, r.user.team.name if r.user.team_id else "", timezone.localtime(r.submitted_at).replace(tzinfo=None),
             "是" if r.late else "", r.changes, r.competition, r.other] for r in reps]
    data = exports.table_xlsx(title=f"客户信息报告 {month:%Y年%m月}", headers=["业务员", "团队", "提交时间", "逾期", "客户变动情况",
                                                                          "竞争环境", "其他"], rows=rows,
                              notes=[f"每月1–{rules.info_report_due(month).day}日提交（cust.monthly_info_report）"],
                              widths=[10, 10, 17, 6, 50, 50, 30], sheet="报告")
    log_export(request.user, what="客户信息报告", fmt="xlsx", rows=len(rows), filters={"month": f"{month:%Y-%m}"})
    return file_response(data, f"客户信息报告-{month:%Y%m}.xlsx", exports.XLSX_MIME)
