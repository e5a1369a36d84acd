"""The approval inbox page (approval.inbox, approval.overdue shown, sod.no_self_approval on the page)."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from yewu.approvals import services
from yewu.approvals.models import ApprovalStep
from yewu.policy.orders import OrderFacts, credit_approvals


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def start(company, total="60000.00", label="订单 DD-1", submitter=None):
    d = credit_approvals(OrderFacts(total=Decimal(total), is_new_customer=False, credit_grade="A",
                                    delivery_address="广州市天河区", credit_limit=Decimal("1000000")))
    return services.start(doc_type="demo_doc", doc_id=label, submitter=submitter or company.sales1, decision=d,
                          label=label, link="/orders/")


def test_inbox_lists_chain_reasons_figures_and_overdue(company):
    req = start(company)
    ApprovalStep.objects.filter(request=req, order=0).update(due_at=timezone.now() - timedelta(hours=1))
    html = login(company.manager).get("/approvals/").content.decode()
    assert "订单 DD-1" in html and "第 1/2 步" in html and "待业务经理审批" in html
    assert "approve.credit_over_50k_gm" in html and "账期订单 60,000.00 元，超过 50,000.00 元，需业务经理和总经理批准" in html
    assert "threshold" not in html and "门槛 50,000.00" not in html  # a sentence, not key–value chips
    assert "overdue" in html and "1 项逾期" in html
    assert "没有待您审批的事项" in login(company.sales1).get("/approvals/").content.decode()  # submitter
    assert "没有待您审批的事项" in login(company.gm).get("/approvals/").content.decode()  # not reached yet


def test_reject_needs_a_comment_and_returns_to_submitter(company):
    req = start(company, total="30000.00")
    sm = login(company.manager)
    r = sm.post(f"/approvals/{req.pk}/decide/", {"action": "reject", "comment": "  "}, follow=True)
    assert "审批意见" in r.content.decode()
    req.refresh_from_db()
    assert req.state == "pending"
    r = sm.post(f"/approvals/{req.pk}/decide/", {"action": "reject", "comment": "价格太低"}, follow=True)
    assert "已驳回" in r.content.decode() and "价格太低" in r.content.decode()  # listed under 我最近处理的
    req.refresh_from_db()
    assert req.state == "rejected"
    r = sm.post(f"/approvals/{req.pk}/decide/", {"action": "approve"}, follow=True)
    assert "不能再次处理" in r.content.decode()


def test_one_person_cannot_fill_two_steps(company):
    company.manager.roles = ["SM", "GM"]
    company.manager.save()
    req = start(company)
    sm = login(company.manager)
    sm.post(f"/approvals/{req.pk}/decide/", {"action": "approve"})
    assert "没有待您审批的事项" in sm.get("/approvals/").content.decode()
    r = sm.post(f"/approvals/{req.pk}/decide/", {"action": "approve"}, follow=True)
    assert "sod.no_self_approval" in r.content.decode()


def test_next_must_stay_on_this_site(company):
    req = start(company)
    r = login(company.manager).post(f"/approvals/{req.pk}/decide/", {"action": "approve", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/approvals/"
