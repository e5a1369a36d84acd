"""The §3 rules added to the quote flow: price.gb_discretion (D and Alt as a company setting),
quote.nonstandard_24h settings, price.finance_guide lead time, price.invoice_lock, lost-quote coaching."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.catalog import services as cat
from yewu.common.errors import Conflict, PermissionDenied, ValidationError
from yewu.common.models import Notification
from yewu.org.models import PolicyVersion
from yewu.sales import services
from yewu.sales.models import CoachingTask, Quote

from .test_sales import mk_customer


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def company_setting(**values):
    """A company settings version in force from now (SPEC §8.5)."""
    PolicyVersion.objects.create(values=values, effective_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def env(company):
    gb = cat.create_product(company.finance, {"code": "GB1", "name": "国标电缆", "kind": "gb", "guide_price": "1000.00"})
    std = cat.create_product(company.finance, {"code": "S1", "name": "接触器", "guide_price": "1000.00"})
    c1 = mk_customer(company, company.sales1, "广州甲公司")
    c_none = mk_customer(company, company.sales1, "广州丙公司", invoice="none")
    return gb, std, c1, c_none


def one_line(c, p, price, **kw):
    return {"customer_id": c.pk, "lines": [{"product_id": p.pk, "quantity": "1", "unit_price": price}], **kw}


# --- price.gb_discretion ----------------------------------------------------------------------------


def test_gb_default_below_guide_is_special_in_quote_and_check(api_client, company, env):
    gb, _, c1, _ = env
    q = services.create_quote(company.sales1, one_line(c1, gb, "980.00"))
    ln = q.lines.get()
    assert ln.outcome == "needs_approval" and q.needs_sm and ln.commission_delta == D("-0.200")
    assert "price.gb_discretion" in [r["rule"] for r in ln.decision["reasons"]]
    j = post(api_client(company.sales1), "/api/v1/pricing/check",
             {"product_id": gb.pk, "unit_price": "980.00", "vat_invoice": "vat_special"}).json()
    assert j["outcome"] == "needs_approval" and j["reasons"][0]["rule"] == "price.gb_discretion"


def test_gb_alt_allowance_as_company_setting(api_client, company, env):
    gb, std, c1, _ = env
    company_setting(**{"price.gb_discretion.max_pct": "2"})
    q = services.create_quote(company.sales1, one_line(c1, gb, "980.00"))  # d = 2.00, within 2% (以内)
    ln = q.lines.get()
    assert ln.outcome == "allowed" and ln.commission_delta == D("0.000") and not q.needs_sm
    assert services.submit_quote(company.sales1, q).state == "approved"
    q2 = services.create_quote(company.sales1, one_line(c1, gb, "979.90"))  # d = 2.01
    assert q2.lines.get().outcome == "needs_approval" and q2.needs_sm
    q3 = services.create_quote(company.sales1, one_line(c1, std, "980.00"))  # not national-standard
    assert q3.lines.get().outcome == "needs_approval"
    j = post(api_client(company.sales1), "/api/v1/pricing/check",
             {"product_id": gb.pk, "unit_price": "980.00", "vat_invoice": "vat_special"}).json()
    assert j["outcome"] == "allowed" and j["commission_delta"] == "0.000" and "2%" in j["reasons"][0]["message"]


# --- quote.nonstandard_24h and price.finance_guide settings -------------------------------------------


def test_harness_scope_alt_unlisted_only(company, env):
    _, _, c1, _ = env
    listed = cat.create_product(company.finance, {"code": "H9", "name": "线束 标准", "kind": "harness", "on_guide_list": True,
                                                  "guide_price": "50.00"})
    q = services.create_quote(company.sales1, one_line(c1, listed, "50.00"))
    assert q.response_due_at == q.received_at + timedelta(hours=24)  # D: any wire-harness line
    company_setting(**{"quote.nonstandard_24h.harness_scope": "unlisted"})
    q2 = services.create_quote(company.sales1, one_line(c1, listed, "50.00"))
    assert q2.response_due_at is None


def test_24h_working_hours_mode_as_company_setting(company, env):
    _, _, c1, _ = env
    ns = cat.create_product(company.finance, {"code": "NS1", "name": "非标件", "kind": "nonstandard", "on_guide_list": False,
                                              "guide_price": "50.00"})
    company_setting(**{"quote.nonstandard_24h.mode": "working_hours"})
    received = timezone.now() - timedelta(minutes=1)
    q = services.create_quote(company.sales1, {**one_line(c1, ns, "50.00"), "received_at": received.isoformat()})
    # 24 business hours (8 h a day) always span at least 3 calendar days
    assert q.response_due_at - received >= timedelta(days=2, hours=8)


def test_price_request_due_uses_lead_hours_setting(company, env):
    h = cat.create_product(company.sales1, {"code": "H1", "name": "线束 A", "kind": "harness"})
    received = timezone.now() - timedelta(hours=1)
    r = cat.request_price(company.sales1, h, received_at=received)
    assert r.due_at == received + timedelta(hours=24 - 4)
    company_setting(**{"price.finance_guide.lead_hours": "8"})
    r2 = cat.request_price(company.sales1, h, received_at=received)
    assert r2.due_at == received + timedelta(hours=24 - 8)


# --- price.invoice_lock --------------------------------------------------------------------------------


def test_invoice_lock_on_vat_free_priced_quote(api_client, company, env):
    _, std, _, c_none = env
    q = services.create_quote(company.sales1, one_line(c_none, std, "940.00", vat_invoice="none"))
    assert q.lines.get().outcome == "allowed"
    j = api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}/invoice-check?invoice=vat_special").json()
    assert j["outcome"] == "refused" and j["rule"] == "price.invoice_lock" and j["reasons"][0]["shortfall"] == "60.00"
    assert api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}/invoice-check?invoice=general").json()["outcome"] == "allowed"
    assert "重新定价" in services.invoice_lock_note(q)
    # re-priced to G: no lock
    q = services.update_quote(company.sales1, q, {"lines": [{"product_id": std.pk, "quantity": "1", "unit_price": "1000.00"}]})
    assert services.invoice_lock_check(q, "vat_special").allowed and services.invoice_lock_note(q) == ""


# --- lost quote → coaching task ------------------------------------------------------------------------


def test_lost_quote_opens_coaching_task_for_team_sm(api_client, company, env):
    _, std, c1, _ = env
    q = services.create_quote(company.sales1, one_line(c1, std, "1000.00"))
    with pytest.raises(ValidationError) as e:
        services.close_quote(company.sales1, q, "lost", "  ")
    assert e.value.rule == "daily.shortfall_coaching" and not CoachingTask.objects.exists()
    q = services.close_quote(company.sales1, q, "lost", "价格高于竞品")
    t = CoachingTask.objects.get(quote=q)
    assert t.coach == company.manager and t.salesperson == company.sales1 and t.reason == "价格高于竞品"
    assert t.due_at > timezone.now() and timezone.localtime(t.due_at).strftime("%H:%M:%S") == "23:59:59"
    n = Notification.objects.get(user=company.manager, key=f"coaching:{t.pk}:new")
    assert q.number in n.message and "价格高于竞品" in n.message
    assert AuditEntry.objects.filter(rule="daily.shortfall_coaching").exists()
    # only the team's SM (or GM) records it; not the SP, not another team's SM; the note is required
    with pytest.raises(PermissionDenied):
        services.record_coaching(company.sales1, t, "自我反省")
    with pytest.raises(PermissionDenied):
        services.record_coaching(company.manager2, t, "x")
    with pytest.raises(ValidationError):
        services.record_coaching(company.manager, t, "")
    # API: list and record
    sm = api_client(company.manager)
    items = sm.get("/api/v1/quotes/coaching-tasks?open_only=true").json()["items"]
    assert [i["number"] for i in items] == [q.number]
    assert api_client(company.manager2).get("/api/v1/quotes/coaching-tasks").json()["items"] == []
    r = post(sm, f"/api/v1/quotes/{q.pk}/coaching", {"note": "下次先确认竞品报价，提前申请特价"})
    assert r.status_code == 200 and r.json()["done_by"] == str(company.manager)
    assert post(sm, f"/api/v1/quotes/{q.pk}/coaching", {"note": "again"}).status_code == 409
    assert api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}").json()["coaching_task"]["note"].startswith("下次")


def test_coaching_overdue_notifies_sm_once(company, env):
    _, std, c1, _ = env
    q = services.close_quote(company.sales1, services.create_quote(company.sales1, one_line(c1, std, "1000.00")), "lost", "交期")
    t = q.coaching_task
    later = t.due_at + timedelta(seconds=1)
    assert services.scan_quote_deadlines(now=t.due_at)["coaching_overdue"] == 0  # at the deadline: not yet late
    assert services.scan_quote_deadlines(now=later)["coaching_overdue"] == 1
    assert services.scan_quote_deadlines(now=later)["coaching_overdue"] == 0
    services.record_coaching(company.manager, t, "已辅导")
    assert services.scan_quote_deadlines(now=later + timedelta(days=1))["coaching_overdue"] == 0


def test_sm_own_lost_quote_is_coached_by_gm(company, env):
    _, std, _, _ = env
    c = mk_customer(company, company.manager, "广州丁公司")
    q = services.create_quote(company.manager, one_line(c, std, "1000.00"))
    q = services.close_quote(company.manager, q, "lost", "客户取消")
    t = q.coaching_task
    with pytest.raises(PermissionDenied):
        services.record_coaching(company.manager, t, "x")
    assert services.record_coaching(company.gm, t, "复盘").done_by == company.gm


def test_lost_quote_page_shows_coaching_form_to_sm(company, env, client):
    _, std, c1, _ = env
    q = services.close_quote(company.sales1, services.create_quote(company.sales1, one_line(c1, std, "1000.00")), "lost", "价格")
    client.force_login(company.manager)
    html = client.get("/sales/quotes/").content.decode()
    assert "丢单辅导待记录（1）" in html and q.number in html
    html = client.get(f"/sales/quotes/{q.pk}/").content.decode()
    assert "保存辅导记录" in html and "daily.shortfall_coaching" in html
    r = client.post(f"/sales/quotes/{q.pk}/coach/", {"note": "面谈复盘"}, follow=True)
    assert "辅导记录已保存" in r.content.decode()
    assert Quote.objects.get(pk=q.pk).coaching_task.note == "面谈复盘"
    client.force_login(company.sales1)
    html = client.get(f"/sales/quotes/{q.pk}/").content.decode()
    assert "面谈复盘" in html and "保存辅导记录" not in html
    with pytest.raises(Conflict):
        services.record_coaching(company.manager, Quote.objects.get(pk=q.pk).coaching_task, "again")


def test_price_request_page_states_the_deadline_settings(company, client):
    client.force_login(company.sales1)
    html = client.get("/catalog/requests/").content.decode()
    assert "24 小时内答复客户" in html and "前 4 小时答复" in html
    company_setting(**{"price.finance_guide.lead_hours": "6", "quote.nonstandard_24h.mode": "working_hours"})
    html = client.get("/catalog/requests/").content.decode()
    assert "24 个工作小时内答复客户" in html and "前 6 小时答复" in html
