"""The settings page and API (SPEC §8.5): GM and the system administrator only (not ADM: issue 10), every setting with current value and SPEC default,
history with old → new, preview before saving, 400 naming the key on a bad value."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yewu.org.models import PolicyVersion, User
from yewu.policy.config import DEFAULTS

KEY = "approve.credit_over_20k_manager.amount"


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def adm(company):
    return User.objects.create_user("adm", password="demo1234", roles=["ADM"], display_name="钱行政")


@pytest.fixture
def sysadmin(company):
    return User.objects.create_user("admin", password="demo1234", roles=["SYS"], display_name="系统管理员")


def test_page_lists_every_setting_with_default_and_is_gm_sys_only(company, adm, sysadmin):
    for u in (company.gm, sysadmin):
        r = login(u).get("/settings/")
        assert r.status_code == 200
        body = r.content.decode()
        assert all(f'name="v:{k}"' in body for k in DEFAULTS)
        assert "老客户账期订单超过此额需业务经理审批" in body and "默认值" in body and "SPEC" not in body and "现行制度版本 <strong>v0" in body
    for u in (company.manager, company.sales1, company.finance, adm):
        assert login(u).get("/settings/").status_code == 403
    assert 'href="/settings/"' in login(company.gm).get("/").content.decode()
    assert 'href="/settings/"' not in login(adm).get("/").content.decode()
    assert 'href="/settings/"' not in login(company.sales1).get("/").content.decode()


def test_preview_then_save_through_the_page(company):
    c = login(company.gm)
    form = {f"v:{KEY}": "30000", "reason": "提高经理审批起点", "eff_mode": "now", "action": "preview"}
    body = c.post("/settings/", form).content.decode()
    assert "受影响的未结单据" in body and "20,000.00" in body and "30,000.00" in body and 'id="btn-save"' in body
    assert "已作出的判定不重算" in body and not PolicyVersion.objects.exists()
    r = c.post("/settings/", {**form, "action": "save"})
    v = PolicyVersion.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/settings/#v{v.pk}"
    body = c.get("/settings/").content.decode()
    assert f"v{v.pk}" in body and "提高经理审批起点" in body and "现行" in body and "已改" in body


def test_page_errors_name_the_key_and_nothing_is_saved(company):
    c = login(company.gm)
    body = c.post("/settings/", {f"v:{KEY}": "-1", "v:price.special_floor.pct": "120", "reason": "试一下",
                                 "action": "save"}).content.decode()
    assert f"{KEY}：" in body and "price.special_floor.pct：" in body and "不能为负数" in body and "不能大于 100" in body
    assert 'id="btn-save"' not in body and not PolicyVersion.objects.exists()
    body = c.post("/settings/", {f"v:{KEY}": "30000", "reason": "", "action": "save"}).content.decode()
    assert "请填写修改原因" in body and not PolicyVersion.objects.exists()


def test_future_version_shown_as_pending(company):
    c = login(company.gm)
    later = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    c.post("/settings/", {"v:quote.validity_days": "45", "reason": "下周起延长有效期", "eff_mode": "later",
                          "effective_at": later, "action": "save"})
    v = PolicyVersion.objects.get()
    assert v.effective_at > timezone.now() + timedelta(days=2)
    body = c.get("/settings/").content.decode()
    assert "待生效" in body and "现行制度版本 <strong>v0" in body


# --- API ---------------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_api_access_is_gm_sys_only(company, adm, sysadmin, api_client):
    for u in (company.sales1, company.manager, company.finance, adm):
        c = api_client(u)
        assert c.get("/api/v1/settings").status_code == 403
        assert c.get("/api/v1/settings/versions").status_code == 403
        assert post(c, "/api/v1/settings/preview", {"changes": {KEY: "30000"}}).status_code == 403
        assert post(c, "/api/v1/settings/versions", {"changes": {KEY: "30000"}, "reason": "越权修改"}).status_code == 403
    assert api_client(sysadmin).get("/api/v1/settings").status_code == 200
    assert not PolicyVersion.objects.exists()


def test_api_current_preview_create_and_history(company, api_client):
    c = api_client(company.gm)
    j = c.get("/api/v1/settings").json()
    assert j["version"] == 0 and len(j["settings"]) == len(DEFAULTS)
    row = next(s for s in j["settings"] if s["key"] == KEY)
    assert row["value"] == row["default"] == "20000.00" and row["kind"] == "money" and row["unit"] == "元"
    r = post(c, "/api/v1/settings/preview", {"changes": {KEY: "30000"}})
    assert r.status_code == 200 and r.json()["sections"][0]["family"] == "credit_approval"
    assert "不重算" in r.json()["pinned_note"]
    r = post(c, "/api/v1/settings/versions", {"changes": {KEY: "abc", "price.special_floor.pct": "85"}, "reason": "调整"})
    assert r.status_code == 400 and list(r.json()["fields"]) == [KEY]
    r = post(c, "/api/v1/settings/preview", {"changes": {"price.special_floor.pct": "101"}})
    assert r.status_code == 400 and "price.special_floor.pct" in r.json()["fields"]
    r = post(c, "/api/v1/settings/versions", {"changes": {KEY: "30000"}, "reason": "提高经理审批起点"})
    assert r.status_code == 201
    v = r.json()
    assert v["changes"] == [{"key": KEY, "label": "老客户账期订单超过此额需业务经理审批", "old": "20000.00", "new": "30000.00"}]
    assert v["state"] == "现行" and v["created_by"]
    assert c.get("/api/v1/settings").json()["version"] == v["id"]
    later = (timezone.now() + timedelta(days=1)).isoformat()
    r = post(c, "/api/v1/settings/versions", {"changes": {KEY: "40000"}, "reason": "明天再提高", "effective_at": later})
    assert r.status_code == 201 and r.json()["state"] == "待生效"
    hist = c.get("/api/v1/settings/versions").json()
    assert [h["state"] for h in hist] == ["待生效", "现行"] and hist[0]["changes"][0]["old"] == "30000.00"
    assert c.get("/api/v1/settings").json()["version"] == v["id"]


def test_preview_without_reason_asks_for_one_before_saving(company):
    body = login(company.gm).post("/settings/", {f"v:{KEY}": "30000", "action": "preview"}).content.decode()
    assert "受影响的未结单据" in body and "请填写修改原因" in body and 'id="btn-save"' not in body
