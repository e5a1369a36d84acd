"""The weekly/monthly report as an Excel workbook, one sheet per statistic (`report.weekly_monthly`)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from yewu.policy.salesmgmt import METRICS

SHEETS = [
    ("work", "销售员工作统计", ["salesperson", "orders", "sales", *METRICS, *[f"{m}_target" for m in METRICS], "collections_pct"],
     ["业务员", "订单数", "销售额", *METRICS.values(), *[f"{v}目标" for v in METRICS.values()], "到账达成%"]),
    ("regional", "区域销售统计", ["city", "orders", "sales"], ["城市", "订单数", "销售额"]),
    ("dealers", "经销商进货统计", ["customer", "orders", "sales"], ["客户", "订单数", "进货额"]),
    ("target_customers", "目标客户统计", ["city", "new_customers"], ["城市", "新增意向客户"]),
]


def xlsx(rep: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for key, title, cols, heads in SHEETS:
        ws = wb.create_sheet(title)
        ws.append([f"{title} {rep['start']} – {rep['end']}（report.weekly_monthly，期限 {rep['due_at'][:16]}）"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(heads)
        for c in ws[2]:
            c.font = Font(bold=True)
        for row in rep[key]:
            ws.append([row.get(c) for c in cols])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
