"""Excel import of customers (客户导入): the columns, reading the sheet, and each row's own checks.

Every row gets the same rules as filing by hand (`cust.required_fields`, `cust.duplicate`,
`cust.first_to_file`, `cust.entry_2wd`). An upload is first bounded without parsing (:mod:`import_guard`:
size, zip members, cell length, rows, parse time); then the sheet is streamed (openpyxl read-only) and
imported in chunks by :mod:`yewu.customers.imports.jobs` (each chunk one transaction, progress recorded, resumable), the
duplicate check of a chunk at once by :mod:`import_batch`. Rows that cannot even be parsed (unknown 来源,
bad date ...) are rejected before any query, so a file of 10,000 bad rows is cheap.
"""

from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from yewu.common.errors import ValidationError, YewuError
from yewu.customers.archive import services
from yewu.customers.archive.services import EMAIL, ContactIn, CustomerIn
from yewu.customers.documents import xlsx as exports
from yewu.customers.imports import guard, sheet
from yewu.customers.imports.batch import Prepared
from yewu.customers.models import Category, DemandGrade, Kind, Source
from yewu.org.models import User
from yewu.policy import customers as rules

log = logging.getLogger(__name__)

DEFAULT_MAX_ROWS = guard.DEFAULTS["YEWU_IMPORT_MAX_ROWS"]
TOKEN = re.compile(r"^(\d+)-([A-Za-z0-9_-]{16,40})$")  # a report link: <user id>-<job token>
DETAIL_ROWS = 200  # rows detailed in the JSON / HTML report; the Excel report has every row


def max_rows() -> int:
    return guard.limit("YEWU_IMPORT_MAX_ROWS")


def max_bytes() -> int:
    return guard.limit("YEWU_IMPORT_MAX_BYTES")


# --- columns ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    key: str  # CustomerIn attribute, "extra.<field>", "contact.<field>" or "owner"
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    hint: str = ""
    width: float = 14
    service_fields: tuple[str, ...] = ()  # error field names of services that point at this column


COLUMNS: tuple[Col, ...] = (
    Col("name", "客户名称", True, ("名称", "公司名称", "客户全称"), hint="营业执照上的全称", width=30,
        service_fields=("name",)),
    Col("city", "城市", True, ("所在城市",), hint="如 广州", service_fields=("city",)),
    Col("source", "来源", True, ("客户来源",), tuple(Source.labels), "cust.source", width=12, service_fields=("source",)),
    Col("demand_grade", "需求等级", False, ("等级",), ("A", "B", "C"),
        "A 需求大且急；B 一般需求，考虑购买；C 潜在需求（默认 C）", 10, ("demand_grade",)),
    Col("credit_code", "统一社会信用代码", False, ("信用代码", "社会信用代码"), hint="18位，校验位会被检查", width=22,
        service_fields=("credit_code",)),
    Col("contact.name", "联系人", True, ("联系人姓名",), hint="至少一位有手机、电话或邮箱的联系人（cust.required_fields）",
        service_fields=("contacts", "contacts.0.name")),
    Col("contact.title", "职务", aliases=("联系人职务",), service_fields=("contacts.0.title",)),
    Col("contact.mobile", "手机", aliases=("手机号", "移动电话", "手机号码"), width=16, service_fields=("contacts.0.mobile",)),
    Col("contact.phone", "电话", aliases=("座机", "固定电话", "联系电话"), width=16, service_fields=("contacts.0.phone",)),
    Col("contact.email", "邮箱", aliases=("电子邮箱", "email", "e-mail"), width=22, service_fields=("contacts.0.email",)),
    Col("contact.wechat", "微信", aliases=("微信号",), service_fields=("contacts.0.wechat",)),
    Col("contact.is_decision_maker", "决策人", choices=("是", "否"), hint="是/否", width=8),
    Col("extra.short_name", "简称", service_fields=("short_name",)),
    Col("extra.district", "区", aliases=("区县",), width=10, service_fields=("district",)),
    Col("extra.delivery_address", "送货地址", width=30, service_fields=("delivery_address",)),
    Col("extra.registered_address", "注册地址", width=30, service_fields=("registered_address",)),
    Col("extra.industry", "行业", service_fields=("industry",)),
    Col("extra.kind", "类型", choices=tuple(Kind.labels), hint="默认 企业", width=10, service_fields=("kind",)),
    Col("extra.category", "类别", choices=tuple(Category.labels), width=12, service_fields=("category",)),
    Col("extra.needs", "需求", aliases=("客户需求",), width=24, service_fields=("needs",)),
    Col("collected_on", "收集日期", hint="YYYY-MM-DD，默认今天；不能晚于今天，超过2个工作日录入会标记逾期（cust.entry_2wd）",
        width=12, service_fields=("collected_on",)),
    Col("owner", "负责人", aliases=("负责人用户名", "业务员"),
        hint="仅业务经理/总经理填写：本组业务员的用户名；留空则业务员本人负责，经理导入进入公海", width=12),
)
BY_HEADER: dict[str, Col] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        BY_HEADER[_h.lower()] = _c
FIELD_LABEL = {f: c.header for c in COLUMNS for f in c.service_fields}

