"""部门管理表 as Excel (openpyxl) and PDF (reportlab, STSong-Light), from the table's rows (`daily.table_by_0900`)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.policy.salesmgmt import METRICS

FONT = "STSong-Light"
HEADER = ["业务员", "指标", "当日目标", "当日实际", "月累计目标", "月累计实际", "达成率%", "次日目标", "备注"]


def _state(t) -> str:
    if t.state == "submitted":
        at = timezone.localtime(t.submitted_at).strftime("%m-%d %H:%M:%S")
        return f"已提交 {at}（{t.submitted_by}）" + (" 逾期" if t.late else " 按时")
    return f"草稿（{timezone.localtime(t.drafted_at):%m-%d %H:%M} 起草，须在 {timezone.localtime(t.due_at):%m-%d %H:%M} 前提交）"


def lines(t) -> list[list]:
    out = []
    for r in t.rows:
        for i, m in enumerate(r["metrics"]):
            nxt = (r.get("next_targets") or {}).get(m["metric"], "—")
            out.append([r["salesperson"] if i == 0 else "", m["label"], m["target"], m["actual"], m["mtd_target"],
                        m["mtd_actual"], m["mtd_pct"] if m["mtd_pct"] is not None else "—", nxt,
                        (r.get("note") or "") if i == 0 else ""])
    return out


def xlsx(t) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "部门管理表"
    ws.append([f"部门管理表 · {t.team} · {t.day:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"daily.table_by_0900 · {_state(t)}"])
    ws.append(HEADER)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDEBF7")
    short = {(r["salesperson"], s["label"]) for r in t.rows for s in r["shortfalls"]}
    name = ""
    for line in lines(t):
        name = line[0] or name
        ws.append(line)
        if (name, line[1]) in short:
            ws.cell(ws.max_row, 4).font = Font(color="C00000", bold=True)
    if t.notes:
        ws.append([])
        ws.append(["经理备注", t.notes])
    for col, w in zip("ABCDEFGHI", (10, 14, 12, 12, 13, 13, 9, 10, 30), strict=True):
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=4):
        for c in row:
            c.alignment = Alignment(vertical="top", wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pdf(t) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=f"部门管理表 {t.team} {t.day}")
    h = ParagraphStyle("h", fontName=FONT, fontSize=16, leading=20)
    p = ParagraphStyle("p", fontName=FONT, fontSize=9, leading=12)
    story = [Paragraph(f"部门管理表 — {t.team} — {t.day:%Y-%m-%d}", h), Spacer(1, 3 * mm),
             Paragraph(f"daily.table_by_0900 — {_state(t)}", p), Spacer(1, 3 * mm)]
    data = [HEADER] + [[Paragraph(str(c), p) for c in line] for line in lines(t)]
    tbl = Table(data, repeatRows=1, colWidths=[22 * mm, 28 * mm, 26 * mm, 26 * mm, 28 * mm, 28 * mm, 18 * mm, 22 * mm, 70 * mm])
    style = [("FONT", (0, 0), (-1, -1), FONT, 9), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    n = len(METRICS)
    for i in range(len(t.rows)):
        if i % 2:
            style.append(("BACKGROUND", (0, 1 + i * n), (-1, (i + 1) * n), colors.HexColor("#F5F5F5")))
    tbl.setStyle(TableStyle(style))
    story.append(tbl)
    if t.notes:
        story += [Spacer(1, 4 * mm), Paragraph(f"经理备注：{t.notes}", p)]
    doc.build(story)
    return buf.getvalue()
