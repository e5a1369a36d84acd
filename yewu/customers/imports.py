"""Excel import of customers (客户导入).

Every row goes through :func:`services.file_customer` — the same rules as filing by hand
(`cust.required_fields`, `cust.duplicate`, `cust.first_to_file`, `cust.entry_2wd`). The whole import is
ONE transaction; each row is a savepoint (``file_customer`` is atomic), so a bad row does not poison
the others, and a duplicate *within* the file is caught because each row sees the rows saved before it
under the filing lock. Rows that cannot even be parsed (unknown 来源, bad date ...) are rejected before
any query, so a file of 10,000 bad rows is cheap.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import time
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from yewu.audit.services import record
from yewu.common.errors import PermissionDenied, ValidationError, YewuError
from yewu.org.models import Role, User
from yewu.policy import customers as rules

from . import exports
from .models import Category, DemandGrade, Kind, Source
from .services import EMAIL, ContactIn, CustomerIn, file_customer

log = logging.getLogger(__name__)

DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DETAIL_ROWS = 200  # rows detailed in the JSON / HTML report; the Excel report has every row


def max_rows() -> int:
    return int(getattr(settings, "YEWU_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_bytes() -> int:
    return int(getattr(settings, "YEWU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


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
    f"每个文件最多 {DEFAULT_MAX_ROWS:,} 行（以系统设置为准），仅支持 .xlsx。",
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


def read_workbook(content: bytes, filename: str = "", limit: int | None = -1) -> Sheet:
    """Parse the upload. Anything that is not a readable .xlsx → ValidationError (HTTP 400), nothing saved."""
    if len(content) > max_bytes():
        raise ValidationError(f"文件过大（{len(content) / 1048576:.1f} MB），上限 {max_bytes() // 1048576} MB",
                              fields={"file": "文件过大"})
    if not content:
        raise ValidationError("文件为空", fields={"file": "文件为空"})
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入", fields={"file": "请另存为 .xlsx"})
    if content[:4] != b"PK\x03\x04":
        raise ValidationError(f"「{filename or '上传的文件'}」不是 Excel (.xlsx) 文件，请下载导入模板填写后上传",
                              fields={"file": "不是 .xlsx 文件"})
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True, max_col=len(COLUMNS) + 20)
        header_row = next(it, None)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as e:
        raise ValidationError(f"无法读取 Excel 文件（{type(e).__name__}）：文件可能已损坏或不是 .xlsx",
                              fields={"file": "无法读取"}) from e
    except Exception as e:  # openpyxl raises assorted errors on odd files; none of them is our bug
        raise ValidationError(f"无法读取 Excel 文件（{type(e).__name__}）", fields={"file": "无法读取"}) from e
    if not header_row or not any(header_row):
        raise ValidationError("第一行应为列名（请使用导入模板）", fields={"file": "缺少列名"})
    headers = [_text(h) for h in header_row]
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
        raise ValidationError(f"缺少必填列：{'、'.join(missing)}（请使用导入模板）", fields={"file": "缺少列"})
    limit = max_rows() if limit == -1 else limit
    rows: list[tuple[int, list[Any]]] = []
    try:
        for n, values in enumerate(it, start=2):
            if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            rows.append((n, list(values[: len(headers)])))
            if limit is not None and len(rows) > limit:
                raise ValidationError(f"文件超过 {limit:,} 行的导入上限，请分批导入", fields={"file": "行数超限"})
    except YewuError:
        raise
    except Exception as e:
        raise ValidationError(f"读取 Excel 内容出错（{type(e).__name__}）", fields={"file": "无法读取"}) from e
    finally:
        wb.close()
    if not rows:
        raise ValidationError("文件里没有数据行", fields={"file": "没有数据"})
    return Sheet(headers=headers, columns=columns, rows=rows, ignored_headers=ignored)


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
    raise RowError(header, f"{header}「{s}」不是有效日期（格式 YYYY-MM-DD）")


def _choice(mapping: dict[str, str], raw: str, col: Col) -> str:
    v = mapping.get(raw) or mapping.get(raw.lower())
    if v is None:
        raise RowError(col.header, f"{col.header}「{raw}」无效，可选：{'、'.join(col.choices)}",
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
    if grade not in DemandGrade.values:
        raise RowError("需求等级", f"需求等级「{t.get('demand_grade')}」无效，只能是 A、B、C", "cust.demand_grade")
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
        raise RowError("决策人", f"决策人「{dm}」无效，填 是 或 否")
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
            raise RowError("负责人", f"负责人「{t['owner']}」不是系统用户（请填用户名）", "cust.manager_override")
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
                raise RowError(label, f"{label}号码「{v}」格式不正确")
        if ct.email and not EMAIL.match(ct.email.strip()):
            raise RowError("邮箱", f"邮箱「{ct.email}」格式不正确")
    code = (data.credit_code or "").strip().upper()
    if code and not rules.credit_code_valid(code):
        raise RowError("统一社会信用代码", f"统一社会信用代码「{code}」无效（应为18位且校验位正确）")


def _error_fields(e: YewuError) -> dict[str, str]:
    out = {}
    for f, msg in (e.fields or {}).items():
        out[FIELD_LABEL.get(f, f)] = msg
    return out


# --- the import -------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    filename: str
    total: int
    results: list[RowResult]
    headers: list[str]
    ignored_headers: list[str]
    seconds: float
    report_token: str = ""
    uploaded: list[tuple[int, list[Any]]] = field(default_factory=list, repr=False)  # the rows as read

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.results)
        return {k: c.get(k, 0) for k in STATUS_LABELS}

    @property
    def saved(self) -> int:
        return self.counts["ok"] + self.counts["warning"]

    def detail(self, n: int = DETAIL_ROWS) -> list[RowResult]:
        """Problems first (up to n), filled up with successful rows, in row order."""
        bad = [r for r in self.results if r.status in ("error", "duplicate")][:n]
        rest = [r for r in self.results if r.status not in ("error", "duplicate")][: max(0, n - len(bad))]
        return sorted(bad + rest, key=lambda r: r.row)

    def summary_lines(self) -> list[str]:
        c = self.counts
        lines = [
            f"文件：{self.filename}",
            f"共 {self.total} 行：成功 {c['ok']}，成功（有提示）{c['warning']}，错误 {c['error']}，重复 {c['duplicate']}；"
            f"已保存 {self.saved} 个客户，未保存 {c['error'] + c['duplicate']} 行。",
        ]
        if self.ignored_headers:
            lines.append("未识别的列（已忽略）：" + "、".join(self.ignored_headers))
        return lines

    def as_dict(self, n: int = DETAIL_ROWS) -> dict:
        detail = self.detail(n)
        return {
            "filename": self.filename, "total": self.total, "saved": self.saved, "counts": self.counts,
            "ignored_columns": self.ignored_headers, "rows": [r.as_dict() for r in detail],
            "rows_truncated": len(detail) < len(self.results), "seconds": round(self.seconds, 2),
            "report_token": self.report_token,
        }


def import_customers(actor: User, content: bytes, filename: str = "") -> ImportReport:
    """Import an .xlsx of customers as ``actor`` (owner as in file_customer: an SP owns what they import;
    an SM/GM may name an owner of their team in 负责人, otherwise the customers go to the pool)."""
    if not actor.has_role(Role.SP, Role.SM, Role.GM, Role.LS):
        raise PermissionDenied("只有业务员、网络推广专员、业务经理或总经理可以导入客户", rule="cust.first_to_file")
    t0 = time.perf_counter()
    sheet = read_workbook(content, filename)
    owners = OwnerLookup()
    results: list[RowResult] = []
    with transaction.atomic():
        name_idx = next(i for i, c in enumerate(sheet.columns) if c and c.key == "name")
        for rownum, values in sheet.rows:
            name = _text(values[name_idx]) if name_idx < len(values) else ""
            try:
                data, owner = parse_row(values, sheet.columns, owners)
                _precheck(data)
            except RowError as e:
                results.append(RowResult(rownum, "error", e.message, {e.header: e.message}, e.rule, name=name))
                continue
            try:
                c, decision = file_customer(actor, data, owner=owner)  # atomic → a savepoint per row
            except YewuError as e:
                status = "duplicate" if e.rule == "cust.duplicate" else "error"
                results.append(RowResult(rownum, status, e.message, _error_fields(e), e.rule or "", name=name))
                continue
            except Exception as e:  # a bug must not lose the other rows: the savepoint was rolled back
                log.exception("import row %s failed", rownum)
                results.append(RowResult(rownum, "error", f"系统错误（{type(e).__name__}），该行未保存", name=name))
                continue
            if decision.reasons and decision.outcome == "warning":
                results.append(RowResult(rownum, "warning", decision.message(), rule=decision.reasons[0].rule,
                                         customer_id=c.pk, name=name))
            else:
                results.append(RowResult(rownum, "ok", "已建档", customer_id=c.pk, name=name))
        rep = ImportReport(filename=filename, total=len(sheet.rows), results=results, headers=sheet.headers,
                           ignored_headers=sheet.ignored_headers, seconds=time.perf_counter() - t0,
                           uploaded=sheet.rows)
        record(actor=actor, action="import", object_type="customers.customer", object_id="-",
               after={"file": filename[:200], "rows": rep.total, **rep.counts}, rule="cust.first_to_file",
               reason="; ".join(rep.summary_lines()[1:])[:1000])
    rep.seconds = time.perf_counter() - t0
    return rep


def report_xlsx(rep: ImportReport) -> bytes:
    """The uploaded rows as they were, with 行号, 结果 and 说明 in front."""
    return _report_xlsx(rep.headers, rep.uploaded, {r.row: (r.status_label, r.text) for r in rep.results},
                        rep.summary_lines())


def _report_xlsx(headers, uploaded, results: dict[int, tuple[str, str]], summary) -> bytes:
    def rows():
        for n, values in uploaded:
            label, text = results.get(n, ("", ""))
            yield [n, label, text, *values[: len(headers)]]

    return exports.import_report_xlsx(headers=headers, rows=rows(), summary=summary)


def import_and_report(actor: User, content: bytes, filename: str = "", *, xlsx: bool = False
                      ) -> tuple[ImportReport, bytes | None]:
    """Import, and keep what is needed for the Excel report (built on download: writing 10,000 rows costs
    seconds that the import page should not wait for). ``xlsx=True`` also builds it now."""
    rep = import_customers(actor, content, filename)
    rep.report_token = store_report(actor, rep, content)
    return rep, (report_xlsx(rep) if xlsx else None)


# --- stored reports ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"^(\d+)-([A-Za-z0-9_-]{16,40})$")


def _report_dir() -> Path:
    d = Path(getattr(settings, "YEWU_IMPORT_REPORT_DIR", Path(settings.DATA_DIR) / "import_reports"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def store_report(actor: User, rep: ImportReport, content: bytes, keep_days: int = 7) -> str:
    """Keep the upload and the per-row results for the importing user (7 days)."""
    d = _report_dir()
    cutoff = time.time() - keep_days * 86400
    for old in d.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = f"{actor.pk}-{secrets.token_urlsafe(18)}"
    meta = {"results": [[r.row, r.status_label, r.text] for r in rep.results], "summary": rep.summary_lines(),
            "filename": rep.filename}
    (d / f"{token}.upload").write_bytes(content)
    (d / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load_report(actor: User, token: str) -> bytes | None:
    """The Excel report of an earlier import; only the importing user gets it."""
    m = _TOKEN.match(token or "")
    if not m or int(m[1]) != actor.pk:
        return None
    d = _report_dir()
    src, meta_path = d / f"{token}.upload", d / f"{token}.json"
    if not (src.exists() and meta_path.exists()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    sheet = read_workbook(src.read_bytes(), meta["filename"], limit=None)
    results = {row: (label, text) for row, label, text in meta["results"]}
    return _report_xlsx(sheet.headers, sheet.rows, results, meta["summary"])
