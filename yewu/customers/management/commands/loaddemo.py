"""``yewu loaddemo``: load the demo company (idempotent; see yewu/customers/demo.py)."""

import time

from django.core.management.base import BaseCommand

STEPS = 5


class Command(BaseCommand):
    help = "Load the demo company: users of every role, ~200 customers with history (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args, quiet_logins=False, **opts):
        from yewu.customers import demo

        t0 = time.monotonic()
        self._step(1, "用户、客户档案和走访记录（约 200 家客户，首次约需 1 分钟）")
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
            self._step(2, "产品与指导价、订单、回款、发票和报价（约三个月的交易）")
            out = catalog_demo.load()
            if out:
                self.stdout.write(f"catalog demo: {out}")
        # the morning after: the nightly collection job has run, so collection tasks and the SM's > 30-day list exist
        from yewu.finance.tasks import run_collection

        self._step(3, "夜间催收任务")
        run_collection()
        try:  # customer-service history (tickets, complaints, visits, service jobs) when the service app is there
            from yewu.service import demo as service_demo
        except ImportError:
            service_demo = None
        if service_demo is not None:
            self._step(4, "客服：工单、投诉、回访和服务单")
            out = service_demo.load()
            if out:
                self.stdout.write(f"service demo: {out}")
        from yewu.salesmgmt import demo as salesmgmt_demo  # targets, activity, tables, leaderboard (SPEC §7)

        self._step(5, "销售管理：目标、每日活动、部门管理表和到账播报")
        out = salesmgmt_demo.load()
        if out:
            self.stdout.write(f"sales management demo: {out}")
        self.stdout.write(f"演示数据就绪，共用时 {time.monotonic() - t0:.0f} 秒")
        if not quiet_logins:
            self.stdout.write("\n演示账号 / demo logins:\n" + demo.logins_table() + "\n")

    def _step(self, n: int, what: str) -> None:
        """Progress: one line per phase, flushed at once, so a first run does not look stuck."""
        self.stdout.write(f"[{n}/{STEPS}] {what}…")
        self.stdout.flush()
