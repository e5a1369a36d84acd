"""Excel rendering of the customer archive (SPEC §9.1): pure functions, data in → ``bytes`` out.

No queries and no access decisions here: callers (documents.views, documents.api, imports) collect the rows through
``selectors`` and pass plain values. The same :class:`FormDoc` is rendered to PDF by ``forms_pdf``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from yewu.common.xlsx import XLSX_MIME as XLSX_MIME  # re-exported: callers use exports.XLSX_MIME
from yewu.common.xlsx import safe_text

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
_REQ_FILL = PatternFill("solid", fgColor="FCE4D6")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def cell_value(v: Any) -> Any:
    """A value openpyxl writes safely (yewu.common.xlsx: no formulas from user text, no control characters);
    here also blanks for None, 是/否 for booleans and naive datetimes as stored."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, (date, int, float, Decimal)):
        return v
    return safe_text(str(v))


def _to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- generic forms (archive card, contact directory, visit log, purchase/sales record) -------------


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]
    widths: list[float] | None = None  # relative widths (PDF) / character widths (Excel)
    empty_text: str = "（无记录）"


@dataclass
class Section:
    title: str
    fields: list[tuple[str, Any]] = field(default_factory=list)  # label → value, shown in two columns
    table: Table | None = None
    note: str = ""


@dataclass
class FormDoc:
    """One printable form: title, header lines, sections. Rendered by :func:`form_xlsx` and
    ``pdf_writer.form_pdf``."""

    title: str
    subtitle: str = ""
    meta: list[tuple[str, str]] = field(default_factory=list)  # e.g. 打印人, 打印时间
    marking: str = ""  # 密级 stamp, e.g. "机密"
    sections: list[Section] = field(default_factory=list)
    landscape: bool = False
    footer: str = ""
    signatures: list[str] = field(default_factory=list)  # signature lines printed at the end, e.g. 业务经理审核


