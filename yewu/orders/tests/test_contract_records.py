"""Contract records after signing (SPEC §4.4): custody take-out with GM approval and a 5-WD return date
(`contract.filing_1wd`), the monthly register confirmed by CS by the 5th (`contract.monthly_register`), and
disputes owned by the SM, reported to the GM, litigation blocking the order (`contract.dispute`)."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from yewu.approvals import services as approvals
from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.orders import attachments, tasks
from yewu.orders.contracts import records as cr
from yewu.orders.contracts import services as contracts
from yewu.orders.models import Contract, ContractCustodyLoan, ContractRegister
from yewu.orders.ordering import services
from yewu.org.selectors import get_calendar
from yewu.policy.calendar import TZ

from .test_contracts import CHECK, _approved_contract, credit_order
from .test_delivery import ops  # noqa: F401  (fixture)
from .test_documents import pdf_text

SCAN = attachments.FileIn("合同.pdf", "application/pdf", b"%PDF-1.4 scan")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def filed_contract(shop) -> Contract:
    c = _approved_contract(shop)
    contracts.sign(shop.company.sales1, c.pk)
    return contracts.file_signed(shop.company.cs, c.pk, SCAN)


# --- custody take-out (contract.filing_1wd) --------------------------------------------------------------------


def test_takeout_needs_gm_then_cs_hands_out_with_5wd_return_date(shop, api_client):
    co = shop.company
    c = filed_contract(shop)
    sp, cs, gm = api_client(co.sales1), api_client(co.cs), api_client(co.gm)
    r = post(sp, f"/api/v1/contracts/{c.pk}/takeout", {"purpose": "客户对账"})
    assert r.status_code == 201 and r.json()["status"] == "requested"
    loan_id, req_id = r.json()["id"], r.json()["approval_id"]
    # one open take-out per contract
    assert post(sp, f"/api/v1/contracts/{c.pk}/takeout", {"purpose": "再借"}).status_code == 409
    # nothing leaves before the GM approves
    r = post(cs, f"/api/v1/contracts/custody/{loan_id}/hand-out")
    assert r.status_code == 409 and r.json()["rule"] == "contract.filing_1wd"
    inbox = gm.get("/api/v1/approvals/inbox").json()
    assert [i["doc_type"] for i in inbox] == ["contract_custody"]
    assert inbox[0]["reasons"][0]["rule"] == "contract.filing_1wd"
    assert post(gm, f"/api/v1/approvals/{req_id}/approve").status_code == 200
    assert Notification.objects.filter(user=co.cs, rule="contract.filing_1wd", key__startswith="custody-approved").exists()
    # the salesperson cannot hand it out; CS does
    r = post(sp, f"/api/v1/contracts/custody/{loan_id}/hand-out")
    assert r.status_code == 403 and r.json()["rule"] == "contract.filing_1wd"
    r = post(cs, f"/api/v1/contracts/custody/{loan_id}/hand-out")
    assert r.status_code == 200 and r.json()["status"] == "out"
    today = timezone.localdate()
    assert r.json()["due_back_on"] == get_calendar().add_working_days(today, 5).isoformat()
    assert api_client(co.sales1).get(f"/api/v1/contracts/{c.pk}").json()["custody"].startswith("借出")
    # CS records the return
    r = post(cs, f"/api/v1/contracts/custody/{loan_id}/return", {"note": "原件完好"})
    assert r.status_code == 200 and r.json()["status"] == "returned" and r.json()["returned_at"]
    assert [e.action for e in AuditEntry.objects.filter(object_type="orders.contractcustodyloan").order_by("id")] == [
        "create", "update", "hand_out", "return"]


def test_takeout_only_from_custody_and_gm_may_refuse(shop, api_client):
    co = shop.company
    c = _approved_contract(shop)
    contracts.sign(co.sales1, c.pk)  # signed, not yet filed
    r = post(api_client(co.sales1), f"/api/v1/contracts/{c.pk}/takeout", {"purpose": "对账"})
    assert r.status_code == 409 and r.json()["rule"] == "contract.filing_1wd"
    contracts.file_signed(co.cs, c.pk, SCAN)
    loan = cr.request_takeout(co.sales1, c.pk, purpose="对账")
    approvals.decide(co.gm, loan.approval_id, False, "不必借出原件，用扫描件")
    loan.refresh_from_db()
    assert loan.status == "rejected"
    # a new request is possible after a refusal
    assert cr.request_takeout(co.sales1, c.pk, purpose="诉讼需要").status == "requested"


def test_overdue_takeout_flagged_nightly_once(shop, client):
    co = shop.company
    c = filed_contract(shop)
    loan = cr.request_takeout(co.sales1, c.pk, purpose="银行核验")
    approvals.decide(co.gm, loan.approval_id, True)
    loan = cr.hand_out(co.cs, loan.pk)
    due = loan.due_back_on
    on_due_day = datetime.combine(due, datetime.min.time(), tzinfo=TZ).replace(hour=1)
    assert tasks.run_nightly(on_due_day)["custody_overdue"] == 0  # the return day itself is on time
    assert tasks.run_nightly(on_due_day + timedelta(days=1))["custody_overdue"] == 1
    assert tasks.run_nightly(on_due_day + timedelta(days=2))["custody_overdue"] == 0
    assert Notification.objects.filter(user=co.sales1, key=f"custody-overdue:{loan.pk}").exists()
    assert Notification.objects.filter(user=co.csmanager, key=f"custody-overdue:{loan.pk}").exists()
    # the contracts page lists it (pretend today is after the return date)
    ContractCustodyLoan.objects.filter(pk=loan.pk).update(due_back_on=timezone.localdate() - timedelta(days=2))
    client.force_login(co.cs)
    page = client.get("/orders/contracts/").content.decode()
    assert 'id="overdue-loans"' in page and c.number in page and "2 天" in page


# --- monthly register (contract.monthly_register) --------------------------------------------------------------


def _in_month(shop, month: date, n: int = 2) -> list[Contract]:
    out = []
    for i in range(n):
        c = _approved_contract(shop) if i == 0 else None
        if c is None:
            o2, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                          lines=[services.LineIn(shop.cable.pk, str(210 + i), "100.00")])
            c = contracts.create_contract(shop.company.sales1, o2.pk)
            contracts.submit_review(shop.company.sales1, c.pk)
            contracts.review(shop.company.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
            contracts.review(shop.company.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
        contracts.sign(shop.company.sales1, c.pk)
        day = month.replace(day=10 + i)
        Contract.objects.filter(pk=c.pk).update(signed_on=day, number=f"YWXS-{day:%Y%m%d}-01")
        out.append(Contract.objects.get(pk=c.pk))
    return out


def test_register_lists_month_in_number_order_and_cs_confirms(shop, api_client, client):
    co = shop.company
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    cs_list = _in_month(shop, last)
    cs = api_client(co.cs)
    r = cs.get("/api/v1/contracts/register")  # default: last month
    body = r.json()
    assert body["month"] == f"{last:%Y-%m}" and not body["confirmed"]
    assert [i["number"] for i in body["items"]] == sorted(c.number for c in cs_list)
    assert body["items"][0]["filing"] == "已签订" and body["items"][0]["custody"] == "未归档"
    # only CS confirms; a month that is not over cannot be confirmed
    r = post(api_client(co.sales1), "/api/v1/contracts/register/confirm", {"month": f"{last:%Y-%m}"})
    assert r.status_code == 403 and r.json()["rule"] == "contract.monthly_register"
    r = post(cs, "/api/v1/contracts/register/confirm", {"month": f"{timezone.localdate():%Y-%m}"})
    assert r.status_code == 422 and r.json()["rule"] == "contract.monthly_register"
    r = post(cs, "/api/v1/contracts/register/confirm", {"month": f"{last:%Y-%m}"})
    assert r.status_code == 200 and r.json()["confirmed_by"] == "郑客服" and len(r.json()["numbers"]) == 2
    assert post(cs, "/api/v1/contracts/register/confirm", {"month": f"{last:%Y-%m}"}).status_code == 409
    assert AuditEntry.objects.filter(rule="contract.monthly_register", action="confirm").count() == 1
    # exports
    x = cs.get(f"/api/v1/contracts/register.xlsx?month={last:%Y-%m}")
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws["B4"].value == cs_list[0].number and ws["C4"].value == shop.gz.name and "郑客服" in ws["A2"].value
    text = pdf_text(cs.get(f"/api/v1/contracts/register.pdf?month={last:%Y-%m}").content)
    assert "合同台账" in text and cs_list[1].number in text and "郑客服" in text
    # the page
    client.force_login(co.cs)
    page = client.get(f"/orders/contracts/register/?month={last:%Y-%m}").content.decode()
    assert "已确认" in page and cs_list[0].number in page and 'id="register-confirm"' not in page


def test_register_flagged_after_the_5th(shop):
    co = shop.company
    _in_month(shop, date(2026, 2, 1), n=1)
    on_5th = datetime(2026, 3, 5, 23, 59, 59, tzinfo=TZ)
    assert tasks.run_nightly(on_5th)["register_unconfirmed"] == 0  # by the 5th = on or before
    assert tasks.run_nightly(on_5th + timedelta(seconds=1))["register_unconfirmed"] == 1
    assert tasks.run_nightly(on_5th + timedelta(days=1))["register_unconfirmed"] == 0
    for u in (co.cs, co.csmanager):
        n = Notification.objects.get(user=u, key="register-overdue:2026-02")
        assert n.rule == "contract.monthly_register" and "2026-03-05" in n.message
    assert ContractRegister.objects.get(month=date(2026, 2, 1)).flagged_at is not None
    # a month without contracts is not flagged
    assert tasks.run_nightly(datetime(2026, 4, 6, 1, 0, tzinfo=TZ))["register_unconfirmed"] == 0


# --- disputes (contract.dispute) -------------------------------------------------------------------------------


def test_dispute_owned_by_sm_reported_to_gm_and_resolved(shop, api_client):
    co = shop.company
    c = filed_contract(shop)
    sp = api_client(co.sales1)
    r = post(sp, f"/api/v1/contracts/{c.pk}/disputes", {"kind": "breach", "description": "客户逾期未付款",
                                                         "amount_at_stake": "5000.00", "occurred_on": str(timezone.localdate())})
    assert r.status_code == 201 and r.json()["owner"] == "李经理" and r.json()["status"] == "open"
    did = r.json()["id"]
    assert Notification.objects.filter(user=co.gm, rule="contract.dispute").exists()
    assert Notification.objects.filter(user=co.manager, rule="contract.dispute").exists()
    # only the owner (SM) or the GM moves it; resolving needs the outcome
    r = post(sp, f"/api/v1/contracts/disputes/{did}/status", {"status": "resolved", "resolution": "已付"})
    assert r.status_code == 403 and r.json()["rule"] == "contract.dispute"
    assert post(api_client(co.manager), f"/api/v1/contracts/disputes/{did}/status", {"status": "resolved"}).status_code == 400
    r = post(api_client(co.manager), f"/api/v1/contracts/disputes/{did}/status", {"status": "resolved", "resolution": "客户已付清"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = post(api_client(co.gm), f"/api/v1/contracts/disputes/{did}/status", {"status": "litigation"})
    assert r.status_code == 409 and r.json()["rule"] == "contract.dispute"
    # not on an unsigned contract, not in the future
    r = post(sp, f"/api/v1/contracts/{c.pk}/disputes", {"kind": "dispute", "description": "x", "occurred_on":
                                                         str(timezone.localdate() + timedelta(days=1))})
    assert r.status_code == 400


def test_litigation_blocks_shipments_and_approvals_of_the_order(shop, ops, api_client, client):  # noqa: F811
    co = shop.company
    # a 60,000.00 CREDIT order waiting for its SM approval, with its contract signed
    o = credit_order(shop, qty="600")
    assert o.status == "pending_approval"
    c = contracts.create_contract(co.sales1, o.pk)
    contracts.submit_review(co.sales1, c.pk)
    contracts.review(co.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
    contracts.review(co.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
    contracts.sign(co.sales1, c.pk)
    d = cr.record_dispute(co.manager, c.pk, kind="arbitration", description="质量争议提交仲裁", amount_at_stake="60000",
                          occurred_on=timezone.localdate())
    assert d.status == "litigation"
    r = post(api_client(co.manager), f"/api/v1/approvals/{o.approval_id}/approve")
    assert r.status_code == 422 and r.json()["rule"] == "contract.dispute"
    # rejecting stays possible; the order page shows the banner
    client.force_login(co.sales1)
    page = client.get(f"/orders/{o.pk}/").content.decode()
    assert 'id="litigation-banner"' in page and "contract.dispute" in page
    # once resolved the normal flow resumes
    cr.move_dispute(co.gm, d.pk, "resolved", "仲裁结案")
    r = post(api_client(co.manager), f"/api/v1/approvals/{o.approval_id}/approve")
    assert r.status_code == 200


def test_litigation_blocks_shipping(shop, ops, api_client):  # noqa: F811
    co = shop.company
    o = credit_order(shop)
    assert o.status == "ready"
    c = _approved_contract_for(shop, o)
    wh = api_client(ops.wh)
    ship = {"lines": [{"line_id": o.lines.get().pk, "quantity": "1"}]}
    cr.record_dispute(co.sales1, c.pk, kind="litigation", description="客户起诉", amount_at_stake="1000",
                      occurred_on=timezone.localdate())
    r = post(wh, f"/api/v1/orders/{o.pk}/shipments", ship)
    assert r.status_code == 422 and r.json()["rule"] == "contract.dispute"


def _approved_contract_for(shop, o):
    co = shop.company
    c = contracts.create_contract(co.sales1, o.pk)
    contracts.submit_review(co.sales1, c.pk)
    contracts.review(co.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
    contracts.review(co.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
    return contracts.sign(co.sales1, c.pk)


@pytest.mark.parametrize("page", ["/orders/contracts/", "/orders/contracts/register/"])
def test_pages_render_for_cs_and_sp(shop, client, page):
    filed_contract(shop)
    for u in (shop.company.cs, shop.company.sales1):
        client.force_login(u)
        assert client.get(page).status_code == 200


def test_litigation_also_stops_returns_but_a_plain_dispute_does_not(shop, ops, api_client):  # noqa: F811
    from yewu.common.errors import Conflict
    from yewu.orders.models import ReturnRequest
    from yewu.orders.returns import services as returns

    co = shop.company
    o = credit_order(shop)
    c = _approved_contract_for(shop, o)
    line = o.lines.get()
    r = post(api_client(ops.wh), f"/api/v1/orders/{o.pk}/shipments", {"lines": [{"line_id": line.pk, "quantity": "2"}]})
    assert r.status_code in (200, 201), r.json()
    cr.record_dispute(co.sales1, c.pk, kind="dispute", description="对质量有异议", amount_at_stake="500",
                      occurred_on=timezone.localdate())
    assert returns.apply(co.sales1, order_id=o.pk, line_id=line.pk, quantity="1", reason="坏了",
                         quality_defect=True).quantity == 1
    cr.record_dispute(co.sales1, c.pk, kind="litigation", description="客户起诉", amount_at_stake="1000",
                      occurred_on=timezone.localdate())
    with pytest.raises(Conflict) as e:
        returns.apply(co.sales1, order_id=o.pk, line_id=line.pk, quantity="1", reason="坏了", quality_defect=True)
    assert e.value.rule == "contract.dispute" and "诉讼" in e.value.message
    assert ReturnRequest.objects.filter(order=o).count() == 1


def test_register_rows_queries_do_not_grow_with_contracts(shop, django_assert_max_num_queries):
    """The register (page, Excel, PDF) reads each contract's disputes from one prefetch, not one query a row."""
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    _in_month(shop, last, n=1)
    with CaptureQueriesContext(connection) as q1:
        assert len(cr.register_rows(last)) == 1
    _in_month_more(shop, last, start=1, n=3)
    with django_assert_max_num_queries(len(q1.captured_queries)):
        rows = cr.register_rows(last)
    assert len(rows) == 4 and not any(r["disputed"] for r in rows)


