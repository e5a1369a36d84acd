"""`value_rows` (issue 14): a report's rows with each column's converters run once per distinct raw value give
exactly what iterating the ``values_list`` queryset gives — decimals of several places (0, -0, repeated and distinct
values, None), dates, datetimes, text, ids — and never share a mutable value (JSON) between rows."""

from datetime import UTC, date, datetime
from decimal import Decimal

from yewu.common.rows import value_rows
from yewu.performance.models import CommissionStatement


def _exact(rows):
    """Values with their type and, for decimals, their exponent (Decimal('0.00') == Decimal('0') would hide it)."""
    return [tuple((type(v), v.as_tuple() if isinstance(v, Decimal) else v) for v in r) for r in rows]


def test_value_rows_equal_the_queryset_values(company):
    users = list(company.users.values())
    amounts = ["0", "0.00", "-0.00", "12.50", "12.50", "0.01", "-3.33", "99999999.99", "12.5", "-0.01", "7.77"]
    decided = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 2026-02-01 00:30 in Shanghai
    for i, a in enumerate(amounts):
        CommissionStatement.objects.create(
            salesperson=users[i % len(users)], month=date(2026, 1 + i % 3, 1), basis=Decimal(a),
            credits=Decimal(amounts[-1 - i]), net=Decimal("7.77"), snapshot={"i": i % 2},
            submitted_by=users[0], submitted_at=decided, decided_at=None if i % 4 == 0 else decided, state="approved" if i % 2 else "pending")
    qs = CommissionStatement.objects.order_by("id").values_list(
        "id", "salesperson_id", "salesperson__username", "month", "state", "basis", "credits", "deductions", "net",
        "decided_at", "snapshot")
    got, want = value_rows(qs), list(qs)
    assert _exact(got) == _exact(want)
    assert got[1][-1] == got[3][-1] and got[1][-1] is not got[3][-1]  # equal JSON, not the same dict
    assert value_rows(qs.filter(pk__in=[])) == []
    assert value_rows(qs.none()) == []
