"""API for Excel import/export of customers (`cust.duplicate`, `cust.export_control`)."""

from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from yewu.common.errors import NotFound, ValidationError
from yewu.common.schemas import ERRORS, XLSX, binary, file_op

from . import exports, imports
from . import views_files as vf

imports_router = Router(tags=["import/export"])
exports_router = Router(tags=["import/export"])


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


@imports_router.post("/customers", response={200: ImportReportOut, **ERRORS},
                     openapi_extra=binary(XLSX, "JSON report, or the uploaded rows with 结果/说明 (?report=xlsx)",
                                          json_schema={"$ref": "#/components/schemas/ImportReportOut"}),
                     summary="Import customers from .xlsx (per-row report)")
def import_customers(request, file: UploadedFile = File(...), report: str = "json"):
    """One transaction per file, one savepoint per row: valid rows are saved, bad and duplicate rows are not.
    Returns counts and the first 200 rows (problems first) as JSON, or with ``?report=xlsx`` the uploaded
    rows plus 结果/说明 columns. Not an .xlsx, too large or over the row limit → 400, nothing saved."""
    if report not in ("json", "xlsx"):
        raise ValidationError("report 只能是 json 或 xlsx", fields={"report": "json / xlsx"})
    rep, data = imports.import_and_report(request.user, file.read(), file.name or "", xlsx=report == "xlsx")
    if data is not None:
        return vf.file_response(data, "客户导入结果.xlsx", exports.XLSX_MIME)
    out = rep.as_dict()
    out["report_url"] = f"/api/v1/imports/reports/{rep.report_token}.xlsx"
    return out


@imports_router.get("/customers/template.xlsx", **file_op(XLSX), summary="Import template (Chinese headers)")
def import_template(request):
    return vf.file_response(imports.template_xlsx(), "客户导入模板.xlsx", exports.XLSX_MIME)


@imports_router.get("/reports/{token}.xlsx", **file_op(XLSX), summary="Excel report of an earlier import (own imports only)")
def import_report(request, token: str):
    data = imports.load_report(request.user, token)
    if data is None:
        raise NotFound("导入结果不存在或已过期")
    return vf.file_response(data, "客户导入结果.xlsx", exports.XLSX_MIME)


@exports_router.get("/customers.xlsx", **file_op(XLSX), summary="Export the customers the user can see (logged)")
def export_customers(request, q: str = "", owner: str = "", city: str = "", status: str = "", demand_grade: str = ""):
    """Rows only from the user's row access; columns by 密级 level and credit visibility; 机密/绝密 customers
    are withheld unless manager rank (`cust.export_control`); every export is in the audit log."""
    params = {"q": q, "owner": owner, "city": city, "status": status, "demand_grade": demand_grade}
    data, rows, withheld = vf.export_customers_xlsx(request.user, params)
    r = vf.file_response(data, "客户清单.xlsx", exports.XLSX_MIME)
    r["X-Export-Rows"], r["X-Export-Withheld"] = str(rows), str(withheld)
    return r
