"""Approvals explain themselves in one Chinese sentence, figures first, with the rule id linking to the rule's
text and its current setting; a notification opens the approval's own page, where the approver decides."""

import re
from decimal import Decimal

from django.test import Client

from yewu.approvals import services
from yewu.approvals.models import ApprovalRequest
from yewu.common.models import Notification
from yewu.policy import Decision
from yewu.policy.orders import OrderFacts, credit_approvals
from yewu.policy.pricing import check_line_price


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def special_price_request(company):
    d = check_line_price(guide_price=Decimal("385.00"), unit_price=Decimal("373.45"))
    assert d.outcome == "needs_approval"
    return services.start(doc_type="demo_doc", doc_id="Q-1", submitter=company.sales1, decision=Decision.needs(("SM",), *d.reasons),
                          roles=["SM"], label="报价单 Q-1", link="/sales/quotes/")


def test_special_price_reads_as_a_sentence_with_the_rule_linked(company):
    req = special_price_request(company)
    html = login(company.manager).get("/approvals/").content.decode()
    assert "报价 373.45 元，比指导价 385.00 元低 3.00%，需业务经理批准；提成从 3.000% 降到 2.700%" in html
    assert 'href="/rules/price.special_commission/"' in html
    text = re.sub(r"<[^>]+>", " ", html)
    for raw in ("guide_price", "baseline", "proportional", "N =", "d =", " pp"):
        assert raw not in text, raw
    assert req.pk


def test_credit_reasons_of_an_order(company):
    d = credit_approvals(OrderFacts(total=Decimal("60000.00"), is_new_customer=False, credit_grade="A",
                                    delivery_address="广州市天河区", credit_limit=Decimal("10000")))
    services.start(doc_type="order", doc_id="DD-9", submitter=company.sales1, decision=d, label="订单 DD-9", link="/orders/")
    html = login(company.manager).get("/approvals/").content.decode()
    assert "账期订单 60,000.00 元，超过 50,000.00 元，需业务经理和总经理批准" in html
    assert "信用敞口 60,000.00 元，超过额度 10,000.00 元，超出 50,000.00 元；需填超信销货申请表" in html
    assert "exposure" not in html and "excess" not in html


def test_rule_page_shows_text_with_current_setting(company):
    page = login(company.sales1).get("/rules/price.special_commission/").content.decode()
    assert "特价与提成" in page and "降 0.1 个百分点" in page  # the setting filled into the text
    assert "每 1% 降低的提成百分点" in page or "0.1" in page
    assert login(company.sales1).get("/rules/approve.credit_over_20k_manager/").content.decode().count("20,000.00") >= 2
    assert login(company.sales1).get("/rules/no.such_rule/").status_code == 404  # every real rule has its entry
    assert login(company.sales1).get("/rules/NoSuchRule/").status_code == 404
    assert "特价与提成" in login(company.sales1).get("/rules/").content.decode()


def test_every_rulebook_placeholder_is_a_real_setting():
    from yewu.policy.config import DEFAULTS
    from yewu.policy.rulebook import RULES, placeholders

    for r in RULES.values():
        for key in placeholders(r.text):
            assert key in DEFAULTS, (r.id, key)


def test_every_rule_in_an_approval_has_a_text():
    """The rule ids that policy functions hand to approvals are all in the rule book."""
    from yewu.policy.rulebook import RULES

    for rule in ("price.special_commission", "price.gb_discretion", "price.fee_grossup", "price.guide", "quote.approval",
                 "approve.new_credit_20k_both", "approve.credit_over_20k_manager", "approve.credit_over_50k_gm",
                 "credit.over_limit", "contract.review_1wd", "invoice.flow", "pay.approval_chain", "cash.advance_max_3000",
                 "claim.manager_review", "ar.bad_debt", "commission.statement", "credit.limit_grant",
                 "cust.archive_access_request", "visit.plan_approval", "target.monthly_set", "process.publish_approval"):
        assert rule in RULES, rule


def test_role_codes_in_a_stored_message_are_named():
    from yewu.policy.explain import sentence

    s = sentence({"rule": "pay.approval_chain", "message": "付款/报销须依次审批：SM → FD → GM", "amount": "216.00",
                  "roles": ["SM", "FD", "GM"]})
    assert s == "216.00 元的付款/报销须依次经业务经理、财务总监、总经理审批，审批完成后由出纳付款"
    assert sentence({"rule": "x.unknown", "message": "须 SM 审批"}) == "须 业务经理 审批"


def test_notification_opens_the_approval_page_and_the_approver_decides_there(company):
    req = special_price_request(company)
    n = Notification.objects.get(user=company.manager, key__startswith=f"approval:{req.pk}:")
    assert n.link == f"/approvals/{req.pk}/"
    assert "报价 373.45 元，比指导价 385.00 元低 3.00%" in n.message
    page = login(company.manager).get(n.link).content.decode()
    assert "报价单 Q-1" in page and 'value="approve"' in page and "提成从 3.000% 降到 2.700%" in page
    # the submitter sees it without the form; someone else gets nothing
    sub = login(company.sales1).get(n.link)
    assert sub.status_code == 200 and 'value="approve"' not in sub.content.decode()
    assert login(company.sales3).get(n.link).status_code == 404
    r = login(company.manager).post(f"/approvals/{req.pk}/decide/", {"action": "approve", "next": n.link}, follow=True)
    assert r.redirect_chain[-1][0] == n.link and "已同意" in r.content.decode() and "已通过" in r.content.decode()
    req.refresh_from_db()
    assert req.state == ApprovalRequest.State.APPROVED


def test_the_approval_link_still_opens_after_a_colleague_of_the_same_role_decided(company):
    """Issue 15, no dead ends: both GMs were asked (待您审批); one decides; the other's notification still opens the
    approval, read-only. Someone who was never asked still gets nothing."""
    from yewu.org.models import User

    deputy = User.objects.create_user(username="deputy", roles=["GM"], password="x", display_name="副总")
    req = services.start(doc_type="demo_doc", doc_id="DD-9", submitter=company.sales1, roles=["GM"], label="单据 DD-9",
                         link="/sales/quotes/")
    n = Notification.objects.get(user=deputy, key__startswith=f"approval:{req.pk}:")
    services.decide(company.gm, req.pk, True, "同意")
    r = login(deputy).get(n.link)
    assert r.status_code == 200
    page = r.content.decode()
    assert "单据 DD-9" in page and "已通过" in page and 'value="approve"' not in page
    assert login(company.manager).get(n.link).status_code == 404
