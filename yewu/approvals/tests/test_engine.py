"""Approval engine: routing, sod.no_self_approval, two different people for SM and GM, double decisions."""

import threading

import pytest
from django.db import connection

from yewu.approvals import services
from yewu.approvals.models import ApprovalChain, ApprovalRequest
from yewu.common.errors import Conflict, RuleRefused, ValidationError
from yewu.common.models import Notification
from yewu.policy.orders import OrderFacts, credit_approvals


def start_credit(company, total="60000.00", submitter=None):
    from decimal import Decimal

    d = credit_approvals(OrderFacts(total=Decimal(total), is_new_customer=False, credit_grade="A",
                                    delivery_address="广州市天河区", credit_limit=Decimal("1000000")))
    return services.start(doc_type="demo_doc", doc_id="DD-1", submitter=submitter or company.sales1, decision=d,
                          label="订单 DD-1", link="/orders/1/")


def test_sm_then_gm_in_order_and_reasons_kept(company):
    req = start_credit(company)
    assert [s.role for s in req.steps.all()] == ["SM", "GM"]
    assert req.reasons[0]["rule"] == "approve.credit_over_50k_gm"
    assert [s.request_id for s in services.inbox(company.manager)] == [req.pk]
    assert services.inbox(company.gm) == []  # GM step not reached yet
    assert Notification.objects.filter(user=company.manager, key=f"approval:{req.pk}:0").exists()
    with pytest.raises(RuleRefused) as e:  # GM cannot jump the SM step
        services.decide(company.gm, req.pk, True)
    assert e.value.status == 403
    services.decide(company.manager, req.pk, True, "同意")
    assert [s.request_id for s in services.inbox(company.gm)] == [req.pk]
    services.decide(company.gm, req.pk, True)
    req.refresh_from_db()
    assert req.state == "approved"


def test_other_team_manager_cannot_decide(company):
    req = start_credit(company, "30000")
    assert services.inbox(company.manager2) == []
    with pytest.raises(RuleRefused):
        services.decide(company.manager2, req.pk, True)


def test_no_self_approval_and_no_two_votes(company):
    company.manager.roles = ["SM", "GM"]
    company.manager.save()
    req = start_credit(company, submitter=company.manager)
    with pytest.raises(RuleRefused) as e:
        services.decide(company.manager, req.pk, True)
    assert e.value.rule in ("sod.no_self_approval", "approval.inbox")
    req2 = services.start(doc_type="demo_doc", doc_id="DD-2", submitter=company.sales1, roles=["SM", "GM"], label="DD-2")
    services.decide(company.manager, req2.pk, True)
    with pytest.raises(RuleRefused) as e:
        services.decide(company.manager, req2.pk, True)  # the same person cannot fill the GM step too
    assert e.value.rule == "sod.no_self_approval"
    services.decide(company.gm, req2.pk, True)


def test_reject_needs_comment_and_closes_and_resubmit_restarts(company):
    req = start_credit(company, "30000")
    with pytest.raises(ValidationError):
        services.decide(company.manager, req.pk, False, "")
    services.decide(company.manager, req.pk, False, "额度不足")
    req.refresh_from_db()
    assert req.state == "rejected"
    with pytest.raises(Conflict):
        services.decide(company.manager, req.pk, True)
    again = start_credit(company, "30000")
    assert again.pk != req.pk and again.state == "pending"


def test_submitting_again_while_pending_is_409(company):
    start_credit(company)
    with pytest.raises(Conflict) as e:
        start_credit(company)
    assert e.value.code == "already_pending"


def test_chain_versions_pin_running_approvals(company):
    req = services.start(doc_type="payment", doc_id="FK-1", submitter=company.sales1, label="付款")
    assert [s["role"] for s in req.chain_snapshot] == ["SM", "FD", "GM"]
    services.save_chain(company.gm, "payment", "付款审批 v2", [{"role": "FD", "limit_wd": 1}, {"role": "GM", "limit_wd": 1}])
    assert ApprovalChain.objects.get(doc_type="payment", active=True).version == 2
    assert [s.role for s in ApprovalRequest.objects.get(pk=req.pk).steps.all()] == ["SM", "FD", "GM"]


def test_inbox_and_decisions_over_api(company, api_client):
    req = start_credit(company, "30000")
    r = api_client(company.manager).get("/api/v1/approvals/inbox")
    assert r.status_code == 200 and r.json()[0]["id"] == req.pk
    assert r.json()[0]["reasons"][0]["rule"] == "approve.credit_over_20k_manager"
    r = api_client(company.sales2).post(f"/api/v1/approvals/{req.pk}/approve", content_type="application/json")
    assert r.status_code == 403 and r.json()["rule"]
    r = api_client(company.manager).post(f"/api/v1/approvals/{req.pk}/approve", {"comment": "ok"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = api_client(company.manager).post(f"/api/v1/approvals/{req.pk}/approve", content_type="application/json")
    assert r.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_two_approvers_on_one_step_exactly_one_decides(company):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is not shared between threads; runs on PostgreSQL and file SQLite")
    from yewu.org.models import User

    other = User.objects.create_user(username="deputy", roles=["GM"], password="x")  # 副总 as a second GM
    req = services.start(doc_type="demo_doc", doc_id="DD-9", submitter=company.sales1, roles=["GM"], label="DD-9")
    barrier = threading.Barrier(2)
    results = []

    def act(user):
        try:
            barrier.wait()
            services.decide(user, req.pk, True, "并发")
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except RuleRefused:
            results.append("refused")
        finally:
            connection.close()

    ts = [threading.Thread(target=act, args=(u,)) for u in (company.gm, other)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert sorted(results) == ["conflict", "ok"]
    assert ApprovalRequest.objects.get(pk=req.pk).state == "approved"
