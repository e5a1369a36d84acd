"""Customer import jobs: chunked, resumable, run by the worker (`yewu worker`) or inline for small files.

* :func:`start_import` bounds the upload (:func:`imports.check_upload`), checks the header row, and records
  an :class:`ImportJob` (the file, its SHA-256). Uploading the same file again continues the unfinished job
  of that user instead of starting over. Small files run at once; larger ones go to the worker.
* :func:`run_job` reads the sheet as a stream and files it chunk by chunk. Each chunk is ONE transaction:
  its customers (with contacts, ownership history, audit entries), its rows' results and the job's progress
  (``last_row``) commit together — so nothing is half-applied, and a killed worker loses at most the chunk in
  flight. The filing lock (on SQLite: the write lock) is held only for a chunk, so other users keep working.
* A job belongs to one runner at a time (``runner`` checked in every chunk's transaction); a job whose
  runner stopped sending heartbeats is taken over by the next run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks import task

from yewu.audit.services import record
from yewu.common import bulk
from yewu.common.errors import PermissionDenied, ValidationError, YewuError
from yewu.common.locks import lock
from yewu.customers.archive import services
from yewu.customers.documents import xlsx as exports
from yewu.customers.imports import rows as imports
from yewu.customers.imports.batch import DupIndex, Filed, Refused, insert_filed, prebuild
from yewu.customers.imports.rows import DETAIL_ROWS, STATUS_LABELS, RowResult
from yewu.customers.models import ImportJob, ImportRow
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy

log = logging.getLogger(__name__)
State = ImportJob.State


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def chunk_rows() -> int:
    return _setting("YEWU_IMPORT_CHUNK_ROWS", 500)


def inline_rows() -> int:
    """Files with at most this many data rows are imported during the upload request."""
    return _setting("YEWU_IMPORT_INLINE_ROWS", 300)


def stale_seconds() -> int:
    return _setting("YEWU_IMPORT_STALE_SECONDS", 120)


def _stale(job: ImportJob, now) -> bool:
    return job.heartbeat_at is None or job.heartbeat_at < now - timedelta(seconds=stale_seconds())


# --- starting --------------------------------------------------------------------------------------


def start_import(actor: User, content: bytes, filename: str = "", *, inline: bool | None = None) -> ImportJob:
    """Check the upload and start (or continue) its import job. Raises ValidationError (400, nothing saved)
    for a file that is refused as a whole."""
    if not can(actor, "imports_customers"):
        raise PermissionDenied("只有业务员、网络推广专员、业务经理或总经理可以导入客户", rule="cust.first_to_file")
    filename = (filename or "")[:200]
    scan = imports.check_upload(content, filename)
    reader = imports.SheetReader(content, filename, checked=True)  # the header row: required columns
    headers, ignored = reader.headers, reader.ignored_headers
    reader.close()
    if scan.data_rows <= 1:
        raise ValidationError("文件里没有数据行", fields={"file": "没有数据"})
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    _prune(now)
    with transaction.atomic():
        job = (ImportJob.objects.select_for_update().filter(user=actor, file_hash=digest)
               .exclude(state=State.DONE).exclude(content=None).order_by("-id").first())
        if job is not None and job.state == State.RUNNING and not _stale(job, now):
            return job  # already running: the page shows its progress
        if job is None:
            job = ImportJob.objects.create(user=actor, token=secrets.token_urlsafe(18), filename=filename,
                                           file_hash=digest, content=content, size=len(content),
                                           rows_estimate=scan.data_rows - 1, headers=headers, ignored_headers=ignored,
                                           counts={k: 0 for k in STATUS_LABELS})
        else:  # the same file again: continue where it stopped
            job.state, job.message = State.QUEUED, ""
            job.save(update_fields=["state", "message"])
    if inline is None:
        inline = job.rows_estimate - job.rows_done <= inline_rows()
    if inline:
        return run_job(job.pk)
    run_import.enqueue(job.pk)
    return job


def _prune(now, keep_days: int = 7) -> None:
    """Uploads are kept 7 days (for the Excel report and for continuing); the job and its rows stay."""
    ImportJob.objects.filter(created_at__lt=now - timedelta(days=keep_days)).exclude(content=None).update(content=None)


# --- running ---------------------------------------------------------------------------------------


class _Lost(Exception):
    """Another runner owns the job now: stop without touching it."""


def _runner_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{secrets.token_hex(4)}"


def run_job(job_id: int, *, runner: str | None = None) -> ImportJob:
    me = runner or _runner_id()
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.state == State.DONE or (job.state == State.RUNNING and job.runner and not _stale(job, now)):
            return job
        if job.content is None:
            job.state, job.message = State.FAILED, "上传的文件已过期（保留 7 天），请重新上传"
            job.save(update_fields=["state", "message"])
            return job
        job.state, job.runner, job.heartbeat_at = State.RUNNING, me, now
        job.started_at = job.started_at or now
        job.save(update_fields=["state", "runner", "heartbeat_at", "started_at"])
    try:
        _run(job, me)
    except _Lost:
        log.info("import job %s taken over by another runner", job_id)
    except YewuError as e:
        _stop(job, me, State.FAILED, e.message)
    except Exception as e:
        log.exception("import job %s failed", job_id)
        _stop(job, me, State.FAILED, f"系统错误（{type(e).__name__}）；已导入的行已保存，重新上传同一文件可从中断处继续")
    job.refresh_from_db()
    return job


@contextmanager
def _page_cache():
    """On SQLite, a larger page cache for this connection while the job runs (``YEWU_IMPORT_SQLITE_CACHE_MB``,
    default 64; SQLite's default is 2 MB): a chunk's ~25,000 index rows land on pages across the whole search
    index, which the small cache reads again and again. Restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        old = int(cur.fetchone()[0])
        cur.execute(f"PRAGMA cache_size = {-1024 * _setting('YEWU_IMPORT_SQLITE_CACHE_MB', 64):d}")
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {old:d}")


def _run(job: ImportJob, me: str) -> None:
    actor = job.user
    reader = imports.SheetReader(bytes(job.content), job.filename, checked=True)
    try:
        with _page_cache():
            _chunks(job, me, actor, reader)
    finally:
        reader.close()
    _stop(job, me, State.DONE, "")


def pipelined() -> bool:
    """Whether a job's chunks are written by a thread of their own while the next chunk is read and checked
    (``YEWU_IMPORT_PIPELINE``, default on): not inside a caller's transaction (a test's, an inline call in
    ``atomic``), whose uncommitted rows another connection could not see."""
    return bool(getattr(settings, "YEWU_IMPORT_PIPELINE", True)) and not connection.in_atomic_block


class _Writer:
    """Commits the chunks one after the other, each as :func:`_commit_chunk`, on a thread of its own (with its
    own database connection) or, not :func:`pipelined`, in the caller. At most one chunk is in flight: the
    next one is read, checked and built meanwhile (the CPU work), and is scored for ``cust.duplicate`` only after
    the one before it has been filed into the index (:meth:`done`) — so every row is decided exactly as in a
    job without the thread. The database's share (SQLite writing pages, the PostgreSQL server) overlaps."""

    def __init__(self, threaded: bool):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="import-writer") if threaded else None
        self._flight: Future | None = None

    def submit(self, fn, *args) -> None:
        assert self._flight is None
        if self._pool is None:
            self._flight = Future()
            try:
                self._flight.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed over by done(), as the thread's would be
                self._flight.set_exception(e)
        else:
            self._flight = self._pool.submit(fn, *args)

    def done(self):
        """The result of the chunk in flight (None if there is none); its exception is raised here."""
        f, self._flight = self._flight, None
        return None if f is None else f.result()

    def close(self) -> None:
        """Wait for the chunk in flight (whatever happened to the caller), then close the thread's connection."""
        if self._pool is None:
            return
        try:
            if self._flight is not None:
                wait([self._flight])
            self._pool.submit(_close_connection).result()
        finally:
            self._pool.shutdown(wait=True)


