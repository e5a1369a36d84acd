"""The order pages as a user meets them: who sees which order, the settlement picker with its reasons, the
approval chain on the order page, payments and shipments blocked or allowed by ship.release_check."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from yewu.approvals.models import ApprovalRequest
from yewu.customers.search.services import reindex
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.services import LineIn, create_order, submit_order
from yewu.org.models import User


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def make_existing(shop, customer):
    o, _ = create_order(shop.company.sales1 if customer.owner == shop.company.sales1 else customer.owner,
                        customer_id=customer.pk, settlement="PREPAY", lines=[LineIn(shop.cable.pk, "1", "100.00")])
    Order.objects.filter(pk=o.pk).update(status=OrderStatus.CLOSED, paid_amount=o.total)
    return o


def options(client, customer, qty, price="100.00", product=None, addr=""):
    r = client.get("/orders/settlement-options/", {"customer_id": customer.pk, "product_id": [product or ""],
                                                    "quantity": [qty], "unit_price": [price], "delivery_address": addr})
    return r


def by_code(j):
    return {o["code"]: o for o in j["options"]}


@pytest.fixture
def wh(company):
    return User.objects.create_user(username="wh", password="demo1234", roles=["WH"], display_name="钱库管")


def test_new_gz_customer_cod_boundary_in_picker(shop):
    c = login(shop.company.sales1)
    below = by_code(options(c, shop.gz, "1", "1499.99", shop.cable.pk).json())
    assert not below["COD"]["allowed"] and below["COD"]["reasons"][0]["rule"] == "settle.gz_cod_1500"
    assert "1,499.99" in below["COD"]["reasons"][0]["message"]
    assert below["CASH"]["allowed"] and below["PREPAY"]["allowed"]
    at = by_code(options(c, shop.gz, "1", "1500.00", shop.cable.pk).json())
    assert at["COD"]["allowed"] and at["COD"]["reasons"][0]["rule"] == "settle.gz_cod_1500"
    foshan = by_code(options(c, shop.gz, "1", "1500.00", shop.cable.pk, addr="佛山市南海区桂城街道1号").json())
    assert not foshan["COD"]["allowed"] and not foshan["CASH"]["allowed"]
    assert foshan["COD"]["reasons"][0]["rule"] == "settle.outside_gz_prepay" and foshan["PREPAY"]["allowed"]


def test_existing_customer_credit_over_50k_needs_sm_then_gm_in_picker(shop):
    make_existing(shop, shop.gz)
    c = login(shop.company.sales1)
    j = options(c, shop.gz, "500", "100.01", shop.cable.pk).json()
    assert j["total"] == "50005.00" and j["is_new_customer"] is False
    credit = by_code(j)["CREDIT"]
    assert credit["allowed"] and credit["outcome"] == "needs_approval" and credit["approvers"] == ["SM", "GM"]
    assert credit["reasons"][0]["rule"] == "approve.credit_over_50k_gm"
    exactly = by_code(options(c, shop.gz, "500", "100.00", shop.cable.pk).json())["CREDIT"]
    assert exactly["approvers"] == ["SM"] and exactly["reasons"][0]["rule"] == "approve.credit_over_20k_manager"


def test_grade_d_customer_is_never_offered_credit_or_cod(shop):
    d = shop.customer("D级客户", grade="D", limit="0")
    j = by_code(options(login(shop.company.sales1), d, "1", "100.00", shop.cable.pk).json())
    assert not j["CREDIT"]["allowed"] and j["CREDIT"]["reasons"][0]["rule"] == "credit.grade_policy"
    assert not j["COD"]["allowed"] and j["COD"]["reasons"][0]["rule"] == "settle.grade_terms"


def test_picker_refuses_another_salespersons_customer(shop):
    other = shop.customer("李四的客户", owner=shop.company.sales2)
    r = options(login(shop.company.sales1), other, "1", "100.00", shop.cable.pk)
    assert r.status_code == 404 and r.json()["rule"] == "acl.sp_scope"
    reindex([other.pk, shop.gz.pk])  # made with objects.create: the search index is built by hand
    page = login(shop.company.sales1).get("/orders/new/").content.decode()
    assert "李四的客户" not in page
    found = login(shop.company.sales1).get("/orders/new/customers/", {"q": "客户"}).json()["items"]
    assert [c["name"] for c in found] == ["广州老客户"]


def test_order_list_row_level_access(shop):
    mine, _ = create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="PREPAY", lines=[LineIn(shop.cable.pk, "1", "100")])
    t2 = shop.customer("二组客户", owner=shop.company.sales3, addr="佛山市禅城区1号")
    theirs, _ = create_order(shop.company.sales3, customer_id=t2.pk, settlement="PREPAY", lines=[LineIn(shop.cable.pk, "1", "100")])
    co = shop.company

    def listed(user):
        html = login(user).get("/orders/").content.decode()
        return {n for n in (mine.number, theirs.number) if n in html}

    assert listed(co.sales1) == {mine.number}
    assert listed(co.sales2) == set()
    assert listed(co.manager) == {mine.number}
    assert listed(co.manager2) == {theirs.number}
    assert listed(co.gm) == listed(co.finance) == {mine.number, theirs.number}
    assert login(co.sales3).get(f"/orders/{mine.pk}/").status_code == 404


def test_new_order_form_creates_draft_and_refused_settlement_keeps_input(shop):
    c = login(shop.company.sales1)
    page = c.get("/orders/new/")
    idem = page.context["data"]["idem"]
    body = {"customer_id": shop.gz.pk, "settlement": "COD", "delivery_address": "", "idem": idem,
            "product_id": [shop.cable.pk], "quantity": ["10"], "unit_price": ["100.00"]}
    r = c.post("/orders/new/", body)
    assert r.status_code == 200 and Order.objects.count() == 0
    html = r.content.decode()
    assert "settle.gz_cod_1500" in html and "1,000.00" in html
    assert 'value="10"' in html  # the typed quantity is kept
    r = c.post("/orders/new/", {**body, "settlement": "CASH"}, follow=True)
    o = Order.objects.get()
    assert r.redirect_chain[-1][0] == f"/orders/{o.pk}/"
    assert o.status == OrderStatus.DRAFT and o.total == Decimal("1000.00") and o.delivery_address == shop.gz.delivery_address
    assert "已保存为草稿" in r.content.decode()
    c.post("/orders/new/", {**body, "settlement": "CASH"})  # a double click sends the same key
    assert Order.objects.count() == 1


def test_credit_order_chain_on_page_and_inbox(shop):
    make_existing(shop, shop.gz)
    co = shop.company
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="CREDIT", lines=[LineIn(shop.cable.pk, "600", "100.00")])
    sp = login(co.sales1)
    r = sp.post(f"/orders/{o.pk}/submit/", follow=True)
    html = r.content.decode()
    assert "已提交审批：业务经理、总经理" in html and "approve.credit_over_50k_gm" in html
    o.refresh_from_db()
    assert o.status == OrderStatus.PENDING_APPROVAL

    sm = login(co.manager)
    inbox = sm.get("/approvals/").content.decode()
    assert o.number in inbox and "第 1/2 步" in inbox and "approve.credit_over_50k_gm" in inbox and "60,000.00" in inbox
    assert '<span class="count">1</span>' in sm.get("/").content.decode()
    assert o.number not in login(co.manager2).get("/approvals/").content.decode()  # other team's SM
    assert o.number not in login(co.gm).get("/approvals/").content.decode()  # GM step not reached yet

    r = sm.post(f"/approvals/{o.approval_id}/decide/", {"action": "reject", "comment": ""}, follow=True)
    assert "审批意见" in r.content.decode()
    assert ApprovalRequest.objects.get(pk=o.approval_id).state == "pending"
    r = sm.post(f"/approvals/{o.approval_id}/decide/", {"action": "approve", "comment": "客户回款一向准时"}, follow=True)
    assert "转下一步（总经理）" in r.content.decode()

    gm = login(co.gm)
    detail = gm.get(f"/orders/{o.pk}/").content.decode()
    assert "李经理" in detail and "客户回款一向准时" in detail and "待您审批（总经理）" in detail
    r = gm.post(f"/approvals/{o.approval_id}/decide/", {"action": "approve", "next": f"/orders/{o.pk}/"}, follow=True)
    assert r.redirect_chain[-1][0] == f"/orders/{o.pk}/"
    o.refresh_from_db()
    assert o.status == OrderStatus.READY and o.promised_ship_on is not None
    assert "审批全部完成" in r.content.decode() and o.promised_ship_on.isoformat() in r.content.decode()


def test_rejected_order_shows_comment_and_can_be_resubmitted(shop):
    co = shop.company
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="CREDIT", lines=[LineIn(shop.cable.pk, "100", "100.00")])
    submit_order(co.sales1, o.pk)
    o.refresh_from_db()
    login(co.manager).post(f"/approvals/{o.approval_id}/decide/", {"action": "reject", "comment": "请先补充担保"})
    html = login(co.sales1).get(f"/orders/{o.pk}/").content.decode()
    assert "审批驳回" in html and "请先补充担保" in html and "重新提交" in html
    login(co.sales1).post(f"/orders/{o.pk}/submit/")
    o.refresh_from_db()
    assert o.status == OrderStatus.PENDING_APPROVAL
    assert "此前的审批" in login(co.sales1).get(f"/orders/{o.pk}/").content.decode()


def test_shipment_blocked_until_money_arrives_then_partial(shop, wh):
    co = shop.company
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="PREPAY", lines=[LineIn(shop.cable.pk, "10", "100.00")])
    submit_order(co.sales1, o.pk)
    w = login(wh)
    # acl.ops_scope: the warehouse sees ready orders only; the manager (who may ship too) sees why not yet
    assert w.get(f"/orders/{o.pk}/").status_code == 404
    html = login(co.manager).get(f"/orders/{o.pk}/").content.decode()
    assert "尚未到账" in html and "ship.release_check" in html and 'id="ship-form"' not in html
    line = o.lines.get()
    w.post(f"/orders/{o.pk}/shipments/", {f"ship-{line.pk}": "5"})  # forced post is refused too
    assert o.shipments.count() == 0

    r = login(co.sales1).post(f"/orders/{o.pk}/payments/", {"amount": "1000.00"}, follow=True)
    assert "sod.receipt_recorder" in r.content.decode()
    r = login(co.finance).post(f"/orders/{o.pk}/payments/", {"amount": "1000.00", "reference": "HX001"}, follow=True)
    assert "已登记到账" in r.content.decode() and "可发货" in r.content.decode()

    r = w.post(f"/orders/{o.pk}/shipments/", {f"ship-{line.pk}": "4", "note": "先发一半"}, follow=True)
    html = r.content.decode()
    assert "出仓单" in html and "部分发货" in html
    assert "100.00" not in html and "1,000.00" not in html  # acl.ops_scope: the warehouse sees no prices
    line.refresh_from_db()
    assert line.shipped_qty == Decimal("4") and line.open_qty == Decimal("6")
    r = w.post(f"/orders/{o.pk}/shipments/", {f"ship-{line.pk}": "7"}, follow=True)
    assert "超过未发数量" in r.content.decode()
    line.refresh_from_db()
    assert line.shipped_qty == Decimal("4")


def test_order_from_accepted_quote_prefills_lines_and_links_back(shop):
    from yewu.sales import services as sales
    from yewu.sales.models import QuoteState

    co = shop.company
    q = sales.create_quote(co.sales1, {"customer_id": shop.gz.pk, "lines": [{"product_id": shop.cable.pk, "quantity": "30",
                                                                             "unit_price": "100.00"}]})
    c = login(co.sales1)
    assert q.number not in c.get("/orders/new/").content.decode()  # a draft quote is not offered
    q.state = QuoteState.ACCEPTED
    q.save(update_fields=["state"])
    assert q.number in c.get("/orders/new/").content.decode()
    page = c.get(f"/orders/new/?quote={q.pk}")
    html = page.content.decode()
    assert q.number in html and 'value="30"' in html and 'value="100.00"' in html
    assert page.context["data"]["customer_id"] == str(shop.gz.pk)
    r = c.post("/orders/new/", {"customer_id": shop.gz.pk, "settlement": "CASH", "quote_id": q.pk, "idem": "k1",
                                "product_id": [shop.cable.pk], "quantity": ["30"], "unit_price": ["100.00"]}, follow=True)
    o = Order.objects.get()
    assert o.quote_id == q.pk and o.total == Decimal("3000.00")
    assert f"/sales/quotes/{q.pk}/" in r.content.decode()
    assert q.number not in c.get("/orders/new/").content.decode()  # already turned into an order
    assert login(co.sales3).get(f"/orders/new/?quote={q.pk}").context["quote"] is None  # not their quote


def test_custom_lines_show_deposit_in_picker_and_on_the_order(shop, wh):
    co = shop.company
    c = login(co.sales1)
    j = options(c, shop.gz, "10", "1000.00", shop.custom.pk).json()
    assert j["deposit"] == "3000.00" and j["deposit_reasons"][0]["rule"] == "settle.custom_deposit_30"
    o, _ = create_order(co.sales1, customer_id=shop.gz.pk, settlement="CASH", lines=[LineIn(shop.custom.pk, "10", "1000.00")])
    html = c.get(f"/orders/{o.pk}/").content.decode()
    assert "3,000.00 元" in html and "settle.custom_deposit_30" in html


def test_order_form_carries_only_the_chosen_product_and_customer(shop):
    """Issue 15: the pickers search as you type; the page never lists the catalogue or the customers. A form shown
    again after a refusal keeps what was chosen, the product with its guide price, so nothing is lost."""
    extra = [shop.product(f"LIST-{i:02d}", "10.00") for i in range(30)]
    others = [shop.customer(f"张三的客户{i}") for i in range(5)]
    c = login(shop.company.sales1)
    html = c.get("/orders/new/").content.decode()
    assert "LIST-" not in html and "张三的客户" not in html and "广州老客户" not in html
    assert re.findall(r'<option value="\d+"', html) == []
    assert "您名下还没有可下单的客户" not in html  # the salesperson has customers, just not listed
    body = {"customer_id": shop.gz.pk, "settlement": "", "idem": "k-keep", "product_id": [shop.cable.pk, ""],
            "quantity": ["10", ""], "unit_price": ["100.00", ""]}
    html = c.post("/orders/new/", body).content.decode()
    assert Order.objects.count() == 0
    chosen = re.findall(r'<option value="(\d+)"[^>]*>', html)
    assert chosen == [str(shop.gz.pk), str(shop.cable.pk)]
    assert 'data-guide-price="100.00"' in html and f'data-address="{shop.gz.delivery_address}"' in html
    assert all(p.code not in html for p in extra) and all(o.name not in html for o in others)
    r = c.post("/orders/new/", {**body, "settlement": "CASH"}, follow=True)  # the chosen ids post as before
    assert Order.objects.get().lines.get().product_id == shop.cable.pk and "已保存为草稿" in r.content.decode()


def test_order_customer_search_answers_only_own_customers_with_what_the_form_fills(shop):
    mine = shop.customer("广州市盈科五金有限公司", addr="广州市天河区科韵路1号")
    theirs = shop.customer("广州市盈科电器厂", owner=shop.company.sales2)
    reindex([mine.pk, theirs.pk])
    c = login(shop.company.sales1)
    for q in ("gzyk", "YK", "盈科"):
        items = c.get("/orders/new/customers/", {"q": q}).json()["items"]
        assert [i["name"] for i in items] == [mine.name], q
    item = items[0]
    assert item["delivery_address"] == "广州市天河区科韵路1号" and item["invoice_choice"] == mine.invoice_choice
    assert c.get("/orders/new/customers/", {"q": ""}).json() == {"items": []}
    r = c.get("/orders/new/customers/", {"q": "y" * 51})
    assert r.status_code == 422 and r.json()["rule"] == "input.bounds"
