"""The quote deadlines timer (`quote.nonstandard_24h` and the other quote timers of ``sales``), every 5 minutes.

It used to ride on the customers' deadline scan, which made customers import sales. The sales app has no timer
job of its own yet; until it does, this top-floor job (allowed to read every area) runs it. Schedule: ``JOBS``.
"""

from __future__ import annotations

from django_tasks import task

from yewu.sales.services import scan_quote_deadlines


@task()
def quote_deadlines() -> dict:
    return scan_quote_deadlines()
