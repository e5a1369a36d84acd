"""The kept PostgreSQL connection's health check (yewu/common/postgresql_backend): no round trip while the
connection is idle and fine; a connection the server ended is found dead and replaced before the next request
uses it."""

import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_pg

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's health check")]


def _request_starts():
    """What Django does when a request starts (``close_old_connections``), then the request's first query."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_an_idle_healthy_connection_is_checked_without_a_statement(monkeypatch, settings):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] in (True, False)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    first = _request_starts()
    sent = []
    monkeypatch.setattr(django_pg.DatabaseWrapper, "is_usable", lambda self: sent.append(1) or True)
    assert _request_starts() == first  # the same connection, kept
    assert connection.health_check_done and sent == []  # checked, and Django's SELECT 1 was not needed


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    first = _request_starts()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [first])
    time.sleep(0.2)  # the termination notice reaches the socket
    assert not connection.is_usable()
    second = _request_starts()  # no error for the user: a new connection
    assert second != first
