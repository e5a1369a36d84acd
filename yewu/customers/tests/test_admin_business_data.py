"""Issue 10 item 9: the system administrator sees no business data (SPEC §1.1). The Django admin showed a 绝密
customer's full archive and contacts, and re-posting its change form lowered 绝密 to 秘密 with no entry in Yewu's
audit log. Business models are absent from the admin; what the admin may change is audited."""

from datetime import date, timedelta

import pytest
from django.test import Client

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer
from yewu.org.models import User

from .test_views import cust, file_customer


@pytest.fixture
def sysadmin(company):
    return User.objects.create_superuser("root", password="x" * 10, roles=["SYS"], display_name="系统管理员")


@pytest.fixture
def top_secret(company):
    c, *_ = file_customer(company.sales1, cust(name="绝密电缆有限公司", mobile="13912345678"))
    Customer.objects.filter(pk=c.pk).update(confidentiality="top_secret", registered_address="广州市越秀区机要路88号",
                                            confidentiality_expires_on=date.today() + timedelta(days=365))
    return Customer.objects.get(pk=c.pk)


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_admin_change_form_of_a_top_secret_customer_shows_nothing(sysadmin, top_secret):
    c = login(sysadmin)
    for url in (f"/admin/customers/customer/{top_secret.pk}/change/", "/admin/customers/customer/",
                f"/admin/customers/customer/?q={top_secret.name}", "/admin/audit/auditentry/", "/admin/"):
        r = c.get(url, follow=True)
        body = r.content.decode()
        assert r.status_code in (200, 404), url
        for secret in ("机要路88号", "13912345678", "陈先生", top_secret.name):
            assert secret not in body, (url, secret)


def test_admin_post_cannot_change_confidentiality(sysadmin, top_secret):
    n = AuditEntry.objects.count()
    r = login(sysadmin).post(f"/admin/customers/customer/{top_secret.pk}/change/", {
        "name": top_secret.name, "city": "广州", "confidentiality": "secret", "source": "direct",
        "collected_on": "2026-01-01", "_save": "保存"})
    assert r.status_code in (403, 404)
    top_secret.refresh_from_db()
    assert top_secret.confidentiality == "top_secret"
    assert AuditEntry.objects.count() == n


def test_what_the_admin_changes_is_in_the_audit_log(company, sysadmin):
    c = login(sysadmin)
    t = company.team1
    r = c.post(f"/admin/org/team/{t.pk}/change/", {"name": "一组", "department": company.dept.pk,
                                                   "manager": company.manager.pk, "territories": "广州,清远",
                                                   "_save": "保存"})
    assert r.status_code == 302, r.content.decode()[:2000]
    e = AuditEntry.objects.get(object_type="org.team", object_id=str(t.pk))
    assert e.actor_id == sysadmin.pk and e.action == "update"
    assert e.before["territories"] == "广州" and e.after["territories"] == "广州,清远"
    # and the system administrator reads that entry in the admin, but no business record's
    body = c.get("/admin/audit/auditentry/").content.decode()
    assert "一组" in body
