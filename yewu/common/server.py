"""``yewu serve``: gunicorn (threaded workers) in front of yewu.wsgi, static files by WhiteNoise.

Workers and threads come from the CPU count unless ``--workers/--threads`` or ``YEWU_WORKERS/YEWU_THREADS`` say
otherwise. Logs: one access line per request on stdout, gunicorn's own messages and Django's warnings and errors on
stderr (a refused request is one line, see yewu.common.security).
"""

from __future__ import annotations

import os

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """One process per core plus one (a request waiting on the database frees its core), at least 2, at most 8."""
    return max(2, min(cpu_count() + 1, 8))


def default_threads() -> int:
    return 4


def resolve(workers: int | None, threads: int | None) -> tuple[int, int]:
    w = workers or int(os.environ.get("YEWU_WORKERS") or 0) or default_workers()
    t = threads or int(os.environ.get("YEWU_THREADS") or 0) or default_threads()
    if not (1 <= w <= 64 and 1 <= t <= 64):
        raise ValueError("workers and threads must be between 1 and 64")
    return w, t


def options(host: str, port: int, workers: int, threads: int) -> dict:
    opts = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": int(os.environ.get("YEWU_REQUEST_TIMEOUT", "120")),  # PDF and Excel exports take a while
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "loglevel": os.environ.get("YEWU_SERVER_LOG_LEVEL", "info"),
        "proc_name": "yewu",
        "preload_app": True,  # import Django once in the master: workers start fast and share its memory
        "control_socket_disable": True,  # one fixed path per user would clash between several servers
        "max_requests": 5000,  # recycle workers now and then; jitter keeps them from restarting together
        "max_requests_jitter": 500,
    }
    if os.environ.get("YEWU_TRUST_X_FORWARDED_FOR") == "1":
        opts["forwarded_allow_ips"] = os.environ.get("YEWU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return opts


def warm() -> list[str]:
    """Build in the master process what every worker would otherwise build on its first request: the URLconf
    (it imports every app's views and API routers, and ninja builds its schemas: 2 s on a busy 2-core machine) and
    the page templates every screen extends. Workers fork with all of it, so no user meets a cold worker — not after
    start-up, not after gunicorn recycles a worker (``max_requests``). Returns the templates compiled."""
    from django.db import connections
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse

    get_resolver().url_patterns  # noqa: B018 - importing the URLconf is the point
    reverse("login")  # fills the resolver's reverse tables too
    compiled = []
    for name in ("base.html", "home.html", "login.html", "404.html", "403.html"):
        try:
            get_template(name)
            compiled.append(name)
        except TemplateDoesNotExist:
            pass
    connections.close_all()  # nothing opened here may be shared across the fork
    return compiled


def run(host: str, port: int, workers: int, threads: int) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    connections.close_all()  # never share a database connection across fork

    class YewuApp(BaseApplication):
        def load_config(self):
            for key, value in options(host, port, workers, threads).items():
                self.cfg.set(key, value)

        def load(self):
            # preload_app: runs once in the master before the workers fork; no database connection is kept
            from yewu.wsgi import application

            warm()  # in the master (preload_app): workers start warm
            return application

    YewuApp(prog="yewu serve").run()
