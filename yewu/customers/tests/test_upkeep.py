"""§2.5 `cust.archive_quarterly_review` and `cust.monthly_info_report`: verification, nightly reminders, report."""

import json
from datetime import datetime
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from yewu.audit.models import AuditEntry
from yewu.common.errors import Conflict, PermissionDenied
from yewu.customers.models import Customer, InfoReport, Status
from yewu.customers.tasks import run_upkeep
from yewu.customers.upkeep import services as upkeep
from yewu.policy.calendar import TZ


def login(user):
    c = Client()
    c.force_login(user)
    return c


def at(y, m, d, h=1):
    return datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def active(company, make_customer):
    c = make_customer(company.sales1)
    Customer.objects.filter(pk=c.pk).update(status=Status.ACTIVE, last_verified_at=None)
    return c


def test_verify_sets_date_and_audits(company, api_client, active):
    r = api_client(company.sales1).post(f"/api/v1/customers/{active.pk}/verify")
    assert r.status_code == 200
    active.refresh_from_db()
    assert active.last_verified_at is not None
    assert AuditEntry.objects.filter(action="verify", rule="cust.archive_quarterly_review").exists()
    assert api_client(company.sales2).post(f"/api/v1/customers/{active.pk}/verify").status_code == 404
    assert upkeep.unverified_this_quarter(Customer.objects.all()).count() == 0


def test_quarter_boundary(company, active):
    qs = Customer.objects.all()
    Customer.objects.filter(pk=active.pk).update(last_verified_at=at(2025, 9, 30, 23).replace(minute=59))
    assert list(upkeep.unverified_this_quarter(qs, at(2025, 10, 1).date())) == [active]
    Customer.objects.filter(pk=active.pk).update(last_verified_at=at(2025, 10, 1, 0))
    assert list(upkeep.unverified_this_quarter(qs, at(2025, 12, 31).date())) == []


def test_nightly_reminder_on_first_working_day_of_last_month_and_overdue_after(company, active):
    assert run_upkeep(at(2025, 11, 28))["quarterly_reminders"] == 0
    assert run_upkeep(at(2025, 12, 1))["quarterly_reminders"] == 1  # Monday 2025-12-01
    assert run_upkeep(at(2025, 12, 1))["quarterly_reminders"] == 0  # once
    n = company.sales1.notifications.get(rule="cust.archive_quarterly_review")
    assert "1 个客户档案未核实" in n.message
    out = run_upkeep(at(2026, 1, 1))
    assert out["quarterly_overdue"] == 1
    assert company.manager.notifications.filter(rule="cust.archive_quarterly_review", message__contains="已逾期").exists()


@pytest.mark.parametrize("day,late", [(7, False), (8, True), (1, False)])
def test_info_report_within_days_1_to_7(company, day, late):
    rep = upkeep.submit_info_report(company.sales1, "客户A增加采购", "竞品降价5%", now=at(2025, 11, day, 23))
    assert rep.late is late and rep.month.isoformat() == "2025-11-01"


def test_one_report_per_month_and_only_sp(company):
    upkeep.submit_info_report(company.sales1, "变化", "竞争", now=at(2025, 11, 3))
    with pytest.raises(Conflict):
        upkeep.submit_info_report(company.sales1, "再次", "竞争", now=at(2025, 11, 4))
    upkeep.submit_info_report(company.sales1, "下月", "竞争", now=at(2025, 12, 2))
    with pytest.raises(PermissionDenied):
        upkeep.submit_info_report(company.manager, "变化", "竞争", now=at(2025, 11, 3))
    assert InfoReport.objects.count() == 2


def test_nightly_reminds_sps_then_tells_sm_who_is_missing(company):
    upkeep.submit_info_report(company.sales2, "变化", "竞争", now=at(2025, 11, 2))
    out = run_upkeep(at(2025, 11, 3))
    assert out["info_report_reminders"] == 2  # sales1 and sales3, not sales2
    assert run_upkeep(at(2025, 11, 7))["info_report_reminders"] == 0
    out = run_upkeep(at(2025, 11, 8))
    assert out["info_report_missing"] == 2  # manager (sales1) and manager2 (sales3)
    n = company.manager.notifications.get(rule="cust.monthly_info_report")
    assert "张三" in n.message and "李四" not in n.message


def test_report_page_api_and_excel(company, api_client):
    r = api_client(company.sales1).post("/api/v1/customers/info-reports", data=json.dumps(
        {"changes": "<script>x</script>", "competition": "c"}), content_type="application/json")
    assert r.status_code == 400  # no script tags
    r = api_client(company.sales1).post("/api/v1/customers/info-reports", data=json.dumps(
        {"changes": "新增两家经销商", "competition": "某品牌降价"}), content_type="application/json")
    assert r.status_code == 201
    month = r.json()["month"]
    assert login(company.sales1).get("/upkeep/").status_code == 200
    body = login(company.manager).get("/upkeep/").content.decode()
    assert "新增两家经销商" in body and "王五" not in body  # another team's SP is not on this SM's missing list
    r = login(company.manager).get(f"/upkeep/reports.xlsx?month={month}")
    text = " ".join(str(x.value) for row in load_workbook(BytesIO(r.content)).active.iter_rows() for x in row if x.value)
    assert "新增两家经销商" in text and "张三" in text
    assert login(company.sales3).get(f"/upkeep/reports/{InfoReport.objects.get().pk}.pdf").status_code == 404
    assert login(company.sales1).get(f"/upkeep/reports/{InfoReport.objects.get().pk}.pdf").status_code == 200


def test_cia_completeness_check(company, active):
    from yewu.customers.archive.services import ContactIn, add_contact

    missing = upkeep.record_completeness_check(company.csmanager, active.pk)  # csmanager holds CIA
    assert "注册地址" in missing and "决策人联系人" in missing
    Customer.objects.filter(pk=active.pk).update(
        credit_code="91440101MA59TEST0X", registered_address="广州市天河区", delivery_address="广州市天河区",
        industry="电气", category="end_user")
    add_contact(company.sales1, active.pk, ContactIn(name="林总", title="总经理", is_decision_maker=True,
                                                    mobile="13600001111"))
    assert upkeep.record_completeness_check(company.csmanager, active.pk) == []
    assert AuditEntry.objects.filter(rule="cust.archive_quarterly_review", reason__contains="完整").count() == 2
    with pytest.raises(PermissionDenied):
        upkeep.record_completeness_check(company.manager, active.pk)
    page = login(company.csmanager).get("/upkeep/").content.decode()
    assert "档案完整性检查" in page
    r = login(company.csmanager).post("/upkeep/", {"checked": str(active.pk)})
    assert r.status_code == 302
