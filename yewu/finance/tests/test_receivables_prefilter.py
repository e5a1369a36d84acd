"""`ar.aging` at scale: the receivables read only the goods-issue lines of orders that may still be open (money counted
by the date below their delivered value) and take each line's value money(qty × price) as whole cents from the
database. Both must give exactly what the full computation in Python gives — on rounding edges (3-decimal
quantities over several notes, a tie that SQLite's float ROUND gets wrong), partly paid, paid to the cent, a receipt
reversed, money arriving after the date, returns, a release, a write-off, a negative line value and a line too large
for exact float cents."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db.models import IntegerField, Value

from yewu.common.numbering import next_number
from yewu.finance.models import Allocation, Receipt, WriteOff
from yewu.finance.receivables import selectors as ar_reads
from yewu.orders.models import OrderStatus, ReturnRequest, ReturnStatus, Shipment, ShipmentLine
from yewu.policy.calendar import TZ

D0 = date(2026, 3, 2)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(10), tzinfo=TZ)


@pytest.fixture
def ledger(books):
    co = books.co

    def order(customer, lines, **kw):
        return books.order(customer, lines, term_days=30, **kw)

    def note(o, on: date, qty: dict[int, str]):
        """A goods-issue note shipping ``qty[i]`` of the order's i-th line."""
        s = Shipment.objects.create(number=next_number("CK"), order=o, shipped_by=co.manager)
        Shipment.objects.filter(pk=s.pk).update(shipped_at=_at(on))
        lines = list(o.lines.order_by("id"))
        for i, q in qty.items():
            ShipmentLine.objects.create(shipment=s, order_line=lines[i], quantity=Decimal(q))
        return s

    def pay(o, amount: str, on: date, reversed_on: date | None = None, effective_on: date | None = None):
        r = Receipt.objects.create(number=next_number("SK"), customer=o.customer, amount=abs(Decimal(amount)),
                                   allocated=abs(Decimal(amount)), arrived_on=on, method="transfer",
                                   recorded_by=co.finance)
        return Allocation.objects.create(receipt=r, order=o, amount=Decimal(amount), kind="manual",
                                         created_by=co.finance, reversed_on=reversed_on, effective_on=effective_on)

    class Ledger:
        pass

    x = Ledger()
    x.books, x.order, x.note, x.pay = books, order, note, pay
    return x


def _items(user, as_of, **kw):
    return [(it.order_id, it.delivered_on, it.due_on, str(it.amount), str(it.open), str(it.written_off))
            for it in ar_reads._open_items(user, as_of, **kw)]


def _full(monkeypatch, user, as_of, **kw):
    """The computation without the prefilter and with every line's value computed in Python."""
    with monkeypatch.context() as m:
        m.setattr(ar_reads, "_maybe_open", lambda lines, as_of: lines.values("shipment__order_id"))
        m.setattr(ar_reads, "_CENTS_IF_EXACT", Value(None, output_field=IntegerField()))
        return _items(user, as_of, **kw)


def _candidates(as_of) -> set[int]:
    end = datetime.combine(as_of + timedelta(days=1), time.min, TZ)
    lines = ShipmentLine.objects.filter(shipment__shipped_at__lt=end).exclude(shipment__order__status=OrderStatus.CANCELLED)
    return set(lines.filter(shipment__order_id__in=ar_reads._maybe_open(lines, as_of)).values_list(
        "shipment__order_id", flat=True))


