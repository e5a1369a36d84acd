"""`commission.base` (fee share out of the basis), `commission.statement` (tiers; the monthly statement approved by
the FD, frozen once approved — later entries book into the next open month; payroll export)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.common.errors import RuleRefused, YewuError
from yewu.finance.models import Receipt
from yewu.finance.receipts import services as receipt_writes
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import services as orders
from yewu.performance.models import CommissionEntry, CommissionStatement
from yewu.sales.models import Quote

TIERS_ON = {"commission.statement.tiers_enabled": True}


def _quote(customer, fee_rate):
    now = timezone.now()
    return Quote.objects.create(number=f"YWBJ-T-{customer.pk}-{fee_rate}", customer=customer, owner=customer.owner,
                                quote_date=now.date(), valid_until=now.date() + timedelta(days=30), fee_rate=Decimal(fee_rate),
                                state="accepted", received_at=now)


def _order_from(books, quote, lines):
    o, _ = orders.create_order(books.co.sales1, customer_id=books.gz.pk, settlement="PREPAY", quote_id=quote.pk if quote else None,
                               lines=[orders.LineIn(p.pk, q, price) for p, q, price in lines])
    Order.objects.filter(pk=o.pk).update(status=OrderStatus.READY)  # setup shortcut: approved and ready
    return o


def test_fee_share_recorded_on_the_line_and_kept_out_of_the_basis(books, api_client):
    g1000 = books.shop.product("G-1000", "1000.00")
    # SPEC §3.2 example 10: P = 1,050.00 at 5% fee → N = 997.50, d = 0.25 → 2.975%; fee 52.50 × 10 = 525.00
    o = _order_from(books, _quote(books.gz, "5"), [(g1000, "10", "1050.00"), (books.shop.cable, "10", "100.00")])
    fee_line, plain = o.lines.order_by("id")
    assert (fee_line.fee_rate, fee_line.fee, fee_line.commission_delta) == (Decimal("5.00"), Decimal("525.00"), Decimal("-0.025"))
    assert (plain.fee_rate, plain.fee) == (Decimal("5.00"), Decimal("50.00"))  # 10 × (100.00 − 95.00)
    fin = books.co.finance
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="5750.00", arrived_on=date(2026, 1, 20))  # half of 11,500
    got = {e.order_line_id: (e.basis, e.fee_excluded, e.rate, e.amount) for e in CommissionEntry.objects.filter(receipt=r)}
    # half of each line: 5,250.00 less half the fee 262.50 → 4,987.50 × 2.975% = 148.38; 500.00 − 25.00 → 475.00 × 2.950% (d 5.00 → cut 0.5)
    assert got[fee_line.pk] == (Decimal("4987.50"), Decimal("262.50"), Decimal("2.975"), Decimal("148.38"))
    assert got[plain.pk][:2] == (Decimal("475.00"), Decimal("25.00"))
    j = api_client(books.co.sales1).get("/api/v1/commissions?month=2026-01").json()["salespeople"][0]
    assert (j["basis"], j["fee_excluded"]) == ("5462.50", "287.50")
    assert {e["fee_excluded"] for e in j["entries"]} == {"262.50", "25.00"}
    # 红冲 undoes the fee share exactly too
    receipt_writes.reverse_receipt(fin, r.pk, "银行退回", on=date(2026, 2, 3))
    feb = CommissionEntry.objects.filter(month=date(2026, 2, 1))
    assert sum(e.fee_excluded for e in feb) == Decimal("-287.50") and sum(e.basis for e in feb) == Decimal("-5462.50")


def test_order_without_quote_has_no_fee_share(books):
    o = _order_from(books, None, [(books.shop.cable, "10", "100.00")])
    ln = o.lines.get()
    assert (ln.fee_rate, ln.fee) == (Decimal("0"), Decimal("0.00"))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 1, 20))
    e = CommissionEntry.objects.get()
    assert (e.basis, e.fee_excluded, e.amount) == (Decimal("1000.00"), Decimal("0.00"), Decimal("30.00"))


def test_quote_of_another_customer_is_refused(books):
    q = _quote(books.other, "5")
    # Refused by the order's quote check (quote.approval / acl.sp_scope): not this customer's quote.
    with pytest.raises(YewuError, match="报价单"):
        _order_from(books, q, [(books.shop.cable, "1", "100.00")])


def _n_orders(books, n, delta=None, arrived=date(2026, 1, 20)):
    for _ in range(n):
        books.order(books.gz, [("1", "100.00", delta)], shipped_on=date(2026, 1, 5))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount=f"{100 * n}.00", arrived_on=arrived)


@pytest.mark.parametrize("n,rate,total", [(4, "5.000", "20.00"), (5, "2.000", "10.00"), (9, "2.000", "18.00"),
                                          (10, "1.000", "10.00")])
def test_tiers_by_order_count_of_the_product_in_the_month(books, api_client, settings, n, rate, total):
    _n_orders(books, n)
    off = api_client(books.co.finance).get("/api/v1/commissions?month=2026-01").json()["salespeople"][0]
    assert off["amount"] == f"{3 * n}.00" and off["tiers"] == [] and not off["tiers_enabled"]  # tiers off: 3.000% as ever
    settings.YEWU_POLICY = TIERS_ON
    s = api_client(books.co.finance).get("/api/v1/commissions?month=2026-01").json()["salespeople"][0]
    assert s["amount"] == total and {e["rate"] for e in s["entries"]} == {rate}
    (t,) = s["tiers"]
    assert (t["product"], t["orders"], t["rate"], t["reason"]["rule"], t["reason"]["orders"]) == ("DL-1", n, rate,
                                                                                                  "commission.statement", n)
    assert CommissionEntry.objects.filter(amount=Decimal("3.00")).count() == n  # the ledger itself is unchanged


def test_tier_keeps_the_special_cut_and_deductions_use_the_credit_month_tier(books, api_client, settings):
    settings.YEWU_POLICY = TIERS_ON
    _n_orders(books, 2, delta="-0.450")  # 2 orders → 5% − 0.450 = 4.550% of 100.00 = 4.55 each
    r = Receipt.objects.get()
    receipt_writes.reverse_receipt(books.co.finance, r.pk, "退回", on=date(2026, 2, 10))
    c = api_client(books.co.manager)
    jan = c.get("/api/v1/commissions?month=2026-01").json()["salespeople"][0]
    feb = c.get("/api/v1/commissions?month=2026-02").json()["salespeople"][0]
    assert (jan["amount"], {e["rate"] for e in jan["entries"]}) == ("9.10", {"4.550"})
    assert feb["amount"] == "-9.10" and {e["tier_month"] for e in feb["entries"]} == {"2026-01"}
    page = api_client(books.co.sales1).get("/api/v1/commissions?month=2026-01").json()
    assert page == c.get("/api/v1/commissions?month=2026-01").json()


def test_sp_sm_and_fin_see_identical_totals(books, api_client, client):
    books.order(books.gz, [("10", "955.00", "-0.450"), ("5", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="10050.00", arrived_on=date(2026, 1, 31))
    views = []
    for u in (books.co.sales1, books.co.manager, books.co.finance):
        s = api_client(u).get("/api/v1/commissions/statements?month=2026-01").json()["statements"]
        views.append([(x["salesperson"], x["basis"], x["credits"], x["deductions"], x["net"], x["state"]) for x in s])
        client.force_login(u)
        html = client.get("/performance/commission/?month=2026-01").content.decode()
        assert "258.53" in html and "未提交" in html
    assert views[0] == views[1] == views[2] == [("张三", "10050.00", "258.53", "0.00", "258.53", "open")]


def _approve(statement_id, user, approve=True, comment=""):
    st = CommissionStatement.objects.get(pk=statement_id)
    approvals.decide(user, st.approval_id, approve, comment)
    st.refresh_from_db()
    return st


def test_fd_approves_then_the_month_is_frozen_and_later_entries_book_into_the_next_month(books, api_client, settings):
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    fin, sp = books.co.finance, books.co.sales1
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="600.00", arrived_on=date(2026, 1, 20))
    url = f"/api/v1/commissions/statements/{sp.pk}/2026-01/submit"
    assert api_client(sp).post(url).status_code == 403  # the SP cannot submit own statement
    assert api_client(books.co.manager2).post(url).status_code == 403  # other team's SM
    this_month = timezone.localdate()
    res = api_client(books.co.manager).post(f"/api/v1/commissions/statements/{sp.pk}/{this_month:%Y-%m}/submit")
    assert res.status_code == 422 and res.json()["rule"] == "commission.statement"  # month not over
    res = api_client(books.co.manager).post(url)
    assert res.status_code == 200, res.content
    j = res.json()
    assert (j["state"], j["net"]) == ("pending", "18.00")
    assert api_client(books.co.manager).post(url).status_code == 409
    # the SP (beneficiary) cannot approve; the FD can
    with pytest.raises(RuleRefused):
        approvals.decide(sp, j["approval_id"], True)
    st = _approve(CommissionStatement.objects.get().pk, fin)
    assert (st.state, st.decided_by, st.net) == ("approved", fin, Decimal("18.00"))
    # later: a late receipt dated January and a reversal dated January land in February
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="400.00", arrived_on=date(2026, 1, 28))
    receipt_writes.reverse_receipt(fin, r.pk, "银行退回", on=date(2026, 1, 31))
    settings.YEWU_POLICY = TIERS_ON  # and a later settings change does not rewrite the approved month
    c = api_client(fin)
    jan = c.get("/api/v1/commissions?month=2026-01").json()["salespeople"][0]
    assert (jan["credits"], jan["deductions"], jan["net"], jan["statement"]["state"]) == ("18.00", "0.00", "18.00", "approved")
    feb = c.get("/api/v1/commissions?month=2026-02").json()["salespeople"][0]
    assert {e["booked_on"][:7] for e in feb["entries"]} == {"2026-01"}
    assert {e["kind"] for e in feb["entries"]} == {"credit", "reversal"}
    assert feb["deductions"] == "-18.00"  # the January credit taken back at its frozen 3.000%
    # payroll export for FIN/FD: one row per SP with the approval state and approver, opened with openpyxl
    assert api_client(sp).get("/api/v1/commissions/payroll?month=2026-01").status_code == 403
    x = c.get("/api/v1/commissions/payroll?month=2026-01&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in ws[2]][:8] == ["业务员", "月份", "提成基数", "提成", "扣回", "实发提成", "审批状态", "审批人"]
    row = [c.value for c in ws[3]]
    assert row[:8] == ["张三", "2026-01", 600, 18, 0, 18, "已审批", "周财务"]
    assert o.pk


def test_rejected_statement_reopens_the_month(books, api_client):
    books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    fin = books.co.finance
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 1, 20))
    assert api_client(books.co.manager).post(f"/api/v1/commissions/statements/{books.co.sales1.pk}/2026-01/submit").status_code == 200
    st = _approve(CommissionStatement.objects.get().pk, fin, approve=False, comment="核对回款")
    assert st.state == "rejected"
    receipt_writes.reverse_receipt(fin, r.pk, "银行退回", on=date(2026, 1, 31))
    assert set(CommissionEntry.objects.values_list("month", flat=True)) == {date(2026, 1, 1)}
    s = api_client(fin).get("/api/v1/commissions/statements?month=2026-01").json()["statements"][0]
    assert (s["state"], s["net"], s["comment"]) == ("rejected", "0.00", "核对回款")
    res = api_client(fin).post(f"/api/v1/commissions/statements/{books.co.sales1.pk}/2026-01/submit")
    assert res.status_code == 200 and res.json()["state"] == "pending"


def test_finance_submitting_cannot_approve_own_submission(books, api_client, company):
    from yewu.org.models import User

    books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 1, 20))
    api_client(books.co.finance).post(f"/api/v1/commissions/statements/{books.co.sales1.pk}/2026-01/submit")
    st = CommissionStatement.objects.get()
    with pytest.raises(RuleRefused, match="不能审批自己"):
        approvals.decide(books.co.finance, st.approval_id, True)
    fd = User.objects.create_user(username="fd2", password="x", roles=["FD"], display_name="钱总监")
    assert _approve(st.pk, fd).state == "approved"


def test_receipt_reversal_looks_up_the_booking_month_once_per_salesperson_not_per_line(books):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    books.order(books.gz, [("1", "100.00", None)] * 6, shipped_on=date(2026, 1, 5))
    r = receipt_writes.create_receipt(books.co.finance, customer_id=books.gz.pk, amount="600.00", arrived_on=date(2026, 1, 20))
    assert CommissionEntry.objects.filter(receipt=r).count() == 6
    with CaptureQueriesContext(connection) as ctx:
        receipt_writes.reverse_receipt(books.co.finance, r.pk, "银行退回", on=date(2026, 2, 3))
    lookups = [q["sql"] for q in ctx.captured_queries if "commissionstatement" in q["sql"].lower()]
    assert len(lookups) == 1  # one salesperson → one booking-month lookup, however many lines
    assert CommissionEntry.objects.filter(kind=CommissionEntry.Kind.REVERSAL, month=date(2026, 2, 1)).count() == 6
