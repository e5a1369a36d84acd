"""Bounds on an uploaded .xlsx, checked BEFORE openpyxl parses it (rule ``import.limits``).

An .xlsx is a zip of XML. A 155 KB upload can hold a 150 MB cell or a sheet of 1.5 M empty rows, and
openpyxl would build that cell in memory (the shared strings are read whole) or walk every empty row. So:

1. the zip directory: number of members, the declared uncompressed size of each member and of all of them
   (``zipfile`` never inflates a member past its declared size, so what is declared is what can be read);
2. one streaming pass (expat, 64 KB at a time, nothing kept) over the worksheets and the shared strings:
   the length of every cell, the number of ``<row>`` elements and the highest row number, the rows that hold
   a value — stopping at the first limit passed, and at the parse-time limit.

Every refusal is a ``ValidationError`` (HTTP 400) whose message names the limit in Chinese.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from django.conf import settings

from yewu.common.errors import ValidationError

RULE = "import.limits"

DEFAULTS = {
    "YEWU_IMPORT_MAX_BYTES": 20 * 1024 * 1024,  # the upload itself
    "YEWU_IMPORT_MAX_UNCOMPRESSED": 256 * 1024 * 1024,  # all members, as declared in the zip directory
    "YEWU_IMPORT_MAX_MEMBER_OTHER": 16 * 1024 * 1024,  # any XML member other than sheets and shared strings
    "YEWU_IMPORT_MAX_MEMBERS": 500,
    "YEWU_IMPORT_MAX_ROWS": 100_000,  # data rows (non-empty, after the header)
    "YEWU_IMPORT_MAX_CELL_CHARS": 5_000,
    "YEWU_IMPORT_MAX_PARSE_SECONDS": 60,  # this scan
    "YEWU_IMPORT_MAX_READ_SECONDS": 600,  # openpyxl reading the rows (the time spent reading, not filing)
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def max_sheet_rows() -> int:
    """``<row>`` elements (and the highest row number) a sheet may have: the data rows plus room for
    empty or formatted rows that Excel leaves behind."""
    return limit("YEWU_IMPORT_MAX_ROWS") + max(10_000, limit("YEWU_IMPORT_MAX_ROWS") // 10)


def refuse(message: str, short: str) -> ValidationError:
    return ValidationError(message, fields={"file": short}, rule=RULE, code="too_large")


def _mb(n: int) -> str:
    return f"{n / 1048576:,.1f} MB"


@dataclass
class ScanResult:
    data_rows: int  # rows holding at least one value, header included (an upper bound: "  " counts)
    row_elements: int
    max_row: int
    seconds: float


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Scanner:
    """Streams one XML member; counts what the limits need and keeps nothing else."""

    def __init__(self, kind: str, member: str, deadline: float):
        self.kind, self.member, self.deadline = kind, member, deadline
        self.max_cell = limit("YEWU_IMPORT_MAX_CELL_CHARS")
        self.max_rows = max_sheet_rows()
        self.rows = self.max_row = self.value_rows = 0
        self.row_has_value = False
        self.in_text = False
        self.cell_len = 0
        self.current_row = 0
        self.strings = 0
        p = expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        self.parser = p

    def start(self, name: str, attrs: dict[str, Any]) -> None:
        tag = _local(name)
        if tag == "row" and self.kind == "sheet":
            self.rows += 1
            r = attrs.get("r")
            self.current_row = int(r) if r and r.isdigit() else self.max_row + 1
            self.max_row = max(self.max_row, self.current_row)
            self.row_has_value = False
            if self.rows > self.max_rows or self.max_row > self.max_rows:
                n = max(self.rows, self.max_row)
                raise refuse(f"工作表的行数（含空行）超过上限 {self.max_rows:,} 行（已读到第 {n:,} 行）；"
                             f"请删除多余的空行，或分批导入（每批最多 {limit('YEWU_IMPORT_MAX_ROWS'):,} 行数据）",
                             f"行数超过 {self.max_rows:,}")
        elif tag in ("c", "si"):
            self.cell_len = 0
            if tag == "si":
                self.strings += 1
        elif tag in ("v", "t"):
            self.in_text = True

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag in ("v", "t"):
            self.in_text = False
        elif tag == "row" and self.kind == "sheet" and self.row_has_value:
            self.value_rows += 1

    def chars(self, data: str) -> None:
        if not self.in_text:
            return
        self.cell_len += len(data)
        if data.strip():
            self.row_has_value = True
        if self.cell_len > self.max_cell:
            where = (f"第 {self.current_row:,} 行的一个单元格" if self.kind == "sheet"
                     else f"第 {self.strings:,} 个共享文本单元格")
            raise refuse(f"{where}内容超过单元格上限 {self.max_cell:,} 个字符，文件未导入；请检查该单元格",
                         f"单元格超过 {self.max_cell:,} 个字符")

    def feed(self, stream) -> None:
        while True:
            chunk = stream.read(65536)
            if time.monotonic() > self.deadline:
                s = limit("YEWU_IMPORT_MAX_PARSE_SECONDS")
                raise refuse(f"读取 Excel 超时（超过 {s} 秒），文件未导入；请精简文件或分批导入", f"读取超过 {s} 秒")
            try:
                self.parser.Parse(chunk, not chunk)
            except expat.ExpatError as e:
                raise ValidationError(f"无法读取 Excel 文件（{self.member} 不是有效的 XML）：文件可能已损坏",
                                      fields={"file": "无法读取"}) from e
            if not chunk:
                return


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2


def _is_strings(name: str) -> bool:
    return name.lower() == "xl/sharedstrings.xml"


def check_zip(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Limits on the zip directory alone (no member is inflated)."""
    infos = zf.infolist()
    if len(infos) > limit("YEWU_IMPORT_MAX_MEMBERS"):
        raise refuse(f"文件包含 {len(infos):,} 个部件，超过上限 {limit('YEWU_IMPORT_MAX_MEMBERS'):,}（不是正常的 Excel 文件）",
                     "部件过多")
    total = sum(i.file_size for i in infos)
    cap = limit("YEWU_IMPORT_MAX_UNCOMPRESSED")
    if total > cap:
        raise refuse(f"文件解压后有 {_mb(total)}，超过解压后大小上限 {_mb(cap)}；文件未导入（请分批导入，"
                     "或检查文件是否异常）", f"解压后超过 {_mb(cap)}")
    other = limit("YEWU_IMPORT_MAX_MEMBER_OTHER")
    for i in infos:
        if (i.filename.endswith((".xml", ".rels")) and not _is_sheet(i.filename) and not _is_strings(i.filename)
                and i.file_size > other):
            raise refuse(f"文件中的 {i.filename[:80]} 解压后有 {_mb(i.file_size)}，超过上限 {_mb(other)}；文件未导入",
                         f"部件超过 {_mb(other)}")
    return infos


