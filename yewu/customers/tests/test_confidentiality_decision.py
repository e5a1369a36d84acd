"""Issue 10 item 10b: confidentiality was decided in two places that disagreed (SPEC §1.3, `cust.confidentiality`).
The CSM sets 机密 (service, API and the edit page) although the CSM may not edit the archive; the owner's SM trying
to lower 绝密 is refused by `cust.confidentiality`, not `acl.team_scope`. One rule: check_set_confidentiality."""

import pytest
from django.test import Client
from yewu.customers.services import update_customer

from yewu.audit.models import AuditEntry
from yewu.common.errors import PermissionDenied, RuleRefused
from yewu.customers.models import Customer

from .test_access import book, patch  # noqa: F401  (fixture)


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_csm_sets_confidential_through_the_service_and_the_api(company, api_client, book):  # noqa: F811
    c, url = book.c1, f"/api/v1/customers/{book.c1.pk}"
    got, _ = update_customer(company.csmanager, c.pk, {"confidentiality": "confidential"})
    assert got.confidentiality == "confidential" and got.confidentiality_expires_on
    e = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(c.pk), action="update").last()
    assert e.actor_id == company.csmanager.pk and e.after["confidentiality"] == "confidential"
    r = patch(api_client(company.csmanager), f"/api/v1/customers/{book.c2.pk}", {"confidentiality": "confidential"})
    assert r.status_code == 200, r.content
    assert Customer.objects.get(pk=book.c2.pk).confidentiality == "confidential"
    # the CSM sets levels, nothing else of the archive
    r = patch(api_client(company.csmanager), url, {"industry": "x"})
    assert r.status_code == 403 and r.json()["rule"] == "acl.cs_scope"
    # a CS agent sets no level: refused by the confidentiality rule
    r = patch(api_client(company.cs), url, {"confidentiality": "secret"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    # nor does the owner lift 机密 (SM or CSM)
    r = patch(api_client(company.sales1), url, {"confidentiality": "secret"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    assert Customer.objects.get(pk=c.pk).confidentiality == "confidential"


def test_csm_sets_confidential_on_the_edit_page(company, book):  # noqa: F811
    c = book.c3
    web = login(company.csmanager)
    assert 'id="set-level"' in web.get(f"/customers/{c.pk}/").content.decode()
    page = web.get(f"/customers/{c.pk}/edit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="level-only"' in body and 'name="confidentiality"' in body and 'name="industry"' not in body
    r = web.post(f"/customers/{c.pk}/edit/", {"confidentiality": "confidential"})
    assert r.status_code == 302
    assert Customer.objects.get(pk=c.pk).confidentiality == "confidential"
    # a CS agent has no such page
    assert login(company.cs).get(f"/customers/{c.pk}/edit/").status_code == 403


def test_owner_sm_lowering_top_secret_is_refused_by_the_confidentiality_rule(company, api_client, book):  # noqa: F811
    c = book.c1
    update_customer(company.gm, c.pk, {"confidentiality": "top_secret"})
    with pytest.raises(RuleRefused) as e:
        update_customer(company.manager, c.pk, {"confidentiality": "secret"})
    assert e.value.rule == "cust.confidentiality"
    r = patch(api_client(company.manager), f"/api/v1/customers/{c.pk}", {"confidentiality": "secret"})
    assert r.status_code == 403 and r.json()["rule"] == "cust.confidentiality"
    r = login(company.manager).post(f"/customers/{c.pk}/edit/", {"confidentiality": "secret"})
    assert "cust.confidentiality" in r.content.decode()
    assert Customer.objects.get(pk=c.pk).confidentiality == "top_secret"
    # what the SM cannot read he still cannot edit (acl.team_scope)
    with pytest.raises(PermissionDenied) as e:
        update_customer(company.manager, c.pk, {"industry": "x"})
    assert e.value.rule == "acl.team_scope"
    # the GM lowers it
    assert update_customer(company.gm, c.pk, {"confidentiality": "secret"})[0].confidentiality == "secret"
