"""quote.approval on the shared approval engine: quotes in the same approver inbox as orders, decided
there or on the quote, SM then GM by two people, escalation of an SM's own quote, legacy migration."""

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.common.errors import PermissionDenied
from yewu.sales import services
from yewu.sales.models import Quote, QuoteApproval

from .test_sales import mk_customer


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def env(company):
    from yewu.catalog import services as cat

    p = cat.create_product(company.finance, {"code": "P1", "name": "接触器", "guide_price": "1000.00"})
    return p, mk_customer(company, company.sales1, "广州甲公司")


def mkq(company, env, qty="1", price="955.00", user=None, customer=None):
    p, c1 = env
    u = user or company.sales1
    return services.create_quote(u, {"customer_id": (customer or c1).pk,
                                      "lines": [{"product_id": p.pk, "quantity": qty, "unit_price": price}]})


def test_special_price_quote_is_in_the_shared_inbox_and_decided_there(api_client, company, env):
    q = services.submit_quote(company.sales1, mkq(company, env))
    req = ApprovalRequest.objects.get(doc_type="quote", doc_id=str(q.pk))
    assert [s.role for s in req.steps.all()] == ["SM"] and req.team == company.team1
    assert any(r["rule"] == "price.special_commission" for r in req.reasons)
    inbox = api_client(company.manager).get("/api/v1/approvals/inbox").json()
    assert [(i["doc_type"], i["link"]) for i in inbox] == [("quote", f"/sales/quotes/{q.pk}/")]
    assert q.number in inbox[0]["label"]
    assert api_client(company.manager2).get("/api/v1/approvals/inbox").json() == []  # other team
    assert api_client(company.sales1).get("/api/v1/approvals/inbox").json() == []
    r = post(api_client(company.manager), f"/api/v1/approvals/{req.pk}/approve", {"comment": "同意特价"})
    assert r.status_code == 200
    q.refresh_from_db()
    assert q.state == "approved" and q.sm_approved_by == company.manager and q.approved_at is not None


def test_rejection_in_the_inbox_returns_the_quote_to_draft(api_client, company, env):
    q = services.submit_quote(company.sales1, mkq(company, env))
    req = services.pending_request(q)
    assert post(api_client(company.manager), f"/api/v1/approvals/{req.pk}/reject", {"comment": ""}).status_code == 400
    assert post(api_client(company.manager), f"/api/v1/approvals/{req.pk}/reject", {"comment": "再争取一下价格"}).status_code == 200
    q.refresh_from_db()
    assert q.state == "draft" and q.reject_comment == "再争取一下价格"
    # resubmission restarts the chain
    q = services.submit_quote(company.sales1, q)
    assert ApprovalRequest.objects.filter(doc_type="quote", doc_id=str(q.pk)).count() == 2
    assert services.current_step(q) == "SM"


def test_major_special_quote_sm_then_gm_due_in_one_working_day(company, env):
    q = services.submit_quote(company.sales1, mkq(company, env, qty="106", price="950.00"))
    req = services.pending_request(q)
    assert [s.role for s in req.steps.all()] == ["SM", "GM"]
    first = req.steps.get(order=0)
    assert first.due_at is not None and first.due_at > timezone.now()
    assert [s.request_id for s in approvals.inbox(company.gm)] == []  # GM step not yet reached
    q = services.approve_quote(company.manager, q, "同意")
    assert q.state == "submitted" and q.sm_approved_by == company.manager and services.current_step(q) == "GM"
    assert [s.request_id for s in approvals.inbox(company.gm)] == [req.pk]
    q = services.approve_quote(company.gm, q)
    assert q.state == "approved" and q.gm_approved_by == company.gm


def test_sm_own_major_special_quote_collapses_to_one_gm_step(company, env):
    c = mk_customer(company, company.manager, "经理的客户")
    q = services.submit_quote(company.manager, mkq(company, env, qty="106", price="950.00", user=company.manager, customer=c))
    req = services.pending_request(q)
    assert [s.role for s in req.steps.all()] == ["GM"]
    assert any(r["rule"] == "sod.no_self_approval" for r in req.reasons)
    with pytest.raises(PermissionDenied) as e:
        services.approve_quote(company.manager, q)
    assert e.value.rule == "sod.no_self_approval"
    q = services.approve_quote(company.gm, q)
    assert q.state == "approved" and q.gm_approved_by == company.gm and q.sm_approved_by == company.gm


def test_quote_page_shows_engine_steps(company, env, client):
    q = services.submit_quote(company.sales1, mkq(company, env))
    services.approve_quote(company.manager, q, "可以")
    client.force_login(company.sales1)
    html = client.get(f"/sales/quotes/{q.pk}/").content.decode()
    assert "审批记录" in html and "业务经理" in html and "同意" in html and "可以" in html


def test_migration_moves_waiting_quotes_onto_the_engine(company, env):
    """Quotes submitted under the old QuoteApproval model (no engine request) get one, with an SM step
    already approved copied across; decided history stays in QuoteApproval."""
    mig = importlib.import_module("yewu.sales.migrations.0003_quote_approvals_to_engine")
    q1 = mkq(company, env)  # special price, waiting for the SM
    q2 = mkq(company, env, qty="106", price="950.00")  # SM approved under the old model, GM waiting
    now = timezone.now()
    Quote.objects.filter(pk=q1.pk).update(state="submitted", needs_sm=True, submitted_at=now)
    Quote.objects.filter(pk=q2.pk).update(state="submitted", needs_sm=True, needs_gm=True, submitted_at=now,
                                          sm_approved_by=company.manager, sm_approved_at=now - timedelta(hours=1))
    QuoteApproval.objects.create(quote=q2, step="SM", approver=company.manager, action="approve", comment="旧批准")
    mig.forwards(django_apps, None)
    mig.forwards(django_apps, None)  # idempotent
    assert ApprovalRequest.objects.filter(doc_type="quote").count() == 2
    q1.refresh_from_db()
    q2.refresh_from_db()
    assert services.current_step(q1) == "SM" and services.can_approve(company.manager, q1)[0]
    assert services.current_step(q2) == "GM"
    r2 = services.pending_request(q2)
    assert r2.steps.get(order=0).decided_by == company.manager and r2.steps.get(order=0).comment == "旧批准"
    assert not services.can_approve(company.manager, q2)[0]  # already decided the SM step
    assert services.approve_quote(company.gm, q2).state == "approved"
    assert services.approve_quote(company.manager, q1).state == "approved"


def test_lost_or_expired_quote_leaves_the_inbox(company, env):
    q1 = services.submit_quote(company.sales1, mkq(company, env))
    q2 = services.submit_quote(company.sales1, mkq(company, env))
    assert len(approvals.inbox(company.manager)) == 2
    services.close_quote(company.sales1, q1, "lost", "客户不做了")
    Quote.objects.filter(pk=q2.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    assert services.scan_quote_deadlines()["expired"] == 1
    assert approvals.inbox(company.manager) == []
    states = set(ApprovalRequest.objects.filter(doc_type="quote").values_list("state", flat=True))
    assert states == {"cancelled"}
