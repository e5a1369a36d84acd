"""One paper-form layout for every service document: a :class:`Sheet` (title, number, date, sections of label/value
pairs or tables, signature lines, an optional signature image) written as PDF (reportlab, STSong-Light, via the
treasury documents' layout helpers) and as Excel (openpyxl, cells made safe by ``yewu.common.xlsx``). The
builders in the sibling modules only collect live data into a Sheet."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib.units import mm
from reportlab.platypus import Image, Spacer

from yewu.common import xlsx
from yewu.common.schemas import PDF, XLSX
from yewu.expenses.documents import _build, _grid, _p, _styles, company_name, rmb_upper

WIDE = 22  # a value longer than this takes a whole row


def t(dt) -> str:
    """A local time as shown on paper."""
    if dt is None:
        return ""
    if isinstance(dt, datetime):
        return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")
    return f"{dt:%Y-%m-%d}"


def amount(v) -> str:
    """Money on paper: figures and 人民币大写."""
    if v is None:
        return "—"
    return f"¥{Decimal(v):,.2f}（{rmb_upper(v)}）"


@dataclass
class Section:
    title: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)  # mm, tables only (sum 178)
    empty: str = "—"


@dataclass
class Sheet:
    title: str
    number: str
    day: date
    sections: list[Section]
    number_label: str = "编号"
    signatures: list[str] = field(default_factory=list)  # e.g. ["客户签字", "经办人"]
    image: bytes | None = None  # the customer's signature (PNG/JPEG)
    image_label: str = "客户签名"
    filename: str = ""


def _pairs_rows(pairs: list[tuple[str, str]], st) -> tuple[list, list]:
    rows, spans, pending = [], [], None
    for label, value in pairs:
        value = "" if value is None else str(value)
        if len(value) > WIDE or "\n" in value:
            if pending:
                rows.append([*pending, "", ""])
                spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
                pending = None
            rows.append([_p(label, st["h"]), _p(value or "—", st["c"]), "", ""])
            spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
        elif pending:
            rows.append([*pending, _p(label, st["h"]), _p(value or "—", st["c"])])
            pending = None
        else:
            pending = [_p(label, st["h"]), _p(value or "—", st["c"])]
    if pending:
        rows.append([*pending, "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    return rows, spans


def pdf(sheet: Sheet) -> bytes:
    st = _styles()
    body: list = []
    for i, s in enumerate(sheet.sections):
        if s.title:
            body.append(_p(f"{'一二三四五六七八九十'[i] if i < 10 else i + 1}、{s.title}", st["h"]))
        if s.pairs:
            rows, spans = _pairs_rows(s.pairs, st)
            body.append(_grid(rows, [28 * mm, 61 * mm, 28 * mm, 61 * mm], spans))
        if s.head:
            widths = [w * mm for w in (s.widths or [178 // len(s.head)] * len(s.head))]
            data = [[_p(h, st["h"]) for h in s.head]]
            data += [[_p(x, st["c"]) for x in r] for r in s.rows] or [[_p(s.empty, st["c"])] + [""] * (len(s.head) - 1)]
            spans = [] if s.rows else [((0, 1), (len(s.head) - 1, 1))]
            body.append(_grid(data, widths, spans, label_cols=()))
        body.append(Spacer(1, 3 * mm))
    if sheet.image:
        img = Image(io.BytesIO(sheet.image), mask="auto")  # a drawn signature is transparent: keep it on white
        scale = min(80 * mm / img.imageWidth, 30 * mm / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        body += [_p(f"{sheet.image_label}：", st["c"]), img]
    if sheet.signatures:
        cells = [_p(f"{s}：＿＿＿＿＿＿＿＿　日期：＿＿＿＿", st["c"]) for s in sheet.signatures]
        while len(cells) % 2:
            cells.append("")
        body += [Spacer(1, 4 * mm), _grid([cells[i:i + 2] for i in range(0, len(cells), 2)], [89 * mm, 89 * mm],
                                          label_cols=())]
    return _build(sheet.title, sheet.number, sheet.day, body, sheet.number_label)


def xlsx_bytes(sheet: Sheet) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.title[:31]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    ws.append([company_name()])
    ws.append([sheet.title])
    ws["A2"].font = Font(bold=True, size=14)
    xlsx.append(ws, [f"{sheet.number_label}：{sheet.number}", "", f"日期：{sheet.day:%Y-%m-%d}"])
    for s in sheet.sections:
        ws.append([])
        if s.title:
            xlsx.append(ws, [s.title])
            ws.cell(ws.max_row, 1).font = bold
        for label, value in s.pairs:
            xlsx.append(ws, [label, "" if value is None else str(value)])
            ws.cell(ws.max_row, 1).fill = fill
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        if s.head:
            xlsx.append(ws, s.head)
            for c in ws[ws.max_row]:
                c.font, c.fill = bold, fill
            for r in s.rows:
                xlsx.append(ws, r)
            if not s.rows:
                xlsx.append(ws, [s.empty])
    if sheet.signatures:
        ws.append([])
        for s in sheet.signatures:
            xlsx.append(ws, [s, ""])
    ws.append([])
    xlsx.append(ws, [f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M}　本表由系统根据实时数据生成"])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 48
    for col in "CDEFGH":
        ws.column_dimensions[col].width = 16
    return xlsx.to_bytes(wb)


def response(sheet: Sheet, fmt: str) -> HttpResponse:
    name = sheet.filename or sheet.number
    if fmt == "xlsx":
        r = HttpResponse(xlsx_bytes(sheet), content_type=XLSX)
        r["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return r
    r = HttpResponse(pdf(sheet), content_type=PDF)
    r["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return r
