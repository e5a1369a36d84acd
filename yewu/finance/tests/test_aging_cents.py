"""`ar.aging` sums its open goods-issue notes in whole cents (issue 14): per customer, salesperson and team, for six
roles and several dates, the rows and the total are exactly those of adding up the notes' Decimal figures one by one
(buckets, total, written off, oldest past-due date, the row's customer and salesperson, order and labels) — on
rounding edges, partly paid, written-off and returned orders, and a COD order."""

from datetime import timedelta
from decimal import Decimal

from yewu.common.numbering import next_number
from yewu.customers.models import Customer
from yewu.finance.models import WriteOff
from yewu.finance.receivables import selectors as ar_reads
from yewu.org.models import User
from yewu.policy.receivables import BUCKETS, aging_bucket

from .test_receivables_prefilter import D0, _at, ledger  # noqa: F401  (fixture)


def _old_aging(user, as_of, group):
    """The aging as it was computed before: Decimal sums item by item."""
    items = ar_reads._open_items(user, as_of, keep_written_off=True)
    rows, total = {}, ar_reads.AgingRow(key="total", label="合计")
    for it in items:
        sp = User.objects.select_related("team").get(pk=it.salesperson_id)
        team = sp.team.name if sp.team_id else "（无团队）"
        cust = Customer.objects.get(pk=it.customer_id)
        key, label = ((sp.pk, sp.name) if group == "salesperson" else (team, team) if group == "team"
                      else (cust.pk, cust.name))
        row = rows.get(key)
        if row is None:
            row = rows[key] = ar_reads.AgingRow(key=key, label=label, customer=cust if group == "customer" else None,
                                                salesperson=sp if group != "team" else None, team=team)
        b = aging_bucket(it.due_on, as_of)
        for x in (row, total):
            x.buckets[b] += it.open
            x.total += it.open
            x.written_off += it.written_off
            if it.open > 0 and b != "not_due" and (x.oldest_due is None or it.due_on < x.oldest_due):
                x.oldest_due = it.due_on
    return sorted(rows.values(), key=lambda x: (-x.total, str(x.label))), total


def _shown(rows, total):
    def one(r):
        return (r.key, r.label, r.customer.pk if r.customer else None, r.salesperson.pk if r.salesperson else None,
                r.team, tuple(str(r.buckets[b]) for b in BUCKETS), str(r.total), str(r.written_off), r.oldest_due)
    return [one(r) for r in rows], one(total)


def test_aging_in_cents_equals_the_decimal_sums(ledger):  # noqa: F811
    b, co = ledger.books, ledger.books.co
    gz, other = b.gz, b.other
    for i, (qty, price) in enumerate((("1.005", "1.00"), ("3.333", "33.33"), ("10", "100.00"), ("0.335", "1.00"))):
        o = ledger.order(gz if i % 2 else other, [(qty, price, None)])
        for k in range(3):
            ledger.note(o, D0 - timedelta(days=40 * k + i), {0: str(Decimal(qty) / 3)})
        ledger.pay(o, "0.01" if i == 0 else "50.00", D0 - timedelta(days=5))
    cod = ledger.order(other, [("7", "12.34", None)], shipped_on=D0 - timedelta(days=100), settlement="COD")
    ledger.pay(cod, "10.00", D0 - timedelta(days=50))
    wo = ledger.order(gz, [("4", "25.00", None)], shipped_on=D0 - timedelta(days=70))
    WriteOff.objects.create(number=next_number("HX"), customer=gz, order=wo, amount=Decimal("100.00"), reason="破产",
                            requested_by=co.sales1, state=WriteOff.State.APPROVED, decided_at=_at(D0 - timedelta(days=3)))
    seen = set()
    for day in (-200, -60, 0, 30, 95, 400):
        as_of = D0 + timedelta(days=day)
        for user in (co.finance, co.sales1, co.sales3, co.manager, co.users["cs"], co.users["gm"]):
            for group in ("customer", "salesperson", "team"):
                got = _shown(*ar_reads.aging(user, as_of, group))
                assert got == _shown(*_old_aging(user, as_of, group)), (day, user, group)
                seen.add(got[1][5:8])
    assert len(seen) > 5 and any(w == "100.00" for _b, _t, w in seen)  # several dates differ; the write-off shows
