"""Money pages through the Django test client: record, allocate by hand, reverse; access per role."""

from datetime import date

from yewu.finance.models import Receipt
from yewu.orders.models import Order


def test_cashier_records_finance_allocates_and_reverses_in_pages(books, client):
    a = books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    client.force_login(books.co.cashier)
    r = client.post("/finance/receipts/new/", {"customer_id": books.gz.pk, "amount": "1500.00", "arrived_on": "2026-02-01",
                                              "method": "transfer", "reference": "ICBC-1"}, follow=True)
    html = r.content.decode()
    rec = Receipt.objects.get()
    assert r.redirect_chain[-1][0] == f"/finance/receipts/{rec.pk}/"
    assert "已登记" in html and "1,500.00" in html and "尚未分配" in html
    # the cashier cannot allocate by hand: no manual form is offered, a forged post is refused with the rule
    assert 'name="alloc_' not in html
    r = client.post(f"/finance/receipts/{rec.pk}/allocate/", {f"alloc_{a.pk}": "100.00"}, follow=True)
    assert "receipt.allocation" in r.content.decode() and Receipt.objects.get().allocated == 0
    client.force_login(books.co.finance)
    r = client.post(f"/finance/receipts/{rec.pk}/allocate/", {f"alloc_{a.pk}": "1000.01"}, follow=True)
    assert "超过订单" in r.content.decode() and Order.objects.get(pk=a.pk).paid_amount == 0
    r = client.post(f"/finance/receipts/{rec.pk}/allocate/", {f"alloc_{a.pk}": "1000.00"}, follow=True)
    assert "已按手工分配入账" in r.content.decode() and Order.objects.get(pk=a.pk).paid_amount == 1000
    r = client.post(f"/finance/receipts/{rec.pk}/reverse/", {"reason": ""}, follow=True)
    assert "红冲必须填写原因" in r.content.decode()
    r = client.post(f"/finance/receipts/{rec.pk}/reverse/", {"reason": "客户退票"}, follow=True)
    assert "已红冲" in r.content.decode() and Order.objects.get(pk=a.pk).paid_amount == 0
    assert client.get(f"/finance/receipts/{rec.pk}/pdf/").content.startswith(b"%PDF")


def test_pages_per_role(books, client):
    books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    books.order(books.other, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    client.force_login(books.co.finance)
    for url in ("/finance/receipts/", "/finance/receipts/new/", "/finance/invoices/", "/finance/ar/",
                "/performance/commission/", f"/finance/statement/{books.gz.pk}/"):
        assert client.get(url).status_code == 200, url
    html = client.get("/finance/ar/").content.decode()
    assert "广州老客户" in html and "王五的客户" in html
    assert client.get("/finance/ar/?format=xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(books.co.sales1)
    html = client.get("/finance/ar/").content.decode()
    assert "广州老客户" in html and "王五的客户" not in html
    html = client.get("/finance/invoices/").content.decode()
    assert "广州老客户" in html and "王五的客户" not in html
    r = client.get("/finance/receipts/new/", follow=True)
    assert "sod.receipt_recorder" in r.content.decode()


def test_money_pages_carry_no_customer_list_and_search_within_the_money_scope(books, client):
    """Issue 15: the customer pickers of the money pages search as you type (/finance/customers/), scoped to the
    customers whose money the user may read; a page carries only the customer already chosen."""
    import re

    from yewu.customers.search.services import reindex

    reindex([books.gz.pk, books.other.pk])
    client.force_login(books.co.cashier)
    for url in ("/finance/receipts/new/", "/finance/receipts/", "/finance/invoices/", "/finance/ar/"):
        html = client.get(url).content.decode()
        assert books.gz.name not in html and books.other.name not in html, url
    html = client.get(f"/finance/receipts/new/?customer_id={books.gz.pk}").content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*selected>([^<]*)<', html) == [(str(books.gz.pk), books.gz.name)]
    names = [c["name"] for c in client.get("/finance/customers/", {"q": "客户"}).json()["items"]]
    assert sorted(names) == sorted([books.gz.name, books.other.name])  # the cashier reads every customer's money
    client.force_login(books.co.sales1)
    names = [c["name"] for c in client.get("/finance/customers/", {"q": "客户"}).json()["items"]]
    assert names == [books.gz.name]  # a salesperson: their own customers only
