"""The commission statement on a phone: approval state (FD approved, frozen), tiers and fee share, the rate schedule
with tiers; the payroll export page for finance. Screenshots under YEWU_SHOTS_DIR (default screenshots/)."""

import os
from datetime import date
from pathlib import Path

from django.test import override_settings
from playwright.sync_api import expect

from yewu.approvals import services as approvals
from yewu.finance import services
from yewu.finance.tests.conftest import books, shop  # noqa: F401  (fixtures)
from yewu.performance import services as commission
from yewu.performance.models import CommissionStatement

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"commission_{name}.png"), full_page=True)


@override_settings(YEWU_POLICY={"commission.statement.tiers_enabled": True})
def test_statement_with_approval_state_and_payroll_page(site, books):  # noqa: F811
    co = books.co
    for _ in range(5):
        books.order(books.gz, [("10", "100.00", None)], shipped_on=date(2026, 1, 5))
    books.order(books.gz, [("10", "955.00", "-0.450")], shipped_on=date(2026, 1, 5))
    books.order(books.other, [("4", "100.00", None)], shipped_on=date(2026, 1, 5))
    services.create_receipt(co.finance, customer_id=books.gz.pk, amount="14550.00", arrived_on=date(2026, 1, 20))
    services.create_receipt(co.finance, customer_id=books.other.pk, amount="400.00", arrived_on=date(2026, 1, 22))
    st = commission.submit_statement(co.manager, co.sales1.pk, date(2026, 1, 1))
    approvals.decide(co.finance, st.approval_id, True)
    commission.submit_statement(co.finance, co.sales3.pk, date(2026, 1, 1))
    assert CommissionStatement.objects.filter(state="approved").count() == 1

    page = site.login("sales1")
    page.goto(site.url("/performance/commission/?month=2026-01"))
    expect(page.locator(".statement-state")).to_contain_text("已审批")
    expect(page.locator("table.tiers")).to_contain_text("5–9 单")
    expect(page.locator("#schedule")).to_contain_text("≥ 10 单")
    shot(page, "1_statement_sp")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page = site.login("finance")
    page.goto(site.url("/performance/commission/payroll/?month=2026-01"))
    expect(page.locator("#payroll")).to_contain_text("张三")
    expect(page.locator("#payroll")).to_contain_text("审批中")
    shot(page, "2_payroll")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