def _close_connection() -> None:
    connection.close()  # the connection of the thread this runs in


def _chunks(job: ImportJob, me: str, actor: User, reader) -> None:
    """The rows after ``job.last_row``, filed chunk by chunk."""
    cfg, cal = get_policy(), get_calendar()
    ctx = {
        "idx": DupIndex(cfg["cust.duplicate.warn_similarity"]), "owners": imports.OwnerLookup(),
        "owner_checks": {}, "columns": reader.columns, "cfg": cfg, "cal": cal,
        "name_idx": next(i for i, c in enumerate(reader.columns) if c and c.key == "name"),
        "clock": time.perf_counter(),
    }
    writer = _Writer(pipelined())
    try:
        chunk: list[tuple[int, list]] = []
        size = chunk_rows()
        for n, values in reader.rows(after=job.last_row):
            chunk.append((n, values))
            if len(chunk) >= size:
                _chunk(job, me, actor, chunk, ctx, writer)
                chunk = []
        if chunk:
            _chunk(job, me, actor, chunk, ctx, writer)
        _filed(ctx, writer.done())
    finally:
        writer.close()


def _filed(ctx: dict, filed: list | None) -> None:
    if filed is not None:
        ctx["idx"].filed(filed)


def _chunk(job: ImportJob, me: str, actor: User, rows: list[tuple[int, list]], ctx: dict, writer: _Writer) -> None:
    now = timezone.now()
    results: dict[int, RowResult] = {}
    prepared = []
    entries: dict = {}  # cust.entry_2wd by collection date: every row of the chunk is checked at `now`
    for n, values in rows:
        x = imports.prepare_row(actor, n, values, ctx["columns"], ctx["owners"], ctx["name_idx"], cfg=ctx["cfg"],
                                cal=ctx["cal"], now=now, owner_checks=ctx["owner_checks"], entries=entries)
        if isinstance(x, RowResult):
            results[n] = x
        else:
            prepared.append(x)
    for p in prepared:  # built outside the write transaction: it holds the lock only to decide and insert
        p.customer = services.new_customer(actor, p.fields, owner=p.owner, collected_on=p.collected_on,
                                           entry=p.entry, web_lead=p.web_lead, now=now)
    tokens = prebuild(actor, prepared)  # the rows to insert, but for their ids
    _filed(ctx, writer.done())  # the chunk before: committed, and in the index before this one is scored
    idx: DupIndex = ctx["idx"]
    idx.load({p.fields["city"] for p in prepared})
    idx.score_before(prepared)
    writer.submit(_commit_retrying, job, me, actor, rows, prepared, results, ctx, now, tokens)


