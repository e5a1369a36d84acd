"""Chromium walk-through of P06 credit on the customer page: CS investigates, FIN rates, SM and FD approve;
plus the visit-plan and upkeep pages."""

from pathlib import Path

import pytest

from yewu.customers.models import Customer, Status
from yewu.customers.services import ContactIn, CustomerIn, file_customer
from yewu.org.models import User

pytestmark = pytest.mark.browser
OUT = Path("/work/wt/shots/h-customers")


def shot(page, name):
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def test_credit_flow_on_customer_page(site, company):
    User.objects.create_user(username="fd", password="demo1234", roles=["FD"], display_name="钱总监")
    c, _ = file_customer(company.sales1, CustomerIn(name="广州恒信电器有限公司", city="广州", source="direct",
                                                    contacts=[ContactIn(name="黄经理", mobile="13711112222")]))
    Customer.objects.filter(pk=c.pk).update(status=Status.ACTIVE)
    url = site.url(f"/customers/{c.pk}/#credit")

    page = site.login("cs")
    page.goto(url)
    page.click("text=填写客户信用调查表")
    page.fill("input[name=registered_capital]", "2000000")
    page.fill("input[name=years_in_business]", "6")
    page.fill("textarea[name=payment_record]", "近一年按期付款，无拖欠")
    page.fill("textarea[name=conclusion]", "经营稳定，可给予 B 级起始额度")
    page.click("text=提交调查表")
    page.wait_for_selector("text=客户信用调查表已提交")

    page = site.login("finance", phone=False)
    page.goto(url)
    page.click("text=信用评等（财务评定）")
    for code, v in {"payment": 24, "capital": 15, "operation": 14, "relationship": 11, "reputation": 10}.items():
        page.fill(f"input[name=score_{code}]", str(v))
    page.fill("input[name=credit_limit]", "20000")
    page.click("text=提交授信审批")
    page.wait_for_selector("text=信用评等已提交授信额度管理小组审批")
    shot(page, "credit-rating-pending")

    page = site.login("manager")
    page.goto(url)
    page.click("#credit button[value=approve]")
    page.wait_for_selector("text=已同意")
    page = site.login("fd", phone=False)
    page.goto(url)
    page.click("#credit button[value=approve]")
    page.wait_for_selector("text=已同意")
    c.refresh_from_db()
    assert (c.credit_grade, str(c.credit_limit)) == ("B", "20000.00")
    page.goto(url)
    assert page.locator("#credit").inner_text().count("已生效") == 1
    shot(page, "credit-approved")
    page.goto(site.url("/credit/"))
    shot(page, "credit-worklist")


def test_visit_plan_and_upkeep_pages(site, company):
    file_customer(company.sales1, CustomerIn(name="广州南沙线缆厂", city="广州", source="direct",
                                            contacts=[ContactIn(name="周工", mobile="13822223333")]))
    page = site.login("sales1")
    page.goto(site.url("/visit-plans/"))
    page.select_option("select[name=customer_ids]", label="广州南沙线缆厂")
    page.fill("input[name=starts_at]", "2030-01-07T09:00")
    page.fill("input[name=ends_at]", "2030-01-07T12:00")
    page.fill("textarea[name=objectives]", "介绍新款阻燃电缆，了解年度采购计划")
    page.click("text=提交经理批准")
    page.wait_for_selector("text=走访单已提交业务经理批准")
    shot(page, "visit-plans-sp")
    page = site.login("manager")
    page.goto(site.url("/visit-plans/"))
    page.click("button[value=approve]")
    page.wait_for_selector("text=已同意")
    shot(page, "visit-plans-sm")
    page = site.login("sales1")
    page.goto(site.url("/upkeep/"))
    page.fill("textarea[name=changes]", "南沙线缆厂扩产，预计下季度采购量增加 30%")
    page.fill("textarea[name=competition]", "竞品报价下调约 5%")
    page.click("text=提交本月报告")
    page.wait_for_selector("text=客户信息报告已提交")
    shot(page, "upkeep-sp")