def scan(content: bytes) -> ScanResult:
    """Check every limit of an .xlsx without building any of its content. Raises ValidationError."""
    t0 = time.monotonic()
    deadline = t0 + limit("YEWU_IMPORT_MAX_PARSE_SECONDS")
    try:
        zf = zipfile.ZipFile(_BytesReader(content))
        infos = check_zip(zf)
        first = _first_sheet(zf)
        data_rows = row_elements = max_row = 0
        for i in infos:
            kind = "sheet" if _is_sheet(i.filename) else "strings" if _is_strings(i.filename) else ""
            if not kind:
                continue
            sc = _Scanner(kind, i.filename, deadline)
            with zf.open(i) as stream:
                sc.feed(stream)
            if kind == "sheet" and (first is None or i.filename == first):
                data_rows = max(data_rows, sc.value_rows)
                row_elements = max(row_elements, sc.rows)
                max_row = max(max_row, sc.max_row)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError) as e:
        raise ValidationError(f"无法读取 Excel 文件（{type(e).__name__}）：文件可能已损坏或不是 .xlsx",
                              fields={"file": "无法读取"}) from e
    return ScanResult(data_rows=data_rows, row_elements=row_elements, max_row=max_row, seconds=time.monotonic() - t0)


def _BytesReader(content: bytes):
    import io

    return io.BytesIO(content)


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The member of the workbook's first sheet (what the import reads), or None if it cannot be told."""
    import posixpath
    from xml.etree import ElementTree

    try:
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rid = next((el.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                for el in wb.iter() if _local(el.tag.split("}")[-1]) == "sheet"), None)
    for el in rels.iter():
        if el.get("Id") == rid and el.get("Target"):
            target = el.get("Target")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
    return None
