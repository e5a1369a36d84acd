"""`yewu serve` (issue 14): gunicorn with WhiteNoise, one access-log line per request; refused without a secret key."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from yewu.common import server

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YEWU_") and k != "DATABASE_URL"}
    env.update({"YEWU_DATA_DIR": str(tmp_path / "data")}, **extra)
    return env


def fetch(url):
    with urllib.request.urlopen(url, timeout=90) as r:
        return r.status, dict(r.headers), r.read()


@pytest.fixture
def served(tmp_path):
    port = free_port()
    out, err = open(tmp_path / "out.log", "w+"), open(tmp_path / "err.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "yewu.cli", "serve", "--port", str(port), "--workers", "2",
                             "--threads", "2"], cwd=ROOT, env=env_for(tmp_path, YEWU_SECRET_KEY="t" * 50),
                            stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                err.seek(0)
                pytest.fail(f"yewu serve did not start: {err.read()[-2000:]}")
            time.sleep(0.3)
    try:
        yield base, proc, out, err
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        out.close()
        err.close()


def test_serve_runs_gunicorn_with_static_files_and_one_log_line_per_request(served):
    base, proc, out, err = served
    status, headers, body = fetch(base + "/login/")
    assert status == 200 and headers["Server"].startswith("gunicorn")
    assert "登录业务系统" in body.decode()
    assert "Content-Security-Policy" in headers
    status, headers, css = fetch(base + "/static/yewu/app.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and len(css) > 100
    status, headers, ico = fetch(base + "/favicon.ico")
    assert status == 200 and ico[:4] == b"\x00\x00\x01\x00"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=90) == 0
    out.seek(0)
    access = [ln for ln in out.read().splitlines() if '"GET ' in ln]
    # one line per request (two worker processes write them, so not necessarily in request order)
    assert sorted(ln.split('"')[1] for ln in access) == ["GET /favicon.ico HTTP/1.1", "GET /login/ HTTP/1.1",
                                                         "GET /static/yewu/app.css HTTP/1.1"]
    assert all(" 200 " in ln for ln in access)
    err.seek(0)
    assert "Traceback" not in err.read()


def test_serve_refuses_to_start_without_a_secret_key(tmp_path):
    r = subprocess.run([sys.executable, "-m", "yewu.cli", "serve", "--port", str(free_port())], cwd=ROOT,
                       env=env_for(tmp_path), capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "YEWU_SECRET_KEY" in r.stderr


def test_workers_and_threads_from_cores_flags_and_environment(monkeypatch):
    monkeypatch.delenv("YEWU_WORKERS", raising=False)
    monkeypatch.delenv("YEWU_THREADS", raising=False)
    w, t = server.resolve(None, None)
    assert w == max(2, min(server.cpu_count() + 1, 8)) and t == 4
    monkeypatch.setenv("YEWU_WORKERS", "3")
    monkeypatch.setenv("YEWU_THREADS", "6")
    assert server.resolve(None, None) == (3, 6)
    assert server.resolve(5, 2) == (5, 2)  # flags win over the environment
    with pytest.raises(ValueError):
        server.resolve(0 or 100, None)


def test_the_master_loads_every_route_and_the_page_templates_before_the_workers_fork(tmp_path):
    """A worker's first request used to import the whole URLconf (2 s on a busy machine): one user in fifty waited
    seconds after start-up and after every worker recycle. `yewu serve` now does it in the master (preload)."""
    code = ("import sys, django; django.setup(); from yewu.common import server; "
            "before = 'yewu.orders.ordering.api' in sys.modules; t = server.warm(); "
            "from django.db import connections; "
            "print(before, 'yewu.orders.ordering.api' in sys.modules, 'yewu.service.complaints.views' in sys.modules, "
            "'base.html' in t, connections['default'].connection is None)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env=env_for(tmp_path, DJANGO_SETTINGS_MODULE="yewu.settings", YEWU_SECRET_KEY="t" * 50))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["False", "True", "True", "True", "True"]
