"""Excel import under hostile files (issue 10 item 6: bounds before parsing) and at scale (chunked jobs that
commit with their progress, resume, run in the worker, same `cust.duplicate` findings as filing by hand)."""

import io
import random
import threading
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.errors import YewuError
from yewu.customers.imports import batch as import_batch
from yewu.customers.imports import jobs as import_jobs
from yewu.customers.imports import rows as imports
from yewu.customers.models import Customer, ImportJob, ImportRow
from yewu.customers.services import file_customer
from yewu.customers.tests.test_import_export import cust, upload, xlsx


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    settings.YEWU_IMPORT_REPORT_DIR = tmp_path / "reports"


def rows_of(n, start=0):
    """n customers that are not duplicates of each other (each in its own city: no similar names)."""
    return [[f"测试{i:05d}号电器有限公司", f"测试市{i}", "展会", "B", "陈先生", "", f"139{i:08d}", "", "", ""]
            for i in range(start, start + n)]


def rebuild(content: bytes, replace: dict[str, bytes]) -> bytes:
    """The same .xlsx with some members replaced (how a hostile file is made)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, replace.pop(info.filename, None) or src.read(info.filename))
        for name, data in replace.items():
            out.writestr(name, data)
    return buf.getvalue()


def api_post(api_client, user, content):
    return api_client(user).post("/api/v1/imports/customers", {"file": upload(content)})


# --- bounds before parsing (issue 10 item 6) ----------------------------------------------------------


def test_huge_cell_is_refused_before_parsing_and_the_answer_stays_small(company, api_client):
    base = xlsx([["占位有限公司", "广州", "展会", "B", "陈先生", "", "13800000001", "", "", ""]])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml").decode()
    huge = "大" * 20_000_000  # 60 MB of XML that deflates to a few hundred KB
    content = rebuild(base, {"xl/worksheets/sheet1.xml": sheet.replace("占位有限公司", huge).encode()})
    assert len(content) < 1_000_000
    r = api_post(api_client, company.sales1, content)
    assert r.status_code == 400, r.status_code
    assert len(r.content) < 2_000  # never an echo of the cell
    d = r.json()
    assert "第 2 行的一个单元格内容超过单元格上限 5,000 个字符" in d["message"]
    assert d["rule"] == "import.limits" and "file" in d["fields"]
    # the same cell as a shared string (how Excel writes text)
    strings = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{huge}</t></si></sst>'
    r = api_post(api_client, company.sales1, rebuild(base, {"xl/sharedStrings.xml": strings.encode()}))
    assert r.status_code == 400 and "共享文本" in r.json()["message"] and len(r.content) < 2_000
    assert Customer.objects.count() == 0 and not ImportJob.objects.exists()


def test_one_and_a_half_million_empty_rows_are_refused_without_walking_them(company, api_client):
    base = xlsx([["甲有限公司", "广州", "展会", "B", "陈先生", "", "13800000001", "", "", ""]])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml").decode()
    empty = "".join(f'<row r="{n}"/>' for n in range(3, 1_500_003))
    content = rebuild(base, {"xl/worksheets/sheet1.xml": sheet.replace("</sheetData>", empty + "</sheetData>").encode()})
    r = api_post(api_client, company.sales1, content)
    assert r.status_code == 400
    assert "超过上限 110,000 行" in r.json()["message"] and r.json()["rule"] == "import.limits"
    # one far row alone makes openpyxl yield every row before it: refused the same way
    far = sheet.replace("</sheetData>", '<row r="1500000"><c r="A1500000" t="inlineStr"><is><t>x</t></is></c></row>'
                        "</sheetData>")
    r = api_post(api_client, company.sales1, rebuild(base, {"xl/worksheets/sheet1.xml": far.encode()}))
    assert r.status_code == 400 and "110,000" in r.json()["message"]
    assert Customer.objects.count() == 0


def test_oversized_uncompressed_members_are_refused_from_the_zip_directory(company, api_client, settings):
    base = xlsx(rows_of(2))
    styles = zipfile.ZipFile(io.BytesIO(base)).read("xl/styles.xml").decode()
    padded = styles.replace("</styleSheet>", "<!--" + " " * (17 * 1024 * 1024) + "--></styleSheet>").encode()
    r = api_post(api_client, company.sales1, rebuild(base, {"xl/styles.xml": padded}))
    assert r.status_code == 400
    assert "xl/styles.xml" in r.json()["message"] and "16.0 MB" in r.json()["message"]
    settings.YEWU_IMPORT_MAX_UNCOMPRESSED = 64 * 1024
    r = api_post(api_client, company.sales1, xlsx(rows_of(300)))
    assert r.status_code == 400 and "解压后大小上限 0.1 MB" in r.json()["message"]
    assert Customer.objects.count() == 0


def test_parse_time_and_upload_size_are_bounded(company, api_client, settings):
    settings.YEWU_IMPORT_MAX_PARSE_SECONDS = 0
    r = api_post(api_client, company.sales1, xlsx(rows_of(3)))
    assert r.status_code == 400 and "超时（超过 0 秒）" in r.json()["message"]
    settings.YEWU_IMPORT_MAX_PARSE_SECONDS = 60
    settings.YEWU_IMPORT_MAX_BYTES = 1024
    r = api_post(api_client, company.sales1, xlsx(rows_of(3)))
    assert r.status_code == 400 and "上限 0 MB" in r.json()["message"]
    r = Client()
    r.force_login(company.sales1)
    page = r.post("/customers/import/", {"file": upload(xlsx(rows_of(3)))})
    assert page.status_code == 400 and "文件过大" in page.content.decode()


def test_row_report_never_echoes_a_long_cell(company, api_client):
    long = "路过" * 2_000  # 4,000 characters: under the cell limit, but not a 来源
    r = api_post(api_client, company.sales1, xlsx([["甲电器有限公司", "广州", long, "B", "陈", "", "13800000001", "", "", ""]]))
    assert r.status_code == 200
    row = r.json()["rows"][0]
    assert row["status"] == "error" and "来源" in row["fields"]
    assert len(row["message"]) < 200 and "共 4,000 字" in row["message"]


# --- jobs: chunks that commit with their progress, resumable ------------------------------------------


class Killed(BaseException):
    """What kill -9 looks like from inside: nothing after it runs, no cleanup."""


def test_a_killed_import_keeps_whole_chunks_and_a_rerun_continues(company, settings, monkeypatch):
    settings.YEWU_IMPORT_CHUNK_ROWS = 3
    content = xlsx(rows_of(10) + [rows_of(1)[0]])  # the last row repeats the first: a duplicate
    real = import_batch.insert_filed
    calls = {"n": 0}

    def dies_in_third_chunk(*a, **kw):
        calls["n"] += 1
        real(*a, **kw)  # the chunk's customers are inserted ...
        if calls["n"] == 3:
            raise Killed  # ... and the process dies before the chunk commits

    monkeypatch.setattr(import_jobs, "insert_filed", dies_in_third_chunk)
    with pytest.raises(Killed):
        import_jobs.import_customers(company.sales1, content, "big.xlsx")
    job = ImportJob.objects.get()
    assert job.state == "running" and job.rows_done == 6 and job.last_row == 7
    assert Customer.objects.count() == 6 == ImportRow.objects.filter(job=job, status="ok").count()  # no half chunk

    monkeypatch.setattr(import_jobs, "insert_filed", real)
    # the same file while the job still looks alive: nothing runs twice
    again = import_jobs.start_import(company.sales1, content, "big.xlsx", inline=True)
    assert again.pk == job.pk and again.rows_done == 6 and Customer.objects.count() == 6
    # once its heartbeat is stale, uploading the same file continues where it stopped
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    rep = import_jobs.import_customers(company.sales1, content, "big.xlsx")
    assert rep.job.pk == job.pk and rep.done and rep.total == 11
    assert rep.counts == {"ok": 10, "warning": 0, "error": 0, "duplicate": 1}
    assert Customer.objects.count() == 10 and ImportRow.objects.filter(job=job).count() == 11
    assert [r.row for r in rep.results] == list(range(2, 13))
    assert AuditEntry.objects.filter(action="import").count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="customers.customer").count() == 10


def test_a_job_runs_once_even_when_started_twice(company, settings):
    settings.YEWU_IMPORT_INLINE_ROWS = 0
    job = import_jobs.start_import(company.sales1, xlsx(rows_of(4)), "a.xlsx")
    assert job.state == "queued"
    ImportJob.objects.filter(pk=job.pk).update(state="running", runner="other-worker", heartbeat_at=timezone.now())
    assert import_jobs.run_job(job.pk).rows_done == 0  # someone else holds it
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert import_jobs.run_job(job.pk).state == "done"
    assert import_jobs.run_job(job.pk).rows_done == 4 and Customer.objects.count() == 4


def test_filings_between_chunks_are_seen_by_the_later_chunks(company, settings, monkeypatch):
    """The filing lock is held per chunk, so others file meanwhile; the import still refuses their customers."""
    settings.YEWU_IMPORT_CHUNK_ROWS = 2
    real = import_jobs._commit_chunk
    state = {"n": 0}

    def other_user_files_between(*a, **kw):
        state["n"] += 1
        if state["n"] == 2:
            file_customer(company.sales3, cust("测试00003号电器有限公司", city="测试市3", mobile="13700000000"))
        return real(*a, **kw)

    monkeypatch.setattr(import_jobs, "_commit_chunk", other_user_files_between)
    rep = import_jobs.import_customers(company.sales1, xlsx(rows_of(5)), "c.xlsx")
    by = {r.row: r for r in rep.results}
    assert by[5].status == "duplicate" and "王五" in by[5].message
    assert [by[n].status for n in (2, 3, 4, 6)] == ["ok"] * 4


@pytest.mark.django_db(transaction=True)  # the worker command manages its connection
def test_the_page_shows_progress_then_the_report(company, settings):
    settings.YEWU_IMPORT_INLINE_ROWS = 2
    c = Client()
    c.force_login(company.sales1)
    r = c.post("/customers/import/", {"file": upload(xlsx(rows_of(5)))})
    assert r.status_code == 302 and "/customers/import/jobs/" in r["Location"]
    page = c.get(r["Location"]).content.decode()
    assert "排队中" in page and "location.reload" in page and "已处理 0 / 约 5 行" in page
    other = Client()
    other.force_login(company.sales2)
    assert other.get(r["Location"]).status_code == 404  # only the importing user
    call_command("yewu_worker", "--once", "--no-schedule", verbosity=0)
    page = c.get(r["Location"]).content.decode()
    assert "导入结果" in page and "已保存 5 个客户" in page and "location.reload" not in page
    assert Customer.objects.filter(owner=company.sales1).count() == 5


# --- same findings as filing by hand ------------------------------------------------------------------


def tricky_rows(n=80, seed=7):
    rng = random.Random(seed)
    brands = ["恒通", "恒达", "明辉", "华强", "永盛", "永胜", "新科", "金达"]
    trades = ["电线电缆", "电缆", "五金", "照明", "电器"]
    out = []
    for _ in range(n):
        city = rng.choice(["广州", "广州", "佛山"])
        name = f"{rng.choice(['', city, city + '市'])}{rng.choice(brands)}{rng.choice(trades)}{rng.choice(['有限公司', '厂', '商行'])}"
        mobile = f"1380000{rng.randrange(60):04d}"
        out.append([name, city, "展会", "B", "陈先生", "", mobile, "", "", ""])
    return out


def test_batch_import_has_the_same_findings_as_filing_each_row(company):
    same_findings_as_filing_each_row(company)


@pytest.mark.django_db(transaction=True)  # outside a caller's transaction: chunks are written by the writer thread
def test_pipelined_import_has_the_same_findings_as_filing_each_row(company, settings, monkeypatch):
    """The next chunk is read and checked while the one before it commits on another thread and connection;
    every row must still be decided as if filed by hand one after the other."""
    settings.YEWU_IMPORT_CHUNK_ROWS = 9
    threads = []
    real = import_jobs._commit_chunk

    def where(*a, **kw):
        threads.append(threading.current_thread().name)
        return real(*a, **kw)

    monkeypatch.setattr(import_jobs, "_commit_chunk", where)
    rep = same_findings_as_filing_each_row(company)
    assert len(threads) == 9 and all(t.startswith("import-writer") for t in threads)
    assert rep.job.rows_done == 80 and rep.job.seconds > 0


def same_findings_as_filing_each_row(company):
    file_customer(company.sales3, cust("佛山永盛五金有限公司", city="佛山", mobile="13700000000"))
    file_customer(company.sales2, cust("广州恒通电缆厂", mobile="13700000001"))
    content = xlsx(tricky_rows())

    with transaction.atomic():  # row by row through file_customer (how the import worked before)
        sheet = imports.read_workbook(content)
        owners = imports.OwnerLookup()
        by_hand = {}
        for n, values in sheet.rows:
            data, owner = imports.parse_row(values, sheet.columns, owners)
            try:
                c, d = file_customer(company.sales1, data, owner=owner)
                by_hand[n] = ("warning", d.message()) if d.outcome == "warning" else ("ok", "已建档")
            except YewuError as e:
                by_hand[n] = ("duplicate" if e.rule == "cust.duplicate" else "error", e.message)
        transaction.set_rollback(True)

    rep = import_jobs.import_customers(company.sales1, content, "t.xlsx")
    batch = {r.row: (r.status, r.message) for r in rep.results}
    assert batch == by_hand
    statuses = {s for s, _ in batch.values()}
    assert {"ok", "warning", "duplicate"} <= statuses  # the file exercises every finding
    return rep
