"""The everyday pages of issue 15 as a user meets them: search by pinyin initials of any part of a name, no dead
ends (quote → order, a refused duplicate → ask for a transfer, import reachable, no quote link that 404s), one
money figure on the order page with the receipt page as the one place to record money, amounts with separators."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from yewu.customers.services import ContactIn, CustomerIn, file_customer

pytestmark = pytest.mark.django_db


def _file(user, name, mobile):
    c, _ = file_customer(user, CustomerIn(name=name, city="广州", source="direct",
                                          contacts=[ContactIn(name="陈先生", mobile=mobile)]))
    return c


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_pinyin_initials_of_any_part_of_the_name_upper_case_and_the_placeholder_example(company):
    yk = _file(company.sales1, "广州市盈科五金有限公司", "13800138001")
    other = _file(company.sales1, "佛山市南海区电线厂", "13800138002")
    api = _client(company.sales1)

    def names(q):
        r = api.get("/api/v1/customers", {"q": q, "limit": 50})
        assert r.status_code == 200
        return {it["id"] for it in r.json()["items"]}

    assert yk.pk in names("gzyk")  # 广州 + 盈科, skipping 市
    assert yk.pk in names("yk")  # a part in the middle of the name
    assert yk.pk in names("GZYK")  # upper case
    assert yk.pk in names("0138001")  # phone digits
    assert other.pk not in names("gzyk")
    page = _client(company.sales1).get("/customers/").content.decode()
    assert "如 gzyk" in page  # the placeholder's own example is one that finds something


def test_refused_duplicate_tells_what_to_do_and_files_a_transfer_request_with_the_owners_manager(company):
    from yewu.audit.models import AuditEntry
    from yewu.common.models import Notification

    c = _file(company.sales1, "广州恒通机电设备有限公司", "13800138003")
    sp = _client(company.sales3)  # a salesperson of the other team meets the customer again
    r = sp.post("/customers/new/", {"name": "广州恒通机电设备有限公司", "city": "广州", "source": "direct",
                                    "demand_grade": "C", "kind": "enterprise", "invoice_choice": "vat_special",
                                    "collected_on": timezone.localdate().isoformat(),
                                    "c0-name": "王工", "c0-mobile": "13800138003"})
    body = r.content.decode()
    assert "客户已存在" in body and "下一步" in body and "申请转给我" in body
    assert f'action="/customers/{c.pk}/transfer-request/"' in body
    r = sp.post(f"/customers/{c.pk}/transfer-request/", {"reason": "客户主动来电"}, follow=True)
    assert "已向 李经理 申请" in r.content.decode()  # the owner's (sales1's) SM, not the requester's
    n = Notification.objects.get(user=company.manager)
    assert "王五 申请接手客户「广州恒通机电设备有限公司」" in n.message and n.link == f"/customers/{c.pk}/#transfer"
    assert AuditEntry.objects.filter(action="申请转移客户", object_id=str(c.pk)).count() == 1
    sp.post(f"/customers/{c.pk}/transfer-request/", {})  # asking twice notifies once
    assert Notification.objects.filter(user=company.manager).count() == 1


def test_import_page_reachable_from_the_customer_list(company):
    body = _client(company.sales1).get("/customers/").content.decode()
    assert 'href="/customers/import/"' in body
    assert _client(company.sales1).get("/customers/import/").status_code == 200


def _order(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.orders.models import Contract
    from yewu.orders.ordering import services

    cable = Product.objects.create(code="DL-YJV-3x4", name="电力电缆 YJV", specification="3×4mm²", kind="standard",
                                   unit="米")
    GuidePrice.objects.create(product=cable, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    cust = _file(company.sales1, "广州恒通机电设备有限公司", "13800138004")
    cust.delivery_address = "广州市天河区天河路100号"
    cust.save()
    o, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="COD",
                                 lines=[services.LineIn(cable.pk, "300", "100.00")])
    Contract.objects.create(order=o, customer=cust, amount=o.total, status="signed", number="YWXS-20260101-01",
                            signed_on=date.today(), created_by=company.sales1)
    services.submit_order(company.sales1, o.pk)
    o.refresh_from_db()
    return o, cable


def test_order_page_one_money_figure_and_the_receipt_page_is_where_money_is_recorded(company):
    from yewu.finance import services as finance
    from yewu.orders.models import Order

    o, _ = _order(company)
    r = finance.create_receipt(company.finance, customer_id=o.customer_id, amount="12000.00",
                               arrived_on=timezone.localdate(), for_order_id=o.pk)
    o = Order.objects.get(pk=o.pk)
    assert o.paid_amount == Decimal("12000.00")
    body = _client(company.finance).get(f"/orders/{o.pk}/").content.decode()
    assert "尚无到账" not in body  # the 收款 section lists the allocation behind 已收
    assert '<strong id="paid-total">12,000.00</strong>' in body and r.number in body
    assert f'/finance/receipts/new/?customer_id={o.customer_id}&amp;for_order_id={o.pk}' in body
    assert f'action="/orders/{o.pk}/payments/"' not in body  # one place to record money: the receipt page
    form = _client(company.finance).get(f"/finance/receipts/new/?customer_id={o.customer_id}&for_order_id={o.pk}")
    assert f'value="{o.pk}"' in form.content.decode() and "广州恒通机电设备有限公司" in form.content.decode()


def test_quote_link_is_not_shown_to_roles_that_cannot_open_quotes(company):
    from yewu.orders.models import Order

    o, _ = _order(company)
    Order.objects.filter(pk=o.pk).update(quote_id=999)
    for user, shown in ((company.cashier, False), (company.cs, False), (company.sales1, True)):
        body = _client(user).get(f"/orders/{o.pk}/").content.decode()
        assert ("/sales/quotes/999/" in body) is shown, user


def test_accepted_quote_has_a_make_order_button_that_opens_the_filled_order_form(company):
    from yewu.sales import services as sales
    from yewu.sales.models import Quote

    _, cable = _order(company)
    cust = _file(company.sales1, "广州市盈科五金有限公司", "13800138005")
    q = sales.create_quote(company.sales1, {"customer_id": cust.pk, "vat_invoice": "vat_special",
                                            "lines": [{"product_id": cable.pk, "quantity": "20", "unit_price": "100.00"}]})
    Quote.objects.filter(pk=q.pk).update(state="accepted")
    sp = _client(company.sales1)
    body = sp.get(f"/sales/quotes/{q.pk}/").content.decode()
    assert f'href="/orders/new/?quote={q.pk}"' in body and "生成订单" in body
    form = sp.get(f"/orders/new/?quote={q.pk}").content.decode()
    assert q.number in form and "明细已带入" in form
