"""Order documents (paper) as PDF (SPEC §9.1, reportlab, CJK font STSong-Light, money also in 人民币大写):
销售订单 · 出仓单 (3 copies) · 货品欠发单 · 超信销货申请表 · 合同评审单 · 退货单 (红字); and the 合同台账 in Excel.

One small layout engine (:func:`render`) lays out every document from plain data; the ``*_pdf`` functions only
collect the data. No writes here.

Every writer takes ``prices`` (the caller's ``can(user, "sees_prices")``, `acl.ops_scope`): without it the unit
prices, amounts, totals and their 大写 are left out, so the warehouse, production and QC get the same documents
without money.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yewu.common import xlsx
from yewu.policy import orders as rules
from yewu.policy.pricing import fmt
from yewu.sales.documents import _font, company_info, rmb_upper

from ..models import Contract, Order, ReturnRequest, Shipment

CENT = Decimal("0.01")
GRID = colors.HexColor("#888888")
HEAD_BG = colors.HexColor("#e8eef5")
SETTLEMENT_TEXT = {"CASH": "现款现货", "PREPAY": "款到发货（先款后货）", "COD": "货到付款", "CREDIT": "账期"}


def _qty(q: Decimal) -> str:
    return f"{Decimal(q).normalize():f}"


def _t(v) -> str:
    return escape(str(v if v is not None else ""))


@dataclass
class Paper:
    title: str
    number: str
    meta: list[tuple[str, str]] = field(default_factory=list)  # label, value (two per row)
    headers: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # mm
    rows: list[list[str]] = field(default_factory=list)
    right_cols: tuple[int, ...] = ()
    total: Decimal | None = None
    total_label: str = "合计（含税）"
    notes: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    copy: str = ""  # e.g. 第一联 客户联
    red: bool = False  # red-ink (红字) document


def _styles(font: str, red: bool) -> dict:
    ink = colors.HexColor("#b00000") if red else colors.black
    return {
        "co": ParagraphStyle("co", fontName=font, fontSize=15, leading=19, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=font, fontSize=19, leading=25, alignment=TA_CENTER, spaceBefore=3,
                                spaceAfter=2, textColor=ink),
        "copy": ParagraphStyle("copy", fontName=font, fontSize=9, leading=12, alignment=TA_RIGHT, textColor=ink),
        "n": ParagraphStyle("n", fontName=font, fontSize=9.5, leading=13),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11, textColor=ink),
        "r": ParagraphStyle("r", fontName=font, fontSize=9, leading=11, alignment=TA_RIGHT, textColor=ink),
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")),
    }


def _paper_flowables(f: Paper, st: dict) -> list:
    co = company_info()
    els = [Paragraph(_t(co["name"]), st["co"]), Paragraph(_t(f.title), st["title"])]
    els.append(Paragraph(f"编号：{_t(f.number)}" + (f"　　{_t(f.copy)}" if f.copy else ""), st["copy"]))
    if f.meta:
        data = []
        for i in range(0, len(f.meta), 2):
            pair = f.meta[i:i + 2] + ([("", "")] if len(f.meta[i:i + 2]) == 1 else [])
            data.append([Paragraph(f"{_t(k)}：{_t(v)}" if k else "", st["n"]) for k, v in pair])
        t = Table(data, colWidths=[92 * mm, 88 * mm])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                               ("TOPPADDING", (0, 0), (-1, -1), 1)]))
        els += [t, Spacer(1, 2 * mm)]
    if f.headers:
        rows = [[Paragraph(_t(h), st["cell"]) for h in f.headers]]
        for r in f.rows:
            rows.append([Paragraph(_t(v), st["r"] if i in f.right_cols else st["cell"]) for i, v in enumerate(r)])
        extra = []
        if f.total is not None:
            n = len(f.headers)
            rows.append([Paragraph(f.total_label, st["cell"])] + [""] * (n - 2) + [Paragraph(fmt(f.total), st["r"])])
            rows.append([Paragraph(f"人民币大写：{rmb_upper(abs(f.total))}" + ("（红字）" if f.red else ""), st["cell"])]
                        + [""] * (n - 1))
            k = len(rows)
            extra = [("SPAN", (0, k - 2), (n - 2, k - 2)), ("SPAN", (0, k - 1), (n - 1, k - 1))]
        t = Table(rows, colWidths=[w * mm for w in f.widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *extra]))
        els += [t, Spacer(1, 3 * mm)]
    for line in f.notes:
        els.append(Paragraph(_t(line), st["small"]))
    if f.signatures:
        els.append(Spacer(1, 8 * mm))
        cells = [Paragraph(f"{_t(s)}：______________<br/><br/>日期：______________", st["n"]) for s in f.signatures]
        per_row = 3
        data = [cells[i:i + per_row] + [""] * (per_row - len(cells[i:i + per_row])) for i in range(0, len(cells), per_row)]
        t = Table(data, colWidths=[60 * mm] * per_row)
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        els.append(t)
    els += [Spacer(1, 4 * mm), Paragraph(f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M}", st["small"])]
    return els


def render(*papers: Paper, title: str = "") -> bytes:
    """Each document on its own page (the copies of a multi-part document are separate pages)."""
    font = _font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title or papers[0].title, author=company_info()["name"])
    els: list = []
    for i, f in enumerate(papers):
        if i:
            els.append(PageBreak())
        els += _paper_flowables(f, _styles(font, f.red))
    doc.build(els)
    return buf.getvalue()


def _contact(order: Order) -> str:
    c = order.customer.contacts.first() if hasattr(order.customer, "contacts") else None
    if c is None:
        return ""
    return f"{c.name} {c.mobile or c.phone}".strip()


def _drop(items: list, cols: tuple[int, ...]) -> list:
    return [x for i, x in enumerate(items) if i not in cols]


def _order_meta(order: Order) -> list[tuple[str, str]]:
    return [("客户", order.customer.name), ("订单号", order.number), ("送货地址", order.delivery_address),
            ("联系人", _contact(order)), ("业务员", order.salesperson.name),
            ("结算方式", SETTLEMENT_TEXT.get(order.settlement, order.settlement)
             + (f"（{order.term_days} 天）" if order.settlement == "CREDIT" else ""))]


# --- 销售订单 ----------------------------------------------------------------------------------------------

def order_pdf(order: Order, *, prices: bool) -> bytes:
    rows = []
    for i, ln in enumerate(order.lines.select_related("product"), 1):
        p = ln.product
        rows.append([str(i), p.code, f"{p.name} {p.specification}".strip(), "定制" if ln.is_custom else "常规", p.unit,
                     _qty(ln.quantity), fmt(ln.unit_price), fmt(ln.line_total),
                     ln.promised_ship_on.isoformat() if ln.promised_ship_on else ("待生产部排期" if ln.is_custom else "备妥后确定")])
    notes = [f"订单状态：{order.get_status_display()}；下单日期：{timezone.localtime(order.created_at):%Y-%m-%d}。"]
    if order.deposit_required > 0 and prices:
        notes.append(f"定制产品定金（30%）：{fmt(order.deposit_required)} 元（{rmb_upper(order.deposit_required)}），"
                     "到账后安排生产，交期由生产部确定（settle.custom_deposit_30，delivery.custom_production）。")
    notes.append((f"已收款：{fmt(order.paid_amount)} 元。" if prices else "")
                 + "常规产品备妥后 3–4 个工作日发货（delivery.standard_3_4d），送货上门。")
    if order.note:
        notes.append(f"备注：{order.note}")
    headers = ["序号", "产品编码", "品名/规格", "类别", "单位", "数量", "单价", "金额", "承诺发货日"]
    widths = [10, 22, 42, 11, 10, 16, 20, 24, 25]
    if not prices:
        headers, widths, rows = _drop(headers, (6, 7)), [10, 24, 70, 12, 12, 22, 30], [_drop(r, (6, 7)) for r in rows]
    f = Paper("销 售 订 单", order.number, _order_meta(order), headers, widths, rows, (5, 6, 7) if prices else (5,),
             order.total if prices else None, notes=notes, signatures=["业务员", "业务经理", "客户（盖章）"])
    return render(f, title=f"销售订单 {order.number}")


# --- 出仓单 (3 copies) ----------------------------------------------------------------------------------------

GOODS_ISSUE_COPIES = ("第一联 客户联", "第二联 仓库联", "第三联 财务联")


def goods_issue_note_pdf(ship: Shipment, *, prices: bool) -> bytes:
    """`ship.goods_issue_note`: three copies (customer, warehouse, finance), each with the signature lines of the
    warehouse clerk, the warehouse supervisor and the customer."""
    order = ship.order
    rows, total = [], Decimal("0.00")
    for i, sl in enumerate(ship.lines.select_related("order_line__product"), 1):
        ln, p = sl.order_line, sl.order_line.product
        amt = (sl.quantity * ln.unit_price).quantize(CENT)
        total += amt
        rows.append([str(i), p.code, f"{p.name} {p.specification}".strip(), p.unit, _qty(sl.quantity), fmt(ln.unit_price), fmt(amt)])
    meta = _order_meta(order) + [("出仓日期", f"{timezone.localtime(ship.shipped_at):%Y-%m-%d}"),
                                 ("签收日期", ship.delivered_on.isoformat() if ship.delivered_on else "")]
    headers, widths, right = ["序号", "产品编码", "品名/规格", "单位", "数量", "单价", "金额"], [12, 26, 62, 12, 20, 24, 24], (4, 5, 6)
    if not prices:
        headers, widths, right = headers[:5], [12, 30, 98, 16, 24], (4,)
        rows, total = [r[:5] for r in rows], None
    papers = [Paper("出 仓 单（销售出库单）", ship.number, meta, headers, widths, rows, right, total, copy=copy,
                  notes=["客户签收联（含拍照或电子签名）作为送达日期的依据（ship.goods_issue_note）。"]
                  + ([f"备注：{ship.note}"] if ship.note else []),
                  signatures=["仓库管理员", "仓库主管", "客户签收"])
             for copy in GOODS_ISSUE_COPIES]
    return render(*papers, title=f"出仓单 {ship.number}")


# --- 货品欠发单 --------------------------------------------------------------------------------------------

def backorder_rows(order: Order) -> list:
    return [ln for ln in order.lines.select_related("product") if ln.open_qty > 0]


def backorder_pdf(order: Order, *, prices: bool) -> bytes:
    """`ship.release_check`: after a partial shipment, the rest prints as a back-order note."""
    rows, total = [], Decimal("0.00")
    for i, ln in enumerate(backorder_rows(order), 1):
        p = ln.product
        amt = (ln.open_qty * ln.unit_price).quantize(CENT)
        total += amt
        rows.append([str(i), p.code, f"{p.name} {p.specification}".strip(), p.unit, _qty(ln.quantity), _qty(ln.shipped_qty),
                     _qty(ln.open_qty), fmt(amt), ln.promised_ship_on.isoformat() if ln.promised_ship_on else ""])
    shipped = "、".join(s.number for s in order.shipments.all()) or "—"
    headers = ["序号", "产品编码", "品名/规格", "单位", "订购", "已发", "欠发", "欠发金额", "承诺发货日"]
    widths, right = [10, 22, 44, 10, 16, 16, 16, 24, 22], (4, 5, 6, 7)
    if not prices:
        headers, widths, right = _drop(headers, (7,)), [10, 24, 58, 12, 18, 18, 18, 22], (4, 5, 6)
        rows, total = [_drop(r, (7,)) for r in rows], None
    f = Paper("货 品 欠 发 单", f"{order.number}-QF", _order_meta(order) + [("已发出仓单", shipped)],
             headers, widths, rows, right, total, total_label="欠发合计",
             notes=["以上货品因部分发货尚欠，待备货后补发（ship.release_check）。"],
             signatures=["仓库管理员", "业务员", "客户确认"])
    return render(f, title=f"货品欠发单 {order.number}")


# --- 超信销货申请表 -----------------------------------------------------------------------------------------

def over_credit_figures(order: Order) -> dict | None:
    for r in (order.decision or {}).get("approvals", {}).get("reasons", []) + (order.decision or {}).get("reasons", []):
        if r.get("rule") == "credit.over_limit":
            return r
    return None


def over_credit_pdf(order: Order, figures: dict) -> bytes:
    c = order.customer
    meta = _order_meta(order) + [("信用等级", c.credit_grade or "未评级"), ("信用额度", fmt(Decimal(str(figures["limit"]))))]
    rows = [["现有未结账期订单余额 + 本单金额 - 定金", fmt(Decimal(str(figures["exposure"])))],
            ["信用额度", fmt(Decimal(str(figures["limit"])))],
            ["超出额度（超信金额）", fmt(Decimal(str(figures["excess"])))],
            ["本单金额", fmt(order.total)]]
    approvers = "业务经理" + ("、总经理" if "GM" in (order.decision or {}).get("approvals", {}).get("approvers", []) else "")
    f = Paper("超 信 销 货 申 请 表", f"{order.number}-CX", meta, ["项目", "金额（元）"], [120, 60], rows, (1,),
             notes=[f"超信金额大写：{rmb_upper(Decimal(str(figures['excess'])))}",
                    f"依据：{figures.get('message', '')}（credit.over_limit）", f"审批：{approvers}；批准前不得放货。",
                    "申请理由：________________________________________________"],
             signatures=["申请人（业务员）", "业务经理", "总经理"])
    return render(f, title=f"超信销货申请表 {order.number}")


# --- 合同评审单 ----------------------------------------------------------------------------------------------

def contract_review_pdf(contract: Contract, *, prices: bool) -> bytes:
    order = contract.order
    meta = [("客户", contract.customer.name), ("合同编号", contract.number or "（签订时编号）"), ("订单号", order.number),
            ("合同金额", f"{fmt(contract.amount)}（{rmb_upper(contract.amount)}）" if prices else "（不显示）"),
            ("业务员", order.salesperson.name),
            ("重大合同", ("是（≥100,000.00，总经理审批）" if prices else "是（总经理审批）") if contract.is_major else "否"), ("状态", contract.get_status_display()),
            ("签订日", contract.signed_on.isoformat() if contract.signed_on else "")]
    rows = []
    steps = list(contract.approval.steps.select_related("decided_by")) if contract.approval_id else []
    role_names = {"CS": "客服评审", "FIN": "财务专项评审", "GM": "总经理审批"}
    for s in steps:
        cl = s.data.get("checklist", {}) if s.data else {}
        items = "；".join(f"{label}：{cl.get(k, '')}" for k, label in rules.REVIEW_CHECKLIST.items()) if s.role != "GM" else ""
        rows.append([role_names.get(s.role, s.role), s.decided_by.name if s.decided_by_id else "",
                     items, (s.data or {}).get("credit_opinion", ""), s.comment, s.get_state_display(),
                     timezone.localtime(s.decided_at).strftime("%Y-%m-%d %H:%M") if s.decided_at else
                     (f"期限 {timezone.localtime(s.due_at):%m-%d %H:%M}" if s.due_at else "")])
    dd = contract.due_diligence or {}
    notes = ["资信调查：" + "；".join(f"{label}：{dd.get(k, '') or '—'}" for k, label in rules.DUE_DILIGENCE.items())]
    notes.append("客服评审与财务专项评审并行，各 1 个工作日内完成；全部通过前不得签订（contract.review_1wd）。")
    f = Paper("合 同 评 审 单", contract.number or f"{order.number}-HT", meta,
             ["评审环节", "评审人", "评审要点（经济性/可行性/合法性/价格合理性）", "信用及额度意见", "意见", "结论", "时间"],
             [20, 16, 52, 30, 26, 14, 22], rows, notes=notes, signatures=["客服评审", "财务评审", "总经理"])
    return render(f, title=f"合同评审单 {contract.number or order.number}")


# --- 退货单（红字） ------------------------------------------------------------------------------------------

def return_note_pdf(ret: ReturnRequest, *, prices: bool) -> bytes:
    order, ln = ret.order, ret.line
    p = ln.product
    meta = _order_meta(order) + [("退货原因", ret.reason), ("类型", "换货" if ret.exchange else "退货"),
                                 ("质量问题", "是" if ret.quality_defect else "否"), ("状态", ret.get_status_display()),
                                 ("红字出库单号", ret.red_note_number or "（入库时编号）"),
                                 ("质检结论", ("本公司产品；" if ret.qc_is_ours else "非本公司产品；" if ret.qc_is_ours is False else "")
                                  + ret.qc_condition)]
    rows = [["1", p.code, f"{p.name} {p.specification}".strip(), p.unit, f"-{_qty(ret.quantity)}", fmt(ln.unit_price),
             fmt(-ret.amount)]]
    history = [f"{h.get('at', '')[:16].replace('T', ' ')} {h.get('role', '')} {h.get('by', '')}：{h.get('action', '')}"
               + (f"（{h['comment']}）" if h.get("comment") else "") for h in ret.history]
    headers, widths, right = ["序号", "产品编码", "品名/规格", "单位", "数量", "单价", "金额"], [12, 26, 62, 12, 20, 24, 24], (4, 5, 6)
    if not prices:
        headers, widths, right, rows = headers[:5], [12, 30, 98, 16, 24], (4,), [r[:5] for r in rows]
    f = Paper("退 货 单（红 字）", ret.number, meta, headers, widths, rows, right, -ret.amount if prices else None,
             total_label="红字合计", red=True,
             notes=["流程：申请 → 业务经理确认 → 质检检验 → 业务经理批准（送达超过 30 天另需总经理）→ 仓库红字入库 → 财务红字发票/贷项（return.flow）。"]
             + history, signatures=["业务员", "业务经理", "质检", "仓库管理员", "财务", "客户"])
    return render(f, title=f"退货单 {ret.number}")


# --- 合同台账 (Excel) ---------------------------------------------------------------------------------------

LEDGER_HEADERS = ["序号", "合同编号", "签订日", "客户", "订单号", "业务员", "合同金额", "重大合同", "状态", "评审结论",
                  "归档期限", "归档时间", "归档逾期"]


def contract_ledger_xlsx(contracts, *, prices: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "合同台账"
    xlsx.append(ws, [f"{company_info()['name']} 合同台账"])
    ws["A1"].font = Font(bold=True, size=14)
    money = () if prices else (6, 7)  # 合同金额 and 重大合同 (≥ 100,000.00) tell the amount
    ws.append(_drop(LEDGER_HEADERS, money))
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, c in enumerate(contracts, 1):
        review = c.approval.get_state_display() if c.approval_id else "未送审"
        xlsx.append(ws, _drop([i, c.number or "", c.signed_on, c.customer.name, c.order.number, c.order.salesperson.name, c.amount,
                         "是" if c.is_major else "否", c.get_status_display(), review,
                         timezone.localtime(c.filing_due_at).strftime("%Y-%m-%d %H:%M") if c.filing_due_at else "",
                         timezone.localtime(c.filed_at).strftime("%Y-%m-%d %H:%M") if c.filed_at else "",
                         "是" if c.filing_flagged_at else ""], money))
        if prices:
            ws.cell(ws.max_row, 7).number_format = "#,##0.00"
        ws.cell(ws.max_row, 3).number_format = "yyyy-mm-dd"
    widths = _drop([6, 20, 12, 24, 20, 10, 14, 8, 10, 10, 17, 17, 8], money)
    for col, w in zip("ABCDEFGHIJKLM", widths, strict=False):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- 合同台账（月度，contract.monthly_register） ------------------------------------------------------------------

REGISTER_HEADERS = ["序号", "合同编号", "客户", "合同金额", "签订日", "归档状态", "保管状态"]


def _register_confirm_line(status: dict) -> str:
    reg = status.get("reg")
    if status.get("confirmed") and reg is not None:
        return f"客服确认：{reg.confirmed_by.name} {timezone.localtime(reg.confirmed_at):%Y-%m-%d %H:%M}"
    return f"客服确认：未确认（期限 {status['due']:%Y-%m-%d}）"


def contract_register_xlsx(month, rows: list[dict], status: dict, *, prices: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{month:%Y-%m}"
    xlsx.append(ws, [f"{company_info()['name']} 合同台账 {month:%Y年%m月}"])
    ws["A1"].font = Font(bold=True, size=14)
    xlsx.append(ws, [_register_confirm_line(status)])
    money = () if prices else (3,)
    xlsx.append(ws, _drop(REGISTER_HEADERS, money))
    for c in ws[3]:
        c.font = Font(bold=True)
    total = Decimal("0.00")
    for r in rows:
        c = r["c"]
        total += c.amount
        xlsx.append(ws, _drop([r["seq"], c.number, c.customer.name, c.amount, c.signed_on, r["filing"], r["custody"]], money))
        if prices:
            ws.cell(ws.max_row, 4).number_format = "#,##0.00"
        ws.cell(ws.max_row, 5 - len(money)).number_format = "yyyy-mm-dd"
    xlsx.append(ws, ["", "合计", f"{len(rows)} 份"] + ([total] if prices else []))
    if prices:
        ws.cell(ws.max_row, 4).number_format = "#,##0.00"
    for col, w in zip("ABCDEFG", _drop([6, 20, 28, 14, 12, 12, 30], money), strict=False):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def contract_register_pdf(month, rows: list[dict], status: dict, *, prices: bool) -> bytes:
    money = () if prices else (3,)
    data = [_drop([str(r["seq"]), r["c"].number, r["c"].customer.name, fmt(r["c"].amount), r["c"].signed_on.isoformat(),
                   r["filing"], r["custody"]], money) for r in rows]
    total = sum((r["c"].amount for r in rows), Decimal("0.00"))
    f = Paper("合 同 台 账", f"{month:%Y-%m}", [("月份", f"{month:%Y年%m月}"), ("份数", str(len(rows))),
                                              ("确认", _register_confirm_line(status)), ("", "")],
             _drop(REGISTER_HEADERS, money), [10, 34, 40, 24, 20, 18, 34] if prices else [12, 38, 50, 22, 20, 38], data,
             right_cols=(3,) if prices else (),
             notes=[f"合计 {len(rows)} 份" + (f"，金额 {fmt(total)} 元（{rmb_upper(total)}）。" if prices else "。"),
                    f"每月 {status['due']:%d} 日前（含）由客服部确认上月合同台账（contract.monthly_register）。"],
             signatures=["客服", "客服经理"])
    return render(f, title=f"合同台账 {month:%Y-%m}")
