"""A link in a notification (WeCom/DingTalk/e-mail) opens the approval on a phone; after login the approver reads
why it needs approval and decides on that one screen (390x844, no scrolling to the buttons)."""

from decimal import Decimal

from yewu.approvals import services
from yewu.approvals.models import ApprovalRequest
from yewu.common.models import Notification
from yewu.policy import Decision
from yewu.policy.pricing import check_line_price

from .conftest import PHONE, SHOTS


def test_notification_link_opens_the_approval_and_the_approver_decides_on_one_phone_screen(site, company, browser):
    d = check_line_price(guide_price=Decimal("385.00"), unit_price=Decimal("373.45"))
    req = services.start(doc_type="demo_doc", doc_id="Q-7", submitter=company.sales1, decision=Decision.needs(("SM",), *d.reasons),
                         roles=["SM"], label="报价单 Q-7（广州盈科，3,734.50 元）", link="/sales/quotes/")
    link = Notification.objects.get(user=company.manager, key__startswith=f"approval:{req.pk}:").link
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
                              timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(site.url(link))  # not logged in yet: the login page, then back to the approval
    assert "/login/" in page.url
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "demo1234")
    page.click("button.primary")
    page.wait_for_url(site.url(link))
    body = page.inner_text("body")
    assert "报价 373.45 元，比指导价 385.00 元低 3.00%，需业务经理批准；提成从 3.000% 降到 2.700%" in body
    approve = page.locator("button[value=approve]")
    box = approve.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box  # on the first screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "approval-from-notification-390.png"))
    approve.click()
    page.wait_for_url(site.url(link))
    assert "已同意" in page.inner_text("body") and "已通过" in page.inner_text("#req-state")
    req.refresh_from_db()
    assert req.state == ApprovalRequest.State.APPROVED
    ctx.close()
