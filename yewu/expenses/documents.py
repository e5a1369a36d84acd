"""Treasury forms (SPEC §9.1 P1): 付款审批单, 费用报销单, 现金借支单, 现金日记账, 现金盘点表, 银行存款余额调节表 as PDF
(reportlab, CJK font STSong-Light, money also in 人民币大写 via cn2an); the 现金日记账, 现金盘点表, 银行存款余额调节表 and the
registers of payment documents and cash advances as Excel (openpyxl). No writes here."""

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

from yewu.common import xlsx
from yewu.policy.expenses import CASH_DENOMINATIONS, fmt, reconcile

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


def _build(title: str, number: str, made_on: date, body: list, number_label: str = "单号") -> bytes:
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
                            title=f"{title} {number}", author=company_name())
    head = Table([[_p(f"{number_label}：{number}", st["meta"]), _p(f"日期：{made_on:%Y年%m月%d日}", st["meta"])]], colWidths=[89 * mm, 89 * mm])
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


RECON_SIDES = (  # (group key, sign, label) per side of the 调节表
    (("bank_credited_not_booked", "加", "银行已收、企业未收"), ("bank_debited_not_booked", "减", "银行已付、企业未付")),
    (("booked_not_credited", "加", "企业已收、银行未收"), ("booked_not_debited", "减", "企业已付、银行未付")),
)


def recon_figures(*, book: Decimal, bank: Decimal, items: dict) -> dict:
    """The content of the 银行存款余额调节表, shared by the PDF and the Excel export: the item sums per group, both
    adjusted balances, their difference, the two sides as aligned rows (label, amount or None, is-heading) and the
    balancing line and verdict."""
    sums = {k: sum((Decimal(str(r["amount"])) for r in items.get(k) or []), Decimal("0.00"))
            for side in RECON_SIDES for k, _, _ in side}
    d = reconcile(book=book, bank=bank, **sums)
    fig = d.reasons[0].figures
    adj_book, adj_bank, diff = fig["adjusted_book"], fig["adjusted_bank"], fig["difference"]

    def side_rows(opening_label, opening, groups):
        out = [(opening_label, Decimal(opening), True)]
        for key, sign, label in groups:
            out.append((f"{sign}：{label}", sums[key], True))
            for r in items.get(key) or []:
                out.append((f"　{r.get('date') or ''} {r.get('description', '')}", Decimal(str(r["amount"])), False))
        return out

    left = side_rows("企业银行存款日记账余额", book, RECON_SIDES[0])
    right = side_rows("银行对账单余额", bank, RECON_SIDES[1])
    n = max(len(left), len(right))
    left += [("", None, False)] * (n - len(left))
    right += [("", None, False)] * (n - len(right))
    eq = (f"平衡关系：企业账面 {fmt(book)} + 银行已收企业未收 {fmt(sums['bank_credited_not_booked'])} － 银行已付企业未付 "
          f"{fmt(sums['bank_debited_not_booked'])} = {fmt(adj_book)}；银行对账单 {fmt(bank)} + 企业已收银行未收 "
          f"{fmt(sums['booked_not_credited'])} － 企业已付银行未付 {fmt(sums['booked_not_debited'])} = {fmt(adj_bank)}。")
    balanced = diff == 0
    verdict = (f"调节后余额相符（{fmt(adj_book)} = {fmt(adj_bank)}）" if balanced else
               f"不平：调节后余额相差 {fmt(diff)} 元（{rmb_upper(diff)}），须查明未达账项后重新编制")
    return {"sums": sums, "adj_book": adj_book, "adj_bank": adj_bank, "diff": diff, "balanced": balanced,
            "rows": list(zip(left, right, strict=True)), "equation": eq, "verdict": verdict}


RECON_NOTE = "每月每个银行账户编制；银行与企业账面不一致时，调节后双方余额必须相等（bank.monthly_reconciliation）。"


