"""An expense claim in a phone browser: the salesperson files it, SM → FD → GM approve in their inbox, the
cashier draws cash (over the limit: warned), pays and marks 付讫; the journal shows the daily balance."""

import os
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from yewu.expenses.models import CashEntry, DepositTask, PaymentDoc

SHOTS = Path(os.environ.get("YEWU_SHOTS_DIR") or Path(__file__).resolve().parents[2] / "screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_claim_approved_by_chain_then_paid_by_cashier(site, company):
    today = timezone.localdate().isoformat()
    page = site.login("sales1")
    page.goto(site.url("/expenses/"))
    expect(page.locator("h1")).to_have_text("费用与资金")
    page.click("text=＋ 费用报销单")
    expect(page.locator("h1")).to_have_text("新建费用报销单")
    page.select_option("select[name=category]", "travel")
    page.fill("input[name=purpose]", "佛山客户拜访差旅")
    page.select_option("select[name=method]", "cash")
    page.locator("input[name=line_date]").nth(0).fill(today)
    page.locator("input[name=line_desc]").nth(0).fill("高铁票 广州南—佛山西 往返")
    page.locator("input[name=line_amount]").nth(0).fill("380.50")
    page.locator("input[name=line_att]").nth(0).fill("2")
    assert no_horizontal_overflow(page)
    shot(page, "expense_claim_form_phone")
    page.click("button.primary")
    expect(page.locator(".msg.success")).to_contain_text("已提交审批")
    expect(page.locator("h1")).to_contain_text("审批中")
    doc = PaymentDoc.objects.get()
    assert doc.amount == doc.lines.get().amount and [s.role for s in doc.approval.steps.all()] == ["SM", "FD", "GM"]
    shot(page, "expense_claim_submitted_phone")

    for who in ("manager", "finance", "gm"):
        p = site.login(who)
        p.goto(site.url("/expenses/approvals/"))
        card = p.locator(".card", has_text=doc.number)
        expect(card).to_be_visible()
        if who == "manager":
            assert no_horizontal_overflow(p)
            shot(p, "expense_inbox_manager_phone")
        card.locator("input[name=comment]").fill("同意")
        card.locator("button[value=approve]").click()
        expect(p.locator(".msg.success")).to_contain_text("已同意")
        expect(p.locator(".card", has_text=doc.number)).to_have_count(0)
    doc.refresh_from_db()
    assert doc.state == "approved"

    cp = site.login("cashier")
    cp.goto(site.url("/expenses/journal/"))
    cp.select_option("select[name=direction]", "in")
    cp.select_option("select[name=source]", "bank_withdrawal")
    cp.fill("input[name=amount]", "5200.00")
    cp.fill("input[name=summary]", "从银行提取备用金")
    cp.click("form.card button.primary")
    expect(cp.locator(".msg.warning").first).to_contain_text("超过限额 5,000.00 元")
    assert DepositTask.objects.count() == 1
    cp.goto(site.url("/expenses/cashier/"))
    card = cp.locator(".card", has_text=doc.number)
    expect(card).to_contain_text("380.50")
    shot(cp, "cashier_queue_phone")
    card.locator("button.primary").click()
    expect(cp.locator(".msg.success")).to_contain_text("已付讫")
    doc.refresh_from_db()
    assert doc.state == "paid" and doc.paid_by == company.cashier
    assert CashEntry.objects.get(payment_doc=doc).amount == doc.amount
    cp.goto(site.url("/expenses/journal/"))
    expect(cp.locator("table").first).to_contain_text("4,819.50")
    assert DepositTask.objects.get().done_at is not None  # paying out brought cash back under the limit
    assert no_horizontal_overflow(cp)
    shot(cp, "cash_journal_phone")

    page.goto(site.url(f"/expenses/{doc.pk}/"))
    expect(page.locator("h1")).to_contain_text("已付讫")
    shot(page, "expense_claim_paid_phone")


def test_advance_over_cap_refused_on_phone(site, company):
    page = site.login("sales1")
    page.goto(site.url("/expenses/advances/new/"))
    page.select_option("select[name=purpose_kind]", "cash_purchase")
    page.fill("input[name=purpose]", "现金采购样品")
    page.fill("input[name=amount]", "3000.01")
    page.fill("input[name=due_date]", timezone.localdate().isoformat())
    page.click("button.primary")
    expect(page.locator(".msg.error")).to_contain_text("cash.advance_max_3000")
    expect(page.locator(".msg.error")).to_contain_text("3,000.01")
    assert no_horizontal_overflow(page)
    shot(page, "advance_refused_phone")
