"""Treasury forms (SPEC §9.1 P1): 付款审批单, 费用报销单, 现金借支单, 现金盘点表 as PDF (reportlab, CJK font
STSong-Light, money also in 人民币大写 via cn2an); the 现金日记账 as Excel (openpyxl). No writes here."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

import cn2an
from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.policy.expenses import CASH_DENOMINATIONS, fmt

from .models import CashAdvance, CashCount, PaymentDoc

FONT = "STSong-Light"
_registered = False
ROLE_LABEL = {"SM": "部门经理", "CSM": "部门经理（客服）", "FD": "财务总监", "GM": "总经理"}


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def rmb_upper(amount) -> str:
    """人民币大写: 1,052.63 → 壹仟零伍拾贰元陆角叁分; negative amounts get 负."""
    a = Decimal(amount).quantize(Decimal("0.01"))
    if a == 0:
        return "零元整"
    if a < 0:
        return "负" + cn2an.an2cn(f"{-a:f}", "rmb")
    return cn2an.an2cn(f"{a:f}", "rmb")


def company_name() -> str:
    return (getattr(settings, "YEWU_COMPANY", None) or {}).get("name", "广州业务示范有限公司")


def _styles():
    f = _font()
    return {
        "co": ParagraphStyle("co", fontName=f, fontSize=14, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=f, fontSize=20, leading=26, alignment=TA_CENTER, spaceBefore=4, spaceAfter=4),
        "meta": ParagraphStyle("meta", fontName=f, fontSize=9, leading=12),
        "c": ParagraphStyle("c", fontName=f, fontSize=10, leading=13, wordWrap="CJK"),
        "h": ParagraphStyle("h", fontName=f, fontSize=10, leading=13, textColor=colors.HexColor("#1f3a56")),
        "r": ParagraphStyle("r", fontName=f, fontSize=10, leading=13, alignment=TA_RIGHT),
        "small": ParagraphStyle("small", fontName=f, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def _grid(rows, widths, spans=(), label_cols=(0, 2)):
    t = Table(rows, colWidths=widths)
    st = [("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#666666")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
          ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    for c in label_cols:
        st.append(("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#eef2f7")))
    st += [("SPAN", a, b) for a, b in spans]
    st += [("BACKGROUND", (c, a[1]), (c, a[1]), colors.white) for a, b in spans for c in label_cols if a[0] <= c <= b[0] and c != a[0]]
    t.setStyle(TableStyle(st))
    return t


def _build(title: str, number: str, made_on: date, body: list) -> bytes:
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
                            title=f"{title} {number}", author=company_name())
    head = Table([[_p(f"单号：{number}", st["meta"]), _p(f"日期：{made_on:%Y年%m月%d日}", st["meta"])]], colWidths=[89 * mm, 89 * mm])
    els = [_p(company_name(), st["co"]), _p(" ".join(title), st["title"]), head, Spacer(1, 2 * mm), *body, Spacer(1, 4 * mm),
           _p(f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M}　本表由系统根据实时数据生成", st["small"])]
    doc.build(els)
    return buf.getvalue()


def _approval_rows(req, st) -> list:
    rows = []
    if req is None:
        return rows
    for s in req.steps.select_related("decided_by"):
        who = s.decided_by.name if s.decided_by_id else ""
        when = timezone.localtime(s.decided_at).strftime("%Y-%m-%d %H:%M") if s.decided_at else ""
        rows.append([_p(f"{ROLE_LABEL.get(s.role, s.role)}审批", st["h"]),
                     _p(f"{s.get_state_display()}　{who}　{when}" + (f"\n意见：{s.comment}" if s.comment else ""), st["c"]), "", ""])
    return rows


def payment_doc_pdf(d: PaymentDoc) -> bytes:
    st = _styles()
    W = [30 * mm, 59 * mm, 30 * mm, 59 * mm]
    rows = [
        [_p("经办人", st["h"]), _p(d.applicant.name, st["c"]), _p("部门/团队", st["h"]), _p(d.team.name if d.team_id else "—", st["c"])],
        [_p("费用类别", st["h"]), _p(d.get_category_display(), st["c"]), _p("付款方式", st["h"]), _p(d.get_method_display(), st["c"])],
        [_p("收款单位/人", st["h"]), _p(d.payee, st["c"]), _p("收款账号", st["h"]), _p(d.payee_account or "—", st["c"])],
        [_p("用途/事由", st["h"]), _p(d.purpose, st["c"]), "", ""],
    ]
    spans = [((1, 3), (3, 3))]
    body = []
    if d.kind == PaymentDoc.Kind.EXPENSE:
        lines = [[_p(h, st["h"]) for h in ("日期", "摘要", "单据张数", "金额（元）")]]
        for ln in d.lines.all():
            lines.append([_p(f"{ln.incurred_on:%Y-%m-%d}", st["c"]), _p(ln.description, st["c"]), _p(ln.attachments, st["r"]),
                          _p(fmt(ln.amount), st["r"])])
        body_lines = _grid(lines, [28 * mm, 90 * mm, 22 * mm, 38 * mm], label_cols=())
    n = len(rows)
    rows += [
        [_p("金额（小写）", st["h"]), _p(f"¥ {fmt(d.amount)}", st["c"]), _p("付款日期", st["h"]),
         _p(f"{d.payment_date:%Y-%m-%d}" if d.payment_date else "—", st["c"])],
        [_p("金额（大写）", st["h"]), _p(f"人民币 {rmb_upper(d.amount)}", st["c"]), "", ""],
    ]
    spans.append(((1, n + 1), (3, n + 1)))
    if d.advance_id:
        rows.append([_p("冲抵借支", st["h"]), _p(f"{d.advance.number} 冲抵 ¥{fmt(d.offset_amount)}，实付 ¥{fmt(d.payable)}"
                                              f"（{rmb_upper(d.payable)}）", st["c"]), "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    if d.prior_approval_id:
        rows.append([_p("事前申请", st["h"]), _p(f"{d.prior_approval.number}（业务经理批准于 {d.prior_approval.approved_on or '—'}）", st["c"]), "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    start = len(rows)
    rows += _approval_rows(d.approval, st)
    spans += [((1, i), (3, i)) for i in range(start, len(rows))]
    paid = f"已付讫　{d.paid_by.name}　{timezone.localtime(d.paid_at):%Y-%m-%d %H:%M}（{d.get_paid_method_display()}）" if d.paid_at else "未付款"
    rows.append([_p("出纳付款", st["h"]), _p(paid, st["c"]), _p("凭证审核（主管岗）", st["h"]),
                 _p(d.voucher_reviewed_by.name if d.voucher_reviewed_by_id else "", st["c"])])
    if d.state == PaymentDoc.State.VOIDED:
        rows.append([_p("作废", st["h"]), _p(f"已作废：{d.void_reason}", st["c"]), "", ""])
        spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    if d.kind == PaymentDoc.Kind.EXPENSE:
        body = [body_lines, Spacer(1, 3 * mm)]
    body.append(_grid(rows, W, spans))
    body.append(Spacer(1, 2 * mm))
    body.append(_p("审批流程：经办人 → 部门经理 → 财务总监 → 总经理 → 出纳付款 → 主管岗审核凭证（pay.approval_chain）", st["small"]))
    return _build(d.get_kind_display(), d.number, timezone.localdate(d.created_at), body)


def advance_pdf(a: CashAdvance) -> bytes:
    st = _styles()
    W = [30 * mm, 59 * mm, 30 * mm, 59 * mm]
    rows = [
        [_p("借支人", st["h"]), _p(a.borrower.name, st["c"]), _p("部门/团队", st["h"]), _p(a.team.name if a.team_id else "—", st["c"])],
        [_p("借支类别", st["h"]), _p(a.get_purpose_kind_display(), st["c"]), _p("还款/报销日期", st["h"]), _p(f"{a.due_date:%Y-%m-%d}", st["c"])],
        [_p("借支事由", st["h"]), _p(a.purpose, st["c"]), "", ""],
        [_p("金额（小写）", st["h"]), _p(f"¥ {fmt(a.amount)}", st["c"]), _p("状态", st["h"]), _p(a.get_state_display(), st["c"])],
        [_p("金额（大写）", st["h"]), _p(f"人民币 {rmb_upper(a.amount)}", st["c"]), "", ""],
    ]
    spans = [((1, 2), (3, 2)), ((1, 4), (3, 4))]
    start = len(rows)
    rows += _approval_rows(a.approval, st)
    spans += [((1, i), (3, i)) for i in range(start, len(rows))]
    rows.append([_p("出纳付款", st["h"]), _p(f"{a.paid_by.name} {timezone.localtime(a.paid_at):%Y-%m-%d}" if a.paid_at else "未付款", st["c"]),
                 _p("结清", st["h"]), _p(f"报销冲抵 ¥{fmt(a.claim_offset)}，现金归还 ¥{fmt(a.repaid_amount)}" if a.settled_at else "未结清", st["c"])])
    body = [_grid(rows, W, spans), Spacer(1, 2 * mm),
            _p("借支仅限出差（不设上限）或只能现金结算的采购（≤ 3,000.00 元），须在还款/报销日期前归还或报销（cash.advance_max_3000）。",
               st["small"])]
    return _build("现金借支单", a.number, timezone.localdate(a.created_at), body)


def count_pdf(c: CashCount) -> bytes:
    st = _styles()
    rows = [[_p(h, st["h"]) for h in ("券别（元）", "张/枚数", "金额（元）")]]
    for face in CASH_DENOMINATIONS:
        n = int(c.denominations.get(face, 0))
        rows.append([_p(face, st["c"]), _p(n, st["r"]), _p(fmt(Decimal(face) * n), st["r"])])
    rows.append([_p("实点合计", st["h"]), "", _p(fmt(c.counted), st["r"])])
    t1 = _grid(rows, [50 * mm, 50 * mm, 78 * mm], spans=[((0, len(rows) - 1), (1, len(rows) - 1))], label_cols=())
    W = [30 * mm, 59 * mm, 30 * mm, 59 * mm]
    summary = [
        [_p("账面余额", st["h"]), _p(f"¥ {fmt(c.book)}", st["c"]), _p("实点金额", st["h"]), _p(f"¥ {fmt(c.counted)}", st["c"])],
        [_p("实点（大写）", st["h"]), _p(f"人民币 {rmb_upper(c.counted)}", st["c"]), "", ""],
        [_p("差额（实点-账面）", st["h"]), _p(f"¥ {fmt(c.difference)}", st["c"]), _p("差异说明", st["h"]), _p(c.explanation or "无差异", st["c"])],
        [_p("出纳（盘点人）", st["h"]), _p(c.cashier.name, st["c"]), _p("监盘人", st["h"]),
         _p(f"{c.witness.name} {timezone.localtime(c.witnessed_at):%Y-%m-%d %H:%M}" if c.witness_id else "（待监盘签字）", st["c"])],
    ]
    body = [t1, Spacer(1, 3 * mm), _grid(summary, W, [((1, 1), (3, 1))]), Spacer(1, 2 * mm),
            _p("每日核对账面与实存，差异须说明；月末正式盘点由出纳与财务总监或财务共同签字（cash.daily_count，sod.count_witness）。", st["small"])]
    return _build("现金盘点表", c.number, c.day, body)


def journal_xlsx(j: dict, start: date, end: date) -> bytes:
    """现金日记账: one row per entry with the running balance, a daily subtotal row, warnings in red."""
    wb = Workbook()
    ws = wb.active
    ws.title = "现金日记账"
    ws.append([company_name()])
    ws.append([f"现金日记账　{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(bold=True, size=12)
    ws.append(["日期", "凭证号", "摘要", "来源", "收入（元）", "支出（元）", "余额（元）", "登记人", "备注"])
    for c in ws[3]:
        c.font = Font(bold=True)
    ws.append([start, "", "期初余额", "", None, None, j["opening"], "", ""])
    red = Font(color="C00000")
    by_day = {d["day"]: d for d in j["days"]}
    rows = j["rows"]
    for i, r in enumerate(rows):
        e = r["entry"]
        ws.append([e.entry_date, e.number, e.summary, e.get_source_display(), e.amount if e.direction == "in" else None,
                   e.amount if e.direction == "out" else None, r["balance"], e.recorded_by.name,
                   f"红冲 {e.reverses.number}：{e.reason}" if e.reverses_id else ""])
        last_of_day = i + 1 == len(rows) or rows[i + 1]["entry"].entry_date != e.entry_date
        if last_of_day:
            d = by_day[e.entry_date]
            ws.append([e.entry_date, "", "本日合计", "", d["in"], d["out"], d["closing"], "", d["warning"]])
            for c in ws[ws.max_row]:
                c.font = Font(bold=True)
                c.fill = PatternFill("solid", fgColor="EEF2F7")
            if d["warning"]:
                ws.cell(ws.max_row, 9).font = red
    ws.append([end, "", "期末余额", "", None, None, j["closing"], "", ""])
    for row in ws.iter_rows(min_row=4):
        for col in (5, 6, 7):
            row[col - 1].number_format = "#,##0.00"
        row[0].number_format = "yyyy-mm-dd"
    for col, w in zip("ABCDEFGHI", (12, 18, 30, 12, 12, 12, 12, 10, 50), strict=True):
        ws.column_dimensions[col].width = w
    ws["A1"].alignment = Alignment(horizontal="left")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
