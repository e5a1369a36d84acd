"""Order to shipment in a phone browser: a salesperson places a CREDIT order over 50,000 for an existing
customer and submits it; the sales manager and then the GM approve it in their inboxes; the warehouse ships
part of it. Each step asserts what the person sees (rule ids, chain progress, status)."""

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering.services import LineIn, create_order
from yewu.org.models import User

from .conftest import SHOTS
from .pickers import index_customers, pick

OUT = Path(os.environ.get("YEWU_SHOTS", SHOTS))


def shot(page, name):
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUT / f"orders_{name}.png"), full_page=True)


def fits_phone(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def demo_data(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer

    cable = Product.objects.create(code="DL-YJV-3x4", name="电力电缆 YJV", specification="3×4mm²", kind="standard", unit="米")
    GuidePrice.objects.create(product=cable, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    cust = Customer.objects.create(
        name="广州恒通机电设备有限公司", name_key="广州恒通机电设备", city="广州", source="direct", collected_on=date.today(),
        entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1,
        delivery_address="广州市天河区天河路100号", credit_grade="A", credit_limit=Decimal("200000.00"), term_days=30,
    )
    # an earlier order, delivered and fully paid, makes this an existing customer (SPEC §0)
    first, _ = create_order(company.sales1, customer_id=cust.pk, settlement="PREPAY", lines=[LineIn(cable.pk, "10", "100.00")])
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.CLOSED, paid_amount=first.total)
    Customer.objects.create(
        name="佛山欠款五金店", name_key="佛山欠款五金", city="佛山", source="direct", collected_on=date.today(),
        entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1,
        delivery_address="佛山市禅城区汾江中路1号", credit_grade="D", credit_limit=Decimal("0.00"),
    )
    User.objects.create_user(username="wh", password="demo1234", roles=["WH"], display_name="钱库管")
    return cable, cust


def sign_contract_on_pages(site, page, order):
    """SPEC §4.4 on the real pages: the salesperson drafts the contract and sends it to review; CS and FIN each
    fill the review checklist in their inbox (the two reviews run in parallel); the salesperson signs and sees
    the YWXS number."""
    from yewu.orders.models import Contract

    page.goto(site.url(f"/orders/{order.pk}/"))
    box = page.locator("#contract")
    expect(box).to_contain_text("contract.required")
    expect(box).to_contain_text("尚未起草合同")
    box.locator("textarea[name=terms]").fill("账期 30 天，送货上门")
    page.click("#contract-draft-submit")
    expect(page.locator(".msg.success").last).to_contain_text("合同已送评审：客服、财务")
    expect(page.locator("#contract-status")).to_have_text("评审中")
    expect(page.locator("#contract-reviews li")).to_have_count(2)
    assert fits_phone(page)
    shot(page, "4a_contract_in_review_phone")

    for username, opinion, phone in (("cs", "A 级客户，信用良好", True), ("finance", "额度 200,000.00 内，同意账期 30 天", False)):
        rv = site.login(username, phone=phone)
        rv.goto(site.url("/approvals/"))
        card = rv.locator(".inbox-card", has_text=order.number)
        expect(card).to_contain_text("合同评审")
        if username == "cs":  # the checklist must be complete: a blank item is refused with the rule
            card.locator("button[value=approve]").click()
            expect(rv.locator(".msg.error")).to_contain_text("contract.review_1wd")
            card = rv.locator(".inbox-card", has_text=order.number)
        for name, text in (("cl_economics", "毛利合理"), ("cl_feasibility", "库存充足，可按期交货"),
                           ("cl_legality", "条款合法"), ("cl_price", "不低于指导价")):
            card.locator(f"input[name={name}]").fill(text)
        card.locator("input[name=credit_opinion]").fill(opinion)
        if username == "cs":
            assert fits_phone(rv)
            shot(rv, "4b_contract_review_cs_phone")
        card.locator("button[value=approve]").click()
        expect(rv.locator(".msg.success")).to_contain_text("已通过")
    expect(rv.locator(".msg.success")).to_contain_text("评审全部通过")

    page.goto(site.url(f"/orders/{order.pk}/"))
    expect(page.locator("#contract-reviews")).to_contain_text("额度 200,000.00 内")
    page.click("#contract-sign")
    c = Contract.objects.get(order=order)
    assert c.status == "signed" and c.number.startswith("YWXS-")
    expect(page.locator("#contract-number")).to_contain_text(c.number)
    expect(page.locator("#contract-status")).to_have_text("已签订")
    assert fits_phone(page)
    shot(page, "4c_contract_signed_phone")
    return c


def test_credit_order_over_50k_approved_by_sm_and_gm_then_partly_shipped(site, company):
    cable, cust = demo_data(company)

    # 1. the salesperson fills the order on a phone; the settlement picker explains every option live
    page = site.login("sales1")
    page.goto(site.url("/orders/"))
    page.click("text=新建订单")
    expect(page.locator("h1")).to_have_text("新建销售订单")
    row = page.locator("#lines tbody tr.line").first
    index_customers()
    pick(row, "select[name=product_id]", cable.code)
    row.locator("input[name=quantity]").fill("600")
    row.locator("input[name=unit_price]").fill("100.00")
    # a grade-D customer: credit and COD are greyed out, each with its rule
    pick(page, "#customer", "佛山欠款五金店")
    expect(page.locator('.settle-opt[data-code="CREDIT"] input')).to_be_disabled()
    expect(page.locator('.settle-opt[data-code="CREDIT"]')).to_contain_text("不可选：信用等级 D 不授予任何信用")
    expect(page.locator('.settle-opt[data-code="CREDIT"]')).to_contain_text("credit.grade_policy")
    expect(page.locator('.settle-opt[data-code="COD"]')).to_contain_text("settle.grade_terms")
    assert fits_phone(page)
    shot(page, "0_grade_d_refused_phone")
    pick(page, "#customer", cust.name)
    expect(page.locator("#total")).to_have_text("60,000.00")
    credit = page.locator('.settle-opt[data-code="CREDIT"]')
    expect(credit).to_contain_text("需审批（业务经理 → 总经理）")
    expect(credit).to_contain_text("approve.credit_over_50k_gm")
    expect(page.locator("#cust-facts")).to_contain_text("老客户")
    expect(page.locator('.settle-opt[data-code="COD"] input')).to_be_enabled()
    expect(row.locator(".hint")).to_contain_text("price.guide")
    assert fits_phone(page)
    shot(page, "1_new_order_phone")
    credit.locator("input").check()
    expect(page.locator("#term-field")).to_be_visible()
    page.click("#save")

    expect(page.locator(".msg.success")).to_contain_text("已保存为草稿")
    order = Order.objects.exclude(status=OrderStatus.CLOSED).get()
    assert order.settlement == "CREDIT" and order.total == Decimal("60000.00") and order.term_days == 30
    expect(page.locator("h1")).to_have_text(f"订单 {order.number}")
    expect(page.locator("#status")).to_have_text("草稿")
    page.click("#submit-order")
    expect(page.locator(".msg.success")).to_contain_text("已提交审批：业务经理、总经理")
    expect(page.locator("#status")).to_have_text("审批中")
    chain = page.locator("#approvals ol.chain li")
    expect(chain).to_have_count(2)
    expect(chain.nth(0)).to_contain_text("业务经理 · 待审批")
    expect(chain.nth(1)).to_contain_text("总经理 · 未到")
    expect(page.locator("#reasons")).to_contain_text("approve.credit_over_50k_gm")
    assert fits_phone(page)
    shot(page, "2_submitted_phone")

    # 2. the sales manager sees it in the inbox (count in the nav) and approves with a comment
    sm = site.login("manager", phone=False)
    expect(sm.locator("nav a[href='/approvals/'] .count")).to_have_text("1")
    sm.click("nav a[href='/approvals/']")
    card = sm.locator(".inbox-card").first
    expect(card).to_contain_text(order.number)
    expect(card).to_contain_text("第 1/2 步 · 待业务经理审批")
    expect(card).to_contain_text("approve.credit_over_50k_gm")
    expect(card).to_contain_text("60,000.00")
    expect(sm.locator("nav a[href='/approvals/'] .count")).to_have_text("1")  # one waiting count, in the nav
    shot(sm, "3_inbox_sm_desktop")
    card.locator("button[value=reject]").click()  # a rejection without a comment is refused
    expect(sm.locator(".msg.error")).to_contain_text("审批意见")
    sm.locator(".inbox-card input[name=comment]").first.fill("老客户，回款一向准时，同意")
    sm.locator(".inbox-card button[value=approve]").first.click()
    expect(sm.locator(".msg.success")).to_contain_text("转下一步（总经理）")
    expect(sm.locator(".inbox-card")).to_have_count(0)

    # 3. the GM approves on the order page itself
    gm = site.login("gm")
    expect(gm.locator("nav a[href='/approvals/'] .count")).to_have_text("1")
    gm.goto(site.url("/approvals/"))
    expect(gm.locator(".inbox-card").first).to_contain_text("第 2/2 步 · 待总经理审批")
    expect(gm.locator(".inbox-card ol.chain li").first).to_contain_text("李经理")
    gm.locator(".inbox-card a", has_text=order.number).click()
    expect(gm.locator("#approvals")).to_contain_text("老客户，回款一向准时，同意")
    gm.click("#approvals button[value=approve]")
    expect(gm.locator(".msg.success")).to_contain_text("审批全部完成")
    # 可发货 only when the release check passes, else the blocking reason (issue 15)
    assert gm.locator("#status").inner_text() == "可发货" or gm.locator("#ship-reason").count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    expect(gm.locator("#promised")).to_contain_text(order.promised_ship_on.isoformat())
    expect(gm.locator("#approvals ol.chain li").nth(1)).to_contain_text("王总")
    assert fits_phone(gm)
    shot(gm, "4_approved_gm_phone")

    # 4. a CREDIT order ≥ 20,000.00 needs a signed sales contract: the warehouse sees why it may not ship yet
    wh = site.login("wh")
    wh.goto(site.url(f"/orders/{order.pk}/"))
    expect(wh.locator("body")).to_contain_text("contract.required")
    expect(wh.locator("#ship-form")).to_have_count(0)
    sign_contract_on_pages(site, page, order)

    # 5. the warehouse ships 250 of 600 metres; no prices on its screen (acl.ops_scope)
    wh.goto(site.url(f"/orders/{order.pk}/"))
    expect(wh.locator("#lines")).not_to_contain_text("100.00")
    line = order.lines.get()
    wh.fill(f"input[name=ship-{line.pk}]", "250")
    wh.fill("#ship-form input[name=note]", "先发 250 米，余量下周")
    wh.click("#ship-form button.primary")
    expect(wh.locator(".msg.success")).to_contain_text("出仓单")
    expect(wh.locator("#status")).to_have_text("部分发货")
    expect(wh.locator("#shipments")).to_contain_text("× 250")
    expect(wh.locator(f"input[name=ship-{line.pk}]")).to_have_value("350")
    expect(wh.locator("#backorder")).to_contain_text("欠 350 米")
    assert fits_phone(wh)
    shot(wh, "5_partly_shipped_phone")
    line.refresh_from_db()
    assert line.shipped_qty == Decimal("250")

    # 6. the salesperson's order list shows the new state
    page.goto(site.url("/orders/"))
    row = page.locator("#orders tbody tr", has_text=order.number)
    expect(row).to_contain_text("部分发货")
    expect(row).to_contain_text("60,000.00")
    assert fits_phone(page)
    shot(page, "8_list_phone")


def test_prepay_order_blocked_in_warehouse_until_finance_records_money(site, company):
    cable, cust = demo_data(company)
    from yewu.orders.ordering.services import submit_order

    o, _ = create_order(company.sales1, customer_id=cust.pk, settlement="PREPAY", lines=[LineIn(cable.pk, "20", "100.00")])
    submit_order(company.sales1, o.pk)
    # acl.ops_scope: the warehouse sees ready orders only; the manager (who may ship too) sees why not yet
    wh = site.login("wh")
    wh.goto(site.url(f"/orders/{o.pk}/"))
    expect(wh.locator("h1")).to_contain_text("未找到")
    sm = site.login("manager")
    sm.goto(site.url(f"/orders/{o.pk}/"))
    expect(sm.locator("#status")).to_have_text("待付款")  # PREPAY: the whole amount before release (issue 15)
    expect(sm.locator("#ship-block")).to_contain_text("尚未到账")
    expect(sm.locator("#ship-block")).to_contain_text("ship.release_check")
    expect(sm.locator("#ship-form")).to_have_count(0)
    shot(sm, "6_blocked_sm_phone")

    fin = site.login("finance", phone=False)
    fin.goto(site.url(f"/orders/{o.pk}/"))
    fin.click("#record-receipt")  # one place to record money: the receipt page, pre-filled for this order
    fin.fill("input[name=amount]", "2000.00")
    fin.fill("input[name=reference]", "ICBC-0001")
    fin.click("#receipt-form button.primary")
    expect(fin.locator(".msg.success")).to_contain_text("已登记")
    fin.goto(site.url(f"/orders/{o.pk}/"))
    expect(fin.locator("#status")).to_have_text("可发货")
    shot(fin, "7_paid_finance_desktop")

    wh.reload()
    expect(wh.locator("#ship-form")).to_be_visible()
