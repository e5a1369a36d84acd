"""§1.3 `cust.archive_access_request` (借阅, 借阅卡) and `cust.export_control` for the owner of a 机密 customer."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yewu.approvals.services import decide
from yewu.audit.models import AuditEntry
from yewu.customers.archive import selectors
from yewu.customers.models import AccessRequest, Customer
from yewu.org.models import User
from yewu.org.selectors import get_calendar


@pytest.fixture
def fd(company):
    return User.objects.create_user(username="fd", password="x", roles=["FD"], display_name="钱总监")


def level(cust, user):
    return selectors.archive_level(user, Customer.objects.select_related("owner").get(pk=cust.pk))


def ask(api_client, user, c, days=3, purpose="核对合同条款"):
    return api_client(user).post(f"/api/v1/customers/{c.pk}/access-requests",
                                 data=json.dumps({"purpose": purpose, "working_days": days}), content_type="application/json")


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_top_secret_lent_to_fd_for_dated_period(company, api_client, make_customer, fd):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret")
    assert level(c, fd) == "name"
    r = ask(api_client, fd, c, days=3)
    assert r.status_code == 201, r.content
    ar = AccessRequest.objects.get()
    # CSM grants, then the GM (who alone grants 绝密)
    decide(company.csmanager, ar.approval_id, True, "同意")
    assert level(c, fd) == "name"
    decide(company.gm, ar.approval_id, True, "同意")
    ar.refresh_from_db()
    assert ar.state == "granted"
    assert ar.valid_until == get_calendar().deadline_after_working_days(timezone.localdate(), 3)
    assert level(c, fd) == "full"
    assert AuditEntry.objects.filter(action="grant", rule="cust.archive_access_request", object_id=str(c.pk)).exists()
    # after the period the archive is closed again
    AccessRequest.objects.filter(pk=ar.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert level(c, fd) == "name"


@pytest.mark.parametrize("days,status", [(5, 201), (6, 403), (0, 403)])
def test_period_at_most_5_working_days(company, api_client, make_customer, days, status):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret")  # the team's SM sees the name only
    r = ask(api_client, company.manager, c, days=days)
    assert r.status_code == status
    if status != 201:
        assert r.json()["rule"] == "cust.archive_access_request"


def test_confidential_lent_only_to_manager_rank(company, api_client, make_customer):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="confidential")
    r = ask(api_client, company.cs, c)  # CS sees the service card; not manager rank
    assert r.status_code == 403 and "经理级别" in r.json()["message"]
    r = ask(api_client, company.sales1, c)  # the owner already reads it
    assert r.status_code == 400 and not AccessRequest.objects.exists()


def test_rejected_request_gives_nothing(company, api_client, make_customer, fd):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret")
    ask(api_client, fd, c)
    ar = AccessRequest.objects.get()
    decide(company.csmanager, ar.approval_id, False, "无业务需要")
    ar.refresh_from_db()
    assert ar.state == "rejected" and level(c, fd) == "name"


def test_confidential_full_reads_logged_on_borrow_card(company, make_customer):
    secret = make_customer(company.sales1)
    conf = make_customer(company.sales1)
    Customer.objects.filter(pk=conf.pk).update(confidentiality="confidential")
    owner = login(company.sales1)
    assert owner.get(f"/customers/{secret.pk}/").status_code == 200
    assert owner.get(f"/customers/{conf.pk}/").status_code == 200
    reads = AuditEntry.objects.filter(action="read", rule="cust.archive_access_request")
    assert [e.object_id for e in reads] == [str(conf.pk)]
    # CS sees only the service card: not a full read, not logged
    login(company.cs).get(f"/customers/{conf.pk}/")
    assert reads.count() == 1
    r = login(company.csmanager).get(f"/customers/{conf.pk}/borrow-card.xlsx")
    assert r.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    text = " ".join(str(x.value) for row in load_workbook(BytesIO(r.content)).active.iter_rows() for x in row if x.value)
    assert "借阅卡" in text and "张三" in text and "查阅" in text
    r = owner.get(f"/customers/{conf.pk}/borrow-card.pdf")
    assert r.status_code == 403 and "cust.archive_access_request" in r.content.decode()


def test_owner_reads_but_cannot_export_own_confidential_customer(company, make_customer):
    """SPEC §1.3: the owner is a full reader of a 机密 archive, but `cust.export_control` says exports with
    机密/绝密 customers need manager rank — the page says so instead of offering a link that fails."""
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="confidential")
    owner = login(company.sales1)
    body = owner.get(f"/customers/{c.pk}/").content.decode()
    assert "/card.pdf" not in body and "cust.export_control" in body
    r = owner.get(f"/customers/{c.pk}/card.pdf")
    assert r.status_code == 403 and "cust.export_control" in r.content.decode()
    assert login(company.manager).get(f"/customers/{c.pk}/card.pdf").status_code == 200


def test_access_request_from_page(company, make_customer):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret")
    sm = login(company.manager)
    body = sm.get(f"/customers/{c.pk}/").content.decode()
    assert "申请借阅完整档案" in body
    r = sm.post(f"/customers/{c.pk}/access/", {"purpose": "处理投诉", "working_days": "2"})
    assert r.status_code == 302 and AccessRequest.objects.filter(requester=company.manager).exists()
    body = login(company.csmanager).get(f"/customers/{c.pk}/").content.decode()
    assert "处理投诉" in body and "同意" in body


def test_api_full_reads_of_confidential_logged_and_requests_listed(company, api_client, make_customer, fd):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret")
    owner = api_client(company.sales1)
    assert owner.get(f"/api/v1/customers/{c.pk}").status_code == 200
    assert owner.get(f"/api/v1/customers/{c.pk}/timeline").status_code == 200
    assert AuditEntry.objects.filter(action="read", object_id=str(c.pk)).count() == 2
    ask(api_client, fd, c)
    assert [a["requester"] for a in api_client(company.csmanager).get(f"/api/v1/customers/{c.pk}/access-requests").json()] \
        == ["钱总监"]
    assert api_client(company.manager).get(f"/api/v1/customers/{c.pk}/access-requests").json() == []
