"""Money forms (SPEC §9.1 P1 of §5): 收据 (receipt) PDF with the amount in figures and 人民币大写
(`cash.receipt_words`), 对账单 (customer statement) PDF and Excel, 应收账款账龄表 and 发票登记 Excel."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.common import xlsx
from yewu.policy.calendar import TZ
from yewu.policy.receivables import BUCKET_LABELS, BUCKETS, fmt
from yewu.sales.documents import _font, _t, company_info, rmb_upper

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _int_words(s: str) -> int:
    total, section, digit = 0, 0, 0
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10000
            section = digit = 0
        elif ch == "亿":
            total = (total + section + digit) * 100000000
            section = digit = 0
        else:
            raise ValueError(f"unexpected {ch!r} in {s!r}")
    return total + section + digit


def rmb_words_value(words: str) -> Decimal:
    """Parse 人民币大写 back to a number (to prove the words agree with the figures, `cash.receipt_words`)."""
    w = words.replace("人民币", "").replace("整", "").replace("正", "")
    yuan, rest = (w.split("元", 1) + [""])[:2] if "元" in w else ("", w)
    value = Decimal(_int_words(yuan)) if yuan else Decimal(0)
    jiao = fen = 0
    if "角" in rest:
        j, rest = rest.split("角", 1)
        jiao = _DIGITS[j.replace("零", "") or "零"]
    if "分" in rest:
        fen = _DIGITS[rest.replace("分", "").replace("零", "") or "零"]
    return (value + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(Decimal("0.01"))


def receipt_words(amount: Decimal) -> str:
    words = rmb_upper(amount)
    if rmb_words_value(words) != Decimal(amount).quantize(Decimal("0.01")):  # never print a receipt that disagrees
        raise ValueError(f"人民币大写 {words} ≠ {amount}")
    return words


def _styles():
    font = _font()
    return {
        "co": ParagraphStyle("co", fontName=font, fontSize=14, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4),
        "n": ParagraphStyle("n", fontName=font, fontSize=10, leading=14),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11),
        "r": ParagraphStyle("r", fontName=font, fontSize=9, leading=11, alignment=TA_RIGHT),
        "red": ParagraphStyle("red", fontName=font, fontSize=16, leading=20, alignment=TA_CENTER, textColor=colors.red),
    }


def receipt_pdf(r) -> bytes:
    st = _styles()
    co = company_info()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A5), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm, title=f"收据 {r.number}", author=co["name"])
    words = receipt_words(r.amount)
    els = [Paragraph(co["name"], st["co"]), Paragraph("收　　据", st["title"]),
           Paragraph(f"No. {r.number}　　　日期：{r.arrived_on:%Y年%m月%d日}", st["n"]), Spacer(1, 3 * mm)]
    alloc = "；".join(f"{a.order.number} {fmt(a.amount)}" for a in r.allocations.select_related("order")
                     if a.reversed_on is None) or "未分配（客户预收余额）"
    rows = [
        ["交款单位", Paragraph(_t(r.customer.name), st["cell"])],
        ["收款方式", Paragraph(f"{r.get_method_display()}" + (f"　流水号/票号：{_t(r.reference)}" if r.reference else ""), st["cell"])],
        ["收款事由", Paragraph("货款" + (f"（{_t(r.note)}）" if r.note else "") + f"：{alloc}", st["cell"])],
        ["人民币（大写）", Paragraph(words, st["cell"])],
        ["小写", Paragraph(f"¥ {fmt(r.amount)}", st["cell"])],
    ]
    t = Table([[Paragraph(a, st["cell"]) if isinstance(a, str) else a, b] for a, b in rows], colWidths=[32 * mm, 150 * mm])
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                           ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f4f8")),
                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    els += [t, Spacer(1, 4 * mm)]
    els.append(Paragraph(f"收款单位（盖章）：{co['name']}　　会计：　　　　出纳/经办：{_t(r.recorded_by.name)}", st["n"]))
    if r.status == "reversed":
        els += [Spacer(1, 3 * mm), Paragraph(f"已红冲 {r.reversed_on:%Y-%m-%d}：{_t(r.reversal_reason)}", st["red"])]
    doc.build(els)
    return buf.getvalue()


def statement_pdf(s: dict) -> bytes:
    st = _styles()
    co = company_info()
    buf = io.BytesIO()
    c = s["customer"]
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"对账单 {c.name}", author=co["name"])
    els = [Paragraph(co["name"], st["co"]), Paragraph("对　账　单", st["title"]),
           Paragraph(f"客户：{_t(c.name)}　　期间：{s['start']:%Y-%m-%d} 至 {s['end']:%Y-%m-%d}", st["n"]), Spacer(1, 3 * mm)]
    rows = [[Paragraph(h, st["cell"]) for h in ("日期", "摘要", "送货金额（借）", "收款金额（贷）", "余额")]]
    rows.append(["", Paragraph("期初余额", st["cell"]), "", "", Paragraph(fmt(s["opening"]), st["r"])])
    for ln in s["lines"]:
        rows.append([Paragraph(f"{ln['date']:%Y-%m-%d}", st["cell"]), Paragraph(_t(ln["text"]), st["cell"]),
                     Paragraph(fmt(ln["debit"]) if ln["debit"] else "", st["r"]),
                     Paragraph(fmt(ln["credit"]) if ln["credit"] else "", st["r"]), Paragraph(fmt(ln["balance"]), st["r"])])
    rows.append(["", Paragraph("本期合计", st["cell"]), Paragraph(fmt(s["debits"]), st["r"]), Paragraph(fmt(s["credits"]), st["r"]), ""])
    rows.append(["", Paragraph("期末余额", st["cell"]), "", "", Paragraph(fmt(s["closing"]), st["r"])])
    rows.append([Paragraph(f"期末余额人民币大写：{rmb_upper(abs(s['closing']))}" + ("（客户预付）" if s["closing"] < 0 else ""),
                           st["cell"]), "", "", "", ""])
    t = Table(rows, colWidths=[22 * mm, 76 * mm, 28 * mm, 28 * mm, 26 * mm], repeatRows=1)
    n = len(rows)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")), ("SPAN", (0, n - 1), (4, n - 1))]))
    els += [t, Spacer(1, 6 * mm),
            Paragraph("请贵单位核对上述往来，如相符请签章确认；如有差异请注明差异金额及原因后回传。", st["n"]), Spacer(1, 8 * mm),
            Paragraph("客户确认（盖章）：　　　　　　　　　日期：　　　　　　业务员：" + _t(c.owner.name if c.owner else ""), st["n"])]
    doc.build(els)
    return buf.getvalue()


def _wb_title(ws, title: str, ncols: int):
    xlsx.append(ws, [title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws["A1"].alignment = Alignment(horizontal="center")


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statement_xlsx(s: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "对账单"
    c = s["customer"]
    _wb_title(ws, f"对账单 {c.name} {s['start']:%Y-%m-%d} 至 {s['end']:%Y-%m-%d}", 5)
    xlsx.append(ws, ["日期", "摘要", "送货金额（借）", "收款金额（贷）", "余额"])
    xlsx.append(ws, [None, "期初余额", None, None, s["opening"]])
    for ln in s["lines"]:
        xlsx.append(ws, [ln["date"], ln["text"], ln["debit"] or None, ln["credit"] or None, ln["balance"]])
    xlsx.append(ws, [None, "本期合计", s["debits"], s["credits"], None])
    xlsx.append(ws, [None, "期末余额", None, None, s["closing"]])
    for row in ws.iter_rows(min_row=3):
        row[0].number_format = "yyyy-mm-dd"
        for cell in row[2:]:
            cell.number_format = "#,##0.00"
    for col, w in zip("ABCDE", (12, 44, 16, 16, 16), strict=True):
        ws.column_dimensions[col].width = w
    return _save(wb)


GROUP_LABELS = {"customer": "客户", "salesperson": "业务员", "team": "团队"}


def aging_xlsx(rows, total, as_of, group: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "应收账款账龄表"
    heads = [GROUP_LABELS[group]] + (["业务员", "团队"] if group == "customer" else ["团队"] if group == "salesperson" else []) \
        + [BUCKET_LABELS[b] for b in BUCKETS] + ["合计", "已核销（追收中）", "最早逾期到期日"]
    _wb_title(ws, f"应收账款账龄表（截至 {as_of:%Y-%m-%d}，按{GROUP_LABELS[group]}）", len(heads))
    ws.append(heads)
    for c in ws[2]:
        c.font = Font(bold=True)
    extra_n = len(heads) - len(BUCKETS) - 4
    for r in rows + [total]:
        extra = ([r.salesperson.name if r.salesperson else "", r.team] if group == "customer" else
                 [r.team] if group == "salesperson" else [])
        if r is total:
            extra = [""] * extra_n
        xlsx.append(ws, [r.label] + extra + [r.buckets[b] for b in BUCKETS] + [r.total, r.written_off, r.oldest_due])
    for row in ws.iter_rows(min_row=3):
        for cell in row[1 + extra_n:-1]:
            cell.number_format = "#,##0.00"
        row[-1].number_format = "yyyy-mm-dd"
    ws.column_dimensions["A"].width = 26
    return _save(wb)


def invoice_register_xlsx(invoices) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "发票登记"
    heads = ["开票日期", "发票号码", "发票类型", "客户", "申请单号", "价税合计", "不含税金额", "税额", "税率%", "状态", "红冲原因", "客户签收日"]
    _wb_title(ws, "发票登记", len(heads))
    ws.append(heads)
    for i in invoices:
        xlsx.append(ws, [i.issued_on, i.tax_number, i.get_kind_display(), i.customer.name, i.request.number, i.amount, i.net_amount,
                   i.tax_amount, i.vat_rate_pct, i.get_state_display(), i.reason, i.signed_on])
    for row in ws.iter_rows(min_row=3):
        row[0].number_format = row[11].number_format = "yyyy-mm-dd"
        for cell in row[5:8]:
            cell.number_format = "#,##0.00"
    return _save(wb)


def invoice_request_pdf(q) -> bytes:
    """开票申请单 (`invoice.flow`)."""
    st = _styles()
    co = company_info()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"开票申请单 {q.number}", author=co["name"])
    c = q.customer
    els = [Paragraph(co["name"], st["co"]), Paragraph("开 票 申 请 单", st["title"]),
           Paragraph(f"单号：{q.number}　　申请日期：{q.requested_at.astimezone(TZ):%Y-%m-%d}　　申请人：{_t(q.requested_by.name)}",
                     st["n"]),
           Paragraph(f"客户：{_t(c.name)}　　统一社会信用代码：{_t(c.credit_code or '')}", st["n"]),
           Paragraph(f"发票类型：{q.get_kind_display()}　　状态：{q.get_state_display()}", st["n"]), Spacer(1, 3 * mm)]
    rows = [[Paragraph(h, st["cell"]) for h in ("订单号", "首次申请单", "开票金额（含税）")]]
    for ln in q.lines.select_related("order", "first_request"):
        rows.append([Paragraph(ln.order.number, st["cell"]), Paragraph(ln.first_request.number, st["cell"]),
                     Paragraph(fmt(ln.amount), st["r"])])
    rows.append([Paragraph("合计", st["cell"]), "", Paragraph(fmt(q.amount), st["r"])])
    rows.append([Paragraph(f"人民币大写：{rmb_upper(q.amount)}", st["cell"]), "", ""])
    t = Table(rows, colWidths=[60 * mm, 60 * mm, 60 * mm])
    n = len(rows)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")), ("SPAN", (0, n - 1), (2, n - 1))]))
    els += [t, Spacer(1, 4 * mm)]
    if q.reason.get("message"):
        els.append(Paragraph(f"规则判定（{_t(q.reason.get('rule') or '')}）：{_t(q.reason['message'])}", st["n"]))
    rev = f"{_t(q.reviewed_by.name)} {q.reviewed_at.astimezone(TZ):%Y-%m-%d}" if q.reviewed_by_id else ""
    inv = "；".join(f"{i.tax_number} {i.issued_on:%Y-%m-%d}" for i in q.invoices.all())
    els += [Spacer(1, 6 * mm), Paragraph(f"业务经理审核：{rev}", st["n"]), Paragraph(f"财务开票（发票号码/日期）：{inv}", st["n"]),
            Paragraph("客户签收：", st["n"])]
    doc.build(els)
    return buf.getvalue()


MONTHLY_HEADS = [("salesperson", "业务员"), ("team", "团队"), ("opening", "月初应收"), ("delivered", "本月送货"),
                 ("collected", "本月回款（净额）"), ("closing", "月末应收"), ("overdue", "其中逾期"), ("over_90", "其中逾期90天以上")]


def monthly_ar_xlsx(rows, total, month) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "应收账款月报表"
    _wb_title(ws, f"业务部应收账款月报表 {month:%Y年%m月}", len(MONTHLY_HEADS))
    xlsx.append(ws, [h for _, h in MONTHLY_HEADS])
    for x in rows:
        xlsx.append(ws, [x["salesperson"].name, x["team"]] + [x[k] for k, _ in MONTHLY_HEADS[2:]])
    xlsx.append(ws, ["合计", ""] + [total[k] for k, _ in MONTHLY_HEADS[2:]])
    for row in ws.iter_rows(min_row=3):
        for cell in row[2:]:
            cell.number_format = "#,##0.00"
    return _save(wb)


def deferrals_xlsx(deferrals) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "推迟付款登记"
    heads = ["申请日期", "客户", "订单", "申请推迟至", "客户理由", "登记人", "结果", "决定人", "决定日期", "意见", "信用复查"]
    _wb_title(ws, "推迟付款登记", len(heads))
    ws.append(heads)
    for d in deferrals:
        xlsx.append(ws, [d.requested_on, d.customer.name, d.order.number if d.order_id else "", d.new_due_on, d.reason,
                   d.requested_by.name, d.get_outcome_display(), d.decided_by.name if d.decided_by_id else "", d.decided_on,
                   d.comment, "是" if d.credit_review else ""])
    return _save(wb)
