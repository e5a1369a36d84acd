"""Excel import (cust.duplicate per row, one transaction, savepoint per row) and export (row access,
密级 levels, cust.export_control, audit)."""

import io
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from yewu.audit.models import AuditEntry
from yewu.customers.documents.xlsx import find_header_row
from yewu.customers.imports import jobs as import_jobs
from yewu.customers.imports import rows as imports
from yewu.customers.models import Customer
from yewu.customers.services import ContactIn, CustomerIn, file_customer

HEAD = ["客户名称", "城市", "来源", "需求等级", "联系人", "职务", "手机", "电话", "邮箱", "收集日期"]


def xlsx(rows, headers=HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(content: bytes, name="customers.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def cust(name, city="广州", mobile="13800138000", **kw):
    return CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=mobile)], **kw)


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    settings.YEWU_IMPORT_REPORT_DIR = tmp_path / "reports"


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


# --- template ---------------------------------------------------------------------------------------


def test_template_has_chinese_headers_and_choices(company):
    r = login(company.sales1).get("/customers/import/template.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = open_xlsx(r.content)
    headers = [c.value for c in wb["客户"][1]]
    for h in ["客户名称*", "城市*", "来源*", "需求等级", "统一社会信用代码", "联系人*", "职务", "手机", "电话", "邮箱", "区",
              "送货地址", "行业", "收集日期", "负责人"]:
        assert h in headers
    assert wb["客户"].max_row == 1  # no example row that could be imported by mistake
    assert "展会" in [c.value for c in wb["选项"]["A"]] or any("展会" in str(c.value) for row in wb["选项"] for c in row)
    # the template imports as-is once filled
    ws = wb["客户"]
    ws.append(["模板测试有限公司", "广州", "展会", "B", "", "陈先生", "", "13812345678"])
    buf = io.BytesIO()
    wb.save(buf)
    rep = import_jobs.import_customers(company.sales1, buf.getvalue(), "t.xlsx")
    assert rep.counts["ok"] == 1


# --- import -----------------------------------------------------------------------------------------


def test_import_good_bad_and_duplicate_rows(company):
    existing, _ = file_customer(company.sales3, cust("佛山永盛五金有限公司", city="佛山", mobile="13700000000"))
    today = timezone.localdate()
    rows = [
        ["广州恒通电缆有限公司", "广州", "展会", "A", "陈先生", "采购经理", "13800138001", "", "", today],  # 2 ok
        ["广州明辉照明有限公司", "广州", "业务员开发", "", "李小姐", "", "", "020-88886666", "", ""],  # 3 ok
        ["坏手机有限公司", "广州", "展会", "B", "王先生", "", "12345", "", "", ""],  # 4 bad phone
        ["没有联系方式公司", "广州", "展会", "B", "赵先生", "", "", "", "", ""],  # 5 no contact channel
        ["佛山永盛五金", "佛山", "转介绍", "C", "钱先生", "", "13900000009", "", "", ""],  # 6 dup of sales3's customer
        ["广州恒通电缆", "广州", "展会", "B", "孙先生", "", "13900000010", "", "", ""],  # 7 dup of row 2 (same file)
        ["来源不明公司", "广州", "路过", "B", "周先生", "", "13900000011", "", "", ""],  # 8 unknown source
        ["未来日期公司", "广州", "展会", "B", "吴先生", "", "13900000012", "", "", today + timedelta(days=3)],  # 9
        ["等级错误公司", "广州", "展会", "Z", "郑先生", "", "13900000013", "", "", ""],  # 10
        ["", "", "", "", "", "", "", "", "", ""],  # blank line: skipped
        ["@SUM(1)公司", "广州", "展会", "B", "冯先生", "", "13900000014", "", "bad-email", ""],  # 12 bad email
    ]
    r = login(company.sales1).post("/customers/import/", {"file": upload(xlsx(rows))})
    assert r.status_code == 200
    rep = r.context["report"]
    by_row = {x.row: x for x in rep.results}
    assert rep.total == 10
    assert [by_row[n].status for n in (2, 3)] == ["ok", "ok"]
    assert by_row[4].status == "error" and "手机" in by_row[4].fields
    assert by_row[5].status == "error" and by_row[5].rule == "cust.required_fields"
    assert by_row[6].status == "duplicate" and by_row[6].rule == "cust.duplicate"
    assert "王五" in by_row[6].message and timezone.localtime(existing.created_at).date().isoformat() in by_row[6].message
    assert by_row[7].status == "duplicate" and "张三" in by_row[7].message  # caught inside the same file
    assert by_row[8].status == "error" and "来源" in by_row[8].fields
    assert by_row[9].status == "error" and by_row[9].rule == "cust.entry_2wd"
    assert by_row[10].status == "error" and "需求等级" in by_row[10].fields
    assert by_row[12].status == "error" and "邮箱" in by_row[12].fields
    assert rep.counts == {"ok": 2, "warning": 0, "error": 6, "duplicate": 2}
    # valid rows saved with the importing SP as owner; bad rows not
    mine = Customer.objects.filter(owner=company.sales1)
    assert sorted(mine.values_list("name", flat=True)) == ["广州恒通电缆有限公司", "广州明辉照明有限公司"]
    assert mine.get(name="广州恒通电缆有限公司").demand_grade == "A"
    assert Customer.objects.count() == 3
    html = r.content.decode()
    assert "重复" in html and "王五" in html and "cust.duplicate" in html
    # one audit entry for the import with the counts
    e = AuditEntry.objects.get(action="import")
    assert e.after["rows"] == 10 and e.after["duplicate"] == 2 and e.actor == company.sales1

    # the Excel report: uploaded rows + 行号/结果/说明
    link = f"/customers/import/report/{rep.report_token}.xlsx"
    assert link in html
    x = login(company.sales1).get(link)
    assert x.status_code == 200
    ws = open_xlsx(x.content)["导入结果"]
    assert [c.value for c in ws[1]][:4] == ["行号", "结果", "说明", "客户名称"]
    body = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert body[2][1] == "成功" and body[6][1] == "重复" and "王五" in body[6][2]
    assert body[4][1] == "错误" and body[4][2].startswith("手机")
    assert body[12][3].startswith("'@")  # user text is never written back as a formula
    # another user cannot fetch it
    assert login(company.sales2).get(link).status_code == 404


def test_import_api_json_and_xlsx_report(company, api_client):
    c = api_client(company.sales1)
    content = xlsx([["深圳华强电子有限公司", "深圳", "网络", "B", "陈先生", "", "13800000001", "", "", ""],
                    ["坏行", "深圳", "网络", "B", "陈先生", "", "1", "", "", ""]])
    r = c.post("/api/v1/imports/customers", {"file": upload(content)})
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["total"] == 2 and d["saved"] == 1 and d["counts"]["error"] == 1
    assert list(d["rows"][1]["fields"]) == ["手机"] and "「1」" in d["rows"][1]["message"]
    x = c.get(d["report_url"])
    assert x.status_code == 200 and open_xlsx(x.content)["导入结果"].max_row == 3
    r = c.post("/api/v1/imports/customers?report=xlsx",
               {"file": upload(xlsx([["东莞新科有限公司", "东莞", "展会", "C", "刘先生", "", "13800000002", "", "", ""]]))})
    assert r.status_code == 200 and open_xlsx(r.content)["导入结果"]["B2"].value == "成功"


@pytest.mark.parametrize("content,name,needle", [
    (b"name,city\nfoo,bar\n", "customers.txt", "不是 Excel"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "photo.xlsx", "不是 Excel"),
    (b"PK\x03\x04" + b"garbage" * 50, "broken.xlsx", "无法读取"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
    (b"", "empty.xlsx", "为空"),
])
def test_non_excel_file_is_400_and_nothing_saved(company, api_client, content, name, needle):
    r = api_client(company.sales1).post("/api/v1/imports/customers", {"file": upload(content, name)})
    assert r.status_code == 400
    assert needle in r.json()["message"]
    r = login(company.sales1).post("/customers/import/", {"file": upload(content, name)})
    assert r.status_code == 400 and needle in r.content.decode()
    assert Customer.objects.count() == 0 and not AuditEntry.objects.filter(action="import").exists()


def test_missing_required_column_is_400(company, api_client):
    r = api_client(company.sales1).post("/api/v1/imports/customers",
                                        {"file": upload(xlsx([["甲", "广州"]], headers=["客户名称", "城市"]))})
    assert r.status_code == 400 and "来源" in r.json()["message"] and "联系人" in r.json()["message"]


def test_row_limit(company, api_client, settings):
    settings.YEWU_IMPORT_MAX_ROWS = 5
    rows = [[f"公司{i}", "广州", "展会", "B", "陈", "", f"1380000{i:04d}", "", "", ""] for i in range(6)]
    r = api_client(company.sales1).post("/api/v1/imports/customers", {"file": upload(xlsx(rows))})
    assert r.status_code == 400 and "5" in r.json()["message"]
    assert Customer.objects.count() == 0
    r = api_client(company.sales1).post("/api/v1/imports/customers", {"file": upload(xlsx(rows[:5]))})
    assert r.status_code == 200 and r.json()["saved"] == 5


@pytest.mark.django_db(transaction=True)  # the worker command manages its connection
def test_ten_thousand_bad_rows_report_without_saving(company, api_client):
    rows = [[f"坏客户{i}", "广州", "展会", "B", "陈先生", "", "" if i % 2 else "12345", "", "", ""] for i in range(10_000)]
    t0 = time.perf_counter()
    c = api_client(company.sales1)
    r = c.post("/api/v1/imports/customers", {"file": upload(xlsx(rows))})
    assert r.status_code == 202, r.content  # too large to import during the request: the worker does it
    assert r.json()["state"] == "queued" and r.json()["rows_estimate"] == 10_000
    call_command("yewu_worker", "--once", "--no-schedule", verbosity=0)
    r = c.get(r.json()["status_url"])
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200
    d = r.json()
    assert d["state"] == "done" and d["percent"] == 100
    assert d["total"] == 10_000 and d["counts"]["error"] == 10_000 and d["saved"] == 0
    assert len(d["rows"]) == imports.DETAIL_ROWS and d["rows_truncated"]
    assert Customer.objects.count() == 0
    print(f"10,000 bad rows: {elapsed:.1f}s")  # informative only; no timing assertion


def test_manager_names_owner_of_own_team_only(company):
    head = HEAD + ["负责人"]
    rows = [
        ["甲电器有限公司", "广州", "展会", "B", "陈", "", "13800000001", "", "", "", "sales2"],
        ["乙电器有限公司", "广州", "展会", "B", "陈", "", "13800000002", "", "", "", "sales3"],  # other team
        ["丙电器有限公司", "广州", "展会", "B", "陈", "", "13800000003", "", "", "", ""],  # → pool
        ["丁电器有限公司", "广州", "展会", "B", "陈", "", "13800000004", "", "", "", "nobody"],
    ]
    rep = import_jobs.import_customers(company.manager, xlsx(rows, head), "m.xlsx")
    by = {r.row: r for r in rep.results}
    assert by[2].status == "ok" and Customer.objects.get(name="甲电器有限公司").owner == company.sales2
    assert by[3].status == "error" and by[3].rule == "cust.manager_override"
    assert by[4].status == "ok" and Customer.objects.get(name="丙电器有限公司").owner is None
    assert by[5].status == "error" and "负责人" in by[5].fields
    # an SP cannot file for somebody else
    rep = import_jobs.import_customers(company.sales1, xlsx([["戊电器有限公司", "广州", "展会", "B", "陈", "", "13800000005",
                                                          "", "", "", "sales2"]], head), "s.xlsx")
    assert rep.results[0].status == "error" and rep.results[0].rule == "cust.manager_override"


def test_roles_that_cannot_file_cannot_import(company, api_client):
    r = api_client(company.cs).post("/api/v1/imports/customers", {"file": upload(xlsx([["甲", "广州"]]))})
    assert r.status_code == 403


def test_late_collection_date_saves_with_warning(company):
    old = timezone.localdate() - timedelta(days=30)
    rep = import_jobs.import_customers(company.sales1, xlsx([["旧资料有限公司", "广州", "展会", "B", "陈", "", "13800000001",
                                                          "", "", old.isoformat()]]), "o.xlsx")
    assert rep.results[0].status == "warning" and rep.results[0].rule == "cust.entry_2wd"
    assert Customer.objects.get().late_entry


# --- export -----------------------------------------------------------------------------------------


@pytest.fixture
def book(company):
    a, _ = file_customer(company.sales1, cust("广州张三客户有限公司", mobile="13800000001"))
    b, _ = file_customer(company.sales1, cust("广州机密客户有限公司", mobile="13800000002"))
    c, _ = file_customer(company.sales3, cust("佛山王五客户有限公司", city="佛山", mobile="13800000003"))
    d, _ = file_customer(company.manager, cust("广州公海客户有限公司", mobile="13800000004"))  # pool
    Customer.objects.filter(pk=b.pk).update(confidentiality="confidential", credit_grade="B", credit_limit="15000.00")
    Customer.objects.filter(pk=d.pk).update(confidentiality="confidential")
    return {"a": a, "b": b, "c": c, "d": d}


def sheet_rows(data: bytes):
    ws = open_xlsx(data)["客户"]
    h = find_header_row(ws, "编号")
    rows = list(ws.iter_rows(min_row=h, values_only=True))
    notes = [r[0] for r in ws.iter_rows(max_row=h - 1, values_only=True) if r and r[0]]
    headers = list(rows[0])
    return headers, [dict(zip(headers, r, strict=False)) for r in rows[1:]], notes


def test_export_respects_row_access_and_export_control(company, book):
    r = login(company.sales1).get("/customers/export.xlsx")
    assert r.status_code == 200
    headers, rows, notes = sheet_rows(r.content)
    names = {x["客户名称"] for x in rows}
    assert names == {"广州张三客户有限公司"}  # not sales3's, not the pool, and the own 机密 customer is withheld
    assert any("cust.export_control" in n and "1 个" in n for n in notes)
    assert "信用等级" in headers  # the SP sees credit of own customers
    e = AuditEntry.objects.get(action="export")
    assert e.actor == company.sales1 and e.rule == "cust.export_control"
    assert e.after["rows"] == 1 and e.after["withheld"] == 1 and e.after["filter"] == {}

    # finance (FD = manager rank) gets everything; FIN sees credit
    headers, rows, notes = sheet_rows(login(company.finance).get("/customers/export.xlsx").content)
    assert {x["客户名称"] for x in rows} == {c.name for c in book.values()}
    b = next(x for x in rows if x["客户名称"] == "广州机密客户有限公司")
    assert b["信用等级"] == "B" and b["信用额度"] == 15000 and b["可见范围"] == "完整档案"

    # CS: all rows except 机密 (not manager rank), no credit columns
    headers, rows, notes = sheet_rows(login(company.cs).get("/customers/export.xlsx").content)
    assert "信用等级" not in headers and len(rows) == 2
    assert any("已略去 2 个" in n for n in notes)


def test_manager_export_card_level_blanks_full_fields(company, book):
    # the SM of team 1 sees the pool; a 机密 pool customer is only a service card for them
    headers, rows, _ = sheet_rows(login(company.manager).get("/customers/export.xlsx?owner=pool").content)
    assert len(rows) == 1
    d = rows[0]
    assert d["客户名称"] == "广州公海客户有限公司" and d["可见范围"] == "服务卡"
    assert d["联系人"] and d["城市"] == "广州"
    assert d["来源"] in (None, "") and d["密级"] in (None, "") and d["信用等级"] in (None, "")
    # own team's 机密 customer: full, with credit
    _, rows, _ = sheet_rows(login(company.manager).get("/customers/export.xlsx").content)
    levels = {r["客户名称"]: r["可见范围"] for r in rows}
    assert levels == {"广州张三客户有限公司": "完整档案", "广州机密客户有限公司": "完整档案", "广州公海客户有限公司": "服务卡"}
    b = next(r for r in rows if r["客户名称"] == "广州机密客户有限公司")
    assert b["信用等级"] == "B" and b["密级"] == "机密"


def test_export_filters_and_api(company, book, api_client):
    _, rows, notes = sheet_rows(login(company.gm).get("/customers/export.xlsx?city=佛山").content)
    assert [r["客户名称"] for r in rows] == ["佛山王五客户有限公司"] and "城市=佛山" in notes[1]
    _, rows, _ = sheet_rows(login(company.gm).get("/customers/export.xlsx?q=gzzs").content)  # pinyin initials
    assert [r["客户名称"] for r in rows] == ["广州张三客户有限公司"]
    assert login(company.gm).get("/customers/export.xlsx?status=bogus").status_code == 400
    r = api_client(company.sales3).get("/api/v1/exports/customers.xlsx?owner=me")
    assert r.status_code == 200 and r["X-Export-Rows"] == "1"
    _, rows, _ = sheet_rows(r.content)
    assert [x["客户名称"] for x in rows] == ["佛山王五客户有限公司"]
    assert api_client(company.sales3).get("/api/v1/exports/customers.xlsx?owner=x").status_code == 400
    e = AuditEntry.objects.filter(action="export", actor=company.sales3).get()
    assert e.after["filter"] == {"owner": "me"}
    assert Client().get("/customers/export.xlsx").status_code == 302  # login required
    assert Client().get("/api/v1/exports/customers.xlsx").status_code == 401


def test_expired_confidentiality_is_not_withheld(company, book):
    Customer.objects.filter(pk=book["b"].pk).update(
        confidentiality_expires_on=timezone.localdate() - timedelta(days=1))
    _, rows, _ = sheet_rows(login(company.sales1).get("/customers/export.xlsx").content)
    assert len(rows) == 2


def test_import_page(company):
    r = login(company.sales1).get("/customers/import/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "下载导入模板" in html and 'type="file"' in html and "cust.first_to_file" in html
    r = login(company.cs).get("/customers/import/")
    assert r.status_code == 200 and 'type="file"' not in r.content.decode()
    assert login(company.sales1).post("/customers/import/", {}).status_code == 400
    assert Client().get("/customers/import/").status_code == 302


def test_the_result_page_lists_the_rows_not_saved_first_then_the_warnings(company):
    """A long file's page cannot show every row: what needs the user's attention comes first, also when the one
    bad row is the last of the file (the API keeps row order)."""
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    firms = [("广州恒通电缆有限公司", "广州"), ("深圳明辉照明有限公司", "深圳"), ("东莞新科五金有限公司", "东莞"),
             ("佛山华强塑胶有限公司", "佛山")]
    rows = [[name, city, "展会", "B", "陈", "", f"138{i:08d}", "", "", ""] for i, (name, city) in enumerate(firms)]
    rows.append(["旧资料有限公司", "广州", "展会", "B", "陈", "", "13900000001", "", "", old])  # 6: saved, warning
    rows.append(["坏手机有限公司", "广州", "展会", "B", "王", "", "12345", "", "", ""])  # 7: not saved
    r = login(company.sales1).post("/customers/import/", {"file": upload(xlsx(rows))})
    assert r.status_code == 200
    assert [(x.row, x.status) for x in r.context["detail"]] == [
        (7, "error"), (6, "warning"), (2, "ok"), (3, "ok"), (4, "ok"), (5, "ok")]
    html = r.content.decode()
    assert html.index("坏手机有限公司") < html.index("旧资料有限公司") < html.index("广州恒通电缆有限公司")
    rep = import_jobs.ImportReport(r.context["report"].job)
    assert [x.row for x in rep.detail()] == [2, 3, 4, 5, 6, 7]  # the JSON report: row order
    assert [x.row for x in rep.detail(3)] == [2, 6, 7]  # cut short: the error and the warning are kept