def recon_pdf(*, number: str, account: str, month: str, book: Decimal, bank: Decimal, items: dict, made_on: date,
              prepared_by: str = "", draft: bool = False) -> bytes:
    """银行存款余额调节表 (`bank.monthly_reconciliation`): the book side and the bank side with their unrecorded items,
    both adjusted balances in figures and in 人民币大写, the balancing equation, and a clear 不平 mark when the two
    adjusted balances differ (a draft printed before saving; a saved table always balances)."""
    st = _styles()
    x = recon_figures(book=book, bank=bank, items=items)
    adj_book, adj_bank, balanced = x["adj_book"], x["adj_bank"], x["balanced"]
    rows = [[_p("项　目", st["h"]), _p("金额（元）", st["h"]), _p("项　目", st["h"]), _p("金额（元）", st["h"])]]
    for (ll, la, lb), (rl, ra, rb) in x["rows"]:
        rows.append([_p(ll, st["h"] if lb else st["c"]), _p("" if la is None else fmt(la), st["r"]),
                     _p(rl, st["h"] if rb else st["c"]), _p("" if ra is None else fmt(ra), st["r"])])
    rows.append([_p("调节后余额", st["h"]), _p(fmt(adj_book), st["r"]), _p("调节后余额", st["h"]), _p(fmt(adj_bank), st["r"])])
    rows.append([_p("（大写）", st["h"]), _p(f"人民币 {rmb_upper(adj_book)}", st["c"]), _p("（大写）", st["h"]),
                 _p(f"人民币 {rmb_upper(adj_bank)}", st["c"])])
    table = _grid(rows, [47 * mm, 42 * mm, 47 * mm, 42 * mm], label_cols=())
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                               ("BACKGROUND", (0, len(rows) - 2), (-1, len(rows) - 1), colors.HexColor("#eef2f7"))]))
    mark = ParagraphStyle("mark", fontName=_font(), fontSize=16, leading=22, alignment=TA_CENTER,
                          textColor=colors.HexColor("#1a7f37") if balanced else colors.HexColor("#c62828"))
    head = Table([[_p(f"银行账户：{account}", st["meta"]), _p(f"所属月份：{month}", st["meta"])]], colWidths=[120 * mm, 58 * mm])
    body = [head, Spacer(1, 2 * mm), table, Spacer(1, 3 * mm), _p(x["equation"], st["c"]), Spacer(1, 2 * mm),
            _p(x["verdict"], mark), Spacer(1, 3 * mm),
            _grid([[_p("编制（出纳）", st["h"]), _p(prepared_by, st["c"]), _p("审核（财务主管）", st["h"]), _p("", st["c"])]],
                  [30 * mm, 55 * mm, 36 * mm, 57 * mm]),
            Spacer(1, 2 * mm),
            _p(RECON_NOTE + ("本表为未保存的草稿。" if draft else ""), st["small"])]
    return _build("银行存款余额调节表", number, made_on, body)


# --- Excel -------------------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
RED = Font(color="C00000", bold=True)
HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")
RED_FILL = PatternFill("solid", fgColor="FDE2E2")
MONEY_FMT = "#,##0.00"


def _sheet(title: str, heading: str, sub: str = ""):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    xlsx.append(ws, [company_name()])
    xlsx.append(ws, [heading])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(bold=True, size=12)
    if sub:
        xlsx.append(ws, [sub])
    return wb, ws


def _head(ws, labels):
    ws.append(list(labels))
    for c in ws[ws.max_row]:
        c.font = BOLD
        c.fill = HEAD_FILL


def _widths(ws, widths):
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def recon_xlsx(*, number: str, account: str, month: str, book: Decimal, bank: Decimal, items: dict, made_on: date,
               prepared_by: str = "", draft: bool = False) -> bytes:
    """The same 银行存款余额调节表 as :func:`recon_pdf`, as a sheet: amounts are numbers, the 不平 line is red."""
    x = recon_figures(book=book, bank=bank, items=items)
    wb, ws = _sheet("银行存款余额调节表", "银行存款余额调节表",
                    f"单号：{number}　银行账户：{account}　所属月份：{month}　日期：{made_on:%Y-%m-%d}")
    _head(ws, ("项目", "金额（元）", "项目", "金额（元）"))
    for (ll, la, lb), (rl, ra, rb) in x["rows"]:
        xlsx.append(ws, [ll, la, rl, ra])
        ws.cell(ws.max_row, 1).font = BOLD if lb else Font()
        ws.cell(ws.max_row, 3).font = BOLD if rb else Font()
    xlsx.append(ws, ["调节后余额", x["adj_book"], "调节后余额", x["adj_bank"]])
    xlsx.append(ws, ["（大写）", f"人民币 {rmb_upper(x['adj_book'])}", "（大写）", f"人民币 {rmb_upper(x['adj_bank'])}"])
    for r in (ws.max_row - 1, ws.max_row):
        for c in ws[r]:
            c.font = BOLD
            c.fill = HEAD_FILL
    for row in ws.iter_rows(min_row=5, max_row=ws.max_row - 1):
        row[1].number_format = row[3].number_format = MONEY_FMT
    xlsx.append(ws, [])
    xlsx.append(ws, [x["equation"]])
    xlsx.append(ws, [x["verdict"]])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12, color="1A7F37" if x["balanced"] else "C00000")
    if not x["balanced"]:
        ws.cell(ws.max_row, 1).fill = RED_FILL
    xlsx.append(ws, ["调节后余额差额", x["diff"]])
    ws.cell(ws.max_row, 2).number_format = MONEY_FMT
    xlsx.append(ws, ["编制（出纳）", prepared_by, "审核（财务主管）", ""])
    xlsx.append(ws, [RECON_NOTE + ("本表为未保存的草稿。" if draft else "")])
    _widths(ws, (34, 16, 34, 16))
    return _save(wb)


