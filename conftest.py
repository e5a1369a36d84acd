"""Shared fixtures: a small company with a user of every role."""

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

# No per-example deadline: CI machines are shared and a slow example is not a failed rule.
hypothesis_settings.register_profile("yewu", deadline=None)
hypothesis_settings.load_profile("yewu")


@pytest.fixture
def company(db):
    from yewu.org.models import Department, Team, User

    dept = Department.objects.create(name="业务部")
    t1 = Team.objects.create(name="一组", department=dept, territories="广州")
    t2 = Team.objects.create(name="二组", department=dept, territories="佛山,深圳")

    def mk(username, roles, team=None, name=""):
        u = User.objects.create_user(username=username, password="demo1234", roles=roles, team=team,
                                     department=dept, display_name=name or username)
        return u

    users = {
        "gm": mk("gm", ["GM"], name="王总"),
        "manager": mk("manager", ["SM"], t1, "李经理"),
        "manager2": mk("manager2", ["SM"], t2, "赵经理"),
        "sales1": mk("sales1", ["SP"], t1, "张三"),
        "sales2": mk("sales2", ["SP"], t1, "李四"),
        "sales3": mk("sales3", ["SP"], t2, "王五"),
        "leads": mk("leads", ["LS"], None, "陈推广"),
        "finance": mk("finance", ["FIN", "FD"], None, "周财务"),
        "cashier": mk("cashier", ["CA"], None, "吴出纳"),
        "cs": mk("cs", ["CS"], None, "郑客服"),
        "csmanager": mk("csmanager", ["CSM", "CIA"], None, "孙客服经理"),
    }
    t1.manager = users["manager"]
    t1.save()
    t2.manager = users["manager2"]
    t2.save()
    dept.manager = users["gm"]
    dept.save()

    class Co:
        pass

    co = Co()
    co.dept, co.team1, co.team2 = dept, t1, t2
    co.users = users
    for k, v in users.items():
        setattr(co, k, v)
    return co


@pytest.fixture
def api_client(company):
    """api_client(user) -> a Client sending that user's bearer token."""
    from yewu.org.models import ApiToken

    def make(user):
        token = ApiToken.issue(user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make
