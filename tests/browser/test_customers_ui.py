"""The customer archive in a phone browser: file, view, log a visit; duplicates; SM work list; access."""

import re

from playwright.sync_api import expect

from yewu.customers.models import Customer, Visit
from yewu.customers.services import ContactIn, CustomerIn, enter_lead, file_customer


def cust(name, city="广州", mobile="13800138000"):
    return CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=mobile)])


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_salesperson_files_customer_and_logs_visit_on_phone(site, company):
    file_customer(company.sales1, cust("深圳华强电子有限公司", "深圳", "13900000001"))
    page = site.login("sales1")
    page.goto(site.url("/customers/new/"))
    expect(page.locator("h1")).to_have_text("新建客户档案")
    assert no_horizontal_overflow(page)
    site.shot(page, "new_customer_phone")

    page.fill("input[name=name]", "广州电缆有限公司")
    page.fill("input[name=city]", "广州")
    page.select_option("select[name=source]", "trade_show")
    page.select_option("select[name=demand_grade]", "B")
    page.fill("input[name=c0-name]", "陈先生")
    page.fill("input[name=c0-title]", "采购经理")
    page.fill("input[name=c0-mobile]", "138 0013 8000")
    page.click("button[name=save]")

    expect(page.locator("h1")).to_have_text("广州电缆有限公司")
    expect(page.locator(".msg.success")).to_contain_text("已建档")
    c = Customer.objects.get(name="广州电缆有限公司")
    assert page.url == site.url(f"/customers/{c.pk}/")
    assert c.owner == company.sales1 and c.demand_grade == "B"
    expect(page.locator("#contacts")).to_contain_text("采购经理")

    page.select_option("select[name=channel]", "visit")
    page.fill("input[name=purpose]", "首次拜访，介绍线束产品")
    page.fill("input[name=contacts_met]", "陈先生")
    page.select_option("select[name=step]", "introduction")
    page.fill("textarea[name=content]", "客户下月有一批线束需求，约定再报价")
    page.click("#visit button.primary")
    expect(page.locator("#timeline")).to_contain_text("首次拜访，介绍线束产品")
    expect(page.locator("#timeline")).to_contain_text("客户下月有一批线束需求")
    assert Visit.objects.filter(customer=c, user=company.sales1).count() == 1
    assert no_horizontal_overflow(page)
    site.shot(page, "customer_page_phone")

    page.goto(site.url("/customers/"))
    expect(page.locator("table.list")).to_contain_text("广州电缆有限公司")
    expect(page.locator("table.list")).to_contain_text("深圳华强电子有限公司")
    assert no_horizontal_overflow(page)
    site.shot(page, "customer_list_phone")
    page.fill("input[name=q]", "gzdl")
    page.click(".filters .toolbar button.primary")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("a", has_text="导出 Excel")).to_have_attribute("href", re.compile(r"/customers/export\.xlsx\?q=gzdl"))


def test_duplicate_filing_names_the_owner(site, company):
    file_customer(company.sales1, cust("广州电缆有限公司"))
    page = site.login("sales2")
    page.goto(site.url("/customers/new/"))
    page.fill("input[name=name]", "广州电缆公司")
    page.fill("input[name=city]", "广州")
    page.select_option("select[name=source]", "direct")
    page.fill("input[name=c0-name]", "林小姐")
    page.fill("input[name=c0-mobile]", "13700000009")
    page.click("button[name=save]")
    box = page.locator(".msg.dup")
    expect(box).to_be_visible()
    expect(box).to_contain_text("张三")
    expect(box).to_contain_text("cust.duplicate")
    expect(page.locator("input[name=name]")).to_have_value("广州电缆公司")  # input kept
    assert Customer.objects.count() == 1
    assert no_horizontal_overflow(page)
    site.shot(page, "duplicate_error_phone", full_page=False)


def test_manager_allocates_pool_lead_with_one_click(site, company):
    lead, _ = enter_lead(company.leads, cust("东莞五金商行", "广州", "13500000000"))
    file_customer(company.sales1, cust("广州电缆有限公司"))  # 张三 has one customer → suggest 李四
    enter_lead(company.leads, cust("网络线索（佛山灯饰）", "佛山", "13500000001"))
    phone = site.login("manager")
    phone.goto(site.url("/worklist/"))
    expect(phone.locator("#pool")).to_contain_text("东莞五金商行")
    assert no_horizontal_overflow(phone)
    site.shot(phone, "worklist_phone")

    page = site.login("manager", phone=False)
    page.goto(site.url("/worklist/"))
    for rule in ["cust.web_lead_allocation", "cust.first_contact_1w", "cust.entry_2wd", "cust.manager_review"]:
        expect(page.locator(f".rule:text-is('{rule}')").first).to_be_visible()
    site.shot(page, "worklist_desktop")
    item = page.locator("#pool .work-item", has_text="东莞五金商行")
    item.locator("button", has_text="分配给 李四").click()
    expect(page.locator(".msg.success")).to_contain_text("已将「东莞五金商行」分配给 李四")
    expect(page.locator("#pool")).not_to_contain_text("东莞五金商行")
    lead.refresh_from_db()
    assert lead.owner == company.sales2
    page.goto(site.url(f"/customers/{lead.pk}/"))
    expect(page.locator("#timeline")).to_contain_text("公海")  # owner before → after
    expect(page.locator("#timeline ins").first).to_have_text("李四")
    expect(page.locator("#manage")).to_contain_text("调整负责人")
    site.shot(page, "customer_page_manager_desktop")


def test_salesperson_cannot_open_other_teams_customer(site, company):
    other, _ = file_customer(company.sales3, cust("佛山陶瓷厂", "佛山", "13900000002"))
    page = site.login("sales1")
    resp = page.goto(site.url(f"/customers/{other.pk}/"))
    assert resp.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    assert "佛山陶瓷厂" not in page.content()
