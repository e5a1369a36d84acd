"""Raw SQL reads behind the 18:00 draft of the 部门管理表 and the morning leaderboard (issue 13).

Why raw SQL: the issue requires both within 2× of hand-written SQL of the same figures (`bench/bench_salesmgmt.py`).
The statements the ORM sent were as fast as the hand-written ones; the gap on PostgreSQL early in the month was
Python — building the querysets, compiling them, the 100-id ``IN`` lists, converting the rows (see
docs/benchmarks.md, "Settings cache, late-month draft, order create"). So each read below is one parameterised
statement, the same on SQLite and PostgreSQL except where noted, returning plain tuples in the ORM's types (money
as ``Decimal`` with two places, counts as ``int``, days as ``date``). Only reads; writes stay in the services.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal

from django.db import connection

from yewu.orders.models import OrderStatus
from yewu.policy.calendar import TZ

ZERO = Decimal("0.00")
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED)  # orders that are not sales
_FLOAT = Context(prec=15)  # what Django's SQLite converter uses for decimal aggregates


def money(x) -> Decimal:
    """A money figure as the ORM gives it: ``Decimal`` with two places (SQLite sums come back as int or float)."""
    if x is None:
        return ZERO
    if isinstance(x, float):
        x = _FLOAT.create_decimal_from_float(x)
    return Decimal(x).quantize(ZERO)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _ids(values) -> str:
    """The placeholders of an ``IN`` list; ``IN (NULL)`` (matches nothing) when there are no ids."""
    return ",".join(["%s"] * len(values)) or "NULL"


def _day(d: date):
    return connection.ops.adapt_datefield_value(d)


def _start_of(d: date):
    """The moment China-time day ``d`` begins, as the database compares stored moments (UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(datetime.combine(d, time.min, tzinfo=TZ))


def _local_day(column: str) -> str:
    """SQL of the China-time date of a stored moment (China has been UTC+8 all year round since 1991)."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE 'Asia/Shanghai')::date::text"
    return f"date({column}, '+8 hours')"


# --- the 18:00 draft (daily.selectors.compute_rows via actuals.day_and_month) ----------------------------------

def receipts_day_month(ids: list[int], month: date, day: date) -> list[tuple[int, Decimal, Decimal]]:
    """[(owner id, posted receipts arrived on ``day``, arrived from ``month`` to ``day``)], credited to the customer's
    owner. Raw SQL for the issue-13 benchmark figure (see the module docstring)."""
    rows = _fetch(
        "SELECT c.owner_id, SUM(CASE WHEN r.arrived_on = %s THEN r.amount END), SUM(r.amount) "
        "FROM finance_receipt r JOIN customers_customer c ON c.id = r.customer_id "
        f"WHERE r.status = 'posted' AND r.arrived_on BETWEEN %s AND %s AND c.owner_id IN ({_ids(ids)}) "
        "GROUP BY c.owner_id", [_day(day), _day(month), _day(day), *ids])
    return [(sid, money(d), money(m)) for sid, d, m in rows]


def visits_day_month(ids: list[int], month: date, day: date) -> list[tuple[int, int, int, int, int, int, int]]:
    """[(user id, visits on ``day``, visits in the month to date, customers met on ``day``, customers met in the
    month (distinct customer and China-time day pairs: a customer met counts once a day), phone entries on ``day``,
    phone entries in the month)] from the visit log. Raw SQL for the issue-13 benchmark figure."""
    met = "channel = 'visit' AND contacts_met <> ''"
    return _fetch(
        "SELECT user_id, COUNT(CASE WHEN channel = 'visit' AND at >= %s THEN 1 END), "
        "COUNT(CASE WHEN channel = 'visit' THEN 1 END), "
        f"COUNT(DISTINCT CASE WHEN {met} AND at >= %s THEN customer_id END), "
        f"COUNT(DISTINCT CASE WHEN {met} THEN {_local_day('at')} || '/' || customer_id END), "
        "COUNT(CASE WHEN channel = 'phone' AND at >= %s THEN 1 END), COUNT(CASE WHEN channel = 'phone' THEN 1 END) "
        f"FROM customers_visit WHERE at >= %s AND at < %s AND user_id IN ({_ids(ids)}) GROUP BY user_id",
        [_start_of(day)] * 3 + [_start_of(month), _start_of(day + timedelta(days=1)), *ids])


def calls_day_month(ids: list[int], month: date, day: date) -> list[tuple[int, int, int]]:
    """[(salesperson id, calls logged on ``day``, calls from ``month`` to ``day``)] from the call log. Raw SQL for
    the issue-13 benchmark figure."""
    return _fetch(
        "SELECT salesperson_id, COUNT(CASE WHEN day = %s THEN 1 END), COUNT(*) FROM salesmgmt_calllog "
        f"WHERE day BETWEEN %s AND %s AND salesperson_id IN ({_ids(ids)}) GROUP BY salesperson_id",
        [_day(day), _day(month), _day(day), *ids])


def new_customers_day_month(ids: list[int], month: date, day: date) -> list[tuple[int, int, int]]:
    """[(owner id, customers filed on ``day``, filed from ``month`` to ``day``)] (China-time days). Raw SQL for the
    issue-13 benchmark figure."""
    return _fetch(
        "SELECT owner_id, COUNT(CASE WHEN created_at >= %s THEN 1 END), COUNT(*) FROM customers_customer "
        f"WHERE created_at >= %s AND created_at < %s AND owner_id IN ({_ids(ids)}) GROUP BY owner_id",
        [_start_of(day), _start_of(month), _start_of(day + timedelta(days=1)), *ids])


def corrections(ids: list[int], month: date, day: date) -> list[tuple[int, date, str, Decimal]]:
    """[(salesperson id, day, metric, value)]: the SM corrections from ``month`` to ``day``. Raw SQL for the
    issue-13 benchmark figure (read on every draft, usually empty)."""
    rows = _fetch(
        "SELECT salesperson_id, day, metric, value FROM salesmgmt_actualcorrection "
        f"WHERE day BETWEEN %s AND %s AND salesperson_id IN ({_ids(ids)})", [_day(month), _day(day), *ids])
    return [(sid, d, metric, money(v)) for sid, d, metric, v in rows]


def daily_targets(ids: list[int], month: date, day: date, nxt: date) -> list[tuple]:
    """[(salesperson id, day, collections, visits, calls, new_intent, met)]: the daily targets from ``month`` to
    ``day`` and of the next working day ``nxt``. Raw SQL for the issue-13 benchmark figure."""
    rows = _fetch(
        "SELECT salesperson_id, day, collections, visits, calls, new_intent, met FROM salesmgmt_dailytarget "
        f"WHERE salesperson_id IN ({_ids(ids)}) AND ((day BETWEEN %s AND %s) OR day = %s)",
        [*ids, _day(month), _day(day), _day(nxt)])
    return [(sid, d, money(c), *rest) for sid, d, c, *rest in rows]


def work_logs(ids: list[int], day: date) -> dict[int, str]:
    """{salesperson id: the work log of ``day``}. Raw SQL for the issue-13 benchmark figure."""
    return dict(_fetch(f"SELECT salesperson_id, content FROM salesmgmt_worklog WHERE day = %s "
                       f"AND salesperson_id IN ({_ids(ids)})", [_day(day), *ids]))


# --- the morning leaderboard (leaderboard.selectors.board) -------------------------------------------------------
# Grouped for every owner and looked up by id: no IN lists.

def sales_force(month: date) -> list[tuple[int, str, str, Decimal | None]]:
    """[(id, name, team name or "", month target for collections or None)] of the active salespeople, by id; the
    month targets are joined in rather than read separately. Raw SQL for the issue-13 benchmark figure."""
    rows = _fetch(
        "SELECT u.id, u.username, u.display_name, t.name, u.roles, mt.collections FROM org_user u "
        "LEFT JOIN org_team t ON t.id = u.team_id "
        "LEFT JOIN salesmgmt_monthlytarget mt ON mt.salesperson_id = u.id AND mt.month = %s "
        "WHERE u.is_active ORDER BY u.id", [_day(month)])
    return [(i, d or u, t or "", None if c is None else money(c))
            for i, u, d, t, roles, c in rows if "SP" in (json.loads(roles) if roles else [])]


def receipts_by_owner(start: date, day: date, week: date, month: date) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """{owner id: (posted receipts arrived on ``day``, since ``week``, since ``month``)}. Raw SQL for the issue-13
    benchmark figure."""
    rows = _fetch(
        "SELECT c.owner_id, SUM(CASE WHEN r.arrived_on = %s THEN r.amount END), "
        "SUM(CASE WHEN r.arrived_on >= %s THEN r.amount END), SUM(CASE WHEN r.arrived_on >= %s THEN r.amount END) "
        "FROM finance_receipt r JOIN customers_customer c ON c.id = r.customer_id "
        "WHERE r.status = 'posted' AND r.arrived_on BETWEEN %s AND %s AND c.owner_id IS NOT NULL GROUP BY c.owner_id",
        [_day(day), _day(week), _day(month), _day(start), _day(day)])
    return {sid: (money(d), money(w), money(m)) for sid, d, w, m in rows}


def sales_by_salesperson(start: date, day: date, week: date, month: date) -> dict[int, tuple[Decimal, Decimal]]:
    """{salesperson id: (orders placed since ``week``, since ``month``)}: order totals up to the end of ``day``,
    drafts, rejected and cancelled orders (``NOT_SALES``) left out. Raw SQL for the issue-13 benchmark figure."""
    rows = _fetch(
        "SELECT salesperson_id, SUM(CASE WHEN created_at >= %s THEN total END), "
        "SUM(CASE WHEN created_at >= %s THEN total END) FROM orders_order "
        f"WHERE created_at >= %s AND created_at < %s AND status NOT IN ({_ids(NOT_SALES)}) GROUP BY salesperson_id",
        [_start_of(week), _start_of(month), _start_of(start), _start_of(day + timedelta(days=1)), *NOT_SALES])
    return {sid: (money(w), money(m)) for sid, w, m in rows}


def new_customers_by_owner(start: date, day: date, week: date, month: date) -> dict[int, tuple[int, int]]:
    """{owner id: (customers filed since ``week``, since ``month``)} up to the end of ``day``. Raw SQL for the
    issue-13 benchmark figure."""
    rows = _fetch(
        "SELECT owner_id, COUNT(CASE WHEN created_at >= %s THEN 1 END), COUNT(CASE WHEN created_at >= %s THEN 1 END) "
        "FROM customers_customer WHERE owner_id IS NOT NULL AND created_at >= %s AND created_at < %s GROUP BY owner_id",
        [_start_of(week), _start_of(month), _start_of(start), _start_of(day + timedelta(days=1))])
    return {sid: (w, m) for sid, w, m in rows}