GRADES = frozenset(DemandGrade.values)
SOURCE_BY_TEXT = {**{v: v for v in Source.values}, **{label: v for v, label in Source.choices}}
KIND_BY_TEXT = {**{v: v for v in Kind.values}, **{label: v for v, label in Kind.choices}}
CATEGORY_BY_TEXT = {**{v: v for v in Category.values}, **{label: v for v, label in Category.choices}}
YES = {"是", "y", "yes", "1", "true", "√", "决策人"}
NO = {"否", "n", "no", "0", "false", ""}

TEMPLATE_NOTES = (
    "第一行是列名，请勿修改；从第二行起每行一个客户（一位联系人；更多联系人导入后在客户页添加）。",
    "带 * 的列必填。来源、需求等级、类型、类别可用下拉选择。",
    "导入按人工建档的同一规则逐行检查：重复（cust.duplicate：同名、同信用代码、同电话或同城名称高度相似）会被拒绝并注明负责人和建档日期；",
    "文件内前后重复的行也会被发现。有效行全部保存，错误行不保存；结果可下载为 Excel（原数据 + 结果列）。",
    f"每个文件最多 {DEFAULT_MAX_ROWS:,} 行、每个单元格最多 {guard.DEFAULTS['YEWU_IMPORT_MAX_CELL_CHARS']:,} 字（以系统设置为准），仅支持 .xlsx。",
    "示例：广州市恒通电缆有限公司 | 广州 | 展会 | B | 91440101MA59XXXXXX | 陈先生 | 采购经理 | 13800138000 | 020-88886666 | chen@example.com",
)


def template_xlsx() -> bytes:
    cols = [
        exports.TemplateColumn(header=c.header, required=c.required, width=c.width,
                               choices=list(c.choices) or None, hint=c.hint)
        for c in COLUMNS
    ]
    return exports.import_template_xlsx(cols, TEMPLATE_NOTES)


# --- reading the workbook ---------------------------------------------------------------------------


def _norm_header(v: Any) -> str:
    s = unicodedata.normalize("NFKC", str(v or "")).strip()
    s = re.sub(r"[*＊]|（必填）|\(必填\)", "", s).strip()
    return s.lower()