def journal_xlsx(j: dict, start: date, end: date) -> bytes:
    """现金日记账: one row per entry with the running balance, a daily subtotal row, warnings in red."""
    wb = Workbook()
    ws = wb.active
    ws.title = "现金日记账"
    xlsx.append(ws, [company_name()])
    xlsx.append(ws, [f"现金日记账　{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(bold=True, size=12)
    xlsx.append(ws, ["日期", "凭证号", "摘要", "来源", "收入（元）", "支出（元）", "余额（元）", "登记人", "备注"])
    for c in ws[3]:
        c.font = Font(bold=True)
    xlsx.append(ws, [start, "", "期初余额", "", None, None, j["opening"], "", ""])
    red = Font(color="C00000")
    by_day = {d["day"]: d for d in j["days"]}
    rows = j["rows"]
    for i, r in enumerate(rows):
        e = r["entry"]
        xlsx.append(ws, [e.entry_date, e.number, e.summary, e.get_source_display(), e.amount if e.direction == "in" else None,
                   e.amount if e.direction == "out" else None, r["balance"], e.recorded_by.name,
                   f"红冲 {e.reverses.number}：{e.reason}" if e.reverses_id else ""])
        last_of_day = i + 1 == len(rows) or rows[i + 1]["entry"].entry_date != e.entry_date
        if last_of_day:
            d = by_day[e.entry_date]
            xlsx.append(ws, [e.entry_date, "", "本日合计", "", d["in"], d["out"], d["closing"], "", d["warning"]])
            for c in ws[ws.max_row]:
                c.font = Font(bold=True)
                c.fill = PatternFill("solid", fgColor="EEF2F7")
            if d["warning"]:
                ws.cell(ws.max_row, 9).font = red
    xlsx.append(ws, [end, "", "期末余额", "", None, None, j["closing"], "", ""])
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


def count_xlsx(c: CashCount) -> bytes:
    """现金盘点表 (`cash.daily_count`) as a sheet: every denomination, the counted total, book, difference (red when not
    zero), explanation, cashier and witness — the same content as :func:`count_pdf`."""
    wb, ws = _sheet("现金盘点表", "现金盘点表" if c.kind == CashCount.Kind.MONTHLY else "现金盘点表（每日盘点）",
                    f"单号：{c.number}　盘点日期：{c.day:%Y-%m-%d}　类型：{c.get_kind_display()}")
    _head(ws, ("券别（元）", "张/枚数", "金额（元）"))
    for face in CASH_DENOMINATIONS:
        n = int(c.denominations.get(face, 0))
        xlsx.append(ws, [Decimal(face), n, Decimal(face) * n])
    xlsx.append(ws, ["实点合计", None, c.counted])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    xlsx.append(ws, [])
    for label, value in (("账面余额", c.book), ("实点金额", c.counted), ("实点（大写）", f"人民币 {rmb_upper(c.counted)}"),
                         ("差额（实点-账面）", c.difference), ("差异说明", c.explanation or "无差异"),
                         ("出纳（盘点人）", c.cashier.name),
                         ("监盘人", f"{c.witness.name} {timezone.localtime(c.witnessed_at):%Y-%m-%d %H:%M}" if c.witness_id
                          else "（待监盘签字）")):
        xlsx.append(ws, [label, value])
        ws.cell(ws.max_row, 1).font = BOLD
        if label.startswith("差额") and c.difference:
            ws.cell(ws.max_row, 2).font = RED
    for row in ws.iter_rows(min_row=5):
        for cell in row[1:3]:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FMT
    xlsx.append(ws, ["每日核对账面与实存，差异须说明；月末正式盘点由出纳与财务总监或财务共同签字（cash.daily_count，sod.count_witness）。"])
    _widths(ws, (20, 30, 16))
    return _save(wb)


def journal_pdf(j: dict, start: date, end: date) -> bytes:
    """现金日记账 for a period as PDF: opening balance, every entry with the running balance, a 本日合计 row per day
    (with the `cash.max_on_hand_5000` warning), period totals and the closing balance in figures and 人民币大写."""
    st = _styles()
    rows = [[_p(h, st["h"]) for h in ("日期", "凭证号", "摘要", "收入（元）", "支出（元）", "余额（元）")]]
    sub_rows, warn_rows = [], []
    rows.append([_p(f"{start:%Y-%m-%d}", st["c"]), "", _p("期初余额", st["h"]), "", "", _p(fmt(j["opening"]), st["r"])])
    sub_rows.append(len(rows) - 1)
    by_day = {d["day"]: d for d in j["days"]}
    entries = j["rows"]
    total_in = total_out = Decimal("0.00")
    for i, r in enumerate(entries):
        e = r["entry"]
        summary = e.summary + (f"（红冲 {e.reverses.number}：{e.reason}）" if e.reverses_id else "")
        rows.append([_p(f"{e.entry_date:%m-%d}", st["c"]), _p(e.number, st["c"]), _p(summary, st["c"]),
                     _p(fmt(e.amount) if e.direction == "in" else "", st["r"]),
                     _p(fmt(e.amount) if e.direction == "out" else "", st["r"]), _p(fmt(r["balance"]), st["r"])])
        if i + 1 == len(entries) or entries[i + 1]["entry"].entry_date != e.entry_date:
            d = by_day[e.entry_date]
            total_in += d["in"]
            total_out += d["out"]
            rows.append([_p(f"{e.entry_date:%m-%d}", st["c"]), "", _p("本日合计", st["h"]), _p(fmt(d["in"]), st["r"]),
                         _p(fmt(d["out"]), st["r"]), _p(fmt(d["closing"]), st["r"])])
            sub_rows.append(len(rows) - 1)
            if d["warning"]:
                rows.append(["", "", _p(f"超限：{d['warning']}（cash.max_on_hand_5000）", st["c"]), "", "", ""])
                warn_rows.append(len(rows) - 1)
    rows.append([_p(f"{end:%Y-%m-%d}", st["c"]), "", _p("本期合计 / 期末余额", st["h"]), _p(fmt(total_in), st["r"]),
                 _p(fmt(total_out), st["r"]), _p(fmt(j["closing"]), st["r"])])
    sub_rows.append(len(rows) - 1)
    t = Table(rows, colWidths=[20 * mm, 35 * mm, 55 * mm, 22 * mm, 22 * mm, 24 * mm], repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#666666")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7"))]
    style += [("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f4f6f9")) for i in sub_rows]
    style += [x for i in warn_rows for x in (("SPAN", (2, i), (5, i)), ("TEXTCOLOR", (2, i), (5, i), colors.HexColor("#c62828")),
                                              ("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde2e2")))]
    t.setStyle(TableStyle(style))
    W = [34 * mm, 55 * mm, 34 * mm, 55 * mm]
    summary = _grid([
        [_p("期初余额", st["h"]), _p(f"¥ {fmt(j['opening'])}", st["c"]), _p("期末余额", st["h"]), _p(f"¥ {fmt(j['closing'])}", st["c"])],
        [_p("本期收入", st["h"]), _p(f"¥ {fmt(total_in)}", st["c"]), _p("本期支出", st["h"]), _p(f"¥ {fmt(total_out)}", st["c"])],
        [_p("期末余额（大写）", st["h"]), _p(f"人民币 {rmb_upper(j['closing'])}", st["c"]), "", ""],
    ], W, [((1, 2), (3, 2))])
    body = [t, Spacer(1, 3 * mm), summary, Spacer(1, 2 * mm),
            _p(f"库存现金限额 {fmt(j['limit'])} 元（cash.max_on_hand_5000）；收入、支出分别登记，不得坐支（cash.no_netting）。",
               st["small"]), Spacer(1, 4 * mm),
            _grid([[_p("出纳", st["h"]), _p("", st["c"]), _p("会计主管", st["h"]), _p("", st["c"])]], W)]
    return _build("现金日记账", f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}", timezone.localdate(), body, number_label="期间")


def _approval_progress(req) -> tuple[str, str]:
    """(where the approval stands, the trail of decided steps) for the register."""
    if req is None:
        return "无需审批", ""
    steps = list(req.steps.all())
    trail = "；".join(
        f"{ROLE_LABEL.get(s.role, s.role)} {s.get_state_display()}" + (f" {s.decided_by.name}" if s.decided_by_id else "")
        + (f" {timezone.localtime(s.decided_at):%m-%d %H:%M}" if s.decided_at else "")
        for s in sorted(steps, key=lambda s: s.order) if s.state != "waiting")
    if req.state == "pending":
        now = "、".join(ROLE_LABEL.get(s.role, s.role) for s in steps if s.state == "pending")
        return f"待{now}审批" if now else req.get_state_display(), trail
    return req.get_state_display(), trail


def register_xlsx(docs, advances, overdue_ids: set, today: date) -> bytes:
    """Registers (台账) for the period's treasury documents: sheet 1 付款审批单/费用报销单 with the approval state, sheet 2
    现金借支单 with the overdue ones (`cash.advance_max_3000`) marked in red with their days overdue."""
    wb, ws = _sheet("付款报销登记", "付款审批单 · 费用报销单 登记表", f"导出日期：{today:%Y-%m-%d}")
    _head(ws, ("单号", "类型", "提交日期", "经办人", "部门/团队", "费用类别", "用途/事由", "收款单位/人", "金额（元）", "付款方式",
               "付款日期", "状态", "审批进度", "审批记录", "付讫", "凭证审核"))
    total = Decimal("0.00")
    for d in docs:
        progress, trail = _approval_progress(d.approval)
        xlsx.append(ws, [d.number, d.get_kind_display(), timezone.localdate(d.created_at), d.applicant.name,
                   d.team.name if d.team_id else "", d.get_category_display(), d.purpose, d.payee, d.amount,
                   d.get_method_display(), d.payment_date, d.get_state_display(), progress, trail,
                   f"{d.paid_by.name} {timezone.localtime(d.paid_at):%Y-%m-%d}" if d.paid_at else "",
                   d.voucher_reviewed_by.name if d.voucher_reviewed_by_id else ""])
        if d.state != PaymentDoc.State.VOIDED:
            total += d.amount
        if d.state in (PaymentDoc.State.REJECTED, PaymentDoc.State.VOIDED):
            ws.cell(ws.max_row, 12).font = RED
    xlsx.append(ws, ["合计（不含作废）", "", "", "", "", "", "", "", total])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for row in ws.iter_rows(min_row=5):
        row[2].number_format = row[10].number_format = "yyyy-mm-dd"
        row[8].number_format = MONEY_FMT
    _widths(ws, (18, 10, 12, 10, 12, 10, 30, 22, 12, 8, 12, 8, 18, 50, 18, 10))
    ws.freeze_panes = "B5"

    wa = wb.create_sheet("借支登记")
    xlsx.append(wa, [company_name()])
    xlsx.append(wa, ["现金借支单 登记表"])
    wa["A1"].font = Font(bold=True, size=14)
    wa["A2"].font = Font(bold=True, size=12)
    xlsx.append(wa, [f"截至 {today:%Y-%m-%d}；已借出、未结清且超过还款/报销日期的标为逾期（cash.advance_max_3000）"])
    _head(wa, ("单号", "提交日期", "借支人", "部门/团队", "借支类别", "借支事由", "金额（元）", "还款/报销日期", "状态", "审批进度",
               "出纳付款", "报销冲抵（元）", "现金归还（元）", "逾期", "逾期天数"))
    outstanding = overdue_total = Decimal("0.00")
    for a in advances:
        progress, _ = _approval_progress(a.approval)
        late = a.pk in overdue_ids
        xlsx.append(wa, [a.number, timezone.localdate(a.created_at), a.borrower.name, a.team.name if a.team_id else "",
                   a.get_purpose_kind_display(), a.purpose, a.amount, a.due_date, a.get_state_display(), progress,
                   f"{a.paid_by.name} {timezone.localtime(a.paid_at):%Y-%m-%d}" if a.paid_at else "",
                   a.claim_offset if a.settled_at else None, a.repaid_amount if a.settled_at else None,
                   "逾期" if late else "", (today - a.due_date).days if late else None])
        if a.state == CashAdvance.State.PAID:
            outstanding += a.amount
        if late:
            overdue_total += a.amount
            for cell in wa[wa.max_row]:
                cell.fill = RED_FILL
            wa.cell(wa.max_row, 14).font = RED
            wa.cell(wa.max_row, 15).font = RED
    xlsx.append(wa, ["未结清合计", "", "", "", "", "", outstanding])
    xlsx.append(wa, ["其中逾期合计", "", "", "", "", "", overdue_total])
    for r in (wa.max_row - 1, wa.max_row):
        for cell in wa[r]:
            cell.font = BOLD
    for row in wa.iter_rows(min_row=5):
        row[1].number_format = row[7].number_format = "yyyy-mm-dd"
        for i in (6, 11, 12):
            row[i].number_format = MONEY_FMT
    _widths(wa, (18, 12, 10, 12, 12, 30, 12, 14, 8, 18, 18, 12, 12, 6, 8))
    wa.freeze_panes = "B5"
    return _save(wb)