def test_prefilter_and_database_cents_give_the_full_computation(ledger, monkeypatch):
    b, co = ledger.books, ledger.books.co
    gz, other = b.gz, b.other
    o = {}
    # 1.005 shipped as 3 × 0.335 at 1.00: each note 0.34 (a tie rounded up), 1.02 in all, while the order's total
    # and SUM(qty × price) round to 1.01 — paid 1.01 leaves 0.01 open; paid 1.02 leaves nothing
    for k, paid in (("thirds_open", "1.01"), ("thirds_paid", "1.02")):
        o[k] = ledger.order(gz, [("1.005", "1.00", None)])
        for i in range(3):
            ledger.note(o[k], D0 + timedelta(days=i), {0: "0.335"})
        ledger.pay(o[k], paid, D0 + timedelta(days=5))
    # 1.005 × 1.00 in one note: the float 1.005 is below the tie (SQLite's ROUND gives 1.00); money() gives 1.01
    for k, paid in (("tie_open", "1.00"), ("tie_paid", "1.01")):
        o[k] = ledger.order(other, [("1.005", "1.00", None)])
        ledger.note(o[k], D0, {0: "1.005"})
        ledger.pay(o[k], paid, D0 + timedelta(days=1))
    # just below a tie (0.00499 → 0.00) and at it (0.005 → 0.01), paid 0.01
    o["near_tie"] = ledger.order(gz, [("0.499", "0.01", None), ("0.500", "0.01", None)])
    ledger.note(o["near_tie"], D0, {0: "0.499", 1: "0.500"})
    ledger.pay(o["near_tie"], "0.01", D0)
    # partly paid; paid to the cent from day 10; paid to the cent but reversed on day 20
    o["partly"] = ledger.order(gz, [("10", "100.00", None)], shipped_on=D0)
    ledger.pay(o["partly"], "400.00", D0 + timedelta(days=3))
    o["exact"] = ledger.order(gz, [("3.333", "33.33", None)], shipped_on=D0)  # 111.08889 → 111.09
    ledger.pay(o["exact"], "111.09", D0 + timedelta(days=10))
    o["reversed"] = ledger.order(other, [("7", "12.34", None)], shipped_on=D0, settlement="COD")
    ledger.pay(o["reversed"], "86.38", D0 + timedelta(days=2), reversed_on=D0 + timedelta(days=20))
    # returned 2 of 10 (received day 8), paid in full before, the excess released from day 8 (a negative allocation)
    o["returned"] = ledger.order(gz, [("10", "50.00", None)], shipped_on=D0)
    ledger.pay(o["returned"], "500.00", D0 + timedelta(days=1))
    ln = o["returned"].lines.get()
    ReturnRequest.objects.create(number=next_number("TH"), order=o["returned"], line=ln, quantity=Decimal("2"),
                                 amount=Decimal("100.00"), reason="质量", status=ReturnStatus.RECEIVED,
                                 received_at=_at(D0 + timedelta(days=8)), created_by=co.sales1)
    ledger.pay(o["returned"], "-100.00", D0 + timedelta(days=1), effective_on=D0 + timedelta(days=8))
    # partly paid, the rest written off on day 15 (listed as written off, not open); then recovered on day 25
    o["written_off"] = ledger.order(gz, [("4", "25.00", None)], shipped_on=D0)
    ledger.pay(o["written_off"], "60.00", D0 + timedelta(days=4))
    WriteOff.objects.create(number=next_number("HX"), customer=gz, order=o["written_off"], amount=Decimal("40.00"),
                            reason="破产", requested_by=co.sales1, state=WriteOff.State.APPROVED,
                            decided_at=_at(D0 + timedelta(days=15)))
    ledger.pay(o["written_off"], "40.00", D0 + timedelta(days=25))
    # a negative line value, "paid" as much by a negative allocation: the full computation shows the note open (its
    # value is taken to 0, the negative money leaves it owed) — such an order must stay in although money ≥ value
    o["negative"] = ledger.order(gz, [("1", "-5.00", None)], shipped_on=D0)
    ledger.pay(o["negative"], "-5.00", D0 + timedelta(days=2))
    # a line of 10⁸ and more (no exact float cents): computed in Python; paid to the cent, then one cent short
    for k, paid in (("huge_paid", "100499999.99"), ("huge_open", "100499999.98")):
        o[k] = ledger.order(other, [("1.005", "99999999.99", None)], shipped_on=D0)  # 100499999.98995
        ledger.pay(o[k], paid, D0 + timedelta(days=1))
    # cancelled: never in
    o["cancelled"] = ledger.order(gz, [("1", "10.00", None)], shipped_on=D0)
    type(o["cancelled"]).objects.filter(pk=o["cancelled"].pk).update(status=OrderStatus.CANCELLED)

    seen = set()
    for day in (-1, 0, 1, 2, 3, 4, 5, 8, 10, 15, 20, 25, 60):
        as_of = D0 + timedelta(days=day)
        for user in (co.finance, co.sales1, co.sales3, co.manager, co.users["cs"], co.users["leads"]):
            for kw in ({}, {"keep_written_off": True}, {"customer_id": gz.pk}, {"order_id": o["thirds_open"].pk}):
                got = _items(user, as_of, **kw)
                assert got == _full(monkeypatch, user, as_of, **kw), (day, user, kw)
                seen.update(x[0] for x in got)
    assert seen == {v.pk for k, v in o.items() if k not in ("near_tie", "cancelled")}  # paid when shipped

    # the prefilter does leave the settled orders out (and keeps the others)
    late = _candidates(D0 + timedelta(days=30))
    assert {k for k, v in o.items() if v.pk not in late} == {"thirds_paid", "tie_paid", "near_tie", "exact",
                                                              "written_off", "cancelled"}
    assert o["exact"].pk in _candidates(D0 + timedelta(days=9))  # paid only on day 10
    assert o["reversed"].pk not in _candidates(D0 + timedelta(days=19))
    assert o["reversed"].pk in _candidates(D0 + timedelta(days=20))
    open_on_60 = {x[0]: x[4] for x in _items(co.finance, D0 + timedelta(days=60))}
    assert open_on_60[o["thirds_open"].pk] == "0.01" and open_on_60[o["tie_open"].pk] == "0.01"
    assert open_on_60[o["negative"].pk] == "5.00" and open_on_60[o["huge_open"].pk] == "0.01"
