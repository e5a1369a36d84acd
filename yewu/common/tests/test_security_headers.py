"""HTTP hardening (issue 10 item 10, issue 15 quiet logs): CSP with a nonce, the usual headers, a 12-hour session,
Secure cookies + HSTS behind HTTPS, no built-in secret key, a 403 logged as one line, a favicon."""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings

from yewu.common.security import ClientErrorsOneLine

ROOT = Path(__file__).resolve().parents[3]


def test_pages_send_csp_with_a_fresh_nonce_and_the_usual_headers(company):
    c = Client()
    r1, r2 = c.get("/login/"), c.get("/login/")
    csp = r1["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    n1 = re.search(r"'nonce-([^']+)'", csp).group(1)
    n2 = re.search(r"'nonce-([^']+)'", r2["Content-Security-Policy"]).group(1)
    assert n1 != n2 and len(n1) >= 16
    assert r1["X-Frame-Options"] == "DENY"
    assert r1["X-Content-Type-Options"] == "nosniff"
    assert r1["Referrer-Policy"] == "same-origin"
    assert "camera=()" in r1["Permissions-Policy"]


def test_inline_scripts_carry_the_requests_nonce(company):
    c = Client()
    c.force_login(company.sales1)
    for path in ("/sales/quotes/new/", "/orders/new/"):
        r = c.get(path)
        assert r.status_code == 200, path
        html = r.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline, path
        assert all(f'nonce="{nonce}"' in attrs for attrs in inline), (path, inline)
        assert not re.search(r"\son[a-z]+=\"", html), path  # no inline event handlers (blocked by the CSP)


def test_session_lasts_twelve_hours_and_is_http_only(company):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    c = Client(REMOTE_ADDR="10.2.2.2")
    r = c.post("/login/", {"username": "sales1", "password": "demo1234"})
    assert r.status_code == 302
    cookie = r.cookies["sessionid"]
    assert cookie["max-age"] == 12 * 3600 and cookie["httponly"]


def run_settings(env_extra: dict, code: str, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YEWU_")}
    env.update({"YEWU_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "yewu.settings"}, **env_extra)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_https_switch_makes_cookies_secure_and_sends_hsts(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)")
    on = run_settings({"YEWU_HTTPS": "1", "YEWU_SECRET_KEY": "k" * 50}, code, tmp_path)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split()[:3] == ["True", "True", str(365 * 24 * 3600)]
    off = run_settings({"YEWU_SECRET_KEY": "k" * 50}, code, tmp_path)
    assert off.stdout.split()[:3] == ["False", "False", "0"]


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
                   SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_over_https_the_response_has_hsts_and_secure_cookies(company):
    c = Client(REMOTE_ADDR="10.3.3.3")
    r = c.post("/login/", {"username": "sales1", "password": "demo1234"}, HTTP_X_FORWARDED_PROTO="https")
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert r.cookies["sessionid"]["secure"]


def test_no_secret_key_means_no_server_outside_demo_mode(tmp_path):
    assert "insecure" not in (ROOT / "yewu" / "settings.py").read_text()
    refused = run_settings({}, "import yewu.wsgi", tmp_path)
    assert refused.returncode != 0 and "YEWU_SECRET_KEY" in refused.stderr
    ok = run_settings({"YEWU_SECRET_KEY": "s" * 50}, "import yewu.wsgi; from django.conf import settings; "
                      "print(settings.SECRET_KEY)", tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "s" * 50


def test_demo_mode_generates_one_random_key_in_the_data_dir(tmp_path):
    code = "import yewu.wsgi; from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_settings({"YEWU_DEMO": "1"}, code, tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == first.stdout.strip() and len(first.stdout.strip()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    again = run_settings({"YEWU_DEMO": "1"}, code, tmp_path)
    assert again.stdout == first.stdout  # kept: sessions survive a restart
    other = run_settings({"YEWU_DEMO": "1"}, code, tmp_path / "elsewhere")
    assert other.stdout != first.stdout  # random per installation


def test_a_403_is_one_log_line_not_a_traceback(company):
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(ClientErrorsOneLine())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        c = Client()
        c.force_login(company.sales1)
        r = c.get("/settings/")
        assert r.status_code == 403
    finally:
        logger.removeHandler(handler)
    out = buf.getvalue()
    assert "Traceback" not in out
    assert len(out.strip().splitlines()) == 1 and "/settings/" in out


def test_the_configured_console_handler_uses_the_one_line_filter():
    root = logging.getLogger()
    assert any(isinstance(f, ClientErrorsOneLine) for h in root.handlers for f in h.filters)


def test_favicon_is_served(db):
    r = Client().get("/favicon.ico")
    assert r.status_code == 200 and r["Content-Type"] == "image/x-icon"
    assert b"".join(r.streaming_content if r.streaming else [r.content])[:4] == b"\x00\x00\x01\x00"
