"""On a 390 px phone: the grouped nav (≤ 6 top entries, 44 px), the customer/product type-ahead pickers on the order
form (pinyin initials of any part of the name, upper case, guide price shown) and an over-long name that is kept
and refused with its limit instead of being cut by the browser."""

from datetime import date
from decimal import Decimal

from playwright.sync_api import expect

from yewu.customers.services import ContactIn, CustomerIn, file_customer


def _data(company):
    from yewu.catalog.models import GuidePrice, Product

    cable = Product.objects.create(code="DL-YJV-3x4", name="电力电缆 YJV", specification="3×4mm²", kind="standard",
                                   unit="米")
    GuidePrice.objects.create(product=cable, price=Decimal("1385.00"), effective_from=date(2020, 1, 1))
    for name, mobile in (("广州市盈科五金有限公司", "13800138001"), ("佛山市南海区电线厂", "13800138002")):
        file_customer(company.sales1, CustomerIn(name=name, city="广州", source="direct",
                                                 contacts=[ContactIn(name="陈先生", mobile=mobile)]))


def test_nav_pickers_and_limits_on_a_phone(site, company):
    _data(company)
    page = site.login("sales1")
    tops = page.locator("nav.nav > .top-entry, nav.nav > .navgroup > summary")
    assert 1 <= tops.count() <= 6
    for i in range(tops.count()):
        box = tops.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (tops.nth(i).inner_text(), box)
    page.click("nav summary:has-text('销售')")
    page.click("nav a[href='/orders/']")
    expect(page).to_have_url(site.url("/orders/"))

    page.goto(site.url("/orders/new/"))
    q = page.locator("#order-form .picker-q").first
    for typed in ("gzyk", "YK", "0138001"):
        q.fill(typed)
        expect(page.locator(".picker-list").first).to_contain_text("广州市盈科五金有限公司")
    expect(page.locator(".picker-list").first).not_to_contain_text("佛山市南海区电线厂")
    page.locator(".picker-list li[role=option]").first.click()
    assert page.eval_on_selector("#customer", "e => e.selectedOptions[0].textContent") == "广州市盈科五金有限公司"
    prod = page.locator("#lines .picker-q").first
    prod.fill("yjv")
    expect(page.locator("#lines .picker-list").first).to_contain_text("指导价 1,385.00 元/米")
    page.locator("#lines .picker-list li[role=option]").first.click()
    assert page.locator("#lines select[name=product_id]").first.input_value() != ""
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth + 1")
    site.shot(page, "issue15_order_form_pickers_phone")

    page.goto(site.url("/customers/new/"))
    page.fill("input[name=name]", "广" * 10_000)
    assert page.eval_on_selector("input[name=name]", "e => e.value.length") == 10_000  # not cut by the browser
    expect(page.locator(".limit-error")).to_have_text("最多 100 个字符（现为 10000），请删减")
