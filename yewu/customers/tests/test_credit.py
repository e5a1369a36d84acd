"""§2.7 credit: investigation → rating → credit-limit group approval → the customer's grade and limit change,
through the API, with access rules, audit and the SPEC boundaries."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.approvals.services import decide, inbox
from yewu.audit.models import AuditEntry
from yewu.customers.credit import services as credit
from yewu.customers.models import CreditInvestigation, CreditRating, Customer, Status
from yewu.customers.tasks import run_nightly
from yewu.org.models import User
from yewu.policy.credit import add_months

SCORES_A = {"payment": 28, "capital": 18, "operation": 18, "relationship": 12, "reputation": 12}  # 88
SCORES_B = {"payment": 22, "capital": 14, "operation": 14, "relationship": 11, "reputation": 11}  # 72


@pytest.fixture
def fd(company):
    return User.objects.create_user(username="fd", password="x", roles=["FD"], display_name="钱总监")


@pytest.fixture
def fin(company):
    return User.objects.create_user(username="fin", password="x", roles=["FIN"], display_name="孙会计")


@pytest.fixture
def cust(company, make_customer):
    return make_customer(company.sales1, name="广州信用测试有限公司")


def post(client, url, data):
    return client.post(url, data=json.dumps(data, default=str), content_type="application/json")


def investigate(api_client, user, c, **kw):
    body = {"conclusion": "经营正常，付款及时", "registered_capital": "1000000", "years_in_business": 8, **kw}
    return post(api_client(user), f"/api/v1/customers/{c.pk}/credit/investigations", body)


def rate(api_client, user, c, inv_id, grade="B", limit="20000.00", term=30, scores=None, avg="0", note=""):
    return post(api_client(user), f"/api/v1/customers/{c.pk}/credit/ratings", {
        "investigation_id": inv_id, "scores": scores or SCORES_B, "grade": grade, "credit_limit": limit,
        "term_days": term, "avg_monthly_sales": avg, "note": note})


def approve_all(req_id, *users):
    for u in users:
        decide(u, req_id, True, "同意")


def test_full_flow_b_grade_sm_and_fd_then_applied_and_audited(company, api_client, cust, fin, fd):
    r = investigate(api_client, company.cs, cust)
    assert r.status_code == 201, r.content
    inv_id = r.json()["id"]
    r = rate(api_client, fin, cust, inv_id, limit="20000.00")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["approvers"] == ["SM", "FD"] and body["state"] == "pending"
    assert {x["rule"] for x in body["reasons"]} == {"credit.grade_policy", "credit.limit_grant"}
    cust.refresh_from_db()
    assert cust.credit_grade == "" and cust.credit_limit == Decimal("0.00")  # nothing changes before approval
    # the SM of the owner's team decides first, then the FD
    assert [s.request_id for s in inbox(company.manager)] == [body["approval_id"]]
    assert inbox(company.manager2) == []
    approve_all(body["approval_id"], company.manager, fd)
    cust.refresh_from_db()
    assert (cust.credit_grade, cust.credit_limit, cust.term_days) == ("B", Decimal("20000.00"), 30)
    inv = CreditInvestigation.objects.get(pk=inv_id)
    assert cust.credit_next_report_on == add_months(inv.investigated_on, 3)  # B: every 3 months
    e = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(cust.pk), rule="credit.limit_grant",
                                  action="update").get()
    assert e.before["credit_grade"] == "" and e.after["credit_grade"] == "B"
    assert "钱总监" in e.reason and "李经理" in e.reason and "20,000.00" in e.reason


def test_limit_50000_needs_no_gm_but_50000_01_does(company, api_client, make_customer, fin, fd):
    for limit, approvers in (("50000.00", ["SM", "FD"]), ("50000.01", ["SM", "FD", "GM"])):
        c = make_customer(company.sales1)
        inv = investigate(api_client, company.manager, c).json()["id"]  # important: the SM in person
        # A: one term's expected sales = 60,000 × 30 ÷ 30 = 60,000 ≥ limit, so only credit.limit_grant decides GM
        r = rate(api_client, fin, c, inv, grade="A", limit=limit, scores=SCORES_A, avg="60000")
        assert r.status_code == 201, r.content
        assert r.json()["approvers"] == approvers


def test_gm_step_after_sm_and_fd_then_applied(company, api_client, cust, fin, fd):
    inv = investigate(api_client, company.manager, cust).json()["id"]
    body = rate(api_client, fin, cust, inv, grade="A", limit="80000", scores=SCORES_A, avg="100000").json()
    approve_all(body["approval_id"], company.manager, fd)
    cust.refresh_from_db()
    assert cust.credit_grade == ""  # still waiting for the GM
    approve_all(body["approval_id"], company.gm)
    cust.refresh_from_db()
    assert (cust.credit_grade, cust.credit_limit) == ("A", Decimal("80000.00"))


@pytest.mark.parametrize("grade,limit,term", [("B", "20000.01", 30), ("C", "5000.01", 30), ("D", "1", 0), ("D", "0", 30)])
def test_grade_caps_refused_with_rule_and_nothing_saved(company, api_client, cust, fin, grade, limit, term):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    scores = {"payment": 10, "capital": 10, "operation": 10, "relationship": 10, "reputation": 10}  # 50 → D
    r = rate(api_client, fin, cust, inv, grade=grade, limit=limit, term=term, scores=scores, note="按实际情况评定")
    assert r.status_code == 422 and r.json()["rule"] == "credit.grade_policy"
    assert not CreditRating.objects.exists()


def test_rating_needs_submitted_investigation(company, api_client, cust, fin):
    r = rate(api_client, fin, cust, 999999)
    assert r.status_code == 422 and r.json()["rule"] == "credit.limit_grant"


def test_investigation_used_once_and_one_pending_rating(company, api_client, cust, fin):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    assert rate(api_client, fin, cust, inv).status_code == 201
    r = rate(api_client, fin, cust, inv)
    assert r.status_code == 409
    inv2 = investigate(api_client, company.cs, cust).json()["id"]
    r = rate(api_client, fin, cust, inv2)
    assert r.status_code == 409 and r.json()["error"] == "already_pending"


def test_grade_off_suggestion_needs_reason(company, api_client, cust, fin):
    inv = investigate(api_client, company.manager, cust).json()["id"]
    r = rate(api_client, fin, cust, inv, grade="A", limit="0", scores=SCORES_B)
    assert r.status_code == 422 and "须填写理由" in r.json()["message"]
    assert rate(api_client, fin, cust, inv, grade="A", limit="0", scores=SCORES_B, note="集团客户").status_code == 201


def test_who_may_investigate_and_rate(company, api_client, cust, fin):
    r = investigate(api_client, company.sales1, cust)  # the owner SP: not an investigator
    assert r.status_code == 403 and r.json()["rule"] == "credit.investigation_cadence"
    inv = investigate(api_client, company.cs, cust).json()["id"]
    r = rate(api_client, company.manager, cust, inv)
    assert r.status_code == 403 and r.json()["rule"] == "credit.limit_grant"


def test_important_customer_investigated_by_sm_in_person(company, api_client, cust):
    Customer.objects.filter(pk=cust.pk).update(credit_grade="A", credit_limit=Decimal("60000"), term_days=30)
    r = investigate(api_client, company.cs, cust)
    assert r.status_code == 403 and "业务经理亲自调查" in r.json()["message"]
    assert investigate(api_client, company.manager2, cust).status_code == 404  # another team's SM cannot see it
    r = investigate(api_client, company.manager, cust)
    assert r.status_code == 201 and r.json()["in_person"] is True


def test_rejection_keeps_customer_and_is_audited(company, api_client, cust, fin):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    body = rate(api_client, fin, cust, inv).json()
    decide(company.manager, body["approval_id"], False, "付款记录不足")
    cust.refresh_from_db()
    assert cust.credit_grade == "" and CreditRating.objects.get().state == "rejected"
    assert AuditEntry.objects.filter(rule="credit.limit_grant", action="reject", reason__contains="付款记录不足").exists()


def test_credit_not_patchable_directly(company, api_client, cust):
    for field, value in (("credit_grade", "A"), ("credit_limit", "99999")):
        r = api_client(company.gm).patch(f"/api/v1/customers/{cust.pk}", data=json.dumps({field: value}),
                                         content_type="application/json")
        assert r.status_code == 403 and r.json()["rule"] == "credit.limit_grant"


def test_credit_read_scope(company, api_client, cust):
    assert api_client(company.sales1).get(f"/api/v1/customers/{cust.pk}/credit").status_code == 200
    assert api_client(company.manager).get(f"/api/v1/customers/{cust.pk}/credit").status_code == 200
    r = api_client(company.cs).get(f"/api/v1/customers/{cust.pk}/credit")
    assert r.status_code == 403 and r.json()["rule"] == "acl.finance_scope"
    assert api_client(company.sales2).get(f"/api/v1/customers/{cust.pk}/credit").status_code == 404


def test_periodic_report_restarts_clock_and_nightly_flags_overdue(company, api_client, cust, fin, fd):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    body = rate(api_client, fin, cust, inv, grade="C", limit="5000.00", scores={
        "payment": 15, "capital": 12, "operation": 12, "relationship": 10, "reputation": 10}).json()  # 59 → C
    approve_all(body["approval_id"], company.manager, fd)
    cust.refresh_from_db()
    today = timezone.localdate()
    assert cust.credit_next_report_on == add_months(today, 1)
    # one month later the report is overdue: the SM is told, a periodic-report task opens; not blocking
    later = timezone.now() + timedelta(days=40)
    Customer.objects.filter(pk=cust.pk).update(status=Status.ACTIVE)
    out = run_nightly(later)
    assert out["credit_reports_overdue"] == 1 and out["investigations_opened"] >= 1
    assert company.manager.notifications.filter(rule="credit.investigation_cadence").exists()
    task = cust.credit_investigations.get(state="open")
    assert task.kind == "periodic"
    assert run_nightly(later)["credit_reports_overdue"] == 0  # idempotent
    # the periodic report (CS) fills the open task and restarts the 1-month clock from its date
    r = investigate(api_client, company.cs, cust)
    assert r.json()["id"] == task.pk
    cust.refresh_from_db()
    assert cust.credit_next_report_on == add_months(today, 1)


def test_nightly_opens_investigation_for_ungraded_active(company, cust):
    Customer.objects.filter(pk=cust.pk).update(status=Status.ACTIVE)
    assert run_nightly()["investigations_opened"] == 1
    assert run_nightly()["investigations_opened"] == 0
    assert credit.credit_worklist(company.cs)["open"][0].customer_id == cust.pk


def test_investigation_and_rating_pdfs(company, api_client, cust, fin, client):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    rid = rate(api_client, fin, cust, inv).json()["id"]
    client.force_login(fin)
    r = client.get(f"/customers/{cust.pk}/credit/investigation-{inv}.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content[:4] == b"%PDF"
    r = client.get(f"/customers/{cust.pk}/credit/rating-{rid}.xlsx")
    assert r.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    text = " ".join(str(c.value) for row in load_workbook(BytesIO(r.content)).active.iter_rows() for c in row if c.value)
    assert "客户信用评等表" in text and "72" in text and "贰万元整" in text
    client.force_login(company.sales2)
    assert client.get(f"/customers/{cust.pk}/credit/rating-{rid}.pdf").status_code == 404


def test_credit_decisions_hidden_from_non_credit_readers(company, api_client, cust, fin, fd, client):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    body = rate(api_client, fin, cust, inv).json()
    approve_all(body["approval_id"], company.manager, fd)
    for user in (company.cs, company.cashier):
        audit = api_client(user).get(f"/api/v1/customers/{cust.pk}/audit").json()
        assert audit and not any((e["rule"] or "").startswith("credit.") for e in audit)
        text = json.dumps(api_client(user).get(f"/api/v1/customers/{cust.pk}/timeline").json(), ensure_ascii=False)
        assert "20,000" not in text and "B 级" not in text
        client.force_login(user)
        page = client.get(f"/customers/{cust.pk}/").content.decode()
        assert "20,000.00" not in page and "credit." not in page.split('id="timeline"')[1].split("</section>")[0]
    owner = api_client(company.sales1).get(f"/api/v1/customers/{cust.pk}/audit").json()
    assert any(e["rule"] == "credit.limit_grant" for e in owner)


@pytest.mark.parametrize("grade,limit,scores,refused", [
    ("A", "0", SCORES_A, True), ("B", "20000.00", SCORES_B, False),
])
def test_important_grant_needs_sm_in_person_investigation(company, api_client, cust, fin, grade, limit, scores, refused):
    inv = investigate(api_client, company.cs, cust).json()["id"]
    r = rate(api_client, fin, cust, inv, grade=grade, limit=limit, scores=scores, avg="100000")
    if refused:
        assert r.status_code == 422 and r.json()["rule"] == "credit.investigation_cadence"
        assert not CreditRating.objects.exists()
    else:
        assert r.status_code == 201


def test_page_investigation_with_a_malformed_date_is_refused_on_the_page_not_a_500(company, client, cust):
    client.force_login(company.cs)
    url = f"/customers/{cust.pk}/credit/investigate/"
    r = client.post(url, {"investigated_on": "2026-13-40", "conclusion": "经营正常"}, follow=True)
    assert r.status_code == 200
    assert "不是有效日期" in r.content.decode()
    assert not CreditInvestigation.objects.filter(customer=cust, state=CreditInvestigation.State.SUBMITTED).exists()
    r = client.post(url, {"investigated_on": "2026/03/02", "conclusion": "经营正常"}, follow=True)
    inv = CreditInvestigation.objects.get(customer=cust, state=CreditInvestigation.State.SUBMITTED)
    assert str(inv.investigated_on) == "2026-03-02"
