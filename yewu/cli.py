"""The ``yewu`` command.

    yewu migrate                 create/upgrade the database
    yewu loaddemo                load the demo company (idempotent)
    yewu serve [--host H] [--port P] [--workers N] [--threads N] [--dev]
                                 gunicorn + WhiteNoise (needs YEWU_SECRET_KEY); --dev: Django's auto-reloading server
    yewu demo [--host H] [--port P] [--no-worker]   migrate + loaddemo + worker + serve
    yewu worker                  run background tasks and the periodic schedule
    yewu createuser USERNAME --roles SP,SM [--team 一组] [--password ...]
    yewu token USERNAME [--days N]   print a new API bearer token (default 90 days)
    yewu token --list USERNAME   list a user's tokens
    yewu token --revoke TOKEN|ID|PREFIX   (or: yewu token USERNAME --revoke all)
    yewu backup PATH             back up the whole database (SQLite backup API / pg_dump custom format)
    yewu restore PATH [--yes]    replace the database with a backup (stop servers and workers first)
Any other sub-command is passed to Django's manage.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yewu.settings")
    import django

    django.setup()


def _manage(*args: str, **options) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def _serve_parser(cmd: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"yewu {cmd}")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None,
                   help="server processes (default YEWU_WORKERS, else cores + 1, 2 to 8)")
    p.add_argument("--threads", type=int, default=None, help="threads per process (default YEWU_THREADS, else 4)")
    if cmd == "demo":
        p.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    else:
        p.add_argument("--dev", action="store_true", help="Django's auto-reloading development server")
    return p


def _serve(cmd: str, rest: list[str]) -> None:
    a = _serve_parser(cmd).parse_args(rest)
    dev = getattr(a, "dev", False)
    if cmd == "demo" or dev:
        os.environ["YEWU_DEMO"] = "1"  # a generated key in the data dir is fine here (and for the worker we start)
    _django()
    # after django.setup(): these read the settings (the CLI starts before Django is configured)
    from django.core.exceptions import ImproperlyConfigured

    from yewu.common import server  # after django.setup()
    from yewu.common.security import require_secret_key  # after django.setup()

    try:
        require_secret_key()
        workers, threads = server.resolve(a.workers, a.threads)
    except (ImproperlyConfigured, ValueError) as e:
        sys.exit(f"yewu {cmd}: {e}")
    if dev:
        _manage("runserver", f"{a.host}:{a.port}")
        return
    worker = None
    if cmd == "demo":
        _manage("migrate", "--noinput", verbosity=0)
        _manage("loaddemo")
        if not a.no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "yewu.cli", "worker", "--exit-with-parent"],
                                      env=os.environ.copy())
        print(f"\nYewu demo: http://{a.host}:{a.port}/   (API docs: http://{a.host}:{a.port}/api/v1/docs)\n", flush=True)
    _manage("collectstatic", "--noinput", verbosity=0)
    # SIGTERM ends the server like Ctrl-C does (gunicorn handles both), then the worker is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run(a.host, a.port, workers, threads)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    cmd, rest = argv[0], argv[1:]
    if cmd in ("serve", "demo"):
        _serve(cmd, rest)
        return
    _django()
    if cmd == "migrate":
        _manage("migrate", "--noinput", *rest)
    elif cmd == "loaddemo":
        _manage("loaddemo", *rest)
    elif cmd == "worker":
        _manage("yewu_worker", *rest)
    elif cmd == "createuser":
        _manage("yewu_createuser", *rest)
    elif cmd == "token":
        _manage("yewu_token", *rest)
    elif cmd == "backup":
        _manage("yewu_backup", *rest)
    elif cmd == "restore":
        _manage("yewu_restore", *rest)
    else:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["yewu", *argv])


if __name__ == "__main__":
    main()
