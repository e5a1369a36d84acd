"""Shared drawing of the sales-management paper documents: a CJK PDF (reportlab, STSong-Light) of a title, a
subtitle and tables, an Excel workbook of the same rows, and 人民币大写 for money totals (SPEC §9)."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from xml.sax.saxutils import escape

import cn2an
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
HEAD_BG = "#DDEBF7"


def rmb_upper(amount) -> str:
    """人民币大写, e.g. 100000.00 → 壹拾万元整."""
    a = Decimal(amount or 0).quantize(Decimal("0.01"))
    if a == 0:
        return "零元整"
    return ("负" if a < 0 else "") + cn2an.an2cn(f"{abs(a):f}", "rmb")


def money(v) -> str:
    return f"{Decimal(v or 0).quantize(Decimal('0.01')):,.2f}"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _p(text, style) -> Paragraph:
    # STSong-Light has no glyph for the Latin middle dot "·" nor the minus sign "−": printed as "—" and "-"
    text = str(text if text is not None else "").replace(" · ", " — ").replace("·", "—").replace("−", "-")
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class Section:
    """One block of a document: a heading, a header row and rows (lists of cells), optional column widths (mm)
    and a closing line (e.g. the total in figures and 人民币大写)."""

    def __init__(self, heading: str, header: list[str], rows: list[list], widths: list[float] | None = None,
                 footer: str = "", new_page: bool = False):
        self.heading, self.header, self.rows, self.widths, self.footer = heading, header, rows, widths, footer
        self.new_page = new_page


def pdf(title: str, subtitle: str, sections: list[Section], *, wide: bool = True, signatures: str = "") -> bytes:
    font = _font()
    buf = io.BytesIO()
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title)
    h = ParagraphStyle("h", fontName=font, fontSize=16, leading=21, alignment=1)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=15, spaceBefore=4)
    p = ParagraphStyle("p", fontName=font, fontSize=8.5, leading=11)
    small = ParagraphStyle("s", fontName=font, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"))
    story = [_p(title, h), Spacer(1, 2 * mm), _p(subtitle, small), Spacer(1, 3 * mm)]
    usable = (size[0] - 24 * mm) / mm
    for sec in sections:
        if sec.new_page:
            story.append(PageBreak())
        if sec.heading:
            story += [_p(sec.heading, h2), Spacer(1, 1.5 * mm)]
        data = [[_p(c, p) for c in sec.header]] + [[_p(c, p) for c in row] for row in sec.rows]
        if not sec.rows:
            data.append([_p("（无）", p)] + [""] * (len(sec.header) - 1))
        widths = sec.widths or [usable / len(sec.header)] * len(sec.header)
        scale = usable / sum(widths) if sum(widths) > usable else 1
        t = Table(data, repeatRows=1, colWidths=[w * scale * mm for w in widths])
        style = [("FONT", (0, 0), (-1, -1), font, 8.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEAD_BG)), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for i in range(2, len(data), 2):
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#F6F8FA")))
        t.setStyle(TableStyle(style))
        story.append(t)
        if sec.footer:
            story += [Spacer(1, 1.5 * mm), _p(sec.footer, p)]
        story.append(Spacer(1, 4 * mm))
    if signatures:
        story += [Spacer(1, 6 * mm), _p(signatures, p)]
    doc.build(story)
    return buf.getvalue()


def xlsx(title: str, subtitle: str, sections: list[Section]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([subtitle])
    for sec in sections:
        ws.append([])
        if sec.heading:
            ws.append([sec.heading])
            ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
        ws.append(sec.header)
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor=HEAD_BG[1:])
        for row in sec.rows:
            ws.append([_cell(c) for c in row])
        if sec.footer:
            ws.append([sec.footer])
    for col in ws.columns:
        letter = col[0].column_letter
        ws.column_dimensions[letter].width = min(40, max([9, *(len(str(c.value or "")) * 1.6 for c in col[2:])]))  # a sheet without rows: 9
        for c in col[2:]:
            c.alignment = Alignment(vertical="top", wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")


def _cell(v):
    """Figures as numbers in Excel ("1,234.50" → 1234.50), the rest as text."""
    if isinstance(v, str) and _NUMBER.fullmatch(v.strip()):
        return Decimal(v.strip().replace(",", ""))
    return v


MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def file_response(content: bytes, fmt: str, name: str):
    """The HTTP answer of a document: a PDF shown inline, an Excel file downloaded."""
    from django.http import HttpResponse  # documents stay importable without a request cycle; only pages call this

    resp = HttpResponse(content, content_type=MIME[fmt])
    resp["Content-Disposition"] = f'{"inline" if fmt == "pdf" else "attachment"}; filename="{name}.{fmt}"'
    return resp
