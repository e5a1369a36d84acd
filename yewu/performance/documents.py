"""提成计算表 as Excel (payroll export)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font


def statement_xlsx(statement: list[dict], month) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "提成计算表"
    ws.append([f"提成计算表 {month:%Y年%m月}（commission.base：基础比例 − 特价扣减，不低于 0）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["业务员", "日期", "类型", "收款单号", "订单号", "客户", "产品", "提成基数", "基础比例%", "特价扣减pp", "实际比例%", "提成"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for s in statement:
        for e in s["entries"]:
            ws.append([s["salesperson"].name, e.booked_on,
                       e.get_kind_display() + (f" {e.return_request.number}" if e.return_request_id else ""), e.receipt.number, e.order.number,
                       e.order.customer.name, e.order_line.product.code, e.basis, e.base_rate, e.cut, e.rate, e.amount])
        ws.append([f"{s['salesperson'].name} 合计", None, None, None, None, None, None, s["basis"], None, None, None, s["amount"]])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    for row in ws.iter_rows(min_row=3):
        for c in row[7:]:
            if c.column in (8, 12):
                c.number_format = "#,##0.00"
            elif c.value is not None:
                c.number_format = "0.000"
        if row[1].value is not None:
            row[1].number_format = "yyyy-mm-dd"
    for col, w in zip("ABCDEFGHIJKL", (10, 12, 10, 20, 20, 22, 12, 12, 10, 10, 10, 12), strict=True):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
