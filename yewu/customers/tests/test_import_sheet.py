"""yewu/customers/imports/sheet.py: the import reads the same values with openpyxl's read-only speed-ups as
without them (inline strings, sheets without <dimension>)."""

import io
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from openpyxl import Workbook
from openpyxl.cell.text import Text
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from yewu.customers.imports import rows as imports
from yewu.customers.imports import sheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

INLINE = [
    "<t>广州恒通电缆厂</t>",
    "<t xml:space='preserve'>  带空格  </t>",
    "<t/>",
    "",
    "<r><t>粗体</t></r><r><rPr><b/></rPr><t>部分</t></r>",
    "<t>前</t><r><t>后</t></r>",
    "<r><t>a</t></r><t>plain after runs</t>",
    "<r><t/></r><r><t>x</t></r>",
    "<t>東京</t><rPh sb='0' eb='2'><t>トウキョウ</t></rPh><phoneticPr fontId='1'/>",
    "<t>one</t><t>two</t>",
    "<r><t>1</t><t>2</t></r>",
    "<t>&lt;tag&gt; &amp; 🙂</t>",
]


@pytest.mark.parametrize("inner", INLINE)
def test_inline_text_is_openpyxl_text_content(inner):
    node = ET.fromstring(f"<is xmlns='{NS}'>{inner}</is>")
    assert sheet.inline_text(node) == Text.from_tree(node).content


def write_only_file(rows) -> bytes:
    wb = Workbook(write_only=True)  # inline strings and no <dimension>, like the bench's files
    ws = wb.create_sheet("客户")
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_all(content: bytes):
    r = imports.SheetReader(content, "t.xlsx")
    try:
        return r.headers, r.columns, list(r.rows())
    finally:
        r.close()


def test_the_import_reads_the_same_values_with_and_without_the_speed_ups(monkeypatch):
    rows = [["客户名称", "城市", "来源", "需求等级", "联系人", "职务", "手机", "电话", "收集日期", "行业"]]
    for i in range(300):
        rows.append([f"广州{i:03d}号 电器\t有限公司", "广州", "展会", "B", "陈先生" if i % 3 else None, "", 13800000000 + i,
                     f"020-{i:08d}" if i % 4 else "", datetime(2026, 11, 1 + i % 28), True if i % 5 == 0 else 1.5])
    rows.append([None] * 10)  # an empty row is skipped
    rows.append(["  ", "佛山", "网络", "C", "李", "", "13900000000", "", "2026-11-30", "五金"])
    content = write_only_file(rows)
    fast = read_all(content)
    monkeypatch.setattr(sheet, "install", lambda: None)  # the reader would patch openpyxl again
    monkeypatch.setattr(WorkSheetParser, "parse_cell", sheet._openpyxl_parse_cell)
    monkeypatch.setattr(ReadOnlyWorksheet, "_get_size", sheet._openpyxl_get_size)
    slow = read_all(content)
    assert fast == slow
    assert len(fast[2]) == 301 and fast[2][0][1][0] == "广州000号 电器\t有限公司"
