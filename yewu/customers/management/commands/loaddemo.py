"""``yewu loaddemo``: load the demo company (idempotent; see yewu/customers/demo.py)."""

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo company: users of every role, ~200 customers with history (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args, quiet_logins=False, **opts):
        from yewu.customers import demo

        t0 = time.monotonic()
        result = demo.load()
        if result.pop("loaded"):
            summary = ", ".join(f"{k}={v}" for k, v in result.items())
            self.stdout.write(f"demo company loaded in {time.monotonic() - t0:.1f}s: {summary}")
        else:
            self.stdout.write("demo company already loaded (nothing changed)")
        try:  # products and prices, when the catalog app provides a demo
            from yewu.catalog import demo as catalog_demo
        except ImportError:
            catalog_demo = None
        if catalog_demo is not None and hasattr(catalog_demo, "load"):
            out = catalog_demo.load()
            if out:
                self.stdout.write(f"catalog demo: {out}")
        # the morning after: the nightly collection job has run, so collection tasks and the SM's > 30-day list exist
        from yewu.finance.tasks import run_collection

        run_collection()
        try:  # customer-service history (tickets, complaints, visits, service jobs) when the service app is there
            from yewu.service import demo as service_demo
        except ImportError:
            service_demo = None
        if service_demo is not None:
            out = service_demo.load()
            if out:
                self.stdout.write(f"service demo: {out}")
        from yewu.salesmgmt import demo as salesmgmt_demo  # targets, activity, tables, leaderboard (SPEC §7)

        out = salesmgmt_demo.load()
        if out:
            self.stdout.write(f"sales management demo: {out}")
        if not quiet_logins:
            self.stdout.write("\n演示账号 / demo logins:\n" + demo.logins_table() + "\n")
