"""提成计算表 and the payroll export (工资导出) as Excel."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yewu.common import xlsx


def statement_xlsx(statement: list[dict], month) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "提成计算表"
    xlsx.append(ws, [f"提成计算表 {month:%Y年%m月}（commission.base：(回款 − 费用分摊) × (基础比例 − 特价扣减)，不低于 0）"])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx.append(ws, ["业务员", "日期", "类型", "收款单号", "订单号", "客户", "产品", "提成基数", "基础比例%", "特价扣减pp", "实际比例%", "提成",
               "扣除费用", "阶梯"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for s in statement:
        for e in s["entries"]:
            xlsx.append(ws, [s["salesperson"].name, e.booked_on,
                       e.get_kind_display() + (f" {e.return_number}" if e.return_request_id else ""), e.receipt_number, e.order_number,
                       e.customer_name, e.product_code, e.basis, e.applied_base, e.cut, e.applied_rate,
                       e.applied_amount, e.fee_excluded, f"{e.tier['orders']} 单 {e.tier['label']}" if e.tier else None])
        doc = s.get("doc")
        xlsx.append(ws, [f"{s['salesperson'].name} 合计", None, doc.get_state_display() if doc else "未提交", None, None, None, None,
                   s["basis"], None, None, None, s["amount"], s["fee_excluded"], None])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    for row in ws.iter_rows(min_row=3):
        for c in row[7:13]:
            if c.column in (8, 12, 13):
                c.number_format = "#,##0.00"
            elif c.value is not None:
                c.number_format = "0.000"
        if row[1].value is not None:
            row[1].number_format = "yyyy-mm-dd"
    for col, w in zip("ABCDEFGHIJKLMN", (10, 12, 10, 20, 20, 22, 12, 12, 10, 10, 10, 12, 10, 14), strict=True):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


PAYROLL_HEADER = ["业务员", "月份", "提成基数", "提成", "扣回", "实发提成", "审批状态", "审批人", "审批时间"]


def payroll_xlsx(rows: list[dict], month) -> bytes:
    """One row per salesperson (`commission.statement` payroll export): name, month, basis, commission, deductions,
    net, approval state and approver."""
    wb = Workbook()
    ws = wb.active
    ws.title = "提成工资导出"
    xlsx.append(ws, [f"提成工资导出 {month:%Y年%m月}（commission.statement，财务总监审批后为准）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(PAYROLL_HEADER)
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in rows:
        xlsx.append(ws, [r["salesperson"].name, f"{month:%Y-%m}", r["basis"], r["credits"], r["deductions"], r["net"],
                   r["state_label"], r["approver"].name if r["approver"] else None,
                   timezone.localtime(r["decided_at"]).strftime("%Y-%m-%d %H:%M") if r["approver"] and r["decided_at"] else None])
    if rows:
        xlsx.append(ws, ["合计", None, sum(r["basis"] for r in rows), sum(r["credits"] for r in rows),
                   sum(r["deductions"] for r in rows), sum(r["net"] for r in rows), None, None, None])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    for row in ws.iter_rows(min_row=3):
        for c in row[2:6]:
            c.number_format = "#,##0.00"
    for col, w in zip("ABCDEFGHI", (12, 10, 14, 12, 12, 12, 10, 10, 18), strict=True):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
