"""Property test (`receipt.allocation` + `return.flow`): over random sequences of receipts, allocations, returns
received back, receipt reversals and return reversals (撤销收货), per customer

    sum(active allocations) + credit balance == sum(posted receipts)

and no order's open amount is ever negative (money on an order never exceeds its total net of returns: a return's
excess moves to the credit balance). A refused step changes nothing; reversing everything restores every order."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yewu.common.errors import YewuError
from yewu.finance.models import Allocation, Receipt, ReceiptStatus
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import balances
from yewu.finance.receivables import selectors as ar_reads
from yewu.orders.models import Order, ReturnRequest, ReturnStatus
from yewu.orders.returns import services as returns
from yewu.org.models import User
from yewu.performance.models import CommissionEntry

cents = st.integers(min_value=-100, max_value=300_000).map(lambda c: Decimal(c) / 100)
step = st.one_of(
    st.tuples(st.just("receipt"), cents, st.booleans()),
    st.tuples(st.just("allocate"), st.integers(0, 9), st.integers(0, 2), cents),
    st.tuples(st.just("auto"), st.integers(0, 9)),
    st.tuples(st.just("reverse"), st.integers(0, 9)),
    st.tuples(st.just("return"), st.integers(0, 2), st.integers(1, 6)),
    st.tuples(st.just("unreturn"), st.integers(0, 9)),
)
ZERO = Decimal("0.00")


def total(qs, field="amount") -> Decimal:
    return sum(qs.values_list(field, flat=True), Decimal("0"))


def snapshot():
    return (sorted(Receipt.objects.values_list("pk", "allocated", "status")),
            sorted(Order.objects.values_list("pk", "paid_amount", "returned_amount", "status")),
            sorted(ReturnRequest.objects.values_list("pk", "status")),
            Allocation.objects.filter(reversed_on__isnull=True).count(), CommissionEntry.objects.count())


def check_invariants(fin, customer_id):
    posted = total(Receipt.objects.filter(customer_id=customer_id, status=ReceiptStatus.POSTED))
    allocated = total(Allocation.objects.filter(receipt__customer_id=customer_id, reversed_on__isnull=True))
    balance = balances.customer_credit_balance(customer_id)
    assert allocated + balance == posted, (allocated, balance, posted)
    assert balance >= 0
    for r in Receipt.objects.filter(customer_id=customer_id):
        assert r.allocated == total(r.allocations.filter(reversed_on__isnull=True))
        assert ZERO <= r.allocated <= r.amount
    for o in Order.objects.filter(customer_id=customer_id):
        assert o.paid_amount == total(Allocation.objects.filter(order=o, reversed_on__isnull=True))
        back = total(ReturnRequest.objects.filter(order=o, exchange=False, status__in=(ReturnStatus.RECEIVED,
                                                                                        ReturnStatus.CREDITED)))
        assert o.returned_amount == back == balances.returned_credit([o.pk]).get(o.pk, ZERO)
        assert o.total - o.returned_amount - o.paid_amount >= 0, o  # open amount never negative
        assert o.unpaid == balances.net_unpaid(o)
    for r in ar_reads.receivables(fin, customer_id=customer_id):
        assert r.open > 0


@pytest.fixture
def people(db):
    return (User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="孙库管"),
            User.objects.create_user(username="qc", password="x", roles=["QC"], display_name="周质检"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_random_receipts_allocations_returns_and_reversals(books, people, steps):
    wh, qc = people
    fin, co = books.co.finance, books.co

    def give_back(order, qty):
        line = order.lines.order_by("id").first()
        ret = returns.apply(order.salesperson, order_id=order.pk, line_id=line.pk, quantity=str(qty), reason="破损",
                            quality_defect=True)
        returns.confirm(co.manager, ret.pk)
        returns.inspect(qc, ret.pk, is_ours=True, condition="破损")
        ret = returns.approve(co.manager, ret.pk)
        if ret.status == ReturnStatus.AWAITING_GM:
            returns.approve(co.gm, ret.pk)
        return returns.receive(wh, ret.pk)

    with transaction.atomic():
        orders = [
            books.order(books.gz, [("5", "123.45", "-0.450"), ("3", "99.99", None)], shipped_on=date(2026, 1, 5)),
            books.order(books.gz, [("4", "1000.00", None)], term_days=60, shipped_on=date(2026, 1, 20)),
            books.order(books.gz, [("6", "0.33", "-3.500")], settlement="COD", shipped_on=date(2026, 2, 1)),
        ]
        initial = {o.pk: (o.paid_amount, o.returned_amount) for o in Order.objects.all()}
        receipts: list[int] = []
        rets: list[int] = []
        for s in steps:
            before = snapshot()
            try:
                if s[0] == "receipt":
                    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount=s[1], arrived_on=date(2026, 3, 1),
                                                auto=s[2])
                    receipts.append(r.pk)
                elif s[0] == "return":
                    o = Order.objects.get(pk=orders[s[1]].pk)
                    rets.append(give_back(o, s[2]).pk)
                elif s[0] == "unreturn":
                    if rets:
                        returns.reverse_receive(wh, rets[s[1] % len(rets)], "误收")
                elif not receipts:
                    continue
                elif s[0] == "allocate":
                    receipt_writes.allocate(fin, receipts[s[1] % len(receipts)], [(orders[s[2]].pk, s[3])])
                elif s[0] == "auto":
                    receipt_writes.allocate(fin, receipts[s[1] % len(receipts)], None)
                else:
                    receipt_writes.reverse_receipt(fin, receipts[s[1] % len(receipts)], "测试红冲")
            except YewuError as e:
                assert 400 <= e.status < 500 and e.rule in ("receipt.allocation", "return.flow"), e.as_dict()
                assert snapshot() == before  # a refused step changes nothing
            check_invariants(fin, books.gz.pk)
        for pk in receipts:
            if Receipt.objects.get(pk=pk).status == ReceiptStatus.POSTED:
                receipt_writes.reverse_receipt(fin, pk, "全部冲回")
        for pk in rets:
            if ReturnRequest.objects.get(pk=pk).status == ReturnStatus.RECEIVED:
                returns.reverse_receive(wh, pk, "全部撤销")
        check_invariants(fin, books.gz.pk)
        assert {o.pk: (o.paid_amount, o.returned_amount) for o in Order.objects.all()} == initial
        assert balances.customer_credit_balance(books.gz.pk) == 0
        assert total(CommissionEntry.objects.all()) == 0
        transaction.set_rollback(True)


def test_returning_a_fee_line_unit_by_unit_takes_back_exactly_its_fee_share(books, people):
    """commission.base: the fee share kept out of the basis is taken back with each return, net of earlier returns,
    so returning every unit one by one leaves basis, fee share and commission of the line at exactly 0."""
    wh, qc = people
    co = books.co
    o = books.order(books.gz, [("6", "10.01", None)], shipped_on=date(2026, 1, 5))
    line = o.lines.get()
    type(line).objects.filter(pk=line.pk).update(fee=Decimal("0.05"))  # a fee that does not split evenly over 6
    receipt_writes.create_receipt(co.finance, customer_id=books.gz.pk, amount="60.06", arrived_on=date(2026, 1, 20))
    credit = CommissionEntry.objects.get(order_line=line, kind="credit")
    assert (credit.basis, credit.fee_excluded) == (Decimal("60.01"), Decimal("0.05"))
    for _ in range(6):
        ret = returns.apply(o.salesperson, order_id=o.pk, line_id=line.pk, quantity="1", reason="破损", quality_defect=True)
        returns.confirm(co.manager, ret.pk)
        returns.inspect(qc, ret.pk, is_ours=True, condition="破损")
        returns.approve(co.manager, ret.pk)
        returns.receive(wh, ret.pk)
    entries = CommissionEntry.objects.filter(order_line=line)
    assert (total(entries, "basis"), total(entries, "fee_excluded"), total(entries)) == (0, 0, 0)
    assert all(e.fee_excluded <= 0 for e in entries.filter(kind="return"))
