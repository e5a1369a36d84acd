"""The commission statement reads plain column values (issue 14): on a mixed month (fee-share lines, special-price
cuts, a second salesperson, a reversal booked in the next month, tiers on and off) it lists exactly the entries and
figures the model objects hold, with a fixed number of queries however many entries there are."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yewu.finance.models import Receipt
from yewu.finance.receipts import services as receipt_writes
from yewu.performance import selectors
from yewu.performance.models import CommissionEntry

from .test_statement import TIERS_ON, _order_from, _quote

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def _old_view(e: CommissionEntry) -> tuple:
    """What the statement showed per entry when it read model objects over seven tables."""
    return (e.pk, e.salesperson_id, e.kind, e.booked_on, e.receipt.number, e.order.number, e.order.customer.name,
            e.order_line.product.code, e.return_request.number if e.return_request_id else None, e.basis, e.fee_excluded,
            e.cut, e.get_kind_display())


def _new_view(e) -> tuple:
    return (e.pk, e.salesperson_id, e.kind, e.booked_on, e.receipt_number, e.order_number, e.customer_name,
            e.product_code, e.return_number, e.basis, e.fee_excluded, e.cut, e.get_kind_display())


@pytest.fixture
def mixed(books):
    g1000 = books.shop.product("G-1000", "1000.00")
    _order_from(books, _quote(books.gz, "5"), [(g1000, "10", "1050.00"), (books.shop.cable, "10", "100.00")])
    for delta in (None, "-0.450", None):
        books.order(books.gz, [("1", "100.00", delta)], shipped_on=date(2026, 1, 5))
    fin = books.co.finance
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="5000.00", arrived_on=date(2026, 1, 20))
    last = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="6800.00", arrived_on=date(2026, 1, 25))
    receipt_writes.reverse_receipt(fin, last.pk, "银行退回", on=date(2026, 2, 3))
    assert CommissionEntry.objects.filter(month=FEB, kind="reversal").exists()
    return books


@pytest.mark.parametrize("tiers", [False, True])
@pytest.mark.parametrize("month", [JAN, FEB])
def test_statement_rows_equal_the_model_objects_and_sum_their_figures(mixed, settings, tiers, month):
    if tiers:
        settings.YEWU_POLICY = TIERS_ON
    st = selectors.statement(mixed.co.finance, month)
    old = [_old_view(e) for e in CommissionEntry.objects.select_related(
        "receipt", "order", "order__customer", "order_line__product", "return_request").filter(month=month).order_by(
        "salesperson_id", "booked_on", "receipt_id", "order_line_id", "id")]
    assert old and [_new_view(e) for s in st for e in s["entries"]] == old
    for s in st:
        entries = s["entries"]
        assert s["basis"] == sum((e.basis for e in entries), Decimal("0"))
        assert s["amount"] == sum((e.applied_amount for e in entries), Decimal("0"))
        if not tiers:  # tiers off: exactly the stored figures
            assert [(e.applied_rate, e.applied_amount) for e in entries] == [
                (m.rate, m.amount) for m in CommissionEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by(
                    "salesperson_id", "booked_on", "receipt_id", "order_line_id", "id")]


def test_statement_query_count_does_not_grow_with_the_entries(mixed):
    with CaptureQueriesContext(connection) as few:
        selectors.statement(mixed.co.finance, JAN)
    for _ in range(3):
        mixed.order(mixed.gz, [("1", "100.00", None)], shipped_on=date(2026, 1, 6))
    receipt_writes.create_receipt(mixed.co.finance, customer_id=mixed.gz.pk, amount="300.00", arrived_on=date(2026, 1, 28))
    assert Receipt.objects.count() == 3
    with CaptureQueriesContext(connection) as more:
        st = selectors.statement(mixed.co.finance, JAN)
    assert len(more) == len(few) <= 6 and sum(len(s["entries"]) for s in st) > 5
