"""The ``yewu`` command.

    yewu migrate                 create/upgrade the database
    yewu loaddemo                load the demo company (idempotent)
    yewu serve [--host H] [--port P]
    yewu demo [--host H] [--port P]   migrate + loaddemo + worker + serve
    yewu worker                  run background tasks and the periodic schedule
    yewu createuser USERNAME --roles SP,SM [--team 一组] [--password ...]
    yewu token USERNAME          print a new API bearer token
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


def _serve(host: str, port: int) -> None:
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    # Django's threaded dev server; static files served with --insecure. Fine for the demo and a small office;
    # see README for running behind gunicorn.
    call_command("runserver", f"{host}:{port}", "--noreload", "--insecure")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    cmd, rest = argv[0], argv[1:]
    _django()
    if cmd == "migrate":
        _manage("migrate", "--noinput", *rest)
    elif cmd == "loaddemo":
        _manage("loaddemo", *rest)
    elif cmd in ("serve", "demo"):
        p = argparse.ArgumentParser(prog=f"yewu {cmd}")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--no-worker", action="store_true")
        a = p.parse_args(rest)
        worker = None
        if cmd == "demo":
            _manage("migrate", "--noinput", verbosity=0)
            _manage("loaddemo")
            if not a.no_worker:
                worker = subprocess.Popen([sys.executable, "-m", "yewu.cli", "worker", "--exit-with-parent"],
                                          env=os.environ.copy())
            print(f"\nYewu demo: http://{a.host}:{a.port}/   (API docs: http://{a.host}:{a.port}/api/v1/docs)\n", flush=True)
        # SIGTERM ends the server like Ctrl-C does, so the worker is stopped too
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            _serve(a.host, a.port)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
    elif cmd == "worker":
        _manage("yewu_worker", *rest)
    elif cmd == "createuser":
        _manage("yewu_createuser", *rest)
    elif cmd == "token":
        _manage("yewu_token", *rest)
    else:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["yewu", *argv])


if __name__ == "__main__":
    main()
