"""On a phone: the GM's /processes/improvement/ (process.evaluation_audit) — an overdue finding first, a pending
suggestion accepted as effective (starts a draft version, flags the reward); the salesperson rectifies from
the same page."""

import os
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.processes import services
from yewu.processes.models import Finding, ProcessDefinition, ProcessReview

from .conftest import SHOTS
from .test_orders_walkthrough import fits_phone

OUT = Path(os.environ.get("YEWU_SHOTS", SHOTS))


def test_improvement_page_on_a_phone(site, company):
    from yewu.processes.builtin import seed_builtin
    from yewu.processes.models import ProcessStep

    seed_builtin(ProcessDefinition, ProcessStep)
    d = ProcessDefinition.objects.get(code="P04", status="published")
    r = ProcessReview.objects.create(kind="audit", code="P04", definition=d, period="2025-H2", due_date=date(2026, 1, 15),
                                     period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    late = services.add_finding(company.gm, r.pk, "账期订单的总经理审批超过 1 个工作日未升级", company.sales1.pk)
    Finding.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    services.add_finding(company.gm, r.pk, "发货通知未附送货单编号", company.manager.pk)
    services.submit_suggestion(company.sales1, "P04", "发货当天短信通知客户预计到货时间，减少催货电话")

    page = site.login("gm")
    page.goto(site.url("/processes/improvement/"))
    expect(page.locator("h1")).to_have_text("评审问题与改进建议")
    first = page.locator("table.list tbody tr").first
    expect(first).to_contain_text("逾期")
    page.get_by_role("button", name="采纳（有效，标记奖励）").click()
    expect(page.locator("body")).to_contain_text("建议已采纳并标记奖励")
    assert ProcessDefinition.objects.filter(code="P04", version=2, status="draft").exists()
    expect(page.locator("body")).to_contain_text("奖励标记")
    assert fits_phone(page)
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUT / "improvement_gm.png"), full_page=True)

    sp = site.login("sales1")
    sp.goto(site.url("/processes/improvement/"))
    sp.fill("textarea[name=rectification]", "已设置每日逾期提醒")
    sp.get_by_role("button", name="登记整改").click()
    expect(sp.locator("body")).to_contain_text("整改已登记")
    assert fits_phone(sp)
    sp.evaluate("window.scrollTo(0, 0)")
    sp.screenshot(path=str(OUT / "improvement_sales.png"), full_page=True)
    sp.goto(site.url("/processes/P04/#reviews"))
    expect(sp.locator("#reviews")).to_contain_text("评审与审计")
    assert fits_phone(sp)
    sp.evaluate("window.scrollTo(0, 0)")
    sp.screenshot(path=str(OUT / "detail_reviews_sales.png"), full_page=True)
