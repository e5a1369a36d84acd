"""`contract.phone_approval` in the approval engine: sales support records an approval a travelling approver gave
on the phone; the engine's own rules still apply (role, sod.no_self_approval, SM ≠ GM)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.orders.models import Order
from yewu.orders.ordering import services
from yewu.orders.tests.test_orders_api import make_existing

RULE = "contract.phone_approval"


@pytest.fixture
def gm_step(shop):
    """A CREDIT order of 60,000.00 for an existing customer: SM then GM; the SM has approved, the GM is pending."""
    co = shop.company
    make_existing(shop, shop.gz)
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "600", "100.00")])
    o = services.submit_order(co.sales1, o.pk)
    ApprovalRequest.objects.filter(pk=o.approval_id).update(created_at=timezone.now() - timedelta(hours=1))
    approvals.decide(co.manager, o.approval_id, True, "同意")
    return Order.objects.get(pk=o.pk)


def body(co, **kw):
    b = {"approver_id": co.gm.pk, "confirmer_id": co.csmanager.pk, "note": "王总在外地出差，客户今天要提货",
         "called_at": (timezone.now() - timedelta(minutes=10)).isoformat(), "travelling": True, "urgent": True}
    b.update(kw)
    return b


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_cs_records_phone_approval_for_travelling_gm(shop, gm_step, api_client, client):
    co = shop.company
    url = f"/api/v1/approvals/{gm_step.approval_id}/phone-approve"
    r = post(api_client(co.cs), url, body(co))
    assert r.status_code == 200, r.json()
    out = r.json()
    assert out["state"] == "approved"
    gm = out["steps"][1]
    assert gm["role"] == "GM" and gm["state"] == "approved" and gm["decided_by"] == "王总"
    local = timezone.localtime(timezone.now() - timedelta(minutes=10))
    assert gm["phone"]["shown"] == f"电话确认审批: 王总 经 孙客服经理 确认 {local:%H:%M}"
    assert gm["phone"]["recorded_by"] == "郑客服"
    assert Order.objects.get(pk=gm_step.pk).status not in ("pending_approval", "submitted")
    e = AuditEntry.objects.filter(rule=RULE, action="phone_approve").get()
    assert e.actor == co.cs and e.after["phone"]["confirmer"] == "孙客服经理"
    # the confirmer hears the result, the absent approver hears it was recorded in their name
    assert Notification.objects.filter(user=co.csmanager, rule=RULE).exists()
    assert Notification.objects.filter(user=co.csmanager, key=f"phone-approval:{gm_step.approval_id}:result").exists()
    assert Notification.objects.filter(user=co.gm, rule=RULE).exists()
    # the order page shows it on the chain
    client.force_login(co.sales1)
    page = client.get(f"/orders/{gm_step.pk}/").content.decode()
    assert "电话确认审批: 王总 经 孙客服经理 确认" in page


@pytest.mark.parametrize("who", ["sales2", "finance", "manager2"])
def test_wrong_role_gets_403_naming_the_rule(shop, gm_step, api_client, who):
    co = shop.company
    r = post(api_client(getattr(co, who)), f"/api/v1/approvals/{gm_step.approval_id}/phone-approve", body(co))
    assert r.status_code == 403 and r.json()["rule"] == RULE
    assert gm_step.approval.steps.get(role="GM").state == "pending"


def test_administration_is_not_sales_support(shop, gm_step, api_client):
    from yewu.org.models import User

    adm = User.objects.create_user(username="adm", password="x", roles=["ADM"], display_name="行政")
    r = post(api_client(adm), f"/api/v1/approvals/{gm_step.approval_id}/phone-approve", body(shop.company))
    assert r.status_code == 403 and r.json()["rule"] == RULE


def test_engine_rules_still_apply(shop, gm_step, api_client):
    co = shop.company
    cs = api_client(co.cs)
    url = f"/api/v1/approvals/{gm_step.approval_id}/phone-approve"
    # the absent approver must hold the step's role
    r = post(cs, url, body(co, approver_id=co.manager2.pk))
    assert r.status_code == 403 and r.json()["rule"] == "approval.inbox"
    # SM and GM are two people: the SM who approved step 1 cannot "approve by phone" as GM
    co.manager.roles = ["SM", "GM"]
    co.manager.save()
    r = post(cs, url, body(co, approver_id=co.manager.pk))
    assert r.status_code == 403 and r.json()["rule"] == "sod.no_self_approval"
    # only when travelling and urgent
    r = post(cs, url, body(co, travelling=False))
    assert r.status_code == 403 and r.json()["rule"] == RULE
    # a call in the future is not a confirmation
    r = post(cs, url, body(co, called_at=(timezone.now() + timedelta(hours=1)).isoformat()))
    assert r.status_code == 403 and r.json()["rule"] == RULE
    # a note is required
    assert post(cs, url, body(co, note="")).status_code == 400
    assert gm_step.approval.steps.get(role="GM").state == "pending"


def test_self_interest_confirmer_refused(shop, api_client):
    """A CS user's own document: neither recorder nor confirmer may relay its approval."""
    co = shop.company
    req = approvals.start(doc_type="expense", doc_id=999, submitter=co.csmanager, roles=["GM"], label="费用 999")
    ApprovalRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - timedelta(hours=1))
    r = post(api_client(co.cs), f"/api/v1/approvals/{req.pk}/phone-approve", body(co))
    assert r.status_code == 403 and r.json()["rule"] == "sod.no_self_approval"


def test_inbox_form_for_sales_support(shop, gm_step, client):
    co = shop.company
    client.force_login(co.cs)
    page = client.get("/approvals/").content.decode()
    assert f'id="phone-{gm_step.approval_id}"' in page and "电话确认审批（代录）" in page
    step = gm_step.approval.steps.get(role="GM")
    local = timezone.localtime(timezone.now() - timedelta(minutes=5))
    r = client.post(f"/approvals/{gm_step.approval_id}/phone-approve/", {
        "step_id": step.pk, "approver_id": co.gm.pk, "confirmer_id": co.cs.pk, "called_at": f"{local:%Y-%m-%dT%H:%M}",
        "note": "紧急发货", "travelling": "1", "urgent": "1"}, follow=True)
    assert "已登记电话确认审批" in r.content.decode()
    step.refresh_from_db()
    assert step.state == "approved" and step.data["phone"]["shown"] == f"电话确认审批: 王总 经 郑客服 确认 {local:%H:%M}"
    # a salesperson sees no such form
    client.force_login(co.sales2)
    assert "电话确认审批（代录）" not in client.get("/approvals/").content.decode()


def test_phone_list_reads_the_steps_of_each_request_once(shop, client):
    """The phone-approval list in the inbox checks every candidate against the request's steps without a query per
    candidate and step (steps read in one prefetch)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    co = shop.company

    def step_queries():
        client.force_login(co.cs)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/approvals/").content.decode()
        return sum('"approvals_approvalstep"' in q["sql"] for q in ctx.captured_queries), page.count("phone-card")

    approvals.start(doc_type="payment", doc_id=1, submitter=co.sales1, steps=[{"role": "GM", "limit_wd": 1}],
                    label="付款 1")
    n1, cards1 = step_queries()
    for i in range(2, 5):
        approvals.start(doc_type="payment", doc_id=i, submitter=co.sales1, steps=[{"role": "GM", "limit_wd": 1}],
                        label=f"付款 {i}")
    n4, cards4 = step_queries()
    assert (cards1, cards4) == (1, 4)
    assert n4 == n1
