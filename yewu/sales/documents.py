"""Quotation PDF (reportlab, CJK font STSong-Light) and Excel (openpyxl)."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

import cn2an
from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.common import xlsx
from yewu.policy.pricing import fmt

from .models import Quote

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def company_info() -> dict:
    c = getattr(settings, "YEWU_COMPANY", None) or {}
    return {"name": c.get("name", "广州业务示范有限公司"), "address": c.get("address", "广州市"),
            "phone": c.get("phone", ""), "bank": c.get("bank", "")}


def rmb_upper(amount: Decimal) -> str:
    """人民币大写, e.g. 1,052.63 → 壹仟零伍拾贰元陆角叁分."""
    a = Decimal(amount).quantize(Decimal("0.01"))
    if a == 0:
        return "零元整"
    return cn2an.an2cn(f"{a:f}", "rmb")


def _t(s: str) -> str:
    """Escape user text for reportlab Paragraph markup; superscripts the CJK font lacks are drawn as <super>."""
    s = escape(s or "")
    return s.replace("²", "<super>2</super>").replace("³", "<super>3</super>")


def _qty(q: Decimal) -> str:
    s = f"{q.normalize():f}"
    return s


INVOICE_TEXT = {"vat_special": "含税价，开具增值税专用发票", "general": "含税价，开具普通发票", "none": "不开发票"}


def quote_pdf(q: Quote) -> bytes:
    font = _font()
    co = company_info()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"报价单 {q.number}", author=co["name"])
    st = {
        "co": ParagraphStyle("co", fontName=font, fontSize=16, leading=20, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=9, leading=12, alignment=TA_CENTER, textColor=colors.grey),
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=26, alignment=TA_CENTER, spaceBefore=6, spaceAfter=6),
        "n": ParagraphStyle("n", fontName=font, fontSize=10, leading=14),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11),
        "r": ParagraphStyle("r", fontName=font, fontSize=9, leading=11, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")),
    }
    els = [Paragraph(co["name"], st["co"])]
    sub = "　".join(x for x in (co["address"], f"电话：{co['phone']}" if co["phone"] else "") if x)
    if sub:
        els.append(Paragraph(sub, st["sub"]))
    els.append(Paragraph("产 品 报 价 单", st["title"]))
    owner = q.owner
    info = [
        [Paragraph(f"报价单号：{q.number}", st["n"]), Paragraph(f"报价日期：{q.quote_date:%Y-%m-%d}", st["n"])],
        [Paragraph(f"客户：{_t(q.customer.name)}", st["n"]), Paragraph(f"有效期至：{q.valid_until:%Y-%m-%d}", st["n"])],
        [Paragraph(f"业务员：{_t(owner.name)}" + (f"　电话：{_t(owner.mobile)}" if owner.mobile else ""), st["n"]),
         Paragraph(f"发票：{INVOICE_TEXT.get(q.invoice_choice, q.invoice_choice)}", st["n"])],
    ]
    t = Table(info, colWidths=[100 * mm, 80 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    els += [t, Spacer(1, 4 * mm)]
    rows = [[Paragraph(h, st["cell"]) for h in ("序号", "产品编码", "品名 / 规格型号", "单位", "数量", "单价（元）", "金额（元）")]]
    for ln in q.lines.all():
        name = _t(ln.product_name) + (f"<br/><font size=8 color='#555555'>{_t(ln.specification)}</font>" if ln.specification else "")
        rows.append([Paragraph(str(ln.position), st["cell"]), Paragraph(_t(ln.product_code), st["cell"]), Paragraph(name, st["cell"]),
                     Paragraph(_t(ln.unit), st["cell"]), Paragraph(_qty(ln.quantity), st["r"]), Paragraph(fmt(ln.unit_price), st["r"]),
                     Paragraph(fmt(ln.amount), st["r"])])
    rows.append([Paragraph("合计（含税）", st["cell"]), "", "", "", "", "", Paragraph(fmt(q.total), st["r"])])
    rows.append([Paragraph(f"人民币大写：{rmb_upper(q.total)}", st["cell"]), "", "", "", "", "", ""])
    lt = Table(rows, colWidths=[11 * mm, 26 * mm, 62 * mm, 12 * mm, 20 * mm, 24 * mm, 25 * mm], repeatRows=1)
    n = len(rows)
    lt.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, n - 2), (5, n - 2)),
        ("SPAN", (0, n - 1), (6, n - 1)),
    ]))
    els += [lt, Spacer(1, 5 * mm)]
    terms = [
        f"1. 以上价格为含税价（人民币），{INVOICE_TEXT.get(q.invoice_choice, '')}。",
        f"2. 本报价有效期至 {q.valid_until:%Y年%m月%d日}，逾期请重新询价。",
        "3. 送货到客户指定地址；结算方式以双方签订的订单/合同为准。",
    ]
    if q.notes:
        terms.append(f"4. 备注：{_t(q.notes)}")
    for line in terms:
        els.append(Paragraph(line, st["small"]))
    els.append(Spacer(1, 10 * mm))
    sig = Table([[Paragraph(f"报价单位：{co['name']}（盖章）", st["n"]), Paragraph("客户确认（签字/盖章）：", st["n"])],
                 [Paragraph(f"业务员：{owner.name}", st["n"]), Paragraph("日期：", st["n"])]],
                colWidths=[100 * mm, 80 * mm])
    els.append(sig)
    els.append(Spacer(1, 6 * mm))
    els.append(Paragraph(f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M}　状态：{q.get_state_display()}", st["small"]))
    doc.build(els)
    return buf.getvalue()


def quote_xlsx(q: Quote) -> bytes:
    co = company_info()
    wb = Workbook()
    ws = wb.active
    ws.title = "报价单"
    xlsx.append(ws, [co["name"]])
    xlsx.append(ws, ["产品报价单"])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(bold=True, size=12)
    xlsx.append(ws, ["报价单号", q.number, "报价日期", q.quote_date, "有效期至", q.valid_until])
    xlsx.append(ws, ["客户", q.customer.name, "业务员", q.owner.name, "发票", INVOICE_TEXT.get(q.invoice_choice, "")])
    xlsx.append(ws, [])
    xlsx.append(ws, ["序号", "产品编码", "品名", "规格型号", "单位", "数量", "单价（元）", "金额（元）"])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for ln in q.lines.all():
        xlsx.append(ws, [ln.position, ln.product_code, ln.product_name, ln.specification, ln.unit, ln.quantity, ln.unit_price, ln.amount])
        for col in (7, 8):
            ws.cell(ws.max_row, col).number_format = "#,##0.00"
    xlsx.append(ws, ["合计（含税）", None, None, None, None, None, None, q.total])
    ws.cell(ws.max_row, 8).number_format = "#,##0.00"
    xlsx.append(ws, ["人民币大写", rmb_upper(q.total)])
    for col, w in zip("ABCDEFGH", (12, 16, 24, 24, 6, 10, 12, 14), strict=True):
        ws.column_dimensions[col].width = w
    ws["A1"].alignment = Alignment(horizontal="left")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
