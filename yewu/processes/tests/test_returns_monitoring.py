"""process.monitoring for P10 from the return requests' own `return.flow` history."""

from decimal import Decimal

from yewu.orders.models import ReturnRequest
from yewu.orders.returns import services as returns
from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)
from yewu.orders.tests.test_delivery import ops  # noqa: F401  (fixture)
from yewu.orders.tests.test_returns import delivered  # noqa: F401  (fixture)
from yewu.processes import selectors

from .test_monitoring import NOW, at, row


def test_return_steps_timed_from_history(shop, ops, delivered, builtin):  # noqa: F811
    o, std, _ = delivered
    co = shop.company
    r = returns.apply(co.sales1, order_id=o.pk, line_id=std.pk, quantity="2", reason="规格不符")
    returns.confirm(co.manager, r.pk)
    returns.inspect(ops.qc, r.pk, is_ours=True, condition="完好")
    r = ReturnRequest.objects.get(pk=r.pk)
    times = ["2025-09-01 09:00", "2025-09-01 10:00", "2025-09-04 09:00"]
    history = [dict(h, at=at(t).isoformat()) for h, t in zip(r.history, times, strict=True)]
    ReturnRequest.objects.filter(pk=r.pk).update(history=history, created_at=at(times[0]))

    m = selectors.monitoring(co.manager, "2025-09", now=NOW)
    p10 = row(m, "P10")
    confirm, inspect, approve = p10.steps
    assert (confirm.label, confirm.avg_hours, confirm.on_time) == ("s2 业务经理确认", Decimal("1.00"), 1)
    assert (inspect.label, inspect.avg_hours, inspect.late) == ("s3 质检", Decimal("23.00"), 1)  # due Tue, done Thu
    assert (approve.count, approve.late) == (0, 1)  # open past its 1-WD limit
    assert (p10.instances, p10.on_time_pct, p10.overdue_count) == (1, Decimal("33.3"), 1)
    assert row(selectors.monitoring(co.manager2, "2025-09", now=NOW), "P10").instances == 0
