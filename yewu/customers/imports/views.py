"""The customer import page (/customers/import/): upload, job progress, row report, Excel template and report."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yewu.common.errors import YewuError
from yewu.customers.documents import xlsx as exports
from yewu.customers.documents.views import file_response
from yewu.customers.imports import guard as import_guard
from yewu.customers.imports import jobs as import_jobs
from yewu.customers.imports import rows as imports
from yewu.org.permissions import can


@login_required
@require_GET
def import_template(request):
    return file_response(imports.template_xlsx(), "客户导入模板.xlsx", exports.XLSX_MIME)


def _import_ctx(request) -> dict[str, Any]:
    return {"columns": imports.COLUMNS, "max_rows": imports.max_rows(),
            "max_cell": import_guard.limit("YEWU_IMPORT_MAX_CELL_CHARS"),
            "may_import": can(request.user, "imports_customers")}


def _job_ctx(ctx: dict[str, Any], job) -> dict[str, Any]:
    rep = import_jobs.ImportReport(job)
    ctx["job"] = rep
    if rep.done:
        ctx["report"], ctx["detail"] = rep, rep.detail(problems_first=True)
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Upload → the job starts (small files finish here; larger ones run in the worker and the job page
    shows the progress, then the row report)."""
    ctx = _import_ctx(request)
    if request.method == "POST":
        upload = request.FILES.get("file")
        status = 200
        if upload is None:
            ctx["error"], status = "请选择要导入的 Excel 文件", 400
        elif upload.size > imports.max_bytes():  # refused before the upload is read into memory
            ctx["error"], ctx["rule"], status = (f"文件过大（{upload.size / 1048576:.1f} MB），上限 "
                                                 f"{imports.max_bytes() // 1048576} MB"), import_guard.RULE, 400
        else:
            try:
                job = import_jobs.start_import(request.user, upload.read(), upload.name)
            except YewuError as e:
                ctx["error"], ctx["rule"], status = e.message, e.rule, e.status
            else:
                if job.state != job.State.DONE:
                    return redirect("customer_files:import_job", token=f"{job.user_id}-{job.token}")
                _job_ctx(ctx, job)
        return render(request, "customers/import.html", ctx, status=status)
    return render(request, "customers/import.html", ctx)


@login_required
@require_GET
def import_job(request, token: str):
    """An import's progress (the page reloads itself until the job is done), then its row report."""
    job = import_jobs.job_for_token(request.user, token)
    if job is None:
        raise Http404("导入任务不存在")
    return render(request, "customers/import.html", _job_ctx(_import_ctx(request), job))


@login_required
@require_GET
def import_report(request, token: str):
    data = import_jobs.load_report(request.user, token)
    if data is None:
        raise Http404("导入结果不存在或已过期")
    return file_response(data, "客户导入结果.xlsx", exports.XLSX_MIME)
