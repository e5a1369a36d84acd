"""Issue 15 on a 390 px phone: the order form's product picker finds a product by the upper-case pinyin initials of
a later part of its name, shows its guide price, fills the line's product, works in a line added later, keeps
what was picked when the form comes back refused, and the order is saved with the products picked."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from yewu.catalog.models import GuidePrice, Product
from yewu.customers.services import ContactIn, CustomerIn, file_customer
from yewu.orders.models import Order

from .pickers import pick


def test_type_initials_pick_a_product_and_save_the_order_on_a_phone(site, company):
    cable = Product.objects.create(code="YJV-3X4", name="交联聚乙烯绝缘电力电缆", unit="米", kind="gb")
    GuidePrice.objects.create(product=cable, price=Decimal("18.60"), effective_from=date(2020, 1, 1))
    wire = Product.objects.create(code="BV-2.5", name="聚氯乙烯绝缘电线", unit="卷", kind="gb")
    GuidePrice.objects.create(product=wire, price=Decimal("268.00"), effective_from=date(2020, 1, 1))
    file_customer(company.sales1, CustomerIn(name="广州市盈科五金有限公司", city="广州", source="direct",
                                             contacts=[ContactIn(name="陈先生", mobile="13800138001")]))

    page = site.login("sales1")
    page.goto(site.url("/orders/new/"))
    assert page.locator("select[name=product_id] option[value]:not([value=''])").count() == 0  # no list sent
    pick(page, "#customer", "gzyk", "广州市盈科五金有限公司")

    row = page.locator("#lines tbody tr.line").first
    q = row.locator(".picker-q")
    q.fill("DLDL")  # 电力电缆: the initials of the end of the name, typed in upper case
    results = row.locator(".picker-list li[role=option]")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("交联聚乙烯绝缘电力电缆")
    expect(results.first).to_contain_text("指导价 18.60 元/米")
    results.first.click()
    assert row.locator("select[name=product_id]").input_value() == str(cable.pk)
    expect(row.locator(".picker-chosen")).to_contain_text("指导价 18.60 元/米")
    row.locator("input[name=quantity]").fill("100")
    row.locator("input[name=unit_price]").fill("18.60")

    page.click("#add-line")  # a line added later gets its picker too
    added = page.locator("#lines tbody tr.line").last
    pick(added, "select[name=product_id]", "jyd", "聚氯乙烯绝缘电线")  # 绝缘电(线): initials of a middle part
    expect(added.locator(".picker-chosen")).to_contain_text("指导价 268.00 元/卷")
    added.locator("input[name=quantity]").fill("2")
    added.locator("input[name=unit_price]").fill("268.00")
    expect(page.locator("#total")).to_have_text("2,396.00")
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth + 1")
    site.shot(page, "issue15_product_picker_initials_phone")

    page.locator(".settle-opt input:enabled").first.check()
    page.click("#save")
    # refused (the customer has no delivery address on file): the page comes back with both products still picked
    expect(page.locator(".msg.error")).to_contain_text("settle.door_delivery")
    rows = page.locator("#lines tbody tr.line")
    expect(rows.nth(0).locator(".picker-q")).to_have_value("YJV-3X4 交联聚乙烯绝缘电力电缆")
    expect(rows.nth(0).locator(".picker-chosen")).to_contain_text("指导价 18.60 元/米")
    expect(rows.nth(1).locator(".picker-q")).to_have_value("BV-2.5 聚氯乙烯绝缘电线")
    page.fill("#delivery_address", "广州市天河区科韵路1号")
    page.locator(".settle-opt input:enabled").first.check()
    page.click("#save")
    expect(page.locator(".msg.success")).to_contain_text("已保存为草稿")
    order = Order.objects.get()
    assert sorted(order.lines.values_list("product__code", flat=True)) == ["BV-2.5", "YJV-3X4"]
    assert order.total == Decimal("2396.00")