def _commit_retrying(job, me, actor, rows, prepared, results, ctx, now, tokens) -> list:
    for attempt in (1, 2):
        try:
            return _commit_chunk(job, me, actor, rows, prepared, results, ctx, now, tokens)
        except IntegrityError:  # a name key or credit code filed without the lock meanwhile: decide again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _quick_commit() -> None:
    """PostgreSQL: this chunk's commit does not wait for its WAL to reach the disk (``synchronous_commit`` off for
    this transaction only). The chunk and the job's progress (``last_row``) are one transaction, so a commit lost
    in a crash of the database server is lost whole, and the re-run files those rows again; nothing is half
    applied. A worker killed after the commit loses nothing: the server has the commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('synchronous_commit', 'off', true)")


def _commit_chunk(job, me, actor, rows, prepared, results, ctx, now, tokens=None) -> list:
    with transaction.atomic():
        _quick_commit()
        j = ImportJob.objects.select_for_update().get(pk=job.pk)
        if j.runner != me or j.last_row != job.last_row or j.state != State.RUNNING:
            raise _Lost
        lock(services.FILING_LOCK)
        decided = ctx["idx"].decide_chunk(prepared, ctx["cfg"])
        filed = [d for d in decided if isinstance(d, Filed)]
        refused = [d for d in decided if isinstance(d, Refused)]
        insert_filed(actor, filed, refused, now=now, cfg=ctx["cfg"], new_customer=services.new_customer,
                     items=prepared, tokens=tokens)
        out = dict(results)
        for f in filed:
            p, d = f.prepared, f.decision
            if d.reasons and d.outcome == "warning":
                out[p.row] = RowResult(p.row, "warning", d.message()[:500], rule=d.reasons[0].rule,
                                       customer_id=f.customer.pk, name=p.name)
            else:
                out[p.row] = RowResult(p.row, "ok", "已建档", customer_id=f.customer.pk, name=p.name)
        for r in refused:
            out[r.prepared.row] = RowResult(r.prepared.row, "duplicate", r.decision.reasons[0].message[:500],
                                            rule="cust.duplicate", name=r.prepared.name)
        results_table = bulk.table_for(ImportRow)
        results_table.insert([results_table.row_of(
            {"job_id": j.pk, "row": r.row, "status": r.status, "message": r.message[:500], "fields": r.fields,
             "rule": (r.rule or "")[:60], "customer_id": r.customer_id, "name": r.name[:100]})
            for r in sorted(out.values(), key=lambda r: r.row)])
        counts = Counter(j.counts or {})
        counts.update(r.status for r in out.values())
        j.counts = {k: counts.get(k, 0) for k in STATUS_LABELS}
        j.last_row, j.rows_done = rows[-1][0], j.rows_done + len(rows)
        j.heartbeat_at = timezone.now()
        clock = time.perf_counter()  # the job's time: wall time from its start (chunks overlap when pipelined)
        j.seconds += clock - ctx["clock"]
        ctx["clock"] = clock
        j.save(update_fields=["counts", "last_row", "rows_done", "heartbeat_at", "seconds"])
    job.last_row, job.rows_done, job.counts, job.seconds = j.last_row, j.rows_done, j.counts, j.seconds
    return [f.customer for f in filed]


def _stop(job: ImportJob, me: str, state: str, message: str) -> None:
    with transaction.atomic():
        j = ImportJob.objects.select_for_update().get(pk=job.pk)
        if j.runner != me:
            return
        j.state, j.message, j.runner, j.finished_at = state, message[:500], "", timezone.now()
        if state == State.DONE:
            j.rows_total = j.rows_done
            rep = ImportReport(j)
            record(actor=j.user, action="import", object_type="customers.customer", object_id="-",
                   after={"file": j.filename, "rows": j.rows_done, "job": j.pk, **rep.counts},
                   rule="cust.first_to_file", reason="; ".join(rep.summary_lines()[1:])[:1000])
        j.save(update_fields=["state", "message", "runner", "finished_at", "rows_total"])


# --- the report ------------------------------------------------------------------------------------


def _row_result(r: ImportRow) -> RowResult:
    return RowResult(r.row, r.status, r.message, r.fields or {}, r.rule, r.customer_id, r.name)


class ImportReport:
    """What the page and the API show of a job: progress while it runs, then counts and the row report."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.filename = job.filename
        self.headers = job.headers
        self.ignored_headers = job.ignored_headers
        self.seconds = job.seconds
        self.report_token = f"{job.user_id}-{job.token}"
        self.state = job.state
        self.done = job.state == State.DONE
        self.total = job.rows_total if job.rows_total is not None else job.rows_done
        self.estimate = max(job.rows_estimate, job.rows_done)
        self._results: list[RowResult] | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {k: (self.job.counts or {}).get(k, 0) for k in STATUS_LABELS}

    @property
    def saved(self) -> int:
        return self.counts["ok"] + self.counts["warning"]

    @property
    def percent(self) -> int:
        return 100 if self.done else int(100 * self.job.rows_done / max(1, self.estimate))

    @property
    def results(self) -> list[RowResult]:
        if self._results is None:
            self._results = [_row_result(r) for r in ImportRow.objects.filter(job=self.job).order_by("row")]
        return self._results

    def detail(self, n: int = DETAIL_ROWS, problems_first: bool = False) -> list[RowResult]:
        """Up to n rows: the rows not saved (errors, duplicates) first, then those saved with a warning, filled up
        with the rest; in row order, or (``problems_first``: the page) grouped so, each group in row order."""
        rows = ImportRow.objects.filter(job=self.job).order_by("row")
        picked: list[ImportRow] = []
        for statuses in (("error", "duplicate"), ("warning",), ("ok",)):
            if len(picked) < n:
                picked += list(rows.filter(status__in=statuses)[: n - len(picked)])
        rank = {"error": 0, "duplicate": 0, "warning": 1}
        key = (lambda r: (rank.get(r.status, 2), r.row)) if problems_first else (lambda r: r.row)
        return [_row_result(r) for r in sorted(picked, key=key)]

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
        detail = self.detail(n) if self.done else []
        return {
            "job": self.report_token, "state": self.state, "state_label": self.job.get_state_display(),
            "message": self.job.message, "rows_done": self.job.rows_done, "rows_estimate": self.estimate,
            "percent": self.percent, "filename": self.filename, "total": self.total, "saved": self.saved,
            "counts": self.counts, "ignored_columns": self.ignored_headers, "rows": [r.as_dict() for r in detail],
            "rows_truncated": len(detail) < self.total, "seconds": round(self.seconds, 2),
            "report_token": self.report_token,
        }


