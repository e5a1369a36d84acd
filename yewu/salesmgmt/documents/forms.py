"""目标分解表 (the month's targets split per working day) and 线路拜访表 as Excel, from live data."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from yewu.policy.salesmgmt import METRICS


def _book(title: str):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    return wb, ws


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def targets_xlsx(month, rows: list[dict]) -> bytes:
    """``rows``: [{"salesperson": name, "target": MonthlyTarget, "days": [DailyTarget...]}]."""
    wb, ws = _book("目标分解表")
    ws.append([f"目标分解表 {month:%Y年%m月}（target.daily_decomposition：按工作日最小单位平均分解，余数给前几天）"])
    ws["A1"].font = Font(bold=True, size=13)
    for r in rows:
        t = r["target"]
        ws.append([])
        ws.append([r["salesperson"], "月目标", *[str(getattr(t, m)) for m in METRICS]])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(["", "日期", *METRICS.values()])
        for d in r["days"]:
            ws.append(["", d.day.isoformat(), *[str(getattr(d, m)) for m in METRICS]])
    return _bytes(wb)


def route_visits_xlsx(visits) -> bytes:
    wb, ws = _book("线路拜访表")
    ws.append(["线路拜访表（route.visit_8_steps / route.safety_stock_1_5）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["日期", "业务员", "客户", "步骤", "产品", "库存", "周销量W", "建议订货", "订货", "订单", "下次拜访"])
    for v in visits:
        lines = v.lines or [{}]
        for i, ln in enumerate(lines):
            ws.append([v.day.isoformat() if i == 0 else "", v.salesperson.name if i == 0 else "",
                       v.customer.name if i == 0 else "", "1–8 ✓" if i == 0 else "", ln.get("product", ""),
                       ln.get("on_hand", ""), ln.get("weekly", ""), ln.get("suggested", ""), ln.get("qty", ""),
                       (v.order.number if v.order_id else "") if i == 0 else "",
                       v.next_visit_on.isoformat() if i == 0 else ""])
    return _bytes(wb)
