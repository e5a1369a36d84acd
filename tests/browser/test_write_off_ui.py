"""`ar.bad_debt` on a phone: the SP requests a write-off on the customer's receivables page (对账单), the approval
goes SM → FD → GM, and the aging lists the written-off debt apart from the open buckets. The order page shows the
open amount net of a return (`return.flow`)."""

import os
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from yewu.approvals.services import decide
from yewu.finance import services
from yewu.finance.models import WriteOff
from yewu.finance.tests.conftest import books, shop  # noqa: F401  (fixtures)
from yewu.org.models import User

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"write_off_{name}.png"), full_page=True)


def test_write_off_form_and_aging(site, books):  # noqa: F811
    co = books.co
    fd = User.objects.create_user(username="fd2", password="x", roles=["FD"], display_name="钱总监")
    o = books.order(books.gz, [("10", "100.00", None)], settlement="COD", shipped_on=date(2025, 6, 1))
    books.order(books.gz, [("3", "250.00", None)], term_days=30, shipped_on=date(2026, 10, 20))
    services.create_receipt(co.finance, customer_id=books.gz.pk, amount="400.00", arrived_on=date(2025, 7, 1))

    page = site.login("sales1")
    page.goto(site.url(f"/finance/statement/{books.gz.pk}/"))
    expect(page.locator("#order-balances")).to_contain_text(o.number)
    page.click("#write-off-form summary")
    page.select_option("#write-off-form select[name=order_id]", str(o.pk))
    page.fill("#write-off-form input[name=amount]", "600.00")
    page.fill("#write-off-form textarea[name=reason]", "客户已注销，经法务确认无可执行财产")
    shot(page, "1_form")
    page.click("#write-off-form button.primary")
    expect(page.locator("body")).to_contain_text("业务经理 → 财务总监 → 总经理审批")
    w = WriteOff.objects.get()
    for u in (co.manager, fd, co.gm):
        decide(u, w.approval_id, True)

    page = site.login("finance")
    page.goto(site.url("/finance/ar/"))
    expect(page.locator("#aging")).to_contain_text("600.00")
    expect(page.locator("#write-offs")).to_contain_text(w.number)
    shot(page, "2_aging")
    page.goto(site.url(f"/finance/statement/{books.gz.pk}/"))
    expect(page.locator("#write-offs")).to_contain_text("已核销（继续追收）")
    shot(page, "3_statement_after")
