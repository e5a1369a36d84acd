"""Chromium on a phone: the process monitoring page (process.monitoring) and the definitions pages."""

from pathlib import Path

import pytest

from yewu.processes.builtin import seed_builtin
from yewu.processes.models import ProcessDefinition, ProcessStep
from yewu.processes.tests.test_monitoring import mk_lead, mk_request

pytestmark = pytest.mark.browser
OUT = Path("/work/wt/shots/hprocess")


def shot(page, name):
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def test_monitoring_page_on_a_phone(site, company):
    seed_builtin(ProcessDefinition, ProcessStep)
    mk_request(company, "order", 1, company.team1, "2025-09-01 09:00", [
        (0, "SM", "2025-09-02 23:59:59", "2025-09-01 11:00", "approved"),
        (1, "GM", "2025-09-03 23:59:59", "2025-09-03 10:00", "approved")], state="approved")
    mk_request(company, "order", 2, company.team2, "2025-09-04 14:00", [
        (0, "SM", "2025-09-05 23:59:59", "2025-09-08 09:30", "approved"),
        (1, "GM", "2025-09-10 23:59:59", None, "pending")])
    mk_request(company, "contract", 7, company.team1, "2025-09-09 08:00", [
        (0, "CS", "2025-09-10 23:59:59", "2025-09-09 10:00", "approved"),
        (0, "FIN", "2025-09-10 23:59:59", "2025-09-11 09:00", "approved")], state="approved")
    mk_lead(company, "线索甲", company.sales1, "2025-09-01 10:00", "2025-09-01 15:00", "2025-09-10 10:00")

    page = site.login("gm")
    page.goto(site.url("/processes/monitoring/?month=2025-09"))
    p04 = page.locator("section#P04")
    assert "实例 2" in p04.inner_text() and "按时率 50.0%" in p04.inner_text()
    p04.locator("summary").click()
    assert page.locator("section#P04 a[href='/x/order/2/']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "monitoring-phone")

    page.goto(site.url("/processes/"))
    assert page.locator("text=订单到回款").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "list-phone")
    page.goto(site.url("/processes/P12/"))
    assert page.locator("text=制定考勤制度").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "detail-phone")
