"""The 部门管理表's figures (issue 13): the day's actuals and the month-to-date sums read as one grouped row per
salesperson and source are the same as the day-by-day figures (``daily_actuals``) summed, corrections included."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yewu.customers.models import Customer, Visit
from yewu.finance.models import Receipt, ReceiptStatus
from yewu.policy.calendar import TZ
from yewu.salesmgmt import actuals as act
from yewu.salesmgmt.daily.selectors import compute_rows
from yewu.salesmgmt.models import ActualCorrection, CallLog

pytestmark = pytest.mark.django_db

MONTH, DAY = date(2025, 9, 1), date(2025, 9, 26)  # a Friday late in the month


def _month_of_records(company):
    sps = [company.sales1, company.sales2, company.sales3]
    n = 0
    for k, sp in enumerate(sps):
        custs = [Customer.objects.create(name=f"月度客户{sp.pk}-{i}", name_key=f"月度客户{sp.pk}-{i}", city="广州",
                                         source="direct", owner=sp, created_by=sp, collected_on=MONTH,
                                         entry_due_at=timezone.now()) for i in range(3)]
        # filed on the 3rd, on the day, and in August (not this month)
        for c, on in zip(custs, (date(2025, 9, 3), DAY, date(2025, 8, 29)), strict=True):
            Customer.objects.filter(pk=c.pk).update(created_at=datetime.combine(on, datetime.min.time(), tzinfo=TZ)
                                                    + timedelta(hours=10))
        for d in (date(2025, 8, 29), date(2025, 9, 1), date(2025, 9, 12), DAY, DAY + timedelta(days=1)):
            n += 1
            Receipt.objects.create(number=f"YD{n:04d}", customer=custs[0], amount=Decimal(f"{1000 + k}.50"),
                                   arrived_on=d, method="transfer", recorded_by=company.finance)
        Receipt.objects.create(number=f"YD{n:04d}X", customer=custs[1], amount=Decimal("999.00"), arrived_on=DAY,
                               method="transfer", recorded_by=company.finance, status=ReceiptStatus.REVERSED)
        for d in (date(2025, 9, 2), date(2025, 9, 15), DAY):
            at = datetime.combine(d, datetime.min.time(), tzinfo=TZ)
            # the same customer met twice in a day counts once that day; met on two days counts twice in the month
            Visit.objects.create(customer=custs[0], user=sp, at=at + timedelta(hours=9), channel="visit",
                                 purpose="拜访", contacts_met="王经理")
            Visit.objects.create(customer=custs[0], user=sp, at=at + timedelta(hours=15), channel="visit",
                                 purpose="回访", contacts_met="王经理")
            Visit.objects.create(customer=custs[1], user=sp, at=at + timedelta(hours=11), channel="visit",
                                 purpose="拜访", contacts_met="")  # a visit, nobody met
            Visit.objects.create(customer=custs[2], user=sp, at=at + timedelta(hours=23, minutes=30), channel="phone",
                                 purpose="电话")  # 23:30 local is still that day
            if d == date(2025, 9, 15):  # 00:30 China time is the 14th in UTC: still the 15th's customer
                Visit.objects.create(customer=custs[0], user=sp, at=at + timedelta(minutes=30), channel="visit",
                                     purpose="早访", contacts_met="王经理")
            for h in range(k + 2):
                CallLog.objects.create(salesperson=sp, at=at + timedelta(hours=9 + h), day=d, outcome="interested")
    # an SM corrected sales1's calls on the 15th and sales2's collections on the day
    ActualCorrection.objects.create(salesperson=sps[0], day=date(2025, 9, 15), metric="calls", value=Decimal("20"),
                                    reason="漏记", by=company.manager)
    ActualCorrection.objects.create(salesperson=sps[1], day=DAY, metric="collections", value=Decimal("5000.00"),
                                    reason="到账日更正", by=company.manager)
    return sps


def test_day_and_month_to_date_equal_the_day_by_day_figures_summed(company):
    sps = _month_of_records(company)
    per_day = act.daily_actuals([s.pk for s in sps], MONTH, DAY)
    rows = {r["salesperson_id"]: {m["metric"]: m for m in r["metrics"]} for r in compute_rows(sps, DAY)}
    for sp in sps:
        day = per_day.get((sp.pk, DAY)) or act.empty()
        mtd = act.totals(per_day, sp.pk, MONTH, DAY)
        for metric, fig in rows[sp.pk].items():
            assert fig["actual"] == (str(day[metric]) if metric == "collections" else day[metric]), (sp, metric)
            assert fig["mtd_actual"] == (str(mtd[metric]) if metric == "collections" else mtd[metric]), (sp, metric)
    one, two = rows[sps[0].pk], rows[sps[1].pk]
    # by hand: 3 receipts this month; 2 visits/day × 3 days with one customer met per day; phone + 2 calls a day,
    # the 15th corrected to 20; 2 customers filed this month
    assert one["collections"]["mtd_actual"] == "3001.50" and one["collections"]["actual"] == "1000.50"
    assert (one["visits"]["mtd_actual"], one["met"]["mtd_actual"], one["met"]["actual"]) == (10, 3, 1)
    assert (one["calls"]["actual"], one["calls"]["mtd_actual"]) == (3, 3 + 20 + 3)
    assert (one["new_intent"]["actual"], one["new_intent"]["mtd_actual"]) == (1, 2)
    assert two["collections"]["actual"] == "5000.00" and two["collections"]["mtd_actual"] == "7003.00"


def test_the_draft_reads_as_many_rows_on_the_26th_as_on_the_2nd(company):
    sps = _month_of_records(company)
    ActualCorrection.objects.all().delete()
    counts = []
    for day in (date(2025, 9, 2), DAY):
        with CaptureQueriesContext(connection) as ctx:
            compute_rows(sps, day)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 8  # stamp, 4 sources, corrections, targets, work logs