def job_for_token(actor: User, token: str) -> ImportJob | None:
    """The job behind a report link; only the importing user gets it."""
    m = imports.TOKEN.match(token or "")
    if not m or int(m[1]) != actor.pk:
        return None
    return ImportJob.objects.filter(user=actor, token=m[2]).first()


def report_xlsx(job: ImportJob) -> bytes:
    """The uploaded rows as they were, with 行号, 结果 and 说明 in front."""
    results = {r.row: (r.status_label, r.text) for r in map(_row_result, ImportRow.objects.filter(job=job).only(
        "row", "status", "message", "fields"))}
    reader = imports.SheetReader(bytes(job.content), job.filename, checked=True)

    def rows():
        try:
            for n, values in reader.rows(limit=None):
                label, text = results.get(n, ("", ""))
                yield [n, label, text, *values]
        finally:
            reader.close()

    return exports.import_report_xlsx(headers=reader.headers, rows=rows(),
                                              summary=ImportReport(job).summary_lines())


def import_customers(actor: User, content: bytes, filename: str = ""):
    """Import an .xlsx of customers as ``actor``, here and now (the page and the API hand large files to
    the worker instead: ``start_import``). Returns the ImportReport."""
    job = start_import(actor, content, filename, inline=True)
    return ImportReport(job)


def import_and_report(actor: User, content: bytes, filename: str = "", *, xlsx: bool = False):
    rep = import_customers(actor, content, filename)
    return rep, (report_file(rep) if xlsx else None)


def report_file(rep) -> bytes:
    return report_xlsx(rep.job)


def load_report(actor: User, token: str) -> bytes | None:
    """The Excel report of an earlier import; only the importing user gets it."""
    job = job_for_token(actor, token)
    return report_xlsx(job) if job is not None and job.content is not None else None


@task()
def run_import(job_id: int) -> dict:
    """An Excel import of customers, run by the worker (chunked and resumable: see :func:`run_job`)."""
    job = run_job(job_id)
    return {"job": job.pk, "state": job.state, "rows_done": job.rows_done}
