"""Downloads of the customer archive: the list export and the paper documents (card, visit book, sales record,
contacts directory) as PDF/Excel (SPEC §9.1, §1.3 `cust.export_control`).

Data is collected here, always through ``selectors`` (row access, 密级 level, credit visibility), and
handed as plain values to the writers in ``documents.xlsx`` / ``documents.pdf``. Every download is an export in
the sense of `cust.export_control` and is written to the audit log.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from yewu.common.errors import YewuError
from yewu.customers.documents import pdf as pdf_writer
from yewu.customers.documents import xlsx as exports
from yewu.customers.documents.archive import (
    PDF_MAX_ROWS,
    PDF_MIME,
    card_doc,
    check_export_one,
    contacts_doc,
    customer_or_404,
    export_customers_xlsx,
    log_export,
    sales_record_doc,
    visits_doc,
)

# --- access helpers -------------------------------------------------------------------------------
















# --- list filters ---------------------------------------------------------------------------------









# --- customer list export ---------------------------------------------------------------------------









# --- forms -----------------------------------------------------------------------------------------
























# --- HTTP -----------------------------------------------------------------------------------------


def file_response(data: bytes, filename: str, mime: str, inline: bool = False) -> HttpResponse:
    r = HttpResponse(data, content_type=mime)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    disp = "inline" if inline else "attachment"
    r["Content-Disposition"] = f"{disp}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    r["Cache-Control"] = "no-store"
    return r


def error_response(e: YewuError) -> HttpResponse:
    text = e.message + (f"（规则 {e.rule}）" if e.rule else "")
    return HttpResponse(text, status=e.status, content_type="text/plain; charset=utf-8")


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


@login_required
@require_GET
def export_list(request):
    try:
        data, _rows, _withheld = export_customers_xlsx(request.user, request.GET)
    except YewuError as e:
        return error_response(e)
    return file_response(data, f"客户清单-{_stamp()}.xlsx", exports.XLSX_MIME)


def _one_customer_form(build, what: str, stem: str):
    @login_required
    @require_GET
    def view(request, pk: int, fmt: str):
        c = customer_or_404(request.user, int(pk))
        try:
            check_export_one(request.user, c)
            doc = build(request.user, c)
        except YewuError as e:
            return error_response(e)
        data = pdf_writer.form_pdf(doc) if fmt == "pdf" else exports.form_xlsx(doc)
        rows = sum(len(s.table.rows) for s in doc.sections if s.table) or 1
        log_export(request.user, what=what, fmt=fmt, rows=rows, obj=c)
        mime = PDF_MIME if fmt == "pdf" else exports.XLSX_MIME
        return file_response(data, f"{stem}-{c.pk}.{fmt}", mime, inline=fmt == "pdf")

    return view


card = _one_customer_form(card_doc, "客户档案卡", "客户档案卡")
visits = _one_customer_form(visits_doc, "客户拜访记录簿", "客户拜访记录簿")
sales_record = _one_customer_form(sales_record_doc, "客户进销记录簿", "客户进销记录簿")


@login_required
@require_GET
def contacts(request, fmt: str):
    try:
        doc, rows, withheld, f = contacts_doc(request.user, request.GET, limit=PDF_MAX_ROWS if fmt == "pdf" else None)
    except YewuError as e:
        return error_response(e)
    data = pdf_writer.form_pdf(doc) if fmt == "pdf" else exports.form_xlsx(doc)
    log_export(request.user, what="客户通讯录", fmt=fmt, rows=rows, withheld=withheld, filters=f)
    mime = PDF_MIME if fmt == "pdf" else exports.XLSX_MIME
    return file_response(data, f"客户通讯录-{_stamp()}.{fmt}", mime, inline=fmt == "pdf")


# --- import page ----------------------------------------------------------------------------------














def send_form(request, doc, fmt: str, stem: str, c=None, rows: int = 1):
    data = pdf_writer.form_pdf(doc) if fmt == "pdf" else exports.form_xlsx(doc)
    log_export(request.user, what=doc.title, fmt=fmt, rows=rows, obj=c)
    return file_response(data, f"{stem}.{fmt}", PDF_MIME if fmt == "pdf" else exports.XLSX_MIME, inline=fmt == "pdf")