def _text(v: Any) -> str:
    """Cell → text; numbers that Excel stored as floats (phones, codes) lose the '.0'."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


@dataclass
class Sheet:
    headers: list[str]  # as in the file
    columns: list[Col | None]  # recognised column per position
    rows: list[tuple[int, list[Any]]]  # (Excel row number, values)
    ignored_headers: list[str]


def _unreadable(e: Exception) -> ValidationError:
    return ValidationError(f"无法读取 Excel 文件（{type(e).__name__}）：文件可能已损坏或不是 .xlsx", fields={"file": "无法读取"})


def check_upload(content: bytes, filename: str = "") -> guard.ScanResult:
    """The checks that need no parsing: size, type, and every bound of :mod:`import_guard` (zip bomb, cell
    length, rows, parse time). Raises ValidationError (HTTP 400), nothing saved."""
    if len(content) > max_bytes():
        raise guard.refuse(f"文件过大（{len(content) / 1048576:.1f} MB），上限 {max_bytes() // 1048576} MB", "文件过大")
    if not content:
        raise ValidationError("文件为空", fields={"file": "文件为空"})
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入", fields={"file": "请另存为 .xlsx"})
    if content[:4] != b"PK\x03\x04":
        raise ValidationError(f"「{_echo(filename, 60) or '上传的文件'}」不是 Excel (.xlsx) 文件，请下载导入模板填写后上传",
                              fields={"file": "不是 .xlsx 文件"})
    scan = guard.scan(content)
    data_rows = max(0, scan.data_rows - 1)
    if data_rows > max_rows():
        raise guard.refuse(f"文件有 {data_rows:,} 行数据，超过 {max_rows():,} 行的导入上限，请分批导入", "行数超限")
    return scan


class SheetReader:
    """The first worksheet, read with openpyxl in read-only mode (streaming) after :func:`check_upload`."""

    def __init__(self, content: bytes, filename: str = "", *, checked: bool = False):
        if not checked:
            check_upload(content, filename)
        from openpyxl import load_workbook

        sheet.install()
        try:
            self.wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            ws = self.wb.worksheets[0]
            self._it = ws.iter_rows(values_only=True, max_col=len(COLUMNS) + 20)
            header_row = next(self._it, None)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as e:
            raise _unreadable(e) from e
        except Exception as e:  # openpyxl raises assorted errors on odd files; none of them is our bug
            raise ValidationError(f"无法读取 Excel 文件（{type(e).__name__}）", fields={"file": "无法读取"}) from e
        if not header_row or not any(header_row):
            self.close()
            raise ValidationError("第一行应为列名（请使用导入模板）", fields={"file": "缺少列名"})
        headers = [_echo(_text(h), 50) for h in header_row]
        while headers and not headers[-1]:  # read_only pads rows to max_col
            headers.pop()
        columns: list[Col | None] = []
        seen: set[str] = set()
        ignored = []
        for h in headers:
            col = BY_HEADER.get(_norm_header(h))
            if col is not None and col.key in seen:
                col = None  # a repeated column: the first one wins
            if col is None and h:
                ignored.append(h)
            if col is not None:
                seen.add(col.key)
            columns.append(col)
        missing = [c.header for c in COLUMNS if c.required and c.key not in seen]
        if missing:
            self.close()
            raise ValidationError(f"缺少必填列：{'、'.join(missing)}（请使用导入模板）", fields={"file": "缺少列"})
        self.headers, self.columns, self.ignored_headers = headers, columns, ignored

    def rows(self, after: int = 1, limit: int | None = -1):
        """(Excel row number, values) of the non-empty data rows after row ``after``; bounded in number and
        in reading time (``YEWU_IMPORT_MAX_READ_SECONDS``, the time spent here only)."""
        limit = max_rows() if limit == -1 else limit
        budget = guard.limit("YEWU_IMPORT_MAX_READ_SECONDS")
        spent, count, width = 0.0, 0, len(self.headers)
        n = 1
        try:
            while True:
                t = time.perf_counter()
                values = next(self._it, None)
                spent += time.perf_counter() - t
                if values is None:
                    return
                n += 1
                if spent > budget:
                    raise guard.refuse(f"读取 Excel 超时（超过 {budget} 秒），请精简文件或分批导入", f"读取超过 {budget} 秒")
                if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                count += 1
                if limit is not None and count > limit:
                    raise guard.refuse(f"文件超过 {limit:,} 行的导入上限，请分批导入", "行数超限")
                if n > after:
                    yield n, list(values[:width])
        except YewuError:
            raise
        except Exception as e:
            raise ValidationError(f"读取 Excel 内容出错（{type(e).__name__}）", fields={"file": "无法读取"}) from e

    def close(self) -> None:
        self.wb.close()


def read_workbook(content: bytes, filename: str = "", limit: int | None = -1) -> Sheet:
    """The whole first sheet in memory (small files and tests; the import streams with SheetReader)."""
    r = SheetReader(content, filename)
    try:
        rows = list(r.rows(limit=limit))
    finally:
        r.close()
    if not rows:
        raise ValidationError("文件里没有数据行", fields={"file": "没有数据"})
    return Sheet(headers=r.headers, columns=r.columns, rows=rows, ignored_headers=r.ignored_headers)


def _echo(v: Any, n: int = 40) -> str:
    """User text quoted in a message: never more than ``n`` characters (a row report must stay small)."""
    s = str(v or "")
    return s if len(s) <= n else s[:n] + f"…（共 {len(s):,} 字）"


# --- rows -------------------------------------------------------------------------------------------

STATUS_LABELS = {"ok": "成功", "warning": "成功（有提示）", "error": "错误", "duplicate": "重复"}


@dataclass
class RowResult:
    row: int
    status: str  # ok, warning, error, duplicate
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # column header → message
    rule: str = ""
    customer_id: int | None = None
    name: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def text(self) -> str:
        """「列：说明」 — the columns at fault, then the message of the rule."""
        cols = "、".join(self.fields)
        return f"{cols}：{self.message}" if cols else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "status": self.status, "status_label": self.status_label, "message": self.message,
                "fields": self.fields, "rule": self.rule, "customer_id": self.customer_id, "name": self.name}


class RowError(Exception):
    def __init__(self, header: str, message: str, rule: str = ""):
        super().__init__(message)
        self.header, self.message, self.rule = header, message, rule


def _parse_date(v: Any, header: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and 20000 < v < 80000:  # an Excel serial number left unformatted
        return date(1899, 12, 30) + timedelta(days=int(v))
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise RowError(header, f"{header}「{_echo(s)}」不是有效日期（格式 YYYY-MM-DD）")


def _choice(mapping: dict[str, str], raw: str, col: Col) -> str:
    v = mapping.get(raw) or mapping.get(raw.lower())
    if v is None:
        raise RowError(col.header, f"{col.header}「{_echo(raw)}」无效，可选：{'、'.join(col.choices)}",
                       "cust.source" if col.key == "source" else "")
    return v


class OwnerLookup:
    def __init__(self):
        self._cache: dict[str, User | None] = {}

    def get(self, raw: str) -> User | None:
        if raw not in self._cache:
            u = User.objects.filter(username=raw).first()
            if u is None:
                matches = list(User.objects.filter(display_name=raw)[:2])
                u = matches[0] if len(matches) == 1 else None
            self._cache[raw] = u
        return self._cache[raw]


def parse_row(values: list[Any], columns: list[Col | None], owners: OwnerLookup) -> tuple[CustomerIn, User | None]:
    """Row values → the service input; RowError on a value that cannot be understood at all."""
    by_key: dict[str, Any] = {}
    for col, v in zip(columns, values, strict=False):
        if col is not None:
            by_key[col.key] = v
    t = {k: _text(v) for k, v in by_key.items() if k not in ("collected_on",)}
    cols = {c.key: c for c in COLUMNS}
    source = _choice(SOURCE_BY_TEXT, t.get("source", ""), cols["source"]) if t.get("source") else ""
    grade = (t.get("demand_grade") or "C")[:1].upper()
    if grade not in GRADES:
        raise RowError("需求等级", f"需求等级「{_echo(t.get('demand_grade'))}」无效，只能是 A、B、C", "cust.demand_grade")
    extra: dict[str, Any] = {}
    for k, v in t.items():
        if not k.startswith("extra.") or v == "":
            continue
        name = k.split(".", 1)[1]
        if name == "kind":
            v = _choice(KIND_BY_TEXT, v, cols[k])
        elif name == "category":
            v = _choice(CATEGORY_BY_TEXT, v, cols[k])
        extra[name] = v
    dm = t.get("contact.is_decision_maker", "").lower()
    if dm not in YES and dm not in NO:
        raise RowError("决策人", f"决策人「{_echo(dm)}」无效，填 是 或 否")
    contact = ContactIn(
        name=t.get("contact.name", ""), title=t.get("contact.title", ""), is_decision_maker=dm in YES,
        mobile=t.get("contact.mobile", ""), phone=t.get("contact.phone", ""), email=t.get("contact.email", ""),
        wechat=t.get("contact.wechat", ""),
    )
    has_contact = any([contact.name, contact.mobile, contact.phone, contact.email, contact.wechat])
    owner = None
    if t.get("owner"):
        owner = owners.get(t["owner"])
        if owner is None:
            raise RowError("负责人", f"负责人「{_echo(t['owner'])}」不是系统用户（请填用户名）", "cust.manager_override")
    data = CustomerIn(
        name=t.get("name", ""), city=t.get("city", ""), source=source, demand_grade=grade,
        credit_code=t.get("credit_code", ""), contacts=[contact] if has_contact else [],
        collected_on=_parse_date(by_key.get("collected_on"), "收集日期"), extra=extra,
    )
    return data, owner


def _precheck(data: CustomerIn) -> None:
    """The checks that need no database (the same pure policy functions file_customer uses), so that a
    file of bad rows is rejected row by row without a savepoint each. file_customer checks all of it again."""
    if not data.name.strip():
        raise RowError("客户名称", "客户名称不能为空", "cust.required_fields")
    if not data.city.strip():
        raise RowError("城市", "城市不能为空", "cust.required_fields")
    if not data.source:
        raise RowError("来源", "请填写客户来源", "cust.source")
    if not any(c.mobile or c.phone or c.email for c in data.contacts):
        raise RowError("联系人", "建档至少需要一位有手机、电话或邮箱的联系人", "cust.required_fields")
    if not rules.name_key(data.name):
        raise RowError("客户名称", "客户名称无效（去掉标点和公司后缀后为空）")
    for ct in data.contacts:
        for v, label in ((ct.mobile, "手机"), (ct.phone, "电话")):
            if v and not rules.phone_valid(v):
                raise RowError(label, f"{label}号码「{_echo(v)}」格式不正确")
        if ct.email and not EMAIL.match(ct.email.strip()):
            raise RowError("邮箱", f"邮箱「{_echo(ct.email)}」格式不正确")
    code = (data.credit_code or "").strip().upper()
    if code and not rules.credit_code_valid(code):
        raise RowError("统一社会信用代码", f"统一社会信用代码「{_echo(code)}」无效（应为18位且校验位正确）")


def _error_fields(e: YewuError) -> dict[str, str]:
    out = {}
    for f, msg in (e.fields or {}).items():
        out[FIELD_LABEL.get(f, f)] = msg
    return out


def prepare_row(actor: User, rownum: int, values: list[Any], columns: list[Col | None], owners: OwnerLookup,
                name_idx: int, *, cfg, cal, now, owner_checks: dict, entries: dict | None = None) -> Prepared | RowResult:
    """Every check of filing that is not ``cust.duplicate``, in the order ``file_customer`` makes them:
    a RowResult (error) for a row that fails one, else the row ready for the duplicate check. ``entries``: the
    ``cust.entry_2wd`` decision by collection date, for rows checked with the same ``now`` (a chunk)."""
    name = _echo(_text(values[name_idx]) if name_idx < len(values) else "", 100)
    try:
        data, owner = parse_row(values, columns, owners)
        _precheck(data)
    except RowError as e:
        return RowResult(rownum, "error", _echo(e.message, 400), {e.header: _echo(e.message, 400)}, e.rule, name=name)
    try:
        fields, contacts = services._clean_customer(data)
        collected_on = data.collected_on or timezone.localdate(now)
        entry = entries.get(collected_on) if entries is not None else None
        if entry is None:
            entry = rules.check_entry(collected_on, now, cal, cfg)
            if entries is not None:
                entries[collected_on] = entry
        if entry.refused:
            raise ValidationError(entry.message(), fields={"collected_on": entry.message()}, rule="cust.entry_2wd")
        ck = owner.pk if owner is not None else None
        if ck not in owner_checks:  # the same owner is checked once per file
            try:
                owner_checks[ck] = services.filing_owner(actor, owner, False)
            except YewuError as e:
                owner_checks[ck] = e
        if isinstance(owner_checks[ck], YewuError):
            raise owner_checks[ck]
        owner, web_lead = owner_checks[ck]
    except YewuError as e:
        return RowResult(rownum, "error", _echo(e.message, 400), _error_fields(e), e.rule or "", name=name)
    phones = {rules.normalize_phone(p) for c in contacts for p in (c["mobile"], c["phone"]) if p}
    phones.discard("")
    norms = {x for c in contacts for x in (c["mobile_norm"], c["phone_norm"]) if x}
    return Prepared(row=rownum, name=name, fields=fields, contacts=contacts, entry=entry, owner=owner,
                    collected_on=collected_on, web_lead=web_lead, key=rules.name_key(fields["name"]),
                    phones=frozenset(phones), norms=frozenset(norms))


# --- the import (runs as a job: import_jobs) ----------------------------------------------------------








