"""The text a user gets out of a response, whatever its format: JSON (re-dumped without ASCII escapes), HTML,
PDF (tests/access/pdftext.py) or an Excel workbook (every cell, raw and formatted as money)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from .pdftext import pdf_text


def _cell_text(v) -> str:
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        d = Decimal(str(v))
        return f"{v} {d:f} {d.quantize(Decimal('0.01')):,.2f} {d.quantize(Decimal('0.01')):f}"
    return str(v)


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out.extend(_cell_text(v) for v in row if v is not None)
    return "\n".join(out)


def body_text(resp) -> str:
    ctype = resp.get("Content-Type", "")
    data = b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content
    if data[:4] == b"%PDF":
        return pdf_text(data)
    if data[:2] == b"PK" and ("spreadsheet" in ctype or "excel" in ctype or "octet" in ctype):
        return xlsx_text(data)
    text = data.decode("utf-8", "replace")
    if "json" in ctype:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text
