"""Service fixtures: the company plus a second CS agent, a quality department with its leader, customers filed
through the customer service, and a JSON client helper."""

import json

import pytest

from yewu.customers.tests.conftest import make_customer  # noqa: F401  (fixture)


@pytest.fixture
def svc(company, make_customer, api_client):  # noqa: F811
    from yewu.org.models import Department, User

    cs2 = User.objects.create_user(username="cs2", password="x", roles=["CS"], display_name="钱客服")
    qa_lead = User.objects.create_user(username="qalead", password="x", roles=["QC"], display_name="质检部长")
    qa = Department.objects.create(name="质检部", manager=qa_lead)
    qa_lead.department = qa
    qa_lead.save()
    wh_dept = Department.objects.create(name="仓储部")  # no leader

    class S:
        pass

    s = S()
    s.co, s.cs2, s.qa, s.qa_lead, s.wh_dept = company, cs2, qa, qa_lead, wh_dept
    s.cust = make_customer(company.sales1, name="广州电缆贸易有限公司", mobile="13912345678")
    s.other = make_customer(company.sales3, name="佛山五金机电", city="佛山")
    s.clients = {}

    def client(user):
        if user.pk not in s.clients:
            s.clients[user.pk] = api_client(user)
        return s.clients[user.pk]

    def post(user, url, body=None):
        r = client(user).post(url, json.dumps(body or {}), content_type="application/json")
        return r.status_code, r.json()

    def get(user, url):
        r = client(user).get(url)
        return r.status_code, r.json()

    s.post, s.get = post, get
    return s
