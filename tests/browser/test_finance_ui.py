"""Money in a phone browser: the cashier records a receipt, finance allocates it by hand and requests/sees the
invoice accumulation and the aging, the salesperson sees their commission and only their customers."""

import os
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.finance.models import Receipt
from yewu.finance.tests.conftest import books, shop  # noqa: F401  (fixtures)
from yewu.orders.models import Order

from .pickers import index_customers, pick

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"finance_{name}.png"), full_page=True)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_cashier_finance_salesperson_walkthrough(site, books):  # noqa: F811
    today = timezone.localdate()
    shipped = today - timedelta(days=45)
    a = books.order(books.gz, [("10", "255.00", "-0.450"), ("4", "100.00", None)], term_days=30, shipped_on=shipped)
    books.order(books.gz, [("3", "100.00", None)], settlement="COD", shipped_on=today - timedelta(days=3))
    books.order(books.other, [("2", "100.00", None)], settlement="COD", shipped_on=today - timedelta(days=100))

    # cashier: record 3,000.00 without automatic allocation
    page = site.login("cashier")
    page.goto(site.url("/finance/receipts/new/"))
    expect(page.locator("h1")).to_have_text("登记回款")
    index_customers()
    pick(page, "select[name=customer_id]", books.gz.name)
    page.fill("input[name=amount]", "3000.00")
    page.fill("input[name=reference]", "ICBC-20260301-88")
    page.uncheck("input[name=auto]")
    assert fits(page)
    shot(page, "1_cashier_new_receipt")
    page.click("button[name=save]")
    expect(page.locator(".msg.success")).to_contain_text("已登记")
    expect(page.locator("#unallocated")).to_have_text("3,000.00")
    rec = Receipt.objects.get()
    assert rec.recorded_by == books.co.cashier and rec.allocated == 0
    assert page.locator("input[name^=alloc_]").count() == 0  # allocating by hand is finance's
    assert fits(page)
    shot(page, "2_cashier_receipt_detail")

    # finance: allocate 2,950.00 to the CREDIT order by hand; the rest is the customer's balance
    page = site.login("finance")
    page.goto(site.url(f"/finance/receipts/{rec.pk}/"))
    page.fill(f"input[name=alloc_{a.pk}]", "2950.01")
    page.click("#allocate button.primary")
    expect(page.locator(".msg.error")).to_contain_text("receipt.allocation")
    page.fill(f"input[name=alloc_{a.pk}]", "2950.00")
    page.click("#allocate button.primary")
    expect(page.locator(".msg.success")).to_contain_text("手工分配")
    expect(page.locator("#unallocated")).to_have_text("50.00")
    expect(page.locator("#allocations")).to_contain_text(a.number)
    assert Order.objects.get(pk=a.pk).paid_amount == 2950
    assert fits(page)
    shot(page, "3_finance_allocated")

    # finance: a VAT special request for the 3,250.00 delivered waits (invoice.vat_min_5000)
    page.goto(site.url("/finance/invoices/"))
    pick(page, "#request-form select[name=customer_id]", books.gz.name)
    page.select_option("#request-form select[name=kind]", "vat_special")
    page.click("#request-form button.primary")
    expect(page.locator(".msg.warning")).to_contain_text("累计未开票 3,250.00，还差 1,750.00")
    expect(page.locator("#requests")).to_contain_text("累计中")
    expect(page.locator("#uninvoiced")).to_contain_text("王五的客户")
    assert fits(page)
    shot(page, "4_finance_invoices")

    page.goto(site.url("/finance/ar/"))
    expect(page.locator("#aging")).to_contain_text("王五的客户")
    expect(page.locator("#aging")).to_contain_text("200.00")
    assert fits(page)
    shot(page, "5_finance_ar_aging")

    # salesperson: own commission (2,550.00 × 2.550% + 400.00 × 3.000% = 65.03 + 12.00) and only own customers
    page = site.login("sales1")
    page.goto(site.url(f"/performance/commission/?month={today:%Y-%m}"))
    expect(page.locator(".sp-total")).to_have_text("77.03")
    expect(page.locator(".sp-statement")).to_contain_text("特价 0.450")
    assert fits(page)
    shot(page, "6_salesperson_commission")
    page.goto(site.url("/finance/ar/"))
    expect(page.locator("#aging")).to_contain_text("广州老客户")
    expect(page.locator("#aging")).not_to_contain_text("王五的客户")
    shot(page, "7_salesperson_ar")
    assert date.today()
