"""Property test (`receipt.allocation`): over random sequences of receipts, automatic and manual allocations and
reversals, allocations always add up to what each receipt allocated, never exceed a receipt nor an order, every
order's paid amount is its allocations, commission follows the allocations, a refused step changes nothing, and
reversing everything restores every balance and order state exactly."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yewu.common.errors import YewuError
from yewu.finance.models import Allocation, Receipt, ReceiptStatus
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import balances
from yewu.orders.models import Order, OrderStatus
from yewu.performance.models import CommissionEntry

cents = st.integers(min_value=-100, max_value=400_000).map(lambda c: Decimal(c) / 100)
step = st.one_of(
    st.tuples(st.just("receipt"), cents, st.booleans(), st.integers(0, 3)),
    st.tuples(st.just("allocate"), st.integers(0, 9), st.integers(0, 3), cents),
    st.tuples(st.just("auto"), st.integers(0, 9)),
    st.tuples(st.just("reverse"), st.integers(0, 9)),
)


def total(qs, field="amount") -> Decimal:
    """Sum in Python: SQLite's SUM over decimals goes through floats."""
    return sum(qs.values_list(field, flat=True), Decimal("0"))


def snapshot():
    return (sorted(Receipt.objects.values_list("pk", "allocated", "status")),
            sorted(Order.objects.values_list("pk", "paid_amount", "status")),
            Allocation.objects.filter(reversed_on__isnull=True).count(), CommissionEntry.objects.count())


def check_invariants(customer_id):
    for r in Receipt.objects.all():
        active = total(r.allocations.filter(reversed_on__isnull=True))
        assert r.allocated == active, r
        assert Decimal("0") <= r.allocated <= r.amount
        if r.status == ReceiptStatus.REVERSED:
            assert active == 0 and not r.allocations.filter(reversed_on__isnull=True).exists()
    for o in Order.objects.all():
        active = total(Allocation.objects.filter(order=o, reversed_on__isnull=True))
        assert o.paid_amount == active and o.paid_amount <= o.total
    for a in Allocation.objects.all():
        basis = total(CommissionEntry.objects.filter(allocation=a), "basis")
        assert basis == (0 if a.reversed_on else a.amount)
    posted = Receipt.objects.filter(status=ReceiptStatus.POSTED)
    assert balances.customer_credit_balance(customer_id) == sum((r.amount - r.allocated for r in posted), Decimal("0"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_random_receipts_allocations_reversals(books, steps):
    fin = books.co.finance
    with transaction.atomic():
        orders = [
            books.order(books.gz, [("10", "123.45", "-0.450"), ("3", "99.99", None)], shipped_on=date(2026, 1, 5)),
            books.order(books.gz, [("7", "1000.00", None)], term_days=60, shipped_on=date(2026, 1, 20)),
            books.order(books.gz, [("1", "2500.00", None)], settlement="PREPAY", status=OrderStatus.AWAITING_PAYMENT),
            books.order(books.gz, [("4", "0.33", "-3.500")], settlement="COD", shipped_on=date(2026, 2, 1)),
        ]
        initial = {o.pk: (o.paid_amount, o.status) for o in Order.objects.all()}
        receipts: list[int] = []
        for s in steps:
            before = snapshot()
            try:
                if s[0] == "receipt":
                    _, amount, auto, oi = s
                    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount=amount, arrived_on=date(2026, 3, 1),
                                                auto=auto, for_order_id=orders[oi].pk if oi == 2 else None)
                    receipts.append(r.pk)
                elif not receipts:
                    continue
                elif s[0] == "allocate":
                    receipt_writes.allocate(fin, receipts[s[1] % len(receipts)], [(orders[s[2]].pk, s[3])])
                elif s[0] == "auto":
                    receipt_writes.allocate(fin, receipts[s[1] % len(receipts)], None)
                else:
                    receipt_writes.reverse_receipt(fin, receipts[s[1] % len(receipts)], "测试红冲")
            except YewuError as e:
                assert 400 <= e.status < 500 and e.rule == "receipt.allocation", e.as_dict()
                assert snapshot() == before  # a refused step changes nothing
            check_invariants(books.gz.pk)
        for pk in receipts:
            if Receipt.objects.get(pk=pk).status == ReceiptStatus.POSTED:
                receipt_writes.reverse_receipt(fin, pk, "全部冲回")
        check_invariants(books.gz.pk)
        assert {o.pk: (o.paid_amount, o.status) for o in Order.objects.all()} == initial
        assert balances.customer_credit_balance(books.gz.pk) == 0
        assert total(CommissionEntry.objects.all()) == 0
        transaction.set_rollback(True)
