"""API for Excel import/export of customers (`cust.duplicate`, `cust.export_control`)."""

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from yewu.common.errors import NotFound, ValidationError
from yewu.common.schemas import ERRORS, XLSX, binary, file_op
from yewu.customers.documents import views as vf
from yewu.customers.documents import xlsx as exports
from yewu.customers.imports import guard as import_guard
from yewu.customers.imports import jobs as import_jobs
from yewu.customers.imports import rows as imports

imports_router = Router(tags=["import/export"])


class ImportRowOut(Schema):
    row: int
    status: str = Field(..., description="ok / warning / error / duplicate")
    status_label: str
    message: str
    fields: dict[str, str] = Field(..., description="列名 → 问题")
    rule: str
    customer_id: int | None = None
    name: str


class ImportCounts(Schema):
    ok: int = 0
    warning: int = 0
    error: int = 0
    duplicate: int = 0


class ImportReportOut(Schema):
    filename: str
    total: int
    saved: int
    counts: ImportCounts
    ignored_columns: list[str]
    rows: list[ImportRowOut]
    rows_truncated: bool
    seconds: float
    report_token: str | None = None
    report_url: str


class ImportJobOut(ImportReportOut):
    """An import job: its progress while it runs, then its report (rows are listed once it is done)."""

    job: str
    state: str = Field(..., description="queued / running / done / failed")
    state_label: str
    message: str
    rows_done: int
    rows_estimate: int
    percent: int
    status_url: str


def _job_out(job) -> dict:
    rep = import_jobs.ImportReport(job)
    out = rep.as_dict()
    out["status_url"] = f"/api/v1/imports/jobs/{rep.report_token}"
    out["report_url"] = f"/api/v1/imports/reports/{rep.report_token}.xlsx"
    return out


@imports_router.post("/customers", response={200: ImportJobOut, 202: ImportJobOut, **ERRORS},
                     openapi_extra=binary(XLSX, "JSON report, or the uploaded rows with 结果/说明 (?report=xlsx)",
                                          json_schema={"$ref": "#/components/schemas/ImportJobOut"}),
                     summary="Import customers from .xlsx (chunked job; per-row report)")
def import_customers(request, file: UploadedFile = File(...), report: str = "json"):
    """The upload is bounded before it is parsed (size, zip members, cell length, rows, parse time: rule
    ``import.limits``) → 400 naming the limit, nothing saved. Then it is imported in chunks that each commit
    with the job's progress; uploading the same file again continues an unfinished job. Small files finish
    in this request: 200 with counts and the first 200 rows (problems first), or with ``?report=xlsx`` the
    uploaded rows plus 结果/说明 columns. Larger files go to the worker: 202 with ``status_url`` to poll."""
    if report not in ("json", "xlsx"):
        raise ValidationError("report 只能是 json 或 xlsx", fields={"report": "json / xlsx"})
    if file.size and file.size > imports.max_bytes():
        raise import_guard.refuse(f"文件过大（{file.size / 1048576:.1f} MB），上限 {imports.max_bytes() // 1048576} MB",
                                  "文件过大")
    job = import_jobs.start_import(request.user, file.read(), file.name or "")
    if job.state != job.State.DONE:
        return Status(202, _job_out(job))
    if report == "xlsx":
        return vf.file_response(import_jobs.report_xlsx(job), "客户导入结果.xlsx", exports.XLSX_MIME)
    return _job_out(job)


@imports_router.get("/jobs/{token}", response={200: ImportJobOut, **ERRORS},
                    summary="Progress and result of an import (own imports only)")
def import_job(request, token: str):
    job = import_jobs.job_for_token(request.user, token)
    if job is None:
        raise NotFound("导入任务不存在")
    return _job_out(job)


@imports_router.get("/customers/template.xlsx", **file_op(XLSX), summary="Import template (Chinese headers)")
def import_template(request):
    return vf.file_response(imports.template_xlsx(), "客户导入模板.xlsx", exports.XLSX_MIME)


@imports_router.get("/reports/{token}.xlsx", **file_op(XLSX), summary="Excel report of an earlier import (own imports only)")
def import_report(request, token: str):
    data = import_jobs.load_report(request.user, token)
    if data is None:
        raise NotFound("导入结果不存在或已过期")
    return vf.file_response(data, "客户导入结果.xlsx", exports.XLSX_MIME)


