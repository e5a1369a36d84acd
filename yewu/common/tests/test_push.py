"""Notifications to WeCom / DingTalk group robots, checked by a local HTTP receiver on 127.0.0.1."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from yewu.common.jobs import notify
from yewu.common.models import PushChannel, PushDelivery
from yewu.common.push import MAX_ATTEMPTS, deliver_due

pytestmark = pytest.mark.django_db


class Receiver:
    """A robot stand-in: records each POST; answers 500 to the first ``fail_first`` requests."""

    def __init__(self, fail_first=0):
        self.got, self.fail_left = [], fail_first
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((self.path, json.loads(body)))
                if outer.fail_left > 0:
                    outer.fail_left -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_wecom_markdown_with_link_back(company, receiver, settings):
    settings.YEWU_BASE_URL = "https://yewu.example.cn"
    PushChannel.objects.create(kind="wecom", name="一组群", target=receiver.url + "/cgi-bin/webhook/send?key=k1",
                               team=company.team1)
    assert notify(company.manager, "k", "订单 YWDD-1 等待您审批", rule="approval.inbox", link="/approvals/")
    assert notify(company.manager2, "k", "二组的通知")  # team 二组 has no channel
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0}
    (path, body), = receiver.got
    assert path == "/cgi-bin/webhook/send?key=k1"
    assert body["msgtype"] == "markdown"
    text = body["markdown"]["content"]
    assert "订单 YWDD-1 等待您审批" in text and "approval.inbox" in text
    assert "(https://yewu.example.cn/approvals/)" in text
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # sent once


def test_dingtalk_signed_webhook(company, receiver):
    secret = "SEC0123456789abcdef"
    PushChannel.objects.create(kind="dingtalk", name="经理", target=receiver.url + "/robot/send?access_token=t",
                               secret=secret, user=company.gm)
    notify(company.gm, "k2", "应收逾期 31 天", rule="ar.collection_task", link="/finance/ar/")
    deliver_due()
    (path, body), = receiver.got
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    ts = q["timestamp"][0]
    want = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert q["sign"][0] == want and q["access_token"] == ["t"]
    assert abs(int(ts) / 1000 - timezone.now().timestamp()) < 60
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] and "应收逾期 31 天" in body["markdown"]["text"]


def test_failure_is_retried_with_backoff_then_given_up_and_shown(company):
    r = Receiver(fail_first=1)
    try:
        PushChannel.objects.create(kind="wecom", name="群", target=r.url + "/send", user=company.sales1)
        notify(company.sales1, "k3", "首次联系即将到期")
        t0 = timezone.now()
        assert deliver_due(t0) == {"sent": 0, "retry": 1, "failed": 0}
        d = PushDelivery.objects.get()
        assert d.state == "pending" and d.attempts == 1 and "500" in d.last_error
        assert deliver_due(t0 + timedelta(seconds=30))["retry"] == 0  # not before the backoff
        assert deliver_due(t0 + timedelta(minutes=2)) == {"sent": 1, "retry": 0, "failed": 0}
        assert len(r.got) == 2
    finally:
        r.close()
    # a dead endpoint: given up after MAX_ATTEMPTS, visible as failed
    PushChannel.objects.create(kind="wecom", name="坏地址", target="http://127.0.0.1:9/none", user=company.sales2)
    notify(company.sales2, "k4", "x")
    t = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        deliver_due(t)
        t += timedelta(hours=3)
    bad = PushDelivery.objects.get(channel__name="坏地址")
    assert bad.state == "failed" and bad.attempts == MAX_ATTEMPTS and bad.last_error


def test_notify_does_not_wait_for_the_robot(company):
    PushChannel.objects.create(kind="wecom", name="群", target="http://127.0.0.1:9/none", user=company.sales1)
    assert notify(company.sales1, "k5", "x")  # no network inside the request: only a pending row
    assert PushDelivery.objects.get().state == "pending"


def test_push_settings_page(company):
    from django.test import Client

    from yewu.audit.models import AuditEntry

    sp = Client()
    sp.force_login(company.sales1)
    r = sp.post("/settings/push/", {"kind": "wecom", "name": "我的群", "target": "https://qyapi.weixin.qq.com/x?key=1"})
    assert r.status_code == 302
    ch = PushChannel.objects.get(name="我的群")
    assert ch.user == company.sales1 and ch.team is None
    assert AuditEntry.objects.filter(rule="notify.push", object_id=str(ch.pk)).exists()
    # an SP cannot target a team; a bad URL is refused naming the field
    r = sp.post("/settings/push/", {"kind": "wecom", "name": "x", "target": "https://a/b", "team": str(company.team1.pk)},
                follow=True)
    assert "只有系统管理员或总经理" in r.content.decode() and PushChannel.objects.count() == 1
    r = sp.post("/settings/push/", {"kind": "dingtalk", "name": "x", "target": "javascript:alert(1)"}, follow=True)
    assert "Webhook 地址应以 https:// 开头" in r.content.decode() and PushChannel.objects.count() == 1
    r = sp.post("/settings/push/", {"kind": "wecom", "name": "名" * 51, "target": "https://a/b"}, follow=True)
    assert "名称最长 50 个字符" in r.content.decode()
    gm = Client()
    gm.force_login(company.gm)
    assert gm.post("/settings/push/", {"kind": "dingtalk", "name": "一组钉钉", "target": "https://oapi.dingtalk.com/robot/send?access_token=t",
                                        "secret": "SEC1", "team": str(company.team1.pk)}).status_code == 302
    assert PushChannel.objects.get(name="一组钉钉").team == company.team1
    assert "我的群" in gm.get("/settings/push/").content.decode()
    assert "一组钉钉" not in sp.get("/settings/push/").content.decode()  # an SP sees own channels only
