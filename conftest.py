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


# --- order of the run under xdist (`pytest -n 2`) -----------------------------------------------------------------
# xdist deals the tests out in collection order to whichever worker is free (a worker holds at most three), so a long
# test dealt out last keeps one worker busy while the other idles. The slowest modules (from `--durations`, longest
# first) are collected first within pytest-django's order (database tests, then transactional ones, then the rest). And every test is its own unit except the modules in ONE_WORKER, which go to one
# worker as a whole (dealt out first, as the largest unit): tests/fuzz/test_api_fuzz.py loads the demo company once
# per worker that runs any of its tests, so splitting it loaded the demo twice. (xdist's own `xdist_group` mark
# does not group with pytest 9.2 — xdist 3.8 renames `item._nodeid`, which pytest no longer reads.)
LONG_FIRST = [
    "tests/everyday/test_no_dead_links.py",
    "yewu/orders/tests/test_demo.py",
    "yewu/common/tests/test_loaddemo.py",
    "tests/access/test_matrix.py",
    "tests/browser/test_crawl.py",
    "tests/deploy/test_multi_server.py",
    "yewu/finance/tests/test_receivables_prefilter.py",
    "yewu/finance/tests/test_aging_cents.py",
]
ONE_WORKER = {"tests/fuzz/test_api_fuzz.py"}


@pytest.hookimpl(tryfirst=True)  # before pytest-django's (tryfirst too, registered earlier), whose stable sort then
def pytest_collection_modifyitems(config, items):  # keeps db tests before transactional ones before the rest:
    # a transactional test flushes the tables, and the rows the migrations seed (approval chains …) are gone after it
    rank = {path: n for n, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":  # another --dist was asked for
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        """``load``, except that the modules in ONE_WORKER are one unit each (largest units are dealt out first)."""

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path in ONE_WORKER else nodeid

    return Scheduling(config, log)
