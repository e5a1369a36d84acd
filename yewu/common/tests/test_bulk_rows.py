"""yewu.common.bulk: the shortcuts of Table.row send what get_db_prep_save would send."""

from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.common import bulk
from yewu.customers.models import Contact, Customer, ImportRow, OwnershipChange


@pytest.mark.django_db
def test_empty_values_sent_as_null_are_what_the_field_sends():
    checked = 0
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy or not model._meta.managed:
            continue
        try:
            table = bulk.Table(model)
        except ValueError:  # a database default: bulk_create only
            continue
        for f, none_is_null in zip(table.fields, table._none_is_null, strict=True):
            if none_is_null:
                assert f.get_db_prep_save(None, connection) is None, f"{model.__name__}.{f.name}"
                checked += 1
    assert checked > 10


@pytest.mark.django_db
def test_plain_rows_come_back_as_they_were_sent():
    """The import's search-index rows: on PostgreSQL one composed COPY text, which must escape what COPY reads as
    syntax (backslash, tab, newline, carriage return) and keep everything else, e.g. a literal \\N."""
    values = ["b:有限", "tab\there", "new\nline", "cr\rx", "back\\slash", "\\N", "emoji🙂", "", " space ", "i:gz"]
    rows = [(v, i * 1_000_000_007) for i, v in enumerate(values)]
    with connection.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE bulk_plain_t (token varchar(64), customer_id bigint)")
        try:
            assert bulk.insert_rows("bulk_plain_t", ("token", "customer_id"), rows, plain=True) == len(rows)
            assert bulk.insert_rows("bulk_plain_t", ("token", "customer_id"), rows) == len(rows)
            cur.execute("SELECT token, customer_id FROM bulk_plain_t")
            got = cur.fetchall()
        finally:
            cur.execute("DROP TABLE bulk_plain_t")
    assert sorted(got) == sorted(rows + rows)


def test_copy_text_escapes():
    assert bulk.copy_text([("a\tb\\", 7), ("x\ny\r", -3)]) == "a\\tb\\\\\t7\nx\\ny\\r\t-3\n"


@pytest.mark.django_db
def test_row_of_values_is_the_row_of_the_instance():
    """The import builds its contacts, history, audit entries and row results as value dicts; each must give the
    row the model instance would (defaults filled, auto_now_add stamped, JSON and enums prepared)."""
    cases = [
        (Contact, {"customer_id": 7, "name": "陈先生", "mobile": "13800000000", "mobile_norm": "13800000000"}),
        (OwnershipChange, {"customer_id": 7, "to_user_id": None, "by_id": 3, "kind": OwnershipChange.Kind.FILED,
                           "rule": "cust.first_to_file"}),
        (AuditEntry, {"actor_id": 3, "actor_name": "王五", "action": "create", "object_type": "customers.customer",
                      "object_id": "7", "after": {"name": "广州恒通", "amount": "1.50", "contacts": [{"n": 1}]},
                      "decision": {"outcome": "warning"}, "policy_version": 4}),
        (ImportRow, {"job_id": 2, "row": 5, "status": "ok", "message": "已建档", "customer_id": 7}),
    ]
    for model, values in cases:
        table = bulk.Table(model)
        a, b = table.row_of(values), table.row(model(**values))
        assert len(a) == len(b) == len(table.fields)
        for f, x, y in zip(table.fields, a, b, strict=True):
            if getattr(f, "auto_now_add", False):  # stamped now, prepared as the database takes it
                assert type(x) is type(y) and x is not None
                stamped = datetime.fromisoformat(str(x)).replace(tzinfo=None)  # UTC on both databases
                assert abs(timezone.now().replace(tzinfo=None) - stamped) < timedelta(seconds=5)
            else:  # psycopg's Jsonb wraps the JSON value in .obj
                assert getattr(x, "obj", x) == getattr(y, "obj", y), f"{model.__name__}.{f.name}: {x!r} != {y!r}"
    assert bulk.Table(ImportRow).row_of({"job_id": 1, "row": 2, "status": "ok"})[3] is not None  # fields: {} default


@pytest.mark.django_db
def test_build_is_the_keyword_instance(company):
    """new_customer builds a customer a row of an import by the positional fast path; every field (defaults
    included) and the cached owner must be what ``Customer(**values)`` gives."""
    values = {"name": "广州恒通电缆厂", "city": "广州", "source": "exhibition", "demand_grade": "B", "credit_code": None,
              "name_key": "广州恒通电缆", "status": "prospect"}
    a = bulk.build(Customer, values, owner=company.sales1, created_by=company.sales1)
    b = Customer(**values, owner=company.sales1, created_by=company.sales1)
    for f in Customer._meta.concrete_fields:
        x, y = getattr(a, f.attname), getattr(b, f.attname)
        if f.attname in ("created_at", "updated_at") or callable(f.default) and "now" in getattr(f.default, "__name__", ""):
            continue
        assert x == y, f.name
    assert a._state.adding and a.owner is company.sales1  # cached: no query
    with pytest.raises(TypeError):
        bulk.build(Customer, {"nmae": "typo"})


def test_copy_text_without_escapes():
    assert bulk.copy_text([("b:有限", 7), ("i:gz", 12345678901)]) == "b:有限\t7\ni:gz\t12345678901\n"
