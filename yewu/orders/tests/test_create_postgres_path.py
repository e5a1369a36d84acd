"""Order create outside a transaction on PostgreSQL (issue 14): the number and the ids in one statement, the order,
its lines and the audit entry in one more. The rows, the answer and the audit entry must be what the transaction
path (SQLite, or a create inside a caller's transaction) writes."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yewu.audit.models import AuditEntry
from yewu.orders.models import Order, OrderLine
from yewu.orders.ordering import services
from yewu.orders.ordering.services import LineIn, create_order

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the two-statement path is PostgreSQL's")]

LINES = [("cable", "2", "100.00"), ("custom", "1", "1000.00")]


def _create(shop, **kw):
    lines = [LineIn(getattr(shop, p).pk, q, u) for p, q, u in LINES]
    return create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT", lines=lines,
                        note="两段写入", **kw)


def _stored(order):
    o = Order.objects.get(pk=order.pk)
    lines = list(OrderLine.objects.filter(order=o).order_by("pk").values())
    audit = AuditEntry.objects.get(object_type="orders.order", object_id=str(o.pk), action="create")
    return o, lines, audit


def _plain(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in ("id", "order_id", "number", "created_at")}


def test_two_statements_write_what_the_transaction_writes(shop):
    with CaptureQueriesContext(connection) as ctx:
        fast, created = _create(shop)
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert created and len(writes) == 2, writes  # the number and ids, then every insert in one WITH statement
    assert not any(s.upper() in ("BEGIN", "COMMIT") or "SAVEPOINT" in s.upper() for s in writes)
    with transaction.atomic():  # inside a caller's transaction: the path SQLite takes
        slow, _ = _create(shop)
    f_order, f_lines, f_audit = _stored(fast)
    s_order, s_lines, s_audit = _stored(slow)
    assert f_order.number.startswith("DD-") or "DD-" in f_order.number
    assert int(s_order.number.rsplit("-", 1)[1]) == int(f_order.number.rsplit("-", 1)[1]) + 1
    assert [_plain(x) for x in f_lines] == [_plain(x) for x in s_lines] and len(f_lines) == 2
    assert all(x["order_id"] == f_order.pk for x in f_lines)
    for f in Order._meta.concrete_fields:
        if f.attname not in ("id", "number", "created_at"):
            assert getattr(f_order, f.attname) == getattr(s_order, f.attname), f.attname
    # the audit entry: the same snapshot, with the fast order's own id, number and line ids
    fa, sa = f_audit.after, s_audit.after
    assert fa["id"] == f_order.pk and fa["number"] == f_order.number
    assert [ln["id"] for ln in fa["lines"]] == [x["id"] for x in f_lines]
    assert _plain({k: v for k, v in fa.items() if k != "lines"}) == _plain({k: v for k, v in sa.items() if k != "lines"})
    assert [_plain(x) for x in fa["lines"]] == [_plain(x) for x in sa["lines"]]
    assert (f_audit.decision, f_audit.policy_version, f_audit.actor_id, f_audit.object_repr.replace(f_order.number, "N")) == (
        s_audit.decision, s_audit.policy_version, s_audit.actor_id, s_audit.object_repr.replace(s_order.number, "N"))
    assert f_audit.at >= f_order.created_at
    # the returned objects read as the stored ones
    assert fast.number == f_order.number and fast.total == f_order.total
    assert [ln.pk for ln in fast.lines.all()] == [x["id"] for x in f_lines]


def test_a_racing_repeat_with_the_same_key_returns_the_first_order(shop, monkeypatch):
    """Two requests with one Idempotency-Key: the second passes the early look-up before the first inserts, then its
    insert fails on the key; it answers the first order and leaves nothing of its own but a gap in the numbers."""
    real = services.customer_with_figures
    raced = []

    def first_request_wins_meanwhile(actor, customer_id):
        if not raced:
            raced.append(None)  # the inner (first) request passes straight through
            raced[0] = _create(shop, idempotency_key="K-1")[0]
        return real(actor, customer_id)

    monkeypatch.setattr(services, "customer_with_figures", first_request_wins_meanwhile)
    audits = AuditEntry.objects.count()
    order, created = _create(shop, idempotency_key="K-1")
    assert not created and order.pk == raced[0].pk
    assert Order.objects.filter(idempotency_key="K-1").count() == 1
    assert OrderLine.objects.filter(order__idempotency_key="K-1").count() == 2
    assert AuditEntry.objects.count() == audits + 1  # the first order's entry only


def test_a_refused_insert_stores_nothing(shop, monkeypatch):
    """The order, its lines and its audit entry are one statement: a failing line leaves no order behind."""
    from yewu.common import bulk

    real_row = bulk.Table.row

    def bad_line(self, obj):
        row = real_row(self, obj)
        if self.model is OrderLine:
            cols = [f.attname for f in self.fields]
            row = list(row)
            row[cols.index("product_id")] = 10**9  # no such product: the foreign key refuses it at the end
        return tuple(row)

    monkeypatch.setattr(bulk.Table, "row", bad_line)
    before = (Order.objects.count(), OrderLine.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Exception):  # noqa: B017 - the database's own error
        _create(shop)
    assert (Order.objects.count(), OrderLine.objects.count(), AuditEntry.objects.count()) == before


def test_the_statements_every_create_sends_are_kept_prepared_on_the_server(shop):
    from yewu.common.postgresql_backend import base as pg

    if not pg.PREPARE:
        pytest.skip("YEWU_PG_PREPARE=0")
    for _ in range(2):
        _create(shop)
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        kept = [r[0] for r in cur.fetchall()]
    assert any(s.startswith('WITH i0 AS (INSERT INTO "orders_order"') for s in kept), kept
    assert any('"orders_documentsequence"' in s for s in kept), kept
    assert any(s.startswith('SELECT "customers_customer"."id"') for s in kept), kept