def _in_month_more(shop, month: date, start: int, n: int) -> None:
    for i in range(start, start + n):
        o2, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                      lines=[services.LineIn(shop.cable.pk, str(210 + i), "100.00")])
        c = _approved_contract_for(shop, o2)
        day = month.replace(day=10 + i)
        Contract.objects.filter(pk=c.pk).update(signed_on=day, number=f"YWXS-{day:%Y%m%d}-0{i}")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e13", "-5"])
def test_dispute_amount_must_be_a_storable_money_figure(shop, api_client, amount):
    co = shop.company
    c = filed_contract(shop)
    r = post(api_client(co.sales1), f"/api/v1/contracts/{c.pk}/disputes", {
        "kind": "breach", "description": "客户逾期未付款", "amount_at_stake": amount,
        "occurred_on": str(timezone.localdate())})
    assert r.status_code == 400 and r.json()["rule"] == "contract.dispute"
    assert not c.disputes.exists()


@pytest.mark.parametrize(("url", "field", "rule"), [("disputes", "occurred_on", "contract.dispute"),
                                                    ("takeout", "requested_due_on", "contract.filing_1wd")])
def test_unreadable_date_on_the_order_page_forms_names_the_rule(shop, client, url, field, rule):
    from django.contrib.messages import get_messages

    c = filed_contract(shop)
    client.force_login(shop.company.sales1)
    r = client.post(f"/orders/contracts/{c.pk}/{url}/", {"kind": "breach", "description": "x", "purpose": "对账",
                                                          field: "2026-13-40"})
    assert r.status_code == 302
    assert [str(m) for m in get_messages(r.wsgi_request)] == [f"{'发生日期' if url == 'disputes' else '归还日期'}格式不对（{rule}）"]
    assert not c.disputes.exists() and not c.custody_loans.exists()
