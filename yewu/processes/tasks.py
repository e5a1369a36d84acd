"""Nightly `process.evaluation_audit` job (01:00 Asia/Shanghai): create the due evaluations/audits of the last
ended period and flag overdue findings. Idempotent; the ``@task`` is registered in yewu.common.jobs."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django_tasks import task

from . import services


def run_nightly(today: date | None = None) -> dict:
    today = today or timezone.localdate()
    return {"reviews": len(services.create_due_reviews(today)), "overdue_reviews": services.flag_overdue_reviews(today),
            "overdue_notices": services.flag_overdue_findings(today)}


@task()
def nightly() -> dict:
    return run_nightly()