def form_xlsx(doc: FormDoc) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = doc.title[:31]
    ncols = max([2 * 2] + [len(s.table.headers) for s in doc.sections if s.table])
    r = 1
    ws.cell(r, 1, cell_value(doc.title)).font = _TITLE
    if doc.marking:
        ws.cell(r, ncols, cell_value(f"密级：{doc.marking}")).font = Font(bold=True, color="C00000")
    r += 1
    if doc.subtitle:
        ws.cell(r, 1, cell_value(doc.subtitle)).font = _BOLD
        r += 1
    if doc.meta:
        ws.cell(r, 1, cell_value("　　".join(f"{k}：{v}" for k, v in doc.meta)))
        r += 1
    for s in doc.sections:
        r += 1
        ws.cell(r, 1, cell_value(s.title)).font = _BOLD
        r += 1
        for i in range(0, len(s.fields), 2):
            for j, (label, value) in enumerate(s.fields[i : i + 2]):
                a = ws.cell(r, 1 + 2 * j, cell_value(label))
                a.font, a.fill, a.border = _BOLD, _HEAD_FILL, _BOX
                b = ws.cell(r, 2 + 2 * j, cell_value(value))
                b.border, b.alignment = _BOX, _WRAP
            r += 1
        if s.table is not None:
            for j, h in enumerate(s.table.headers, start=1):
                c = ws.cell(r, j, cell_value(h))
                c.font, c.fill, c.border = _BOLD, _HEAD_FILL, _BOX
            r += 1
            if not s.table.rows:
                ws.cell(r, 1, s.table.empty_text)
                r += 1
            for row in s.table.rows:
                for j, v in enumerate(row, start=1):
                    c = ws.cell(r, j, cell_value(v))
                    c.border, c.alignment = _BOX, _WRAP
                r += 1
        if s.note:
            ws.cell(r, 1, cell_value(s.note)).font = Font(italic=True, color="7F6000")
            r += 1
    if doc.signatures:
        r += 1
        for j, label in enumerate(doc.signatures):
            ws.cell(r, 1 + 2 * j if 2 * len(doc.signatures) <= ncols else 1 + j, f"{label}：")
        r += 1
    if doc.footer:
        r += 1
        ws.cell(r, 1, doc.footer).font = Font(color="666666")
    widths = [14.0, 26.0, 14.0, 26.0]
    for s in doc.sections:
        for j, w in enumerate((s.table.widths or []) if s.table else []):
            if j < len(widths):
                widths[j] = max(widths[j], w)
            else:
                widths.append(w)
    for j, w in enumerate(widths[:ncols], start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.page_setup.orientation = "landscape" if doc.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    return _to_bytes(wb)


# --- customer list export ------------------------------------------------------------------------


def table_xlsx(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], notes: Sequence[str] = (),
               widths: Sequence[float] | None = None, sheet: str = "客户") -> bytes:
    """A list in write-only mode (streams 100 k rows): title, note lines, blank, header, rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    if widths:
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = f"A{len(notes) + 4}"
    ws.append([cell_value(title)])
    for n in notes:
        ws.append([cell_value(n)])
    ws.append([])
    ws.append([cell_value(h) for h in headers])
    for row in rows:
        ws.append([cell_value(v) for v in row])
    return _to_bytes(wb)


def find_header_row(ws, first: str) -> int:
    """Row number (1-based) of the header row whose first cell is ``first`` (used by tests and the
    importer to skip title/note lines)."""
    for i, row in enumerate(ws.iter_rows(min_row=1, max_row=50, max_col=1, values_only=True), start=1):
        if row and isinstance(row[0], str) and row[0].strip().rstrip("*") == first:
            return i
    raise LookupError(first)


# --- import template and report ------------------------------------------------------------------


@dataclass
class TemplateColumn:
    header: str
    required: bool = False
    width: float = 14
    choices: list[str] | None = None
    hint: str = ""


def import_template_xlsx(columns: Sequence[TemplateColumn], notes: Sequence[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    for j, col in enumerate(columns, start=1):
        c = ws.cell(1, j, col.header + ("*" if col.required else ""))
        c.font, c.border = _BOLD, _BOX
        c.fill = _REQ_FILL if col.required else _HEAD_FILL
        ws.column_dimensions[get_column_letter(j)].width = col.width
        if col.choices:
            # the list goes into a hidden sheet: inline lists are limited to 255 characters
            dv = DataValidation(type="list", formula1=_choice_range(wb, col), allow_blank=not col.required,
                                showErrorMessage=True, errorTitle=col.header, error="请从下拉列表选择")
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}20001")
    ws.freeze_panes = "A2"
    info = wb.create_sheet("说明")
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 90
    info.append(["客户导入模板说明"])
    info["A1"].font = _TITLE
    for n in notes:
        info.append([n])
    info.append([])
    info.append(["列", "说明"])
    for col in columns:
        info.append([col.header + ("（必填）" if col.required else ""),
                     col.hint + ("；可选：" + "、".join(col.choices) if col.choices else "")])
    return _to_bytes(wb)


def _choice_range(wb: Workbook, col: TemplateColumn) -> str:
    if "选项" not in wb.sheetnames:
        ch = wb.create_sheet("选项")
        ch.sheet_state = "hidden"
    ch = wb["选项"]
    j = ch.max_column + 1 if ch.max_row > 1 or ch["A1"].value else 1
    ch.cell(1, j, col.header)
    for i, v in enumerate(col.choices or [], start=2):
        ch.cell(i, j, v)
    letter = get_column_letter(j)
    return f"'选项'!${letter}$2:${letter}${len(col.choices or []) + 1}"


def import_report_xlsx(*, headers: Sequence[str], rows: Iterable[Sequence[Any]], summary: Sequence[str]) -> bytes:
    """The uploaded rows as they were, plus 行号, 结果 and 说明 columns; summary lines on a second sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入结果")
    ws.freeze_panes = "A2"
    ws.append([cell_value(h) for h in ("行号", "结果", "说明", *headers)])
    for row in rows:
        ws.append([cell_value(v) for v in row])
    s = wb.create_sheet("汇总")
    for line in summary:
        s.append([cell_value(line)])
    return _to_bytes(wb)
