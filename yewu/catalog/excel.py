"""Excel export/import of the guide price list (产品指导价表) with a per-row report."""

from __future__ import annotations

import io
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from yewu.audit.services import record
from yewu.common import parsers, xlsx
from yewu.common.errors import PermissionDenied, ValidationError, YewuError
from yewu.org.permissions import can

from . import services
from .models import Kind, Product

HEADERS = ["产品编码", "品名", "规格型号", "单位", "类别", "在指导价表内", "指导价（含税）", "生效日期"]
KIND_BY_LABEL = {label: value for value, label in Kind.choices} | {v: v for v in Kind.values}
MAX_ROWS = 5000


def export_price_list(user, day: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "产品指导价表"
    ws.append(HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for p in Product.objects.filter(active=True).order_by("code"):
        gp = p.guide_price_on(day)
        xlsx.append(ws, [p.code, p.name, p.specification, p.unit, p.get_kind_display(), "是" if p.on_guide_list else "否",
                   gp.price if gp else None, gp.effective_from if gp else None])
        ws.cell(ws.max_row, 7).number_format = "#,##0.00"
        ws.cell(ws.max_row, 8).number_format = "yyyy-mm-dd"
    for col, w in zip("ABCDEFGH", (14, 24, 24, 6, 10, 12, 14, 12), strict=True):
        ws.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    record(actor=user, action="export", object_type="catalog.guideprice", object_id="list",
           after={"day": day.isoformat(), "rows": ws.max_row - 1})
    return buf.getvalue()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        # Excel stores numbers as float; repr gives the shortest exact text, so 12.345 still shows 3 decimals
        return repr(v)
    return str(v).strip()


def import_price_list(user, content: bytes, *, dry_run: bool = False) -> dict:
    """Each row: create the product when its code is new, update name/spec/unit/kind, and add the guide
    price from the given date (today when empty) when it differs. A bad row is reported and skipped;
    the other rows are applied. Old quotes keep their stored prices."""
    if not can(user, "sets_guide_prices"):
        raise PermissionDenied("只有财务或总经理可以导入指导价表", rule="price.guide")
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable file is the same user error
        raise ValidationError("无法读取 Excel 文件（需要 .xlsx）", fields={"file": "不是有效的 .xlsx 文件"}) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [(_cell(h)) for h in (next(rows, None) or [])]
    missing = [h for h in ("产品编码", "品名", "指导价（含税）") if h not in header]
    if missing:
        raise ValidationError(f"表头缺少：{'、'.join(missing)}；应为：{'、'.join(HEADERS)}", fields={"file": "表头不对"})
    idx = {h: header.index(h) for h in HEADERS if h in header}
    report = []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    for n, raw in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            report.append({"row": n, "code": "", "status": "error", "message": f"超过 {MAX_ROWS} 行，其余未导入"})
            counts["error"] += 1
            break
        vals = {h: (raw[i] if i < len(raw) else None) for h, i in idx.items()}
        if all(v in (None, "") for v in vals.values()):
            continue
        code = _cell(vals.get("产品编码")).upper()
        try:
            with transaction.atomic():
                status, msg = _import_row(user, vals)
                if dry_run:
                    transaction.set_rollback(True)
        except YewuError as e:
            status, msg = "error", e.message + ("；" + "；".join(f"{k}: {v}" for k, v in e.fields.items()) if e.fields else "")
        counts[status] += 1
        report.append({"row": n, "code": code, "status": status, "message": msg})
    record(actor=user, action="import", object_type="catalog.guideprice", object_id="list",
           after={"dry_run": dry_run, **counts})
    return {"dry_run": dry_run, "counts": counts, "rows": report}


def _import_row(user, vals: dict) -> tuple[str, str]:
    code = _cell(vals.get("产品编码")).upper()
    if not code:
        raise ValidationError("产品编码为空", fields={"产品编码": "必填"})
    kind_raw = _cell(vals.get("类别")) or "常规型号"
    if kind_raw not in KIND_BY_LABEL:
        raise ValidationError(f"类别无效：{kind_raw}", fields={"类别": "可选：" + "、".join(label for _, label in Kind.choices)})
    listed_raw = _cell(vals.get("在指导价表内")) or "是"
    if listed_raw not in ("是", "否", "Y", "N", "1", "0", "True", "False"):
        raise ValidationError(f"在指导价表内应为 是/否：{listed_raw}", fields={"在指导价表内": "是/否"})
    data = {"code": code, "name": _cell(vals.get("品名")), "specification": _cell(vals.get("规格型号")),
            "unit": _cell(vals.get("单位")) or "个", "kind": KIND_BY_LABEL[kind_raw],
            "on_guide_list": listed_raw in ("是", "Y", "1", "True")}
    price_raw = vals.get("指导价（含税）")
    eff_raw = vals.get("生效日期")
    eff = eff_raw.date() if isinstance(eff_raw, datetime) else eff_raw if isinstance(eff_raw, date) else \
        parsers.parse_date(_cell(eff_raw), field="生效日期", label="生效日期", required=False)
    price = parsers.price(_cell(price_raw), field="指导价（含税）", label="指导价", required=False)
    p = Product.objects.filter(code=code).first()
    if p is None:
        p = services.create_product(user, data)
        msg = "新建产品"
        if price is not None:
            services.set_guide_price(user, p, price, eff, note="Excel 导入")
            msg += f"，指导价 {price}"
        return "created", msg
    changes = {k: v for k, v in data.items() if k != "code" and getattr(p, k) != v}
    parts = []
    if changes:
        services.update_product(user, p, changes)
        parts.append("更新 " + "、".join(changes))
    if price is not None:
        day = eff or timezone.localdate()
        current = p.guide_price_on(day)
        if current is None or current.price != price:
            old = current.price if current else None
            services.set_guide_price(user, p, price, eff, note="Excel 导入")
            parts.append(f"指导价 {old if old is not None else '—'} → {price}（{day.isoformat()} 起）")
    if not parts:
        return "unchanged", "无变化"
    return "updated", "；".join(parts)
