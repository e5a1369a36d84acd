"""Returns → money (`return.flow` → SPEC §5): a plain return received back by the warehouse reduces receivables
(newest goods-issue note first, from the day received), the order's amount owed and what may still be invoiced
(`invoice.vat_min_5000` counts delivered NET OF RETURNS), and takes back commission in the return's month
(`commission.base`); money allocated beyond the new net moves to the customer's credit balance (`receipt.allocation`),
and back exactly if the warehouse receipt of the return is reversed."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common.errors import Conflict, RuleRefused
from yewu.common.jobs import Notification
from yewu.finance.invoices import selectors as invoice_reads
from yewu.finance.invoices import services as invoice_writes
from yewu.finance.receipts import returns as fin_returns
from yewu.finance.receipts import services as receipt_writes
from yewu.finance.receivables import balances
from yewu.finance.receivables import selectors as ar_reads
from yewu.finance.statements import selectors as statement_reads
from yewu.orders.models import Order, OrderLine, ReturnRequest
from yewu.orders.returns import services as returns
from yewu.org.models import User
from yewu.performance import services as commission
from yewu.performance.models import CommissionEntry
from yewu.policy.calendar import TZ

D = Decimal


@pytest.fixture
def back(books):
    """run a return through the whole flow up to the warehouse receipt; optionally date the receipt"""
    wh = User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="孙库管")
    qc = User.objects.create_user(username="qc", password="x", roles=["QC"], display_name="周质检")
    co = books.co

    def run(order, line, qty, exchange=False, received_on=None):
        ret = returns.apply(order.salesperson, order_id=order.pk, line_id=line.pk, quantity=str(qty), reason="破损",
                            quality_defect=True, exchange=exchange)
        returns.confirm(co.manager, ret.pk)
        returns.inspect(qc, ret.pk, is_ours=True, condition="外皮破损")
        ret = returns.approve(co.manager, ret.pk)
        if ret.status == "awaiting_gm":
            returns.approve(co.gm, ret.pk)
        ret = returns.receive(wh, ret.pk)
        if received_on:
            ReturnRequest.objects.filter(pk=ret.pk).update(received_at=datetime.combine(received_on, time(9), tzinfo=TZ))
        return ret

    run.wh = wh
    return run


def test_handler_is_registered_once_from_the_finance_app():
    assert returns._credit_handlers.count(fin_returns.on_return_received) == 1


def test_receivables_lose_the_returned_value_newest_note_first_from_the_day_received(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], term_days=30)
    books.ship(o, date(2026, 1, 10), fraction="0.5")
    books.ship(o, date(2026, 2, 10), fraction="0.5")
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="300.00", arrived_on=date(2026, 1, 20))
    ret = back(o, o.lines.get(), 6, received_on=date(2026, 3, 5))
    assert ret.amount == D("600.00")

    def items(as_of):
        return [(r.delivered_on, r.amount, r.open) for r in ar_reads.receivables(fin, as_of, order_id=o.pk)]

    # the day before: 500 + 500 delivered, 300 paid on the oldest note
    assert items(date(2026, 3, 4)) == [(date(2026, 1, 10), D("500.00"), D("200.00")),
                                      (date(2026, 2, 10), D("500.00"), D("500.00"))]
    # from the day received: 600 back takes the whole newest note (500) and 100 of the older one
    assert items(date(2026, 3, 5)) == [(date(2026, 1, 10), D("400.00"), D("100.00"))]
    _, total = ar_reads.aging(fin, date(2026, 3, 5))
    assert total.total == D("100.00")
    # what the customer still owes is net of the return: a receipt of 500 pays 100, 400 stays as credit balance
    o.refresh_from_db()
    assert (balances.net_total(o), balances.net_unpaid(o)) == (D("400.00"), D("100.00"))
    with pytest.raises(RuleRefused) as e:
        receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="500.00", allocations=[(o.pk, "100.01")])
    assert e.value.rule == "receipt.allocation"
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="500.00")
    assert r.allocated == D("100.00") and balances.customer_credit_balance(books.gz.pk) == D("400.00")
    assert items(timezone.localdate()) == []


def test_return_excess_moves_to_the_credit_balance_and_back_when_the_return_is_reversed(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 1, 20))
    paid_commission = sum(e.amount for e in CommissionEntry.objects.filter(order=o))
    ret = back(o, o.lines.get(), 2)
    o.refresh_from_db()
    r.refresh_from_db()
    # 200 of the 1,000 is no longer owed: it leaves the order and becomes the customer's balance at once
    assert (o.paid_amount, o.returned_amount, o.unpaid, balances.overpaid(o)) == (D("800.00"), D("200.00"), D("0.00"), D("0"))
    assert r.allocated == D("800.00") and balances.customer_credit_balance(books.gz.pk) == D("200.00")
    rel = r.allocations.get(kind="release")
    assert rel.amount == D("-200.00") and rel.return_request_id == ret.pk and rel.effective_on == timezone.localdate()
    assert ar_reads.receivables(fin, order_id=o.pk) == []  # nothing open, never a negative open amount
    note = Notification.objects.get(user=fin, key=f"return:{ret.pk}:overpaid")
    assert "多收 ¥200.00 已转入客户余额" in note.message
    a = AuditEntry.objects.get(action="return_credit", object_id=str(ret.pk))
    assert a.rule == "return.flow" and a.after["overpaid"] == "200.00" and a.after["credit_balance"] == "200.00"
    assert a.actor is not None and a.actor.has_role("WH")  # the warehouse clerk who received the goods
    assert a.after["released_to_balance"] == [{"receipt": r.number, "amount": "200.00"}]
    # the statement: the return is a credit; balance −200 = the money the customer has with us
    st = statement_reads.statement(books.gz, date(2026, 1, 1), timezone.localdate())
    assert [ln["credit"] for ln in st["lines"] if ln["text"].startswith("退货 " + ret.number)] == [D("200.00")]
    assert st["closing"] == D("-200.00")
    # the warehouse receipt of the return is reversed: everything is exactly as before the return
    returns.reverse_receive(back.wh, ret.pk, "误收，货品实为其他客户的")
    o.refresh_from_db()
    r.refresh_from_db()
    assert (o.paid_amount, o.returned_amount, o.unpaid, o.lines.get().returned_qty) == (D("1000.00"), D("0.00"), D("0.00"), 0)
    assert r.allocated == D("1000.00") and balances.customer_credit_balance(books.gz.pk) == D("0.00")
    assert sum(e.amount for e in CommissionEntry.objects.filter(order=o)) == paid_commission
    assert AuditEntry.objects.filter(action="return_reversal", object_id=str(ret.pk), rule="return.flow").exists()
    with pytest.raises(Conflict):  # reversing twice
        returns.reverse_receive(back.wh, ret.pk, "再撤销")


def test_return_reversal_is_refused_once_the_balance_was_used(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    o2 = books.order(books.gz, [("1", "150.00", None)], shipped_on=date(2026, 1, 12))
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", allocations=[(o.pk, "1000.00")])
    ret = back(o, o.lines.get(), 2)
    receipt_writes.allocate(fin, r.pk, [(o2.pk, "150.00")])  # the balance of 200 pays another order
    with pytest.raises(Conflict) as e:
        returns.reverse_receive(back.wh, ret.pk, "误收")
    assert e.value.rule == "receipt.allocation"
    ret.refresh_from_db()
    o.refresh_from_db()
    assert ret.status == "received" and o.returned_amount == D("200.00") and o.paid_amount == D("800.00")


def test_order_unpaid_is_net_of_returns_on_every_page(books, back, client):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="300.00")
    back(o, o.lines.get(), 2)
    o.refresh_from_db()
    assert o.unpaid == D("500.00") == balances.net_unpaid(o)  # 1,000 − 200 returned − 300 paid
    assert sum(r.open for r in ar_reads.receivables(fin, order_id=o.pk)) == D("500.00")
    assert [x.net_unpaid for x in balances.open_orders(books.gz.pk)] == [D("500.00")]
    from yewu.orders.ordering.facts import credit_exposure

    assert credit_exposure(books.gz) == D("500.00")
    client.force_login(fin)
    page = client.get(f"/orders/{o.pk}/").content.decode()
    assert "未收（扣除退货）" in page and "500.00" in page and "−200.00" in page
    assert "500.00" in client.get("/orders/").content.decode()
    page = client.get(f"/finance/statement/{books.gz.pk}/").content.decode()
    assert 'id="order-balances"' in page and "<strong>500.00</strong>" in page
    j = client.get(f"/api/v1/orders/{o.pk}").json()
    assert (j["unpaid"], j["returned_amount"]) == ("500.00", "200.00")


def test_commission_on_the_returned_share_is_taken_back_in_the_return_month(books, back, api_client):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "955.00", "-0.450"), ("5", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="10050.00", arrived_on=date(2026, 1, 31))
    line = o.lines.order_by("id").first()
    ret = back(o, line, 4)
    month = timezone.localdate().replace(day=1)
    got = list(CommissionEntry.objects.filter(kind="return").values_list("month", "order_line_id", "basis", "amount",
                                                                         "return_request_id"))
    # 4/10 of 9550.00 basis and of 243.53 credited at 2.550%; nothing on the other line
    assert got == [(month, line.pk, D("-3820.00"), D("-97.41"), ret.pk)]
    j = api_client(books.co.sales1).get(f"/api/v1/commissions?month={month:%Y-%m}").json()["salespeople"][0]
    assert (j["reversals"], j["amount"]) == ("-97.41", "-97.41")
    assert [(e["kind"], e["return"], e["rate"]) for e in j["entries"]] == [("return", ret.number, "2.550")]
    c = Client()
    c.force_login(books.co.sales1)
    page = c.get(f"/performance/commission/?month={month:%Y-%m}")
    assert f"退货扣回 {ret.number}" in page.content.decode()
    # the rest of the line: exactly what is left, so the returns take back all 243.53 and no more
    back(o, line, 6)
    assert sum(CommissionEntry.objects.filter(order_line=line, kind="return").values_list("amount", flat=True)) == D("-243.53")
    # a receipt reversal afterwards only takes back what is still credited (line 2's 15.00)
    receipt_writes.reverse_receipt(fin, o.allocations.get(kind="auto").receipt_id, "银行退回")
    assert sum(CommissionEntry.objects.filter(order=o).values_list("amount", flat=True)) == D("0.00")
    assert sum(CommissionEntry.objects.filter(order_line=line).values_list("amount", flat=True)) == D("0.00")


def test_rounding_never_takes_back_more_than_was_credited(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("3", "0.55", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1.65", arrived_on=date(2026, 1, 31))
    line = o.lines.get()
    assert CommissionEntry.objects.get(kind="credit").amount == D("0.05")
    for _ in range(3):
        back(o, line, 1)
    assert list(CommissionEntry.objects.filter(kind="return").order_by("id").values_list("amount", flat=True)) == [
        D("-0.02"), D("-0.02"), D("-0.01")]


def test_under_tiers_the_returns_of_a_whole_line_take_back_exactly_the_tiered_credit(books, back, settings):
    # commission.statement tiers re-price each entry at the credit month's tier: 1 order → 5% of 300.30 = 15.02
    # credited; three returns of 1 of 3 must take back 15.02 in all, not 3 × round(5% of 100.10) = 15.03
    from yewu.performance import selectors as perf

    settings.YEWU_POLICY = {"commission.statement.tiers_enabled": True}
    fin = books.co.finance
    o = books.order(books.gz, [("3", "100.10", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="300.30", arrived_on=date(2026, 1, 31))
    line = o.lines.get()
    for _ in range(3):
        back(o, line, 1)
    jan = perf.statement(fin, date(2026, 1, 1))[0]
    now = perf.statement(fin, timezone.localdate().replace(day=1))[0]
    assert (jan["credits"], {e.applied_rate for e in now["entries"]}) == (D("15.02"), {D("5.000")})
    assert now["deductions"] == D("-15.02") and jan["net"] + now["net"] == D("0.00")


def test_only_what_was_credited_is_taken_back(books, back):
    # half paid: the return takes back 2/10 of the commission credited so far, not of the line's full commission
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="500.00", arrived_on=date(2026, 1, 31))
    back(o, o.lines.get(), 2)
    assert CommissionEntry.objects.get(kind="return").amount == D("-3.00")  # 15.00 credited × 2/10
    # nothing paid, nothing to take back
    o2 = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    back(o2, o2.lines.get(), 2)
    assert not CommissionEntry.objects.filter(order=o2).exists()


def test_money_paid_after_a_return_is_credited_on_the_lines_kept(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", "-1.000"), ("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    returned, kept = o.lines.order_by("id")
    back(o, returned, 10)
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 2, 2))
    assert list(CommissionEntry.objects.values_list("order_line_id", "basis", "amount")) == [
        (kept.pk, D("1000.00"), D("30.00"))]


@pytest.mark.parametrize("qty,state", [(10, "pending_review"), (11, "waiting")])
def test_vat_special_minimum_counts_delivered_net_of_returns(books, back, qty, state):
    # 6,000.00 delivered; back 1,000.00 → exactly 5,000.00 may be invoiced; back 1,100.00 → 4,900.00 waits
    o = books.order(books.gz, [("60", "100.00", None)], shipped_on=date(2026, 1, 10))
    back(o, o.lines.get(), qty)
    row = invoice_reads.invoiceable_by_order(books.gz.pk)[0]
    assert row["delivered"] == D("6000.00") - D(qty) * 100 and row["invoiceable"] == row["delivered"]
    req = invoice_writes.request_invoice(books.co.finance, customer_id=books.gz.pk, kind="vat_special")
    assert (req.amount, req.state) == (row["delivered"], state)
    assert req.reason["reasons"][0]["rule"] == "invoice.vat_min_5000"


def test_return_after_invoicing_leaves_an_amount_to_red_letter(books, back):
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    invoice_writes.request_invoice(books.co.finance, customer_id=books.gz.pk, kind="general")
    back(o, o.lines.get(), 3)
    row = invoice_reads.invoiceable_by_order(books.gz.pk)[0]
    assert (row["delivered"], row["claimed"], row["invoiceable"], row["to_red"]) == (
        D("700.00"), D("1000.00"), D("0.00"), D("300.00"))
    s = [x for x in invoice_reads.uninvoiced_summary(books.co.finance) if x["customer"].pk == books.gz.pk][0]
    assert s["unrequested"] == D("0.00")


def test_exchange_moves_no_money_once_reshipped(books, back):
    from yewu.orders.shipping import services as order_services

    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10), settlement="CREDIT")
    back(o, o.lines.get(), 2, exchange=True)
    assert not CommissionEntry.objects.filter(kind="return").exists()
    o.refresh_from_db()
    assert balances.net_total(o) == D("1000.00")  # the customer still owes the whole order
    assert sum(r.open for r in ar_reads.receivables(fin, order_id=o.pk)) == D("800.00")  # 2 back in our warehouse
    order_services.create_shipment(back.wh, o.pk, [order_services.ShipLineIn(o.lines.get().pk, "2")])
    assert sum(r.open for r in ar_reads.receivables(fin, order_id=o.pk)) == D("1000.00")
    assert invoice_reads.invoiceable_by_order(books.gz.pk)[0]["delivered"] == D("1000.00")


def test_monthly_ar_deliveries_are_net_of_returns_in_their_month(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    back(o, o.lines.get(), 3, received_on=date(2026, 2, 3))
    rows, total = statement_reads.monthly_ar(fin, date(2026, 2, 1))
    assert (total["opening"], total["delivered"], total["closing"]) == (D("1000.00"), D("-300.00"), D("700.00"))


def test_a_failing_money_step_rolls_back_the_warehouse_receipt(books, back, monkeypatch):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00", arrived_on=date(2026, 1, 20))

    def boom(ret, on):
        raise RuntimeError("commission failed")

    monkeypatch.setattr(commission, "reverse_for_return", boom)
    with pytest.raises(RuntimeError):
        back(o, o.lines.get(), 2)
    ret = ReturnRequest.objects.get(order=o)
    assert ret.status == "approved" and OrderLine.objects.get(order=o).returned_qty == 0
    assert not AuditEntry.objects.filter(action__in=["receive", "return_credit"], object_id=str(ret.pk)).exists()
    assert Order.objects.get(pk=o.pk).paid_amount == D("1000.00")


def test_allocation_page_offers_the_open_amount_net_of_returns(books, back):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    back(o, o.lines.get(), 3)
    r = receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="5000.00", auto=False)
    c = Client()
    c.force_login(fin)
    html = c.get(f"/finance/receipts/{r.pk}/").content.decode()
    row = html[html.index(o.number):][:600]
    assert "700.00" in row and "已扣退货 300.00" in row


def test_reverse_receive_api_and_page_refuse_bad_input_and_change_nothing(books, back, api_client):
    fin = books.co.finance
    o = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 10))
    receipt_writes.create_receipt(fin, customer_id=books.gz.pk, amount="1000.00")
    ret = back(o, o.lines.get(), 2)
    url = f"/api/v1/returns/{ret.pk}/reverse-receive"
    wh = api_client(back.wh)
    x = wh.post(url, {"reason": " "}, content_type="application/json")
    assert x.status_code == 400 and x.json()["rule"] == "return.flow"  # reason required
    x = api_client(books.co.sales1).post(url, {"reason": "误收"}, content_type="application/json")
    assert x.status_code == 403 and x.json()["rule"] == "return.flow"
    o.refresh_from_db()
    assert (o.paid_amount, o.returned_amount) == (D("800.00"), D("200.00"))
    c = Client()
    c.force_login(fin)
    assert "撤销收货" in c.get(f"/orders/{o.pk}/").content.decode()
    r = c.post(f"/orders/{o.pk}/returns/{ret.pk}/reverse/", {"reason": "误收"}, follow=True)
    assert "收货已撤销" in r.content.decode()
    o.refresh_from_db()
    assert (o.paid_amount, o.returned_amount, balances.customer_credit_balance(books.gz.pk)) == (D("1000.00"), 0, 0)
    x = wh.post(url, {"reason": "再撤销"}, content_type="application/json")
    assert x.status_code == 409 and x.json()["rule"] == "return.flow"
    # a credited return must be red-reversed by FIN first
    ret2 = back(o, o.lines.get(), 1)
    returns.record_credit_note(fin, ret2.pk, "红字-9")
    x = wh.post(f"/api/v1/returns/{ret2.pk}/reverse-receive", {"reason": "误收"}, content_type="application/json")
    assert x.status_code == 409 and "红字发票" in x.json()["message"]
