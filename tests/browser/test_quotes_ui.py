"""The quote flow in a phone browser: SP types a line and sees the live price check, saves, submits a
special price; the SM finds it in the approval list and approves; the SP sends it; a lost quote opens a
coaching task the SM records. Screenshots go to SHOTS_DIR (default /work/wt/shots/h-pricing)."""

import os
from pathlib import Path

from playwright.sync_api import expect

from yewu.catalog import services as cat
from yewu.customers.models import Customer
from yewu.sales.models import Quote

from .pickers import index_customers, pick

SHOTS_DIR = Path(os.environ.get("YEWU_SHOTS_DIR", "/work/wt/shots/h-pricing"))


def shot(page, name):
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS_DIR / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _data(company):
    from datetime import date

    from django.utils import timezone

    p = cat.create_product(company.finance, {"code": "CJX2-1810", "name": "交流接触器", "specification": "18A 220V",
                                             "guide_price": "1000.00"})
    c = Customer.objects.create(name="广州明珠机电有限公司", name_key="k-mingzhu", city="广州", source="direct",
                                collected_on=date.today(), entry_due_at=timezone.now(), owner=company.sales1,
                                created_by=company.sales1, invoice_choice="vat_special")
    return p, c


def test_quote_flow_sp_and_sm_on_phone(site, company):
    p, c = _data(company)
    sp = site.login("sales1")
    sp.goto(site.url("/sales/quotes/new/"))
    expect(sp.locator("h1")).to_have_text("新建报价单")
    expect(sp.locator("input[name=valid_until]")).not_to_have_value("")  # default validity filled in
    index_customers()
    pick(sp, "select[name=customer_id]", "mzjd", c.name)  # the pinyin initials of 明珠机电
    row = sp.locator("tr.line").first
    pick(row, "select[name=product_id]", "jljcq", p.name)  # initials of 交流接触器
    row.locator("input[name=quantity]").fill("10")
    row.locator("input[name=unit_price]").fill("899.99")
    hint = row.locator(".hint")
    expect(hint).to_contain_text("低于最低价 900.00")
    expect(hint).to_have_class("hint refused")
    shot(sp, "01_sp_live_check_refused_below_floor")
    row.locator("input[name=unit_price]").fill("955.00")
    expect(hint).to_contain_text("需业务经理审批")
    expect(hint).to_contain_text("-0.450")
    assert no_horizontal_overflow(sp)
    shot(sp, "02_sp_live_check_special_price")
    sp.click("button.primary:has-text('保存草稿')")
    expect(sp.locator(".msg.success")).to_contain_text("已保存为草稿")
    q = Quote.objects.get()
    assert q.total == 9550 and q.needs_sm
    shot(sp, "03_sp_quote_draft")
    sp.click("button:has-text('提交')")
    expect(sp.locator(".msg.success")).to_contain_text("等待审批")
    expect(sp.locator("dd", has_text="当前：待")).to_contain_text("待 李经理 审批")
    shot(sp, "04_sp_quote_submitted")

    sm = site.login("manager")
    sm.goto(site.url("/sales/quotes/"))
    expect(sm.locator(".card", has_text="待我审批")).to_contain_text(q.number)
    shot(sm, "05_sm_quote_list_pending")
    sm.click(f"a:has-text('{q.number}')")
    expect(sm.locator("h2", has_text="审批（业务经理")).to_be_visible()
    shot(sm, "06_sm_quote_to_approve")
    sm.fill("input[name=comment]", "同意，下次注意价格")
    sm.click("button.primary:has-text('批准')")
    expect(sm.locator(".msg.success")).to_contain_text("已批准")
    expect(sm.locator("h1 .badge")).to_have_text("已批准")
    expect(sm.locator("td[data-label=结果] .hint").first).to_have_text("已批准（李经理）")
    shot(sm, "07_sm_quote_approved")
    pdf = sm.request.get(site.url(f"/sales/quotes/{q.pk}/pdf/"))
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    (SHOTS_DIR / "quote.pdf").write_bytes(pdf.body())

    sp.goto(site.url(f"/sales/quotes/{q.pk}/"))
    sp.click("button:has-text('已发送给客户')")
    expect(sp.locator("h1 .badge")).to_have_text("已发送")
    sp.locator("summary:has-text('标记丢单')").click()
    sp.fill("input[name=reason]", "客户选择了价格更低的竞品")
    sp.click("button:has-text('确认丢单')")
    expect(sp.locator(".msg.success")).to_contain_text("辅导任务")
    expect(sp.locator("#coaching")).to_contain_text("业务经理须在")
    shot(sp, "08_sp_quote_lost_coaching_task")

    sm.goto(site.url("/sales/quotes/"))
    expect(sm.locator(".card", has_text="丢单辅导待记录")).to_contain_text(q.number)
    shot(sm, "09_sm_list_coaching_due")
    sm.goto(site.url(f"/sales/quotes/{q.pk}/"))
    sm.fill("textarea[name=note]", "复盘：报价前先了解竞品价格，必要时尽早申请特价。")
    sm.click("button:has-text('保存辅导记录')")
    expect(sm.locator(".msg.success")).to_contain_text("辅导记录已保存")
    expect(sm.locator("#coaching")).to_contain_text("复盘")
    shot(sm, "10_sm_coaching_recorded")
