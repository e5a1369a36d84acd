"""客户投诉分析表 (`complaint.monthly_analysis`) as Excel (openpyxl) and PDF (reportlab, STSong-Light), from live
data; the PDF layout helpers are the treasury documents' (yewu.expenses.documents)."""

from __future__ import annotations

import io
from datetime import date

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.units import mm

from yewu.expenses.documents import _build, _grid, _p, _styles

HEAD = ["编号", "类别", "责任部门", "原因", "结案天数", "重开次数", "重大"]


def _summary(d: dict) -> list[tuple[str, str]]:
    return [("受理件数", str(d["received"])), ("结案件数", str(d["closed"])), ("处理率", f"{d['handling_rate']}%（目标 100%）"),
            ("平均结案天数", str(d["avg_days_to_close"] if d["avg_days_to_close"] is not None else "—")),
            ("重开次数", str(d["reopens"])), ("应完成日期", str(d["due_on"]))]


def _row(r: dict) -> list:
    return [r["number"], r["category"], r["department"], r["cause"],
            r["days_to_close"] if r["days_to_close"] is not None else "未结", r["reopens"], "是" if r["major"] else ""]


def xlsx(d: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{d['year']}-{d['month']:02d}"
    ws.append([f"客户投诉分析表 {d['year']}年{d['month']}月"])
    ws["A1"].font = Font(bold=True, size=14)
    for k, v in _summary(d):
        ws.append([k, v])
    ws.append([])
    ws.append(["类别", "件数"])
    for k, v in d["by_category"].items():
        ws.append([k, v])
    ws.append([])
    ws.append(["责任部门", "件数"])
    for k, v in d["by_department"].items():
        ws.append([k, v])
    ws.append([])
    ws.append(HEAD)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for r in d["rows"]:
        ws.append(_row(r))
    for col, w in zip("ABCDEFG", (20, 14, 14, 40, 10, 10, 8), strict=True):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pdf(d: dict) -> bytes:
    st = _styles()
    summary = _grid([[_p(k, st["h"]), _p(v, st["c"])] for k, v in _summary(d)], [40 * mm, 138 * mm], label_cols=(0,))
    cats = _grid([[_p("类别", st["h"]), _p("件数", st["h"])]] + [[_p(k, st["c"]), _p(v, st["c"])] for k, v in d["by_category"].items()],
                 [60 * mm, 29 * mm], label_cols=())
    depts = _grid([[_p("责任部门", st["h"]), _p("件数", st["h"])]] + [[_p(k, st["c"]), _p(v, st["c"])] for k, v in d["by_department"].items()],
                  [60 * mm, 29 * mm], label_cols=())
    rows = [[_p(h, st["h"]) for h in HEAD]] + [[_p(x, st["c"]) for x in _row(r)] for r in d["rows"]]
    detail = _grid(rows, [30 * mm, 22 * mm, 22 * mm, 58 * mm, 18 * mm, 16 * mm, 12 * mm], label_cols=())
    return _build("客户投诉分析表", f"{d['year']}-{d['month']:02d}", date.today(), [summary, cats, depts, detail], "月份")


def response(d: dict, fmt: str) -> HttpResponse:
    name = f"complaint-analysis-{d['year']}-{d['month']:02d}"
    if fmt == "xlsx":
        r = HttpResponse(xlsx(d), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        r["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return r
    r = HttpResponse(pdf(d), content_type="application/pdf")
    r["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return r
