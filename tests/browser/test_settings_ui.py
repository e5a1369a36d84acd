"""Company settings on a phone (SPEC §8.5): the GM raises the SM credit-approval threshold to 30,000, previews
the affected open orders (the pending 25,000 order is listed, the 35,000 one is not), then saves the version."""

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.org.models import PolicyVersion

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")
KEY = "approve.credit_over_20k_manager.amount"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def setup_orders(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.orders.models import Order
    from yewu.orders.ordering import services

    p = Product.objects.create(code="DL-1", name="电缆", kind="standard", unit="米")
    GuidePrice.objects.create(product=p, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    c = Customer.objects.create(name="广州老客户有限公司", name_key="广州老客户有限公司", city="广州", source="direct",
                                collected_on=date.today(), entry_due_at=timezone.now(), owner=company.sales1,
                                created_by=company.sales1, delivery_address="广州市天河区天河路100号", credit_grade="A",
                                credit_limit=Decimal("100000.00"))
    first, _ = services.create_order(company.sales1, customer_id=c.pk, settlement="PREPAY",
                                     lines=[services.LineIn(p.pk, "1", "100.00")])
    Order.objects.filter(pk=first.pk).update(status="closed", paid_amount=first.total)
    out = []
    for qty in ("250", "350"):
        o, _ = services.create_order(company.sales1, customer_id=c.pk, settlement="CREDIT",
                                     lines=[services.LineIn(p.pk, qty, "100.00")])
        out.append(services.submit_order(company.sales1, o.pk))
    return out


def test_settings_preview_and_save_on_a_phone(site, company):
    o25, o35 = setup_orders(company)
    page = site.login("gm")
    page.goto(site.url("/settings/"))
    expect(page.locator("h1")).to_have_text("公司设置（制度参数）")
    assert no_horizontal_overflow(page)
    shot(page, "settings_page_phone")
    page.locator("summary", has_text="结算与订单审批").click()
    page.locator(f"[id='row-{KEY}']").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "settings_area_open_phone.png"))
    page.fill(f"input[name='v:{KEY}']", "30000")
    page.fill("textarea[name=reason]", "总经理办公会：提高业务经理审批起点")
    page.click("#btn-preview")
    expect(page.locator("#affected")).to_have_text("受影响的未结单据")
    sec = page.locator("#sec-credit_approval")
    expect(sec).to_contain_text(o25.number)
    expect(sec).not_to_contain_text(o35.number)
    expect(sec).to_contain_text("无需审批")
    expect(page.locator("#pinned-note")).to_contain_text("已作出的判定不重算")
    assert no_horizontal_overflow(page)
    page.locator("#preview").screenshot(path=str(SHOTS / "settings_preview_phone.png"))
    assert not PolicyVersion.objects.exists()
    page.click("#btn-save")
    expect(page.locator(".msg.success")).to_contain_text("已保存制度版本")
    v = PolicyVersion.objects.get()
    expect(page.locator(f"#v{v.pk}")).to_contain_text("20,000.00")
    expect(page.locator(f"#v{v.pk}")).to_contain_text("30,000.00")
    page.locator(f"#v{v.pk}").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "settings_history_phone.png"))
    o25.refresh_from_db()
    assert o25.status == "pending_approval" and o25.approval.policy_version == 0
