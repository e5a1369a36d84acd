"""A return received back shows on the salesperson's commission statement (退货扣回 with the return number, in the
return's month) and on finance's receipt page (open amount net of the return)."""

import os
from datetime import date
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.finance import services
from yewu.finance.tests.conftest import books, shop  # noqa: F401  (fixtures)
from yewu.orders.returns import services as returns
from yewu.org.models import User

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"returns_{name}.png"), full_page=True)


def test_return_on_commission_and_receipt_pages(site, books):  # noqa: F811
    co = books.co
    wh = User.objects.create_user(username="wh", password="x", roles=["WH"], display_name="孙库管")
    qc = User.objects.create_user(username="qc", password="x", roles=["QC"], display_name="周质检")
    o = books.order(books.gz, [("10", "955.00", "-0.450"), ("5", "100.00", None)], shipped_on=date(2026, 1, 10))
    services.create_receipt(co.finance, customer_id=books.gz.pk, amount="5000.00", arrived_on=date(2026, 1, 31))
    ret = returns.apply(co.sales1, order_id=o.pk, line_id=o.lines.order_by("id")[0].pk, quantity="4", reason="外皮破损",
                        quality_defect=True)
    returns.confirm(co.manager, ret.pk)
    returns.inspect(qc, ret.pk, is_ours=True, condition="外皮破损")
    if returns.approve(co.manager, ret.pk).status == "awaiting_gm":
        returns.approve(co.gm, ret.pk)
    returns.receive(wh, ret.pk)
    later = services.create_receipt(co.finance, customer_id=books.gz.pk, amount="9000.00", auto=False)

    page = site.login("sales1")
    page.goto(site.url(f"/performance/commission/?month={timezone.localdate():%Y-%m}"))
    expect(page.locator(".sp-statement")).to_contain_text(f"退货扣回 {ret.number}")
    expect(page.locator(".sp-total")).to_have_text("-48.46")  # 4/10 of the 121.16 credited on 4,751.24 at 2.550%
    shot(page, "1_commission_statement")

    page = site.login("finance")
    page.goto(site.url(f"/finance/receipts/{later.pk}/"))
    expect(page.locator("#allocate")).to_contain_text("已扣退货 3,820.00")
    shot(page, "2_receipt_allocation")
