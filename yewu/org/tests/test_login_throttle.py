"""Login throttling (issue 10 item 10): per account and per client address, counts in the database, a Chinese
cool-down message, success resets the account's count. /login/ and /admin/login/ alike."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from yewu.org.models import LoginThrottle, User

LIMITS = dict(YEWU_LOGIN_MAX_FAILURES=5, YEWU_LOGIN_MAX_FAILURES_IP=12, YEWU_LOGIN_WINDOW_SECONDS=900,
              YEWU_LOGIN_LOCKOUT_SECONDS=900)
LOCKED = "登录失败次数过多"


def post_login(username, password, ip="10.0.0.1", url="/login/"):
    c = Client(REMOTE_ADDR=ip)
    r = c.post(url, {"username": username, "password": password, "next": "/"})
    return c, r


def logged_in(c):
    return "_auth_user_id" in c.session


@pytest.fixture(autouse=True)
def limits():
    with override_settings(**LIMITS):
        yield


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_account_locked_after_five_wrong_passwords_even_with_the_right_one(company, url):
    if url.startswith("/admin"):
        User.objects.create_superuser("root", password="demo1234", roles=["SYS"])
        name = "root"
    else:
        name = "sales1"
    for _ in range(4):
        c, r = post_login(name, "wrong-password", url=url)
        assert r.status_code == 200 and not logged_in(c)
        assert LOCKED not in r.content.decode()
    c, r = post_login(name, "wrong-password", url=url)  # the 5th: locked now, and said so
    assert LOCKED in r.content.decode()
    c, r = post_login(name, "demo1234", url=url)
    assert r.status_code == 200 and not logged_in(c)
    assert "该账号已暂时锁定，请 15 分钟后再试" in r.content.decode()
    # a fresh client (another process, another address) is refused too: the count is in the database
    c, r = post_login(name, "demo1234", ip="10.9.9.9", url=url)
    assert not logged_in(c) and LOCKED in r.content.decode()
    # after the cool-down the right password works again and clears the count
    LoginThrottle.objects.filter(key=f"user:{name}").update(locked_until=timezone.now() - timedelta(seconds=1))
    c, r = post_login(name, "demo1234", url=url)
    assert r.status_code == 302 and logged_in(c)
    assert not LoginThrottle.objects.filter(key=f"user:{name}").exists()


def test_success_resets_the_account_count(company):
    for _ in range(4):
        post_login("sales1", "nope")
    c, _ = post_login("sales1", "demo1234")
    assert logged_in(c)
    for _ in range(4):
        post_login("sales1", "nope")
    c, r = post_login("sales1", "demo1234")
    assert logged_in(c), "4 + 4 failures with a success between must not lock"


def test_user_name_case_does_not_dodge_the_count(company):
    for name in ("sales1", "SALES1", "Sales1", "sAles1", "salES1"):
        post_login(name, "nope")
    c, r = post_login("sales1", "demo1234")
    assert not logged_in(c) and LOCKED in r.content.decode()


def test_address_locked_after_guessing_many_accounts(company):
    # 12 failures spread over accounts (none reaches 5) from one address lock the address
    names = ["gm", "manager", "sales2", "sales3"]
    for i in range(12):
        post_login(names[i % 4], "nope", ip="192.0.2.7")
    c, r = post_login("sales1", "demo1234", ip="192.0.2.7")
    assert not logged_in(c)
    assert "此网络地址已暂时锁定" in r.content.decode()
    c, r = post_login("sales1", "demo1234", ip="192.0.2.8")  # another address is not affected
    assert logged_in(c)
    # a success from the locked address's neighbour did not clear the address count
    assert LoginThrottle.objects.get(key="ip:192.0.2.7").locked_until > timezone.now()


def test_failures_outside_the_window_do_not_add_up(company):
    for _ in range(4):
        post_login("sales1", "nope")
    LoginThrottle.objects.filter(key="user:sales1").update(window_started_at=timezone.now() - timedelta(minutes=16))
    post_login("sales1", "nope")  # starts a new window: 1 failure
    c, _ = post_login("sales1", "demo1234")
    assert logged_in(c)


def test_authenticate_itself_refuses_a_locked_account(company):
    """Any login path (not only the two forms) goes through the backend's check."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    req = RequestFactory().post("/x", REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        assert authenticate(req, username="sales1", password="nope") is None
    assert authenticate(req, username="sales1", password="demo1234") is None
    other = RequestFactory().post("/x", REMOTE_ADDR="10.1.1.2")
    assert authenticate(other, username="sales2", password="demo1234") is not None
