"""PDF rendering of the customer-archive forms (SPEC §9.1): a :class:`~.exports.FormDoc` in, ``bytes`` out.

CJK text uses reportlab's built-in CID font STSong-Light (no font file needed; readers substitute a
Song/Ming face). No queries here.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.customers.documents.xlsx import FormDoc, Section, cell_value

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=9, leading=12, textColor=colors.HexColor("#1f3a56"))
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=1, spaceAfter=2)
_SUB = ParagraphStyle("sub", parent=_BODY, fontSize=11, leading=15, alignment=1)
_META = ParagraphStyle("meta", parent=_BODY, fontSize=8, leading=11, textColor=colors.HexColor("#555555"), alignment=1)
_SECTION = ParagraphStyle("section", parent=_BODY, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3,
                          textColor=colors.HexColor("#1f3a56"))
_NOTE = ParagraphStyle("note", parent=_BODY, textColor=colors.HexColor("#7f6000"))
_LABEL_BG = colors.HexColor("#e8eef5")
_GRID = colors.HexColor("#8a8a8a")


def _p(v, style=_BODY) -> Paragraph:
    v = cell_value(v)
    if hasattr(v, "strftime"):
        v = v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "hour") else v.isoformat()
    text = escape(str(v)).replace("\n", "<br/>")
    return Paragraph(text, style)


def _fields_table(fields: list[tuple[str, object]], width: float) -> Table:
    label_w, value_w = 32 * mm, width / 2 - 32 * mm
    data = []
    for i in range(0, len(fields), 2):
        pair = fields[i : i + 2]
        row = []
        for label, value in pair:
            row += [_p(label, _HEAD), _p(value)]
        if len(pair) == 1:
            row += ["", ""]
        data.append(row)
    t = Table(data, colWidths=[label_w, value_w, label_w, value_w])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), _LABEL_BG),
        ("BACKGROUND", (2, 0), (2, -1), _LABEL_BG),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if len(fields) % 2:  # the last row has one pair: span the value over the empty cells
        style += [("SPAN", (1, -1), (3, -1)), ("BACKGROUND", (2, -1), (2, -1), colors.white)]
    t.setStyle(TableStyle(style))
    return t


def _data_table(section: Section, width: float) -> Table:
    tb = section.table
    assert tb is not None
    rel = tb.widths or [1] * len(tb.headers)
    total = float(sum(rel))
    col_w = [width * w / total for w in rel]
    data = [[_p(h, _HEAD) for h in tb.headers]]
    style_rows = []
    if tb.rows:
        data += [[_p(v, _SMALL) for v in row] for row in tb.rows]
    else:
        data.append([_p(tb.empty_text, _NOTE)] + [""] * (len(tb.headers) - 1))
        style_rows.append(("SPAN", (0, 1), (-1, 1)))
    t = Table(data, colWidths=col_w, repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), _LABEL_BG),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *style_rows,
    ]))
    return t


def form_pdf(doc: FormDoc) -> bytes:
    buf = io.BytesIO()
    pagesize = landscape(A4) if doc.landscape else A4
    margin = 14 * mm
    pdf = SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=doc.title, author="Yewu 业务", subject=doc.subtitle)
    width = pagesize[0] - 2 * margin
    story: list = [_p(doc.title, _TITLE)]
    if doc.subtitle:
        story.append(_p(doc.subtitle, _SUB))
    if doc.meta:
        story.append(_p("　　".join(f"{k}：{v}" for k, v in doc.meta), _META))
    story.append(Spacer(1, 3 * mm))
    for s in doc.sections:
        block: list = [_p(s.title, _SECTION)]
        if s.fields:
            block.append(_fields_table(s.fields, width))
        if s.table is not None:
            if s.fields:
                block.append(Spacer(1, 2 * mm))
            block.append(_data_table(s, width))
        if s.note:
            block.append(Spacer(1, 1.5 * mm))
            block.append(_p(s.note, _NOTE))
        # keep a section title with the start of its content
        story.append(KeepTogether(block[:2]))
        story.extend(block[2:])
    if doc.signatures:
        sig = Table([[_p(f"{label}（签字）：") for label in doc.signatures],
                     [_p("日期：") for _ in doc.signatures]],
                    colWidths=[width / len(doc.signatures)] * len(doc.signatures), rowHeights=[12 * mm, 7 * mm])
        sig.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LINEBELOW", (0, 0), (-1, 0), 0.5, _GRID)]))
        story += [Spacer(1, 8 * mm), sig]
    if doc.footer:
        story += [Spacer(1, 4 * mm), _p(doc.footer, _META)]

    def decorate(canvas, pdf_doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        w, h = pagesize
        canvas.drawString(margin, 9 * mm, f"{doc.title}　｜　{doc.subtitle}"[:80])
        canvas.drawRightString(w - margin, 9 * mm, f"第 {canvas.getPageNumber()} 页")
        if doc.marking:
            canvas.setFont(FONT, 12)
            canvas.setFillColor(colors.HexColor("#c00000"))
            canvas.setStrokeColor(colors.HexColor("#c00000"))
            label = f"密级：{doc.marking}"
            tw = pdfmetrics.stringWidth(label, FONT, 12)
            x, y = w - margin - tw - 4, h - 11 * mm
            canvas.rect(x - 3, y - 3, tw + 6, 16, stroke=1, fill=0)
            canvas.drawString(x, y + 1, label)
        canvas.restoreState()

    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()
