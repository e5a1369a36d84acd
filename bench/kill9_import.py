"""kill -9 during an import, for real: a `yewu worker` process runs an import job and is killed with SIGKILL
after a few chunks; then the database must hold only whole chunks (every saved customer has its row result,
every row result of a saved row its customer, the job's progress equals the rows reported), and uploading
the same file again must continue the job to the end without filing anything twice.

    YEWU_DATA_DIR=bench/out/kill9 .venv/bin/python bench/kill9_import.py --rows 3000
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_import  # noqa: E402
import gen_customers as gen  # noqa: E402


def consistent(job) -> dict:
    from yewu.customers.models import Customer, ImportRow

    job.refresh_from_db()
    rows = ImportRow.objects.filter(job=job)
    saved_rows = rows.filter(status__in=("ok", "warning")).count()
    customers = Customer.objects.filter(created_by=job.user).count()
    linked = Customer.objects.filter(id__in=rows.values("customer_id")).count()
    out = {"state": job.state, "rows_done": job.rows_done, "row_results": rows.count(), "saved_rows": saved_rows,
           "customers": customers, "customers_with_a_row_result": linked}
    out["whole_chunks"] = (rows.count() == job.rows_done and customers == saved_rows == linked)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--after", type=int, default=1000, help="kill once this many rows are committed")
    args = ap.parse_args(argv)
    if not os.environ.get("YEWU_DATA_DIR") and not os.environ.get("DATABASE_URL"):
        sys.exit("set YEWU_DATA_DIR=bench/out/kill9 (never the real database)")
    if not os.environ.get("DATABASE_URL"):
        shutil.rmtree(os.environ["YEWU_DATA_DIR"], ignore_errors=True)
    gen.setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from yewu.customers.imports import jobs as import_jobs
    from yewu.customers.models import ImportJob
    from yewu.org.models import User

    sp = User.objects.filter(username="kill9_sp").first() or User.objects.create_user(
        username="kill9_sp", password="x-kill9", roles=["SP"], display_name="测试业务员")
    content = bench_import.make_file(args.rows, 7)
    job = import_jobs.start_import(sp, content, "kill9.xlsx", inline=False)
    print(f"job {job.pk}: {job.rows_estimate} rows queued")
    worker = subprocess.Popen([sys.executable, "-m", "yewu.cli", "worker", "--no-schedule", "--interval", "0.2"],
                              env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            time.sleep(0.2)
            job.refresh_from_db()
            if job.rows_done >= args.after or job.state in ("done", "failed"):
                break
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    print("after kill -9:", consistent(job))
    # the dead worker's heartbeat goes stale; the same file uploaded again continues the job
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    again = import_jobs.start_import(sp, content, "kill9.xlsx", inline=True)
    print(f"same file again → job {again.pk} (same job: {again.pk == job.pk})")
    print("after the re-run:", consistent(again), again.counts)


if __name__ == "__main__":
    main()
