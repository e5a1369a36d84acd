"""Commission: `commission.base` (base 3.000% − the line's special-price cut, never below 0; arrival month; the
order's salesperson; reversals deduct in their month) and `commission.statement` (SP own, SM team, FIN all —
the same figures; Excel)."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from yewu.finance.receipts import services as receipt_writes
from yewu.performance.models import CommissionEntry
from yewu.policy.receivables import commission_rate, split_by_weights


@pytest.mark.parametrize("delta,rate", [(None, "3.000"), ("0.000", "3.000"), ("-0.450", "2.550"), ("-1.000", "2.000"),
                                        ("-0.025", "2.975"), ("-3.000", "0.000"), ("-3.500", "0.000")])
def test_rate_is_base_minus_cut_never_below_zero(delta, rate):
    assert commission_rate(None if delta is None else Decimal(delta))[2] == Decimal(rate)


def test_split_adds_up_exactly():
    assert split_by_weights(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("1")]) == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(split_by_weights(Decimal("0.01"), [Decimal("3"), Decimal("7")])) == Decimal("0.01")


def test_month_lines_cuts_and_reversal_month(books, api_client):
    # line 1: 955.00 × 10 with cut 0.450 (SPEC worked example 2) → 2.550%; line 2: 100.00 × 5 at base
    o = books.order(books.gz, [("10", "955.00", "-0.450"), ("5", "100.00", None)], shipped_on=date(2026, 1, 10))
    fin = books.co.finance
    r1 = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="10050.00", arrived_on=date(2026, 1, 31))
    r2 = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 2, 1))
    assert r2.allocated == 0  # the order was fully paid by r1; r2 is customer balance, no commission
    receipt_writes.reverse_receipt(fin, r1.pk, "银行退回", on=date(2026, 3, 3))

    def month(client, m):
        return client.get(f"/api/v1/commissions?month={m}").json()

    j = month(api_client(fin), "2026-01")
    assert [s["salesperson"] for s in j["salespeople"]] == ["张三"]
    s = j["salespeople"][0]
    got = [(e["product"], e["basis"], e["base_rate"], e["cut"], e["rate"], e["amount"]) for e in s["entries"]]
    assert got == [("DL-1", "9550.00", "3.000", "0.450", "2.550", "243.53"), ("DL-1", "500.00", "3.000", "0.000", "3.000", "15.00")]
    assert (s["basis"], s["amount"]) == ("10050.00", "258.53")
    assert month(api_client(fin), "2026-02")["salespeople"] == []
    j3 = month(api_client(fin), "2026-03")["salespeople"][0]
    assert (j3["amount"], j3["reversals"]) == ("-258.53", "-258.53")
    assert {e["kind"] for e in j3["entries"]} == {"reversal"}
    # SP own, SM own team, FIN/GM all: identical figures; other team's SM and other SPs see nothing
    for u in (books.co.sales1, books.co.manager, books.co.gm):
        assert month(api_client(u), "2026-01") == j
    for u in (books.co.sales2, books.co.manager2, books.co.sales3, books.co.cs):
        assert month(api_client(u), "2026-01")["salespeople"] == []
    assert api_client(fin).get("/api/v1/commissions?month=2026-1x").status_code == 400
    # Excel: every line and the total
    x = api_client(books.co.sales1).get("/api/v1/commissions?month=2026-01&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert [float(r[11]) for r in rows] == [243.53, 15.0, 258.53]
    assert rows[0][9] == pytest.approx(0.45) and rows[-1][0] == "张三 合计"
    assert o.pk


def test_credited_to_the_order_salesperson_not_the_current_owner(books):
    o = books.order(books.gz, [("1", "1000.00", None)], shipped_on=date(2026, 1, 10))
    type(books.gz).objects.filter(pk=books.gz.pk).update(owner=books.co.sales2)
    receipt_writes.create_receipt(books.co.cashier, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 4, 30))
    e = CommissionEntry.objects.get()
    assert (e.salesperson, e.month, e.amount, e.order_id) == (books.co.sales1, date(2026, 4, 1), Decimal("30.00"), o.pk)


def test_commission_page_shows_the_same_total_to_sp_and_sm(books, client):
    books.order(books.gz, [("10", "955.00", "-0.450")], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="9550.00", arrived_on=date(2026, 1, 20))
    pages = []
    for u in (books.co.sales1, books.co.manager, books.co.finance):
        client.force_login(u)
        html = client.get("/performance/commission/?month=2026-01").content.decode()
        assert "243.53" in html and "2.550%" in html and "特价 0.450" in html
        pages.append(html.count("243.53"))
    assert len(set(pages)) == 1
    client.force_login(books.co.sales3)
    assert "243.53" not in client.get("/performance/commission/?month=2026-01").content.decode()
